"""What `dlsuite run text_classification` needs: arguments, data check, pipeline."""

import argparse
import os

from pipelines import flags
from pipelines.text_classification import configs

MODEL = "fasttext"
DATASET = configs.DATASET_NAME
DESCRIPTION = "labelled text (AG News, SpamAssassin, fastText files) -> fastText -> SavedModel on raw strings"

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


def add_arguments(parser):
    from components.text_example_gen import formats

    train, data, evaluation = configs.TrainConfig(), configs.DataConfig(), configs.EvalConfig()
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
    parser.add_argument(
        "--max-bad-fraction",
        type=flags.fraction,
        default=data.max_bad_fraction,
        help="a split with a larger fraction of bad rows (missing label, empty text) stops the run",
    )
    flags.add_training_arguments(parser, epochs=train.epochs, batch_size=train.batch_size)
    positive = flags.positive_int
    parser.add_argument("--dim", type=positive, default=train.dim, help="embedding size (fastText's -dim)")
    parser.add_argument(
        "--word-ngrams", type=positive, default=train.word_ngrams, help="fastText's -wordNgrams"
    )
    parser.add_argument("--buckets", type=positive, default=train.buckets, help="fastText's -bucket")
    parser.add_argument(
        "--lr", type=flags.positive_float, default=train.lr, help="fastText's per-example learning rate"
    )
    parser.add_argument("--loss", default=train.loss, choices=["softmax", "hs"])
    parser.add_argument("--optimizer", default=train.optimizer, choices=["sgd", "adam"])
    parser.add_argument("--top-k", type=positive, default=train.top_k, help="labels classify_text returns")
    flags.add_blessing_arguments(parser, min_accuracy=evaluation.min_accuracy)


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
        serving_model_dir=os.path.join(paths.serving_root, MODEL),
        metadata_path=paths.metadata,
    )


def build(args, **locations):
    """The pipeline from the parsed flags, at `locations` (roots, data, metadata) as its runner sees them."""
    from pipelines.text_classification import pipeline

    return pipeline.create_pipeline(
        data_config=configs.DataConfig(data_format=args.format, max_bad_fraction=args.max_bad_fraction),
        train_config=configs.TrainConfig(
            epochs=args.epochs,
            dim=args.dim,
            word_ngrams=args.word_ngrams,
            buckets=args.buckets,
            lr=args.lr,
            loss=args.loss,
            optimizer=args.optimizer,
            batch_size=args.batch_size,
            top_k=args.top_k,
        ),
        eval_config=configs.EvalConfig(
            min_accuracy=args.min_accuracy, compare_with_baseline=not args.no_baseline
        ),
        beam_pipeline_args=args.beam_args,
        **locations,
    )
