"""Configuration of the GAN pipeline, in one place."""

import dataclasses

PIPELINE_NAME = "gan"
DEFAULT_DATA = "/usr/share/datasets/fashion-mnist"  # Debian package dataset-fashion-mnist
DATASET_NAME = "fashion-mnist"

# --model names -> (keras_models.generative class, epochs that reach the blessing bar on 2 CPU cores).
MODELS = {
    "gan": ("GAN", 30),
    "dcgan": ("DCGAN", 10),
    "ebgan": ("EBGAN", 10),
    "cyclegan": ("CycleGAN", 20),
}
DEFAULT_MODEL = "dcgan"
DEFAULT_DOMAINS = (7, 9)  # CycleGAN: sneakers <-> ankle boots


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """What Trainer's run_fn needs; travels as Trainer's custom_config."""

    model: str = DEFAULT_MODEL
    epochs: int = 0  # 0: the model's default (MODELS)
    batch_size: int = 128
    domains: tuple = DEFAULT_DOMAINS  # CycleGAN's classes a and b
    mixed_precision: str = "auto"  # auto: mixed_float16 on a GPU, float32 on CPU; off | float16 | bfloat16
    seed: int = 42


@dataclasses.dataclass(frozen=True)
class EvalConfig:
    """Blessing rules: a Fréchet distance bar (CycleGAN: a translation bar), and no worse than the latest
    blessed model of the same kind."""

    max_fid: float = 5.0  # measured: MLP GAN 3.7, DCGAN 2.6, uniform noise 122, held-out real 0.06
    min_target_fraction: float = 0.8
    num_samples: int = 10_000
    compare_with_baseline: bool = True
