"""Configuration of the autoencoder pipeline, in one place."""

import dataclasses

PIPELINE_NAME = "autoencoder"
DEFAULT_DATA = "/usr/share/datasets/fashion-mnist"  # Debian package dataset-fashion-mnist
DATASET_NAME = "fashion-mnist"

# --model names -> the keras_models.autoencoders class and its constructor arguments.
MODELS = {
    "ae": ("Autoencoder", {"architecture": "dense"}),
    "conv_ae": ("Autoencoder", {"architecture": "conv"}),
    "dae": ("DenoisingAutoencoder", {"architecture": "conv"}),
    "sparse_ae": ("SparseAutoencoder", {}),
    "psd": ("PSD", {}),
    "vae": ("VAE", {}),
    "swwae": ("SWWAE", {}),
}
DEFAULT_MODEL = "conv_ae"


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """What Trainer's run_fn needs; travels as Trainer's custom_config."""

    model: str = DEFAULT_MODEL
    epochs: int = 10
    batch_size: int = 128
    learning_rate: float = 1e-3  # peak of a per-epoch cosine decay
    latent_dim: int = 0  # 0: the model's default size
    mixed_precision: str = "auto"  # auto: mixed_float16 on a GPU, float32 on CPU; off | float16 | bfloat16
    normal_classes: tuple = ()  # train on these classes only (anomaly detection); () = all
    seed: int = 42


@dataclasses.dataclass(frozen=True)
class EvalConfig:
    """Blessing rules: a bar on the eval split, and no worse than the last blessed model of the same kind.

    The VAE is judged on its ELBO (nats per image, higher is better), every other model on its
    reconstruction MSE (per pixel, pixels in [0, 1], lower is better).
    """

    max_mse: float = 0.03
    min_elbo: float = -300.0
    max_regression: float = 1e-10  # how much worse than the baseline a blessed model may be
    compare_with_baseline: bool = True  # False: --no-baseline
    eval_limit: int = 0  # evaluate on the first N eval examples; 0 = all
