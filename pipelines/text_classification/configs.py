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


# --model: keras_models.text.FastText, keras_models.sequence.LSTMClassifier, keras_models.text.kim_cnn.KimCNN,
# keras_models.text.char_cnn.CharCNN, keras_models.text.naive_bayes.MultinomialNaiveBayes
MODELS = ("fasttext", "lstm", "kimcnn", "charcnn", "naive_bayes")
DEFAULT_MODEL = "fasttext"
KIM_VARIANTS = ("rand", "static", "non-static", "multichannel")
CHAR_SIZES = ("small", "large")


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """What Trainer's run_fn needs; travels as Trainer's custom_config.

    The defaults are fastText's (its knobs, its names); `train_config` gives another model's.
    """

    model: str = DEFAULT_MODEL
    dim: int = 10  # embedding size
    word_ngrams: int = 2  # fastText only
    buckets: int = 2_000_000  # fastText only
    lr: float = 0.25  # fastText's per-example learning rate, decayed linearly to 0; the others' peak
    epochs: int = 5
    loss: str = "softmax"  # softmax | hs; fastText only
    optimizer: str = "sgd"  # sgd | adam
    min_count: int = 1
    batch_size: int = 256
    top_k: int = 3  # labels classify_text returns (at most the number of classes)
    seed: int = 42
    units: int = 64  # LSTM only: state size per direction
    bidirectional: bool = True  # LSTM only
    max_length: int = 64  # words kept per text (95 % of AG News texts have fewer); characters for charcnn
    dropout: float = 0.5  # LSTM: on the embeddings and its last state; CNNs: before their dense layers
    mixed_precision: str = "auto"  # LSTM, CNNs: auto = mixed_float16 on a GPU, float32 on CPU
    kim_variant: str = "rand"  # kimcnn only: rand | static | non-static | multichannel
    word_vectors: str | None = None  # kimcnn only: word2vec text file; None: word2vec on the train texts
    char_size: str = "small"  # charcnn only: small | large
    alpha: float = 1.0  # naive_bayes only: additive (Laplace) smoothing


# Where a model departs from the defaults above. LSTM: Adam from 0.002, cosine-decayed per epoch, 4
# epochs of batches of 64 (on AG News the dev accuracy peaks by epoch 3-4, then it overfits). KimCNN:
# Kim's 300-dimensional vectors and batches of 50, Adam (for his Adadelta) from 0.001, cosine-decayed,
# 6 epochs (~1 min on 2 CPU cores; AG News dev still rises at 4). CharCNN: the paper's 1014
# characters and batches of 128, Adam from 0.001, cosine-decayed, 10 epochs (~10-17 min on 2 CPU
# cores); AG News's 5,192 texts are too few for it (dev ~0.42; batches of 32 overfit at the same
# level): the paper's model wants hundreds of thousands. Naive Bayes counts once.
MODEL_DEFAULTS = {
    "fasttext": {},
    "lstm": {"dim": 100, "lr": 0.002, "epochs": 4, "batch_size": 64, "optimizer": "adam"},
    "kimcnn": {"dim": 300, "lr": 0.001, "epochs": 6, "batch_size": 50, "optimizer": "adam"},
    "charcnn": {"lr": 0.001, "epochs": 10, "batch_size": 128, "optimizer": "adam", "max_length": 1014},
    "naive_bayes": {"epochs": 1},
}
_GRADIENTS = ("epochs", "batch_size", "lr", "optimizer")  # what every model trained by gradients takes
# TrainConfig fields only some models use, model -> the ones it uses: giving one to a model that does
# not use it is a usage error. Fields in no list (top_k, seed, min_count) apply to every model.
MODEL_ONLY = {
    "fasttext": (*_GRADIENTS, "dim", "word_ngrams", "buckets", "loss"),
    "lstm": (*_GRADIENTS, "dim", "units", "bidirectional", "max_length", "dropout", "mixed_precision"),
    "kimcnn": (*_GRADIENTS, "dim", "max_length", "dropout", "mixed_precision", "kim_variant", "word_vectors"),
    "charcnn": (*_GRADIENTS, "max_length", "dropout", "mixed_precision", "char_size"),
    "naive_bayes": ("alpha",),
}


# The shortest --max-length each CNN takes: KimCNN's widest filter (5 words), and the 123 characters
# CharCNN's six convolutions and three poolings need to leave one frame.
MIN_LENGTH = {"kimcnn": 5, "charcnn": 123}


def users(field):
    """The models that use TrainConfig `field` (all of them for a field in no MODEL_ONLY list)."""
    using = tuple(model for model in MODELS if field in MODEL_ONLY[model])
    return using or MODELS


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
