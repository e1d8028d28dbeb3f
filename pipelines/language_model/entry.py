"""What `dlsuite run language_model` needs: arguments, data check, pipeline."""

import os

from pipelines import flags
from pipelines.language_model import configs

MODEL = "lstm"
DATASET = configs.DATASET_NAME
DESCRIPTION = (
    "a text corpus (file, folder) -> character language model (--cell) -> bits per character on the "
    "end of the text -> SavedModel with generate / score"
)
HEADLINE = ("bpc", "ngram_bpc")  # metrics the run's last line shows


class DataError(ValueError):
    """--data is missing or not a usable corpus; the message says what to do."""


def add_arguments(parser):
    data, train, bless = configs.DataConfig(), configs.TrainConfig(), configs.EvalConfig()
    parser.add_argument(
        "--data",
        help="the corpus: a UTF-8 text file, a folder of them, or comma-separated paths (required); "
        "the last --eval-fraction of the text is the eval split",
    )
    parser.add_argument(
        "--cell",
        "--model",
        dest="model",
        default=train.model,
        choices=configs.CELLS,
        help=f"default {train.model}",
    )
    parser.add_argument(
        "--window",
        type=flags.positive_int,
        default=data.window,
        help=f"characters per training window (default {data.window})",
    )
    parser.add_argument(
        "--eval-fraction",
        type=flags.fraction,
        default=data.eval_fraction,
        help=f"the end of the text held out for evaluation (default {data.eval_fraction})",
    )
    flags.add_training_arguments(parser, epochs=train.epochs, batch_size=train.batch_size)
    flags.add_precision_argument(parser, train.mixed_precision)
    parser.add_argument(
        "--units", type=flags.positive_int, default=train.units, help=f"default {train.units}"
    )
    parser.add_argument(
        "--layers",
        type=flags.positive_int,
        default=train.num_layers,
        help=f"recurrent layers (default {train.num_layers})",
    )
    parser.add_argument(
        "--dropout", type=flags.fraction, default=train.dropout, help=f"default {train.dropout}"
    )
    parser.add_argument(
        "--learning-rate",
        type=flags.positive_float,
        default=train.learning_rate,
        help=f"Adam's peak learning rate, cosine-decayed over the epochs (default {train.learning_rate})",
    )
    parser.add_argument(
        "--clip-norm",
        type=flags.positive_float,
        default=train.clip_norm,
        help=f"clip gradients to this global norm (default {train.clip_norm})",
    )
    parser.add_argument(
        "--max-bpc",
        type=flags.positive_float,
        default=bless.max_bpc,
        help=f"eval bits per character a model needs to be blessed and pushed (default {bless.max_bpc})",
    )
    flags.add_baseline_argument(parser)


def check_args(args):
    """Raises ValueError for flags that do not go together, and DataError for a corpus too short for
    --window or one with an empty or binary file."""
    from components.corpus_example_gen import corpus

    if not 0 < args.eval_fraction < 1:
        raise ValueError(f"--eval-fraction must be between 0 and 1 (exclusive), got {args.eval_fraction}.")
    if args.dropout >= 1:
        raise ValueError(f"--dropout must be below 1 (1 drops everything), got {args.dropout}.")
    if args.data is not None:
        try:
            corpus.check(args.data, args.window, args.eval_fraction)
        except corpus.CorpusError as e:
            raise DataError(f"--data {e}") from None


def check_data(path):
    """Raises DataError unless --data names files or folders that exist (check_args reads them)."""
    from components.corpus_example_gen import corpus

    if path is None:
        raise DataError(
            "language_model needs --data: a UTF-8 text file, a folder of them, or comma-separated paths "
            "(a book from Project Gutenberg, say, or `dlsuite data fetch tiny_shakespeare data/shakespeare`)."
        )
    try:
        corpus.list_files(path)
    except corpus.CorpusError as e:
        raise DataError(f"--data {e}") from None


def create(args, paths):
    data_root = ",".join(os.path.abspath(path.strip()) for path in args.data.split(","))
    return build(args, **paths.locations(data_root, args.model))


def build(args, **locations):
    """The pipeline from the parsed flags, at `locations` (roots, data, metadata) as its runner sees them."""
    from pipelines.language_model import pipeline

    return pipeline.create_pipeline(
        data_config=configs.DataConfig(window=args.window, eval_fraction=args.eval_fraction),
        train_config=configs.TrainConfig(
            model=args.model,
            units=args.units,
            num_layers=args.layers,
            dropout=args.dropout,
            epochs=args.epochs,
            batch_size=args.batch_size,
            learning_rate=args.learning_rate,
            clip_norm=args.clip_norm,
            mixed_precision=args.mixed_precision,
        ),
        eval_config=configs.EvalConfig(max_bpc=args.max_bpc, compare_with_baseline=not args.no_baseline),
        beam_pipeline_args=args.beam_args,
        **locations,
    )
