"""Configuration of the image classification pipeline, in one place."""

import dataclasses

PIPELINE_NAME = "image_classification"
DEFAULT_DATA = "/usr/share/datasets/fashion-mnist"  # Debian package dataset-fashion-mnist
DATASET_NAME = "fashion-mnist"
DEFAULT_MODEL = "lenet5"  # --model: any name of keras_models.vision.zoo (`dlsuite models`)


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """What Trainer's run_fn needs; travels as Trainer's custom_config.

    The defaults are LeNet-5's; `train_config` gives another model's (MODEL_DEFAULTS).
    """

    model: str = DEFAULT_MODEL
    epochs: int = 12
    batch_size: int = 128
    optimizer: str = "adam"  # adam | adamw | sgd (with momentum)
    learning_rate: float = 2e-3  # the peak of the schedule
    momentum: float = 0.9  # sgd only
    weight_decay: float = 0.0  # decoupled weight decay (sgd, adamw)
    schedule: str = "cosine"  # cosine | step (x0.1 at 50 % and 75 % of the epochs) | constant
    warmup_epochs: float = 0.0  # linear warm-up from 0 to the peak, per step
    augment: bool = False  # random shifts (pad and crop) and horizontal flips, on the fly
    max_shift: int = 3  # pixels, with augment
    label_smoothing: float = 0.0
    early_stopping: int = 0  # stop after this many epochs without a lower eval loss (0: never)
    # auto: mixed_float16 on a GPU, float32 on CPU; or off | float16 | bfloat16.
    mixed_precision: str = "auto"
    # auto: MirroredStrategy when several GPUs are visible; mirrored: always MirroredStrategy;
    # multi_worker: MultiWorkerMirroredStrategy from TF_CONFIG, the chief alone exports.
    distribute: str = "auto"
    seed: int = 42
    # Transfer learning: start from a pushed model's weights (its SavedModel folder), and with
    # freeze_features train only the classifier (pipelines/image_classification/transfer.py).
    init_from: str = ""
    freeze_features: bool = False


# Where a model family departs from LeNet-5's defaults, looked up by the longest prefix of the model's
# name. Networks with batch normalization (ResNet, plain, DenseNet) take the papers' SGD with momentum,
# weight decay and a warm-up; those without (AlexNet, VGG, NiN, GoogLeNet) AdamW, which starts them
# without tuning. All train on shifted and flipped images. Epochs: what 2 CPU cores do in about an hour
# (ResNet-20: 30 epochs, BENCHMARKS.md); the bigger networks get fewer.
_BATCH_NORMALIZED = {
    "optimizer": "sgd",
    "learning_rate": 0.1,
    "weight_decay": 5e-4,
    "warmup_epochs": 1.0,
    "augment": True,
    "epochs": 30,
}
_NOT_NORMALIZED = {
    "optimizer": "adamw",
    "learning_rate": 1e-3,
    "weight_decay": 0.05,
    "warmup_epochs": 1.0,
    "augment": True,
    "epochs": 10,
}
MODEL_DEFAULTS = {
    "lenet5": {},
    "resnet": _BATCH_NORMALIZED,
    "plain": _BATCH_NORMALIZED,
    "densenet": {**_BATCH_NORMALIZED, "epochs": 10, "batch_size": 64},
    "alexnet": _NOT_NORMALIZED,
    "vgg": {**_NOT_NORMALIZED, "learning_rate": 1e-4},  # at 1e-3 VGG-16 never leaves ln 10
    "nin": {**_NOT_NORMALIZED, "epochs": 30},
    "googlenet": {**_NOT_NORMALIZED, "epochs": 5},
}


def model_defaults(model):
    """The MODEL_DEFAULTS entry whose key is the longest prefix of `model` ({} when none is)."""
    prefixes = [prefix for prefix in MODEL_DEFAULTS if model.startswith(prefix)]
    return MODEL_DEFAULTS[max(prefixes, key=len)] if prefixes else {}


def train_config(model=DEFAULT_MODEL, **given):
    """`model`'s TrainConfig: TrainConfig's defaults, then the model's, then `given` (None: not given)."""
    values = {**model_defaults(model), **{key: value for key, value in given.items() if value is not None}}
    return TrainConfig(model=model, **values)


@dataclasses.dataclass(frozen=True)
class EvalConfig:
    """Blessing rules: an absolute accuracy bar, and no worse than the last blessed model."""

    min_accuracy: float = 0.88
    max_accuracy_drop: float = 1e-10
    compare_with_baseline: bool = True  # False: --no-baseline
