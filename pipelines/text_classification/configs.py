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


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """What Trainer's run_fn needs; travels as Trainer's custom_config. fastText's knobs, fastText's names."""

    model: str = "fasttext"
    dim: int = 10
    word_ngrams: int = 2
    buckets: int = 2_000_000
    lr: float = 0.25  # fastText's per-example learning rate, decayed linearly to 0
    epochs: int = 5
    loss: str = "softmax"  # softmax | hs
    optimizer: str = "sgd"  # sgd | adam
    min_count: int = 1
    batch_size: int = 256
    top_k: int = 3  # labels classify_text returns (at most the number of classes)
    seed: int = 42


@dataclasses.dataclass(frozen=True)
class EvalConfig:
    """Blessing rules: an absolute accuracy bar, and no worse than the last blessed model."""

    min_accuracy: float = 0.85
    max_accuracy_drop: float = 1e-10
    compare_with_baseline: bool = True  # False: --no-baseline
