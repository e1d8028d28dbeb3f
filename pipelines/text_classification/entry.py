"""What `dlsuite run text_classification` needs: arguments, data check, pipeline."""

import argparse
import os

from pipelines import flags
from pipelines.text_classification import configs

MODEL = configs.DEFAULT_MODEL
DATASET = configs.DATASET_NAME
DESCRIPTION = (
    "labelled text (AG News, SpamAssassin, fastText files) -> fastText or an LSTM (--model) -> "
    "SavedModel on raw strings"
)
# Flags that become TrainConfig fields of the same name; None (not given) takes --model's default.
_TRAIN_FLAGS = (
    *("epochs", "batch_size", "dim", "lr", "optimizer", "top_k"),
    *(field for fields in configs.MODEL_ONLY.values() for field in fields),
)

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
    values = {model: getattr(configs.train_config(model), field) for model in configs.MODELS}
    if len(set(values.values())) == 1:
        return f"default {values[configs.DEFAULT_MODEL]}"
    return "default " + ", ".join(f"{value} ({model})" for model, value in values.items())


def _only(model, field, what):
    return f"{what} (--model {model} only; {_defaults(field)})"


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
    classes = "fasttext: keras_models.text.FastText, lstm: keras_models.sequence.LSTMClassifier"
    help_text = f"{classes} (default {configs.DEFAULT_MODEL}); flags not given take the model's defaults"
    parser.add_argument("--model", default=configs.DEFAULT_MODEL, choices=configs.MODELS, help=help_text)
    positive = flags.positive_int
    parser.add_argument("--epochs", type=positive, help=_defaults("epochs"))
    parser.add_argument("--batch-size", type=positive, help=_defaults("batch_size"))
    parser.add_argument("--dim", type=positive, help=f"embedding size ({_defaults('dim')})")
    parser.add_argument(
        "--lr",
        type=flags.positive_float,
        help=f"fastText's per-example learning rate, the LSTM's peak one ({_defaults('lr')})",
    )
    parser.add_argument("--optimizer", choices=["sgd", "adam"], help=_defaults("optimizer"))
    parser.add_argument(
        "--word-ngrams", type=positive, help=_only("fasttext", "word_ngrams", "fastText's -wordNgrams")
    )
    parser.add_argument("--buckets", type=positive, help=_only("fasttext", "buckets", "fastText's -bucket"))
    parser.add_argument(
        "--loss", choices=["softmax", "hs"], help=_only("fasttext", "loss", "fastText's loss")
    )
    parser.add_argument(
        "--units", type=positive, help=_only("lstm", "units", "LSTM state size per direction")
    )
    parser.add_argument(
        "--bidirectional",
        action=argparse.BooleanOptionalAction,
        help=_only("lstm", "bidirectional", "also read each text backwards"),
    )
    parser.add_argument(
        "--max-length", type=positive, help=_only("lstm", "max_length", "words kept per text")
    )
    parser.add_argument(
        "--dropout", type=flags.fraction, help=_only("lstm", "dropout", "dropout rate, below 1")
    )
    flags.add_precision_argument(parser, default=None)
    top_k = configs.TrainConfig.top_k
    parser.add_argument(
        "--top-k", type=positive, default=top_k, help=f"labels classify_text returns (default {top_k})"
    )
    flags.add_blessing_arguments(parser, min_accuracy=evaluation.min_accuracy)


def check_args(args):
    """Raises ValueError for a flag of the other model, or a dropout of 1."""
    for model, fields in configs.MODEL_ONLY.items():
        given = [f"--{field.replace('_', '-')}" for field in fields if getattr(args, field) is not None]
        if model != args.model and given:
            raise ValueError(
                f"{', '.join(given)} applies to --model {model} only; leave it out with --model {args.model}."
            )
    if args.dropout is not None and args.dropout >= 1:
        raise ValueError(f"--dropout must be below 1 (1 drops everything), got {args.dropout}.")


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
    return configs.train_config(args.model, **{flag: getattr(args, flag) for flag in _TRAIN_FLAGS})


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
