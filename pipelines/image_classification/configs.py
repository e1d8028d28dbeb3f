"""Configuration of the image classification pipeline, in one place."""

import dataclasses

PIPELINE_NAME = "image_classification"
DEFAULT_DATA = "/usr/share/datasets/fashion-mnist"  # Debian package dataset-fashion-mnist
DATASET_NAME = "fashion-mnist"


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """What Trainer's run_fn needs; travels as Trainer's custom_config."""

    model: str = "lenet5"
    epochs: int = 12
    batch_size: int = 128
    learning_rate: float = 2e-3  # peak of a per-epoch cosine decay
    # auto: mixed_float16 on a GPU, float32 on CPU; or off | float16 | bfloat16.
    mixed_precision: str = "auto"
    # auto: MirroredStrategy when several GPUs are visible; mirrored: always MirroredStrategy;
    # multi_worker: MultiWorkerMirroredStrategy from TF_CONFIG, the chief alone exports.
    distribute: str = "auto"
    # LeNet-5's modern variant: ReLU and max pooling reach 0.907 on Fashion-MNIST
    # in 12 epochs where the paper's tanh and average pooling reach 0.894 in 15
    # (BENCHMARKS.md); pass activation="tanh", pooling="avg" for the original.
    activation: str = "relu"
    pooling: str = "max"
    seed: int = 42


@dataclasses.dataclass(frozen=True)
class EvalConfig:
    """Blessing rules: an absolute accuracy bar, and no worse than the last blessed model."""

    min_accuracy: float = 0.88
    max_accuracy_drop: float = 1e-10
    compare_with_baseline: bool = True  # False: --no-baseline
