"""Configuration of the image classification pipeline, in one place."""

import dataclasses

PIPELINE_NAME = "image_classification"
DEFAULT_DATA = "/usr/share/datasets/fashion-mnist"  # Debian package dataset-fashion-mnist
DATASET_NAME = "fashion-mnist"


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """What Trainer's run_fn needs; travels as Trainer's custom_config."""

    model: str = "lenet5"
    epochs: int = 10
    batch_size: int = 128
    learning_rate: float = 2e-3
    # auto: mixed_float16 on a GPU, float32 on CPU; or off | float16 | bfloat16.
    mixed_precision: str = "auto"
    # LeNet-5 knobs: the paper's tanh + average pooling by default.
    activation: str = "tanh"
    pooling: str = "avg"
    seed: int = 42


@dataclasses.dataclass(frozen=True)
class EvalConfig:
    """Blessing rules: an absolute accuracy bar, and no worse than the last blessed model."""

    min_accuracy: float = 0.88
    max_accuracy_drop: float = 1e-10
