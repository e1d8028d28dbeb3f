"""Configuration of the segmentation pipeline, in one place."""

import dataclasses

PIPELINE_NAME = "segmentation"
DEFAULT_DATA = "/usr/share/datasets/fashion-mnist"  # Debian package dataset-fashion-mnist
DATASET_NAME = "fashion-mnist"

# --model: keras_models.vision.fc_densenet's presets. fc_densenet_small is the CPU default.
MODELS = ("fc_densenet_small", "fc_densenet56", "fc_densenet67", "fc_densenet103")
DEFAULT_MODEL = "fc_densenet_small"


@dataclasses.dataclass(frozen=True)
class DataConfig:
    """What CanvasExampleGen composes."""

    train_canvases: int = 20_000
    eval_canvases: int = 2_000
    seed: int = 0


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """What Trainer's run_fn needs; travels as Trainer's custom_config."""

    model: str = DEFAULT_MODEL
    epochs: int = 4
    batch_size: int = 32
    learning_rate: float = 3e-3  # Adam's peak, cosine-decayed per epoch
    dropout: float = 0.0  # after each convolution (the paper: 0.2, on 367 CamVid images)
    mixed_precision: str = "auto"  # auto: mixed_float16 on a GPU, float32 on CPU; off | float16 | bfloat16
    seed: int = 42


@dataclasses.dataclass(frozen=True)
class EvalConfig:
    """Blessing rules: mean IoU (11 classes, background included) on the eval canvases over a bar, and
    no worse than the latest blessed model's on the same canvases."""

    min_mean_iou: float = 0.5
    max_regression: float = 1e-10
    compare_with_baseline: bool = True  # False: --no-baseline
    eval_limit: int = 0  # evaluate on the first N eval canvases; 0 = all
