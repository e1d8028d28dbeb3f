"""What `dlsuite run image_classification` needs: arguments, data check, pipeline."""

import os

from pipelines import flags
from pipelines.image_classification import configs

MODEL = "lenet5"
DATASET = configs.DATASET_NAME
DESCRIPTION = "IDX images (Fashion-MNIST) -> LeNet-5 -> blessed, pushed SavedModel"

_DATA_HELP = (
    "point --data at a folder holding train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], "
    "t10k-images-idx3-ubyte[.gz] and t10k-labels-idx1-ubyte[.gz] "
    "(Fashion-MNIST: apt-get install dataset-fashion-mnist, or online: dlsuite data fetch fashion_mnist DIR)"
)


class DataError(ValueError):
    """--data is missing or malformed; the message says what to do."""


def add_arguments(parser):
    defaults = configs.TrainConfig()
    parser.add_argument("--data", default=configs.DEFAULT_DATA, help="folder of IDX files")
    flags.add_training_arguments(parser, epochs=defaults.epochs, batch_size=defaults.batch_size)
    flags.add_precision_argument(parser, defaults.mixed_precision)
    parser.add_argument(
        "--distribute",
        default=defaults.distribute,
        choices=["auto", "mirrored", "multi_worker"],
        help=(
            "auto: MirroredStrategy over the GPUs when several are visible; mirrored: always "
            "MirroredStrategy; multi_worker: MultiWorkerMirroredStrategy from TF_CONFIG, each worker "
            "runs the Trainer and the chief alone exports (without TF_CONFIG the Trainer stops with an error)"
        ),
    )
    flags.add_blessing_arguments(parser, min_accuracy=configs.EvalConfig().min_accuracy)


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

    return build(
        args,
        pipeline_root=paths.pipeline_root,
        data_root=os.path.abspath(args.data),
        serving_model_dir=os.path.join(paths.serving_root, MODEL),
        metadata_path=paths.metadata,
    )


def build(args, **locations):
    """The pipeline from the parsed flags, at `locations` (roots, data, metadata) as its runner sees them."""
    from pipelines.image_classification import pipeline

    return pipeline.create_pipeline(
        train_config=configs.TrainConfig(
            epochs=args.epochs,
            batch_size=args.batch_size,
            mixed_precision=args.mixed_precision,
            distribute=args.distribute,
        ),
        eval_config=configs.EvalConfig(
            min_accuracy=args.min_accuracy, compare_with_baseline=not args.no_baseline
        ),
        beam_pipeline_args=args.beam_args,
        **locations,
    )
