"""Configuration of the text classification pipeline, in one place."""

import dataclasses

PIPELINE_NAME = "text_classification"
DATASET_NAME = "ag_news"  # the data set it is built and benchmarked on; --data is required
FETCH_HINT = "dlsuite data fetch ag_news data/ag_news"


@dataclasses.dataclass(frozen=True)
class DataConfig:
    """How TextExampleGen reads --data."""

    data_format: str = "auto"  # auto | ag_news | label_text | fasttext
    max_bad_fraction: float = 0.01  # a split with more bad rows stops the run


MODELS = ("fasttext", "lstm")  # --model: keras_models.text.FastText, keras_models.sequence.LSTMClassifier
DEFAULT_MODEL = "fasttext"


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """What Trainer's run_fn needs; travels as Trainer's custom_config.

    The defaults are fastText's (its knobs, its names); `train_config` gives another model's.
    """

    model: str = DEFAULT_MODEL
    dim: int = 10  # embedding size
    word_ngrams: int = 2  # fastText only
    buckets: int = 2_000_000  # fastText only
    lr: float = 0.25  # fastText's per-example learning rate, decayed linearly to 0; the LSTM's peak
    epochs: int = 5
    loss: str = "softmax"  # softmax | hs; fastText only
    optimizer: str = "sgd"  # sgd | adam
    min_count: int = 1
    batch_size: int = 256
    top_k: int = 3  # labels classify_text returns (at most the number of classes)
    seed: int = 42
    units: int = 64  # LSTM only: state size per direction
    bidirectional: bool = True  # LSTM only
    max_length: int = 64  # LSTM only: words kept per text (95 % of AG News texts have fewer)
    dropout: float = 0.5  # LSTM only: on the embeddings and the LSTM's last state
    mixed_precision: str = "auto"  # LSTM only: auto = mixed_float16 on a GPU, float32 on CPU


# Where --model lstm departs from the defaults above: Adam from 0.002, cosine-decayed per epoch,
# 4 epochs of batches of 64 (on AG News the dev accuracy peaks by epoch 3-4, then it overfits).
MODEL_DEFAULTS = {
    "fasttext": {},
    "lstm": {"dim": 100, "lr": 0.002, "epochs": 4, "batch_size": 64, "optimizer": "adam"},
}
# TrainConfig fields one model alone uses: giving them for the other is a usage error.
MODEL_ONLY = {
    "fasttext": ("word_ngrams", "buckets", "loss"),
    "lstm": ("units", "bidirectional", "max_length", "dropout", "mixed_precision"),
}


def train_config(model=DEFAULT_MODEL, **given):
    """`model`'s TrainConfig: TrainConfig's defaults, then the model's, then `given` (None: not given)."""
    values = {**MODEL_DEFAULTS[model], **{key: value for key, value in given.items() if value is not None}}
    return TrainConfig(model=model, **values)


@dataclasses.dataclass(frozen=True)
class EvalConfig:
    """Blessing rules: an absolute accuracy bar, and no worse than the last blessed model."""

    min_accuracy: float = 0.85
    max_accuracy_drop: float = 1e-10
    compare_with_baseline: bool = True  # False: --no-baseline
