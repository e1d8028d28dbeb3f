"""What `dlsuite run question_answering` needs: arguments, data check, pipeline."""

import argparse
import os

from pipelines import flags
from pipelines.question_answering import configs

MODEL = "memn2n"
DATASET = configs.DATASET_NAME
DESCRIPTION = (
    "bAbI-format stories and questions -> MemN2N or EntNet (--model), all tasks jointly -> error per "
    "task -> SavedModel with `answer` (the answer and each hop's attention over the story)"
)
HEADLINE = ("mean_error", "tasks_solved", "supporting_fact_hits")

_DATA_HELP = (
    "a folder of bAbI-format files, qa{N}_{task}_train.txt and _test.txt (bAbI v1.2's en/ or en-10k/ "
    "folder, or generated ones: dlsuite data generate babi DIR)"
)
# Flags of one model only: field -> the model.
MODEL_ONLY = {
    "hops": "memn2n",
    "weight_tying": "memn2n",
    "random_noise": "memn2n",
    "linear_start": "memn2n",
    "slots": "entnet",
}


class DataError(ValueError):
    """--data is missing or not a bAbI-format folder; the message says what to do."""


def task_list(text):
    """--tasks: comma-separated task numbers 1..20."""
    try:
        tasks = tuple(sorted({int(part) for part in text.split(",") if part.strip()}))
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be task numbers like 1,2,3, got {text!r}") from None
    if not tasks or not all(1 <= task <= 20 for task in tasks):
        raise argparse.ArgumentTypeError(f"must be task numbers between 1 and 20, got {text!r}")
    return tasks


def add_arguments(parser):
    train, bless = configs.TrainConfig(), configs.EvalConfig()
    parser.add_argument("--data", help=f"the data (required): {_DATA_HELP}")
    parser.add_argument("--model", choices=configs.MODELS, default=train.model, help=f"default {train.model}")
    parser.add_argument(
        "--tasks",
        type=task_list,
        default=(),
        help="comma-separated task numbers (default: every task in --data)",
    )
    positive = flags.positive_int
    for flag, kind, what in (
        ("--memory-size", positive, "the story's last sentences the model reads"),
        ("--embedding-dim", positive, "embedding size"),
        (
            "--learning-rate",
            flags.positive_float,
            "memn2n: SGD's, entnet: Adam's; halved every --anneal-every",
        ),
        ("--anneal-every", positive, "epochs between halvings of the learning rate"),
        ("--clip-norm", flags.positive_float, "clip gradients to this global norm"),
    ):
        field = flag[2:].replace("-", "_")
        parser.add_argument(
            flag, type=kind, default=getattr(train, field), help=f"{what} (default {getattr(train, field)})"
        )
    for flag, kind, what in (
        ("--hops", positive, "memn2n: memory hops"),
        ("--weight-tying", None, "memn2n: adjacent or layerwise"),
        ("--random-noise", flags.fraction, "memn2n: share of empty memories added in training"),
        ("--slots", positive, "entnet: memory blocks"),
    ):
        field = flag[2:].replace("-", "_")
        choices = ("adjacent", "layerwise") if field == "weight_tying" else None
        parser.add_argument(
            flag, type=kind, choices=choices, help=f"{what} (default {getattr(train, field)})"
        )
    parser.add_argument(
        "--linear-start",
        action=argparse.BooleanOptionalAction,
        help="memn2n: train without the attention softmax until the validation loss stalls "
        f"(default {'on' if train.linear_start else 'off'})",
    )
    flags.add_training_arguments(parser, epochs=train.epochs, batch_size=train.batch_size)
    flags.add_precision_argument(parser, train.mixed_precision)
    parser.add_argument(
        "--max-error",
        type=flags.fraction,
        default=bless.max_error,
        help=f"mean eval error over the tasks needed to be blessed and pushed (default {bless.max_error})",
    )
    flags.add_baseline_argument(parser)


def check_args(args):
    """Raises ValueError for a flag of the other model, DataError for files the bAbI reader rejects."""
    from components.babi_example_gen import layout
    from keras_models.memory import babi

    for field, model in MODEL_ONLY.items():
        if getattr(args, field) is not None and args.model != model:
            raise ValueError(f"--{field.replace('_', '-')} applies to --model {model}, not {args.model}.")
    if args.data is None or not os.path.isdir(args.data):
        return  # check_data says what is missing
    try:
        for pairs in layout.list_files(args.data, args.tasks).values():
            for path, task in pairs:
                babi.read(path, task=task)
    except layout.LayoutError as e:
        raise DataError(f"--data {e}") from None
    except babi.BabiFormatError as e:
        raise DataError(f"--data: {e}") from None


def check_data(path):
    """Raises DataError unless --data names a folder (check_args reads its files)."""
    if path is None:
        raise DataError(
            f"question_answering needs --data: {_DATA_HELP}. No bAbI files? Generate the 20 tasks: "
            "dlsuite data generate babi data/babi (add --size 10k for bAbI's larger training sets)."
        )
    if not os.path.isdir(path):
        raise DataError(f"--data {path}: no such folder; --data is {_DATA_HELP}.")


def train_config(args):
    """The TrainConfig of the parsed flags (the model's defaults where a flag was not given)."""
    given = {field: getattr(args, field) for field in MODEL_ONLY if getattr(args, field) is not None}
    return configs.TrainConfig(
        model=args.model,
        memory_size=args.memory_size,
        embedding_dim=args.embedding_dim,
        epochs=args.epochs,
        batch_size=args.batch_size,
        learning_rate=args.learning_rate,
        anneal_every=args.anneal_every,
        clip_norm=args.clip_norm,
        mixed_precision=args.mixed_precision,
        **given,
    )


def create(args, paths):
    return build(args, **paths.locations(os.path.abspath(args.data), args.model))


def build(args, **locations):
    """The pipeline from the parsed flags, at `locations` (roots, data, metadata) as its runner sees them."""
    from pipelines.question_answering import pipeline

    return pipeline.create_pipeline(
        data_config=configs.DataConfig(tasks=args.tasks),
        train_config=train_config(args),
        eval_config=configs.EvalConfig(max_error=args.max_error, compare_with_baseline=not args.no_baseline),
        beam_pipeline_args=args.beam_args,
        **locations,
    )
