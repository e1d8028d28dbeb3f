"""What `dlsuite run word_embeddings` needs: arguments, data check, pipeline."""

import argparse
import dataclasses
import os

from pipelines import flags
from pipelines.word_embeddings import configs

MODEL = configs.DEFAULT_MODEL
DATASET = configs.DATASET_NAME
DESCRIPTION = (
    "a text corpus -> word2vec, GloVe (co-occurrence counts in Beam) or doc2vec (--model) -> WordSim353, "
    "SimLex-999 and analogies -> SavedModel with embed / nearest / embed_document"
)
HEADLINE = ("wordsim353_rho", "simlex999_rho", "analogy_accuracy", "document_mrr")

_DATA_HELP = (
    "a UTF-8 text file or a folder of them (--format text: cut into records of --chunk-chars, the last "
    "--eval-fraction held out), or a folder with train and dev files (AG News CSV, a label,text CSV, "
    "fastText lines, or plain lines)"
)


class DataError(ValueError):
    """--data is missing or not a corpus --format reads; the message says what to do."""


def add_arguments(parser):
    data = configs.DataConfig()
    parser.add_argument("--data", help=f"the corpus (required): {_DATA_HELP}")
    parser.add_argument(
        "--model",
        choices=configs.MODELS,
        default=configs.DEFAULT_MODEL,
        help=f"default {configs.DEFAULT_MODEL}",
    )
    parser.add_argument(
        "--format",
        choices=configs.FORMATS,
        default="auto",
        help="layout of --data (default: `text` for a file or a folder without train/dev files, else told "
        "from the train file's first record)",
    )
    parser.add_argument(
        "--chunk-chars", type=flags.positive_int, default=data.chunk_chars, help=f"default {data.chunk_chars}"
    )
    parser.add_argument(
        "--eval-fraction",
        type=flags.fraction,
        default=data.eval_fraction,
        help=f"default {data.eval_fraction}",
    )
    flags.add_max_bad_fraction_argument(parser, data.max_bad_fraction)
    positive, positive_float = flags.positive_int, flags.positive_float
    knobs = (
        ("--dim", positive, "vector size"),
        ("--window", positive, "context words each side"),
        ("--min-count", positive, "words seen fewer times in the train split are dropped"),
        ("--epochs", positive, "passes over the train split"),
        ("--negative", flags.non_negative_int, "negative samples per word (0 with --loss hs)"),
        ("--sample", flags.non_negative_float, "frequent-word subsampling threshold (0: off)"),
        ("--alpha", positive_float, "word2vec/doc2vec learning rate, decayed linearly to --min-alpha"),
        ("--min-alpha", flags.non_negative_float, "the learning rate at the end"),
        ("--x-max", positive_float, "GloVe: counts from x_max on weigh 1"),
        ("--weighting-power", positive_float, "GloVe: the weighting's exponent (its alpha)"),
        ("--learning-rate", positive_float, "GloVe: AdaGrad's step"),
        ("--top-k", positive, "neighbours nearest returns"),
    )
    for flag, kind, what in knobs:
        parser.add_argument(flag, type=kind, help=f"{what} ({_default(flag)})")
    parser.add_argument(
        "--architecture", choices=["skipgram", "cbow"], help=f"word2vec: {_default('--architecture')}"
    )
    parser.add_argument(
        "--loss",
        choices=["ns", "hs"],
        help=f"negative sampling or hierarchical softmax ({_default('--loss')})",
    )
    parser.add_argument(
        "--doc2vec-mode", choices=["pv_dm", "pv_dbow"], help=f"doc2vec: {_default('--doc2vec-mode')}"
    )
    parser.add_argument(
        "--dbow-words",
        action=argparse.BooleanOptionalAction,
        help=f"doc2vec pv_dbow: also train skip-gram word vectors ({_default('--dbow-words')})",
    )
    bless = configs.EvalConfig()
    parser.add_argument(
        "--min-rho",
        type=flags.finite_float,
        default=bless.min_rho,
        help=f"WordSim353 Spearman rho word vectors need to be blessed (default {bless.min_rho})",
    )
    parser.add_argument(
        "--min-pairs",
        type=flags.positive_int,
        default=bless.min_pairs,
        help=f"WordSim353 pairs the vocabulary must hold for rho to count (default {bless.min_pairs})",
    )
    parser.add_argument(
        "--min-document-mrr",
        type=flags.fraction,
        default=bless.min_document_mrr,
        help=f"doc2vec: eval document retrieval MRR needed to be blessed (default {bless.min_document_mrr})",
    )
    flags.add_baseline_argument(parser)


def _default(flag):
    """A flag's default, and where a model departs from it."""
    return flags.default_help(flag, configs.TrainConfig(), configs.MODEL_DEFAULTS)


def train_config(args):
    """The TrainConfig of the parsed flags: --model's defaults where a flag was not given."""
    fields = {f.name for f in dataclasses.fields(configs.TrainConfig)} - {"seed", "model"}
    return configs.train_config(args.model, **{field: getattr(args, field) for field in fields})


def data_format(args):
    """--format, with `auto` resolved to `text` for a file or a folder without train/dev files."""
    from components.text_example_gen import formats

    if args.format != "auto":
        return args.format
    try:
        formats.find_splits(args.data)
        return "auto"
    except formats.TextFormatError:
        return "text"


def check_args(args):
    """Raises ValueError for flags that do not go together, DataError for data --format cannot read."""
    from components.corpus_example_gen import corpus
    from components.text_example_gen import formats

    for field, models in configs.FIELD_MODELS.items():
        if getattr(args, field) is not None and args.model not in models:
            flag, names = field.replace("_", "-"), " and ".join(models)
            raise ValueError(f"--{flag} applies to --model {names}, not {args.model}.")
    if args.loss == "ns" and args.negative == 0:
        raise ValueError("--loss ns needs --negative of 1 or more.")
    if args.data is None or not os.path.exists(args.data):
        return  # check_data says what is missing
    layout = data_format(args)
    try:
        if layout == "text":
            corpus.check(args.data, args.chunk_chars, args.eval_fraction)
        else:
            formats.check_folder(args.data, layout)
    except (corpus.CorpusError, formats.TextFormatError) as e:
        raise DataError(f"--data {args.data}: {e}. --data is {_DATA_HELP}.") from None


def check_data(path):
    """Raises DataError unless --data names a file or folder (check_args reads it)."""
    if path is None:
        raise DataError(
            f"word_embeddings needs --data: {_DATA_HELP}. No corpus yet? Any book as a .txt file, or "
            "dlsuite data fetch tiny_shakespeare data/shakespeare (or ag_news data/ag_news)."
        )
    if not os.path.exists(path):
        raise DataError(f"--data {path}: no such file or folder; --data is {_DATA_HELP}.")


def create(args, paths):
    from components.text_example_gen import formats

    data_root = os.path.abspath(args.data)
    patterns = {}
    if data_format(args) != "text":
        splits = formats.find_splits(data_root)
        patterns = {
            "train_pattern": os.path.basename(splits["train"]),
            "eval_pattern": os.path.basename(splits["eval"]),
        }
    return build(args, **patterns, **paths.locations(data_root, args.model))


def build(args, **locations):
    """The pipeline from the parsed flags, at `locations` (roots, data, metadata) as its runner sees them."""
    from pipelines.word_embeddings import pipeline

    return pipeline.create_pipeline(
        data_config=configs.DataConfig(
            data_format=data_format(args),
            chunk_chars=args.chunk_chars,
            eval_fraction=args.eval_fraction,
            max_bad_fraction=args.max_bad_fraction,
        ),
        train_config=train_config(args),
        eval_config=configs.EvalConfig(
            min_rho=args.min_rho,
            min_pairs=args.min_pairs,
            min_document_mrr=args.min_document_mrr,
            compare_with_baseline=not args.no_baseline,
        ),
        beam_pipeline_args=args.beam_args,
        **locations,
    )
