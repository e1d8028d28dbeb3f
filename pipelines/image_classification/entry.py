"""What `dlsuite run image_classification` needs: arguments, data check, pipeline."""

import argparse
import os

from pipelines import flags
from pipelines.image_classification import configs

MODEL = configs.DEFAULT_MODEL
DATASET = configs.DATASET_NAME
DESCRIPTION = (
    "IDX images (Fashion-MNIST) -> LeNet-5, ResNet, VGG, DenseNet, ... (--model) -> pushed SavedModel"
)

# Flags that become TrainConfig fields of the same name; None (not given) takes --model's default.
_TRAIN_FLAGS = (
    *("epochs", "batch_size", "optimizer", "learning_rate", "momentum", "weight_decay", "schedule"),
    *("warmup_epochs", "augment", "max_shift", "label_smoothing", "early_stopping", "mixed_precision"),
    "freeze_features",
)

_DATA_HELP = (
    "point --data at a folder holding train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], "
    "t10k-images-idx3-ubyte[.gz] and t10k-labels-idx1-ubyte[.gz] "
    "(Fashion-MNIST: apt-get install dataset-fashion-mnist, or online: dlsuite data fetch fashion_mnist DIR)"
)


class DataError(ValueError):
    """--data is missing or malformed; the message says what to do."""


def _defaults(field):
    """'default 12 (lenet5), 30 (resnet*, plain*)': a flag's default for each model family."""
    values = {}
    for prefix in configs.MODEL_DEFAULTS:
        value = getattr(configs.train_config(prefix), field)
        values.setdefault(value, []).append(prefix if prefix == configs.DEFAULT_MODEL else f"{prefix}*")
    if len(values) == 1:
        return f"default {next(iter(values))}"
    return "default " + ", ".join(f"{value} ({', '.join(models)})" for value, models in values.items())


def add_arguments(parser):
    from keras_models.vision import zoo

    parser.add_argument("--data", default=configs.DEFAULT_DATA, help="folder of IDX files")
    parser.add_argument(
        "--model",
        default=configs.DEFAULT_MODEL,
        choices=zoo.names(),
        metavar="NAME",
        help=f"the classifier (default {configs.DEFAULT_MODEL}; `dlsuite models` lists them); "
        "flags not given take the model's defaults",
    )
    positive, non_negative = flags.positive_int, flags.non_negative_float
    parser.add_argument("--epochs", type=positive, help=_defaults("epochs"))
    parser.add_argument("--batch-size", type=positive, help=_defaults("batch_size"))
    parser.add_argument("--optimizer", choices=["sgd", "adam", "adamw"], help=_defaults("optimizer"))
    parser.add_argument(
        "--learning-rate",
        type=flags.positive_float,
        help=f"the schedule's peak ({_defaults('learning_rate')})",
    )
    parser.add_argument("--momentum", type=flags.fraction, help=f"sgd's ({_defaults('momentum')})")
    parser.add_argument(
        "--weight-decay",
        type=non_negative,
        help=f"decoupled, for sgd and adamw ({_defaults('weight_decay')})",
    )
    parser.add_argument(
        "--schedule",
        choices=["cosine", "step", "constant"],
        help=f"learning rate per step: cosine decay, x0.1 at 50 %% and 75 %% of the epochs, or constant "
        f"({_defaults('schedule')})",
    )
    parser.add_argument(
        "--warmup-epochs",
        type=non_negative,
        help=f"linear warm-up to the peak ({_defaults('warmup_epochs')})",
    )
    parser.add_argument(
        "--augment",
        action=argparse.BooleanOptionalAction,
        help=f"random shifts and horizontal flips of the training images ({_defaults('augment')})",
    )
    parser.add_argument(
        "--max-shift", type=flags.non_negative_int, help=f"pixels, with --augment ({_defaults('max_shift')})"
    )
    parser.add_argument(
        "--label-smoothing", type=flags.fraction, help=f"below 1 ({_defaults('label_smoothing')})"
    )
    parser.add_argument(
        "--early-stopping",
        type=flags.non_negative_int,
        metavar="PATIENCE",
        help="stop after PATIENCE epochs without a lower eval loss, keep the best weights (default 0: never)",
    )
    parser.add_argument(
        "--init-from",
        metavar="DIR",
        help="start from the weights of a model this pipeline pushed: OUTPUT_DIR/serving/<model>/<version> "
        "(or the <model> folder: its latest version); --model must name the same network",
    )
    parser.add_argument(
        "--freeze-features",
        action="store_true",
        help="with --init-from: keep the pushed model's convolutional features, train only the dense head",
    )
    flags.add_precision_argument(parser, default=None)
    parser.add_argument(
        "--distribute",
        default=configs.TrainConfig.distribute,
        choices=["auto", "mirrored", "multi_worker"],
        help=(
            "auto: MirroredStrategy over the GPUs when several are visible; mirrored: always "
            "MirroredStrategy; multi_worker: MultiWorkerMirroredStrategy from TF_CONFIG, each worker "
            "runs the Trainer and the chief alone exports (without TF_CONFIG the Trainer stops with an error)"
        ),
    )
    flags.add_blessing_arguments(parser, min_accuracy=configs.EvalConfig().min_accuracy)


def check_args(args):
    """Raises ValueError for flags that do not go together."""
    config = train_config(args)
    if config.label_smoothing >= 1:
        raise ValueError(
            f"--label-smoothing must be below 1 (1 erases the labels), got {config.label_smoothing}."
        )
    if config.optimizer == "adam" and config.weight_decay:
        raise ValueError(
            "--optimizer adam takes no --weight-decay; use --optimizer adamw (decoupled) or sgd."
        )
    if config.freeze_features and not config.init_from:
        raise ValueError(
            "--freeze-features needs --init-from DIR: the features to keep come from a pushed model."
        )
    if args.distribute == "multi_worker":
        given = [flag for flag in ("label_smoothing", "early_stopping") if getattr(config, flag)]
        if given:
            names = ", ".join(f"--{flag.replace('_', '-')}" for flag in given)
            raise ValueError(f"{names} needs Keras' fit: use --distribute auto or mirrored.")


def check_data(path):
    """Raises DataError unless `path` holds a readable train and eval IDX pair."""
    from components.idx_example_gen import idx

    if not os.path.isdir(path):
        raise DataError(f"--data {path}: no such folder; {_DATA_HELP}.")
    for prefix, split in (("train", "train"), ("t10k", "eval")):
        paths = [os.path.join(path, n) for n in os.listdir(path) if n.startswith(f"{prefix}-")]
        try:
            images, labels = idx.find_pair(paths)
            if images.num_records == 0:
                raise idx.IdxFormatError(f"{images.path} holds no records; the {split} split needs some.")
            idx.check_complete(images)
            idx.check_complete(labels)
        except idx.IdxFormatError as e:
            raise DataError(f"--data {path}: {e} {_DATA_HELP[0].upper()}{_DATA_HELP[1:]}.") from None


def create(args, paths):
    if args.distribute == "multi_worker" and os.environ.get("TF_CONFIG"):
        # Before any TF op of the run: the Trainer's run_fn gets this same strategy.
        # Without TF_CONFIG the Trainer stops with a one-line error saying what to set.
        from pipelines import training

        training.distribution_strategy("multi_worker")

    return build(args, **paths.locations(os.path.abspath(args.data), args.model))


def train_config(args):
    """The TrainConfig of the parsed flags: --model's defaults where a flag was not given."""
    from pipelines.image_classification import transfer

    given = {flag: getattr(args, flag) for flag in _TRAIN_FLAGS}
    init_from = transfer.resolve(args.init_from) if args.init_from else None
    return configs.train_config(args.model, distribute=args.distribute, init_from=init_from, **given)


def build(args, **locations):
    """The pipeline from the parsed flags, at `locations` (roots, data, metadata) as its runner sees them."""
    from pipelines.image_classification import pipeline

    return pipeline.create_pipeline(
        train_config=train_config(args),
        eval_config=configs.EvalConfig(
            min_accuracy=args.min_accuracy, compare_with_baseline=not args.no_baseline
        ),
        beam_pipeline_args=args.beam_args,
        **locations,
    )
