"""Configuration of the word_embeddings pipeline, in one place."""

import dataclasses

PIPELINE_NAME = "word_embeddings"
DATASET_NAME = "moby_dick"  # the corpus it is built and benchmarked on; --data is required

MODELS = ("word2vec", "glove", "doc2vec")  # keras_models.text.Word2Vec, GloVe, Doc2Vec
DEFAULT_MODEL = "word2vec"
FORMATS = ("auto", "text", "ag_news", "label_text", "fasttext", "lines")  # text: CorpusExampleGen


@dataclasses.dataclass(frozen=True)
class DataConfig:
    """How --data is read: a plain-text corpus (CorpusExampleGen) or train/dev files (TextExampleGen)."""

    data_format: str = "auto"  # auto: `text` for a file or a folder without train/dev files
    chunk_chars: int = 2000  # `text`: characters per record (a doc2vec document)
    eval_fraction: float = 0.1  # `text`: the end of the corpus held out
    max_bad_fraction: float = 0.01  # train/dev files: a split with more bad rows stops the run


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """What Trainer's run_fn needs; travels as Trainer's custom_config.

    gensim's knob names and defaults for word2vec and doc2vec (but PV-DBOW, the faster mode, which the
    pipeline's figures were measured with; PV-DM classifies AG News better: BENCHMARKS.md), GloVe's own
    for its fields.
    """

    model: str = DEFAULT_MODEL
    dim: int = 100
    window: int = 5  # context words each side (GloVe: 10)
    min_count: int = 5  # words seen fewer times in the train split are dropped
    epochs: int = 5  # passes (GloVe: 25, doc2vec: 10)
    architecture: str = "skipgram"  # word2vec: skipgram | cbow
    loss: str = "ns"  # word2vec / doc2vec: ns (negative sampling) | hs (hierarchical softmax)
    negative: int = 5
    sample: float = 1e-3  # frequent-word subsampling threshold (0: off)
    alpha: float = 0.025  # word2vec / doc2vec learning rate, decayed linearly to min_alpha
    min_alpha: float = 1e-4
    doc2vec_mode: str = "pv_dbow"  # doc2vec: pv_dm | pv_dbow
    dbow_words: bool = False  # pv_dbow: also train skip-gram word vectors (gensim default: off)
    x_max: float = 100.0  # GloVe's weighting: f(x) = min(1, (x / x_max) ** weighting_power)
    weighting_power: float = 0.75  # GloVe's alpha
    learning_rate: float = 0.05  # GloVe's AdaGrad step
    top_k: int = 10  # neighbours `nearest` returns
    seed: int = 1


# Where a model departs from the defaults above: GloVe's window and epochs (its paper's), doc2vec's
# epochs (gensim's Doc2Vec default).
MODEL_DEFAULTS = {"word2vec": {}, "glove": {"window": 10, "epochs": 25}, "doc2vec": {"epochs": 10}}
# TrainConfig fields only some models use: giving one for another model is a usage error.
FIELD_MODELS = {
    "architecture": ("word2vec",),
    **dict.fromkeys(("loss", "negative", "sample", "alpha", "min_alpha"), ("word2vec", "doc2vec")),
    **dict.fromkeys(("doc2vec_mode", "dbow_words"), ("doc2vec",)),
    **dict.fromkeys(("x_max", "weighting_power", "learning_rate"), ("glove",)),
}


def train_config(model=DEFAULT_MODEL, **given):
    """`model`'s TrainConfig: TrainConfig's defaults, then the model's, then `given` (None: not given)."""
    values = {**MODEL_DEFAULTS[model], **{key: value for key, value in given.items() if value is not None}}
    return TrainConfig(model=model, **values)


# The blessing bars when not given. WordSim353 Spearman rho for word vectors: a random embedding
# scores 0 +- 0.1; word2vec's defaults reach 0.25 on the benchmark corpus (Moby-Dick, AG News and
# SpamAssassin; BENCHMARKS.md). doc2vec: the MRR of finding each eval document's second half from its
# first half among the eval documents' second halves (chance: about ln(N) / N, 0.007 for 1,000
# documents); 0.13 on that corpus's 2,000-character records, 0.14 on 120 short AG News texts.
MIN_RHO = 0.1
MIN_DOCUMENT_MRR = 0.1


@dataclasses.dataclass(frozen=True)
class EvalConfig:
    """Blessing rules: a bar on the headline metric, and no worse than the last blessed model."""

    min_rho: float = MIN_RHO
    min_document_mrr: float = MIN_DOCUMENT_MRR
    min_pairs: int = 20  # fewer known WordSim353 pairs: rho is not measured, the model not blessed
    max_regression: float = 0.02  # rho on ~200 pairs moves by ~0.01 from seed to seed
    compare_with_baseline: bool = True  # False: --no-baseline
