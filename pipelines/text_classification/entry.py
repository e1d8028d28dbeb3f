"""What `dlsuite run text_classification` needs: arguments, data check, pipeline."""

import argparse
import os

from pipelines import flags
from pipelines.text_classification import configs

MODEL = configs.DEFAULT_MODEL
DATASET = configs.DATASET_NAME
DESCRIPTION = (
    "labelled text (AG News, SpamAssassin, fastText files) -> fastText, an LSTM, Kim's CNN, a character "
    "CNN or naive Bayes (--model) -> SavedModel on raw strings"
)
# Flags that become TrainConfig fields of the same name; None (not given) takes --model's default.
_TRAIN_FLAGS = ("top_k", *dict.fromkeys(field for fields in configs.MODEL_ONLY.values() for field in fields))
_CLASSES = {
    "fasttext": "keras_models.text.FastText",
    "lstm": "keras_models.sequence.LSTMClassifier",
    "kimcnn": "keras_models.text.kim_cnn.KimCNN (Kim 2014)",
    "charcnn": "keras_models.text.char_cnn.CharCNN (Zhang et al. 2015)",
    "naive_bayes": "keras_models.text.naive_bayes.MultinomialNaiveBayes",
}

_DATA_HELP = (
    "point --data at a folder holding train.csv (or train.txt) and dev.csv (or valid/eval/test): "
    "AG News CSV (class index,title,description; classes.txt names the classes), a CSV with a "
    "label,text header, or fastText lines (__label__X text); name the layout with --format if needed"
)

# check_data(path) only gets --data; the --format given on the same command line
# reaches it through this, set while the arguments are parsed.
_format_given = {"value": "auto"}


class DataError(ValueError):
    """--data is missing or malformed; the message says what to do."""


class _FormatAction(argparse.Action):
    def __call__(self, parser, namespace, values, option_string=None):
        _format_given["value"] = values
        setattr(namespace, self.dest, values)


def _defaults(field):
    """'default 5 (fasttext), 4 (lstm)': a flag's default for each model that uses it."""
    values = {model: getattr(configs.train_config(model), field) for model in configs.users(field)}
    if len(set(values.values())) == 1:
        return f"default {next(iter(values.values()))}"
    return "default " + ", ".join(f"{value} ({model})" for model, value in values.items())


def _models(models):
    """'fasttext', 'lstm or kimcnn', 'lstm, kimcnn or charcnn'."""
    return models[0] if len(models) == 1 else f"{', '.join(models[:-1])} or {models[-1]}"


def _only(field, what):
    return f"{what} (--model {_models(configs.users(field))} only; {_defaults(field)})"


def add_arguments(parser):
    from components.text_example_gen import formats

    data, evaluation = configs.DataConfig(), configs.EvalConfig()
    _format_given["value"] = data.data_format
    parser.add_argument(
        "--data", help=f"folder with the train and dev files (required; AG News: {configs.FETCH_HINT})"
    )
    parser.add_argument(
        "--format",
        default=data.data_format,
        choices=["auto", *formats.FORMATS],
        action=_FormatAction,
        help="layout of the files (default: told from the train file's first record)",
    )
    flags.add_max_bad_fraction_argument(parser, data.max_bad_fraction)
    classes = ", ".join(f"{model}: {name}" for model, name in _CLASSES.items())
    help_text = f"{classes} (default {configs.DEFAULT_MODEL}); flags not given take the model's defaults"
    parser.add_argument("--model", default=configs.DEFAULT_MODEL, choices=configs.MODELS, help=help_text)
    positive = flags.positive_int
    parser.add_argument("--epochs", type=positive, help=_only("epochs", "passes over the train split"))
    parser.add_argument("--batch-size", type=positive, help=_only("batch_size", "texts per step"))
    parser.add_argument("--dim", type=positive, help=_only("dim", "word embedding size"))
    parser.add_argument(
        "--lr",
        type=flags.positive_float,
        help=_only("lr", "fastText's per-example learning rate, the other models' peak one"),
    )
    parser.add_argument("--optimizer", choices=["sgd", "adam"], help=_only("optimizer", "optimizer"))
    parser.add_argument("--word-ngrams", type=positive, help=_only("word_ngrams", "fastText's -wordNgrams"))
    parser.add_argument("--buckets", type=positive, help=_only("buckets", "fastText's -bucket"))
    parser.add_argument("--loss", choices=["softmax", "hs"], help=_only("loss", "fastText's loss"))
    parser.add_argument("--units", type=positive, help=_only("units", "LSTM state size per direction"))
    parser.add_argument(
        "--bidirectional",
        action=argparse.BooleanOptionalAction,
        help=_only("bidirectional", "also read each text backwards"),
    )
    parser.add_argument(
        "--max-length",
        type=positive,
        help=_only("max_length", "words kept per text (characters for charcnn)"),
    )
    parser.add_argument("--dropout", type=flags.fraction, help=_only("dropout", "dropout rate, below 1"))
    parser.add_argument(
        "--kim-variant",
        choices=configs.KIM_VARIANTS,
        help=_only(
            "kim_variant",
            "Kim's word vectors: rand (random, trained), static (pretrained, frozen), non-static "
            "(pretrained, fine-tuned), multichannel (one frozen and one fine-tuned copy)",
        ),
    )
    parser.add_argument(
        "--word-vectors",
        metavar="PATH",
        help="pretrained vectors of --kim-variant static, non-static and multichannel: a word2vec text "
        "file (`word v1 v2 ...` lines, an optional `count dim` first line); without it the Trainer "
        "trains word2vec (--dim) on the train texts first (--model kimcnn only)",
    )
    parser.add_argument(
        "--char-size",
        choices=configs.CHAR_SIZES,
        help=_only("char_size", "the paper's small (256 features, 1024 units) or large (1024, 2048) model"),
    )
    parser.add_argument(
        "--alpha",
        type=flags.positive_float,
        help=_only("alpha", "additive smoothing of the word counts (1: Laplace)"),
    )
    flags.add_precision_argument(parser, default=None)
    top_k = configs.TrainConfig.top_k
    parser.add_argument(
        "--top-k", type=positive, default=top_k, help=f"labels classify_text returns (default {top_k})"
    )
    flags.add_blessing_arguments(parser, min_accuracy=evaluation.min_accuracy)


def check_args(args):
    """Raises ValueError for a flag of another model, a dropout of 1 or unusable --word-vectors."""
    wrong = {}  # the models a wrongly given flag applies to -> those flags
    for field in _TRAIN_FLAGS:
        if getattr(args, field) is not None and args.model not in configs.users(field):
            wrong.setdefault(configs.users(field), []).append(f"--{field.replace('_', '-')}")
    if wrong:
        given = "; ".join(
            f"{', '.join(names)} applies to --model {_models(m)} only" for m, names in wrong.items()
        )
        raise ValueError(f"{given}; leave it out with --model {args.model}.")
    if args.dropout is not None and args.dropout >= 1:
        raise ValueError(f"--dropout must be below 1 (1 drops everything), got {args.dropout}.")
    shortest = configs.MIN_LENGTH.get(args.model, 1)
    if args.max_length is not None and args.max_length < shortest:
        raise ValueError(
            f"--max-length must be at least {shortest} for --model {args.model}, got {args.max_length}."
        )
    if args.word_vectors is not None:
        if (args.kim_variant or configs.TrainConfig.kim_variant) == "rand":
            raise ValueError(
                "--word-vectors gives pretrained vectors, which --kim-variant rand does not use; "
                "pick --kim-variant static, non-static or multichannel, or leave it out."
            )
        _check_word_vectors(args.word_vectors)


def _check_word_vectors(path):
    """Raises ValueError unless `path` starts like a word2vec text file (its first vector line)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = [line.split() for _, line in zip(range(2), f)]
    except OSError as e:
        raise ValueError(f"--word-vectors {path}: cannot read it ({e.strerror}).") from None
    if lines and len(lines[0]) == 2 and all(field.isdigit() for field in lines[0]):
        lines = lines[1:]  # word2vec's `count dim` header
    try:
        ok = bool(lines) and len(lines[0]) >= 2 and [float(v) for v in lines[0][1:]]
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(
            f"--word-vectors {path}: expected a word2vec text file, `word v1 v2 ...` lines "
            "(an optional `count dim` first line)."
        )


def check_data(path):
    """Raises DataError unless `path` holds a train and an eval file in a layout we read."""
    from components.text_example_gen import formats

    if path is None:
        raise DataError(
            f"text_classification needs --data DIR; {_DATA_HELP}. No data yet? Fetch AG News: "
            f"{configs.FETCH_HINT} (TFDS: needs network and pip install -e '.[data]'), then pass "
            "--data data/ag_news."
        )
    if not os.path.isdir(path):
        raise DataError(f"--data {path}: no such folder; {_DATA_HELP}.")
    try:
        splits = formats.find_splits(path)
        data_format = _format_given["value"]
        if data_format == "auto":
            data_format = formats.detect_format(splits["train"])
        for split, file in splits.items():
            if next(formats.read_rows(file, data_format), None) is None:
                raise formats.TextFormatError(f"{file} holds no records; the {split} split needs some")
    except (formats.TextFormatError, OSError) as e:
        raise DataError(f"--data {path}: {e}. {_DATA_HELP[0].upper()}{_DATA_HELP[1:]}.") from None


def create(args, paths):
    from components.text_example_gen import formats

    data_root = os.path.abspath(args.data)
    splits = formats.find_splits(data_root)
    return build(
        args,
        pipeline_root=paths.pipeline_root,
        data_root=data_root,
        train_pattern=os.path.basename(splits["train"]),
        eval_pattern=os.path.basename(splits["eval"]),
        serving_model_dir=os.path.join(paths.serving_root, args.model),
        metadata_path=paths.metadata,
    )


def train_config(args):
    """The TrainConfig of the parsed flags: --model's defaults where a flag was not given."""
    given = {flag: getattr(args, flag) for flag in _TRAIN_FLAGS}
    if given.get("word_vectors"):
        given["word_vectors"] = os.path.abspath(given["word_vectors"])  # the Trainer may run elsewhere
    return configs.train_config(args.model, **given)


def build(args, **locations):
    """The pipeline from the parsed flags, at `locations` (roots, data, metadata) as its runner sees them."""
    from pipelines.text_classification import pipeline

    return pipeline.create_pipeline(
        data_config=configs.DataConfig(data_format=args.format, max_bad_fraction=args.max_bad_fraction),
        train_config=train_config(args),
        eval_config=configs.EvalConfig(
            min_accuracy=args.min_accuracy, compare_with_baseline=not args.no_baseline
        ),
        beam_pipeline_args=args.beam_args,
        **locations,
    )
