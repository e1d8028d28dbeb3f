"""Configuration of the embeddings pipeline, in one place."""

import dataclasses

PIPELINE_NAME = "embeddings"
DATASET_NAME = "ag_news"  # the data set it is built and benchmarked on; --data is required

TRAIN_MODES = (0, 1, 3, 5)  # StarSpace's trainMode: text -> label, items -> item, pairs, word <- context
# What each trainMode reads when --format is not given (TextExampleGen layouts).
DEFAULT_FORMATS = {0: "auto", 1: "lines", 3: "lines", 5: "lines"}
# The blessing bar on eval MRR per trainMode, when --min-mrr is not given: above a popularity or
# chance ranking on the data it is built on (AG News, the generated interactions, Moby Dick).
MIN_MRR = {0: 0.8, 1: 0.12, 3: 0.5, 5: 0.02}
# Where a trainMode departs from StarSpace's defaults (TrainConfig), measured (BENCHMARKS.md): ranking
# a user's next item needs the items' popularity, which a softmax over dot products keeps and the
# hinge loss over cosines throws away (generated interactions: MRR 0.18 against 0.08).
# Retrieval (3) mixes the learned similarity with a TF-IDF cosine: 0.9 of TF-IDF is the best of 0-0.99
# on a tenth of the AG News train pairs held out (MRR 0.41 learned alone, 0.736 mixed).
# Classification (0) with a softmax over the labels: AG News dev accuracy 0.877 against the hinge
# loss's 0.851 (StarSpace C++: 0.846 and 0.859; our fastText 0.882).
MODE_DEFAULTS = {
    0: {"loss": "softmax"},
    1: {"loss": "softmax", "similarity": "dot", "epoch": 20},
    3: {"lexical_weight": 0.9},
}


@dataclasses.dataclass(frozen=True)
class DataConfig:
    """How TextExampleGen reads --data."""

    data_format: str = "auto"  # auto | ag_news | label_text | fasttext | lines
    max_bad_fraction: float = 0.01  # a split with more bad rows stops the run


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """What Trainer's run_fn needs; travels as Trainer's custom_config.

    StarSpace's knobs under its names (snake case) and defaults; see keras_models.text.StarSpace.
    """

    train_mode: int = 0
    dim: int = 100
    ngrams: int = 1
    bucket: int = 2_000_000
    similarity: str = "cosine"  # cosine | dot
    loss: str = "hinge"  # hinge | softmax
    margin: float = 0.05
    p: float = 0.5  # dot similarity: a bag's sum is divided by its size ** p
    max_neg_samples: int = 10
    neg_search_limit: int = 50
    adagrad: bool = True
    lr: float = 0.01
    epoch: int = 5
    ws: int = 5  # trainMode 5: context words each side
    lexical_weight: float = 0.0  # the TF-IDF cosine's share of the similarity (not StarSpace's)
    batch_size: int = 32
    min_count: int = 1
    top_k: int = 10  # candidates `retrieve` returns
    seed: int = 42


def train_config(train_mode=0, **given):
    """`train_mode`'s TrainConfig: StarSpace's defaults, then the mode's, then `given` (None: not given)."""
    values = {
        **MODE_DEFAULTS.get(train_mode, {}),
        **{key: value for key, value in given.items() if value is not None},
    }
    return TrainConfig(train_mode=train_mode, **values)


@dataclasses.dataclass(frozen=True)
class EvalConfig:
    """Blessing rules: an MRR bar on the eval split, and no worse than the last blessed model."""

    min_mrr: float = 0.5
    max_regression: float = 1e-10
    compare_with_baseline: bool = True  # False: --no-baseline
