"""What `dlsuite run embeddings` needs: arguments, data check, pipeline."""

import argparse
import dataclasses
import os

from pipelines import flags
from pipelines.embeddings import configs

MODEL = "starspace"
DATASET = configs.DATASET_NAME
DESCRIPTION = (
    "labelled text, user items or sentence pairs (--train-mode 0, 1, 3, 5) -> StarSpace -> hits@k and MRR "
    "against all eval candidates -> SavedModel with embed / retrieve / predict"
)
HEADLINE = ("mrr", "hits@1", "hits@10", "reference_mrr")  # metrics the run's last line shows

_DATA_HELP = (
    "point --data at a folder holding train.txt (or train.csv) and dev.txt (or valid/eval/test): for "
    "--train-mode 0 labelled text (AG News CSV, a label,text CSV or fastText lines), for 1 a user's "
    "space-separated items per line, for 3 tab-separated sentences per line (or AG News CSV: title -> "
    "description), for 5 plain text"
)
_MODES_HELP = "StarSpace's trainMode: 0 text -> label, 1 a user's items -> a held-out item, 3 sentence -> "
_MODES_HELP += "another sentence of its line, 5 a word's context -> the word"


class DataError(ValueError):
    """--data is missing or not in a layout --train-mode reads; the message says what to do."""


def add_arguments(parser):
    from components.text_example_gen import formats

    data = configs.DataConfig()
    parser.add_argument("--data", help=f"folder with the train and dev files (required); {_DATA_HELP}")
    parser.add_argument(
        "--train-mode", type=int, choices=configs.TRAIN_MODES, default=0, help=f"{_MODES_HELP} (default 0)"
    )
    parser.add_argument(
        "--format",
        choices=["auto", *formats.FORMATS],
        help="layout of the files (default: told from the first record with --train-mode 0, else `lines`)",
    )
    flags.add_max_bad_fraction_argument(parser, data.max_bad_fraction)
    positive, positive_float = flags.positive_int, flags.positive_float
    knobs = (
        ("--dim", positive, "embedding size"),
        ("--epoch", positive, "passes over the train split (also --epochs)"),
        ("--lr", positive_float, "learning rate, decayed linearly to 0"),
        ("--margin", positive_float, "hinge loss margin"),
        ("--neg-search-limit", positive, "negatives drawn per batch (negSearchLimit)"),
        ("--max-neg-samples", positive, "violating negatives an example learns from (maxNegSamples)"),
        ("--ngrams", positive, "longest word n-gram, hashed into --bucket rows"),
        ("--bucket", positive, "n-gram hash buckets"),
        ("--ws", positive, "--train-mode 5: context words each side"),
        ("--p", flags.non_negative_float, "dot similarity: a bag's sum is divided by its size ** p"),
        ("--lexical-weight", flags.fraction, "the TF-IDF cosine's share of the similarity, below 1"),
        ("--batch-size", positive, "examples per step"),
        ("--min-count", positive, "words seen fewer times are dropped"),
        ("--top-k", positive, "candidates retrieve returns"),
    )
    for flag, kind, what in knobs:
        aliases = ("--epochs",) if flag == "--epoch" else ()  # the other pipelines' name
        parser.add_argument(flag, *aliases, type=kind, help=f"{what} ({_default(flag)})")
    parser.add_argument("--similarity", choices=["cosine", "dot"], help=_default("--similarity"))
    parser.add_argument("--loss", choices=["hinge", "softmax"], help=_default("--loss"))
    parser.add_argument(
        "--adagrad",
        action=argparse.BooleanOptionalAction,
        help=f"StarSpace's row-wise Adagrad; --no-adagrad: plain SGD ({_default('--adagrad')})",
    )
    bars = ", ".join(f"{value} (mode {mode})" for mode, value in configs.MIN_MRR.items())
    parser.add_argument(
        "--min-mrr",
        type=flags.fraction,
        help=f"eval MRR a model needs to be blessed and pushed (default {bars})",
    )
    flags.add_baseline_argument(parser)


def _default(flag):
    """A flag's default, and where a trainMode departs from it."""
    return flags.default_help(flag, configs.TrainConfig(), configs.MODE_DEFAULTS, "mode {}")


def train_config(args):
    """The TrainConfig of the parsed flags: --train-mode's defaults where a flag was not given."""
    fields = {f.name for f in dataclasses.fields(configs.TrainConfig)} - {"seed", "train_mode"}
    return configs.train_config(args.train_mode, **{field: getattr(args, field) for field in fields})


def check_args(args):
    """Raises ValueError for flags that do not go together, DataError for files --train-mode cannot read."""
    if args.lexical_weight is not None and args.lexical_weight >= 1:
        raise ValueError(f"--lexical-weight must be below 1 (1 learns nothing), got {args.lexical_weight}.")
    if args.train_mode in (1, 5) and args.ngrams not in (None, 1):
        raise ValueError(
            f"--train-mode {args.train_mode} embeds single tokens (items, words): leave --ngrams at 1."
        )
    if args.data is not None and os.path.isdir(args.data):  # check_data reports a missing folder
        check_files(args.data, data_format(args), args.train_mode)


def data_format(args):
    return args.format or configs.DEFAULT_FORMATS[args.train_mode]


def check_files(path, layout, train_mode):
    """Raises DataError unless `path` holds a train and an eval file of records in `layout`."""
    from components.text_example_gen import formats

    try:
        formats.check_folder(path, layout, labelled=train_mode == 0)
    except formats.TextFormatError as e:
        message = str(e).replace("the task needs labels", "--train-mode 0 needs labels")
        raise DataError(f"--data {path}: {message}. {_DATA_HELP[0].upper()}{_DATA_HELP[1:]}.") from None


def check_data(path):
    """Raises DataError unless --data names a folder (check_args reads its files)."""
    if path is None:
        raise DataError(
            f"embeddings needs --data DIR; {_DATA_HELP}. No data yet? AG News: dlsuite data fetch ag_news "
            "data/ag_news; generated user-item data: dlsuite data generate interactions data/interactions."
        )
    if not os.path.isdir(path):
        raise DataError(f"--data {path}: no such folder; {_DATA_HELP}.")


def create(args, paths):
    from components.text_example_gen import formats

    data_root = os.path.abspath(args.data)
    splits = formats.find_splits(data_root)
    return build(
        args,
        train_pattern=os.path.basename(splits["train"]),
        eval_pattern=os.path.basename(splits["eval"]),
        **paths.locations(data_root, f"{MODEL}_mode{args.train_mode}"),
    )


def build(args, **locations):
    """The pipeline from the parsed flags, at `locations` (roots, data, metadata) as its runner sees them."""
    from pipelines.embeddings import pipeline

    min_mrr = configs.MIN_MRR[args.train_mode] if args.min_mrr is None else args.min_mrr
    return pipeline.create_pipeline(
        data_config=configs.DataConfig(data_format=data_format(args), max_bad_fraction=args.max_bad_fraction),
        train_config=train_config(args),
        eval_config=configs.EvalConfig(min_mrr=min_mrr, compare_with_baseline=not args.no_baseline),
        beam_pipeline_args=args.beam_args,
        **locations,
    )
