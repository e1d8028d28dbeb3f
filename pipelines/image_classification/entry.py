"""What `dlsuite run image_classification` needs: arguments, data check, pipeline."""

import os

from pipelines.image_classification import configs

MODEL = "lenet5"
DATASET = configs.DATASET_NAME
DESCRIPTION = "IDX images (Fashion-MNIST) -> LeNet-5 -> blessed, pushed SavedModel"

_DATA_HELP = (
    "point --data at a folder holding train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], "
    "t10k-images-idx3-ubyte[.gz] and t10k-labels-idx1-ubyte[.gz] "
    "(Fashion-MNIST: apt-get install dataset-fashion-mnist)"
)


class DataError(ValueError):
    """--data is missing or malformed; the message says what to do."""


def add_arguments(parser):
    defaults = configs.TrainConfig()
    parser.add_argument("--data", default=configs.DEFAULT_DATA, help="folder of IDX files")
    parser.add_argument("--epochs", type=int, default=defaults.epochs)
    parser.add_argument("--batch-size", type=int, default=defaults.batch_size)
    parser.add_argument(
        "--mixed-precision",
        default=defaults.mixed_precision,
        choices=["auto", "off", "float16", "bfloat16"],
        help="auto: mixed_float16 on a GPU, float32 on CPU",
    )
    parser.add_argument(
        "--min-accuracy",
        type=float,
        default=configs.EvalConfig().min_accuracy,
        help="eval accuracy a model needs to be blessed and pushed",
    )


def check_data(path):
    """Raises DataError unless `path` holds a readable train and eval IDX pair."""
    from components.idx_example_gen import idx

    if not os.path.isdir(path):
        raise DataError(f"--data {path}: no such folder; {_DATA_HELP}.")
    for prefix in ("train", "t10k"):
        paths = [os.path.join(path, n) for n in os.listdir(path) if n.startswith(f"{prefix}-")]
        try:
            idx.find_pair(paths)
        except idx.IdxFormatError as e:
            raise DataError(f"--data {path}: {e} {_DATA_HELP[0].upper()}{_DATA_HELP[1:]}.") from None


def create(args, paths):
    from pipelines.image_classification import pipeline

    return pipeline.create_pipeline(
        pipeline_root=paths.pipeline_root,
        data_root=os.path.abspath(args.data),
        serving_model_dir=os.path.join(paths.serving_root, MODEL),
        metadata_path=paths.metadata,
        train_config=configs.TrainConfig(
            epochs=args.epochs, batch_size=args.batch_size, mixed_precision=args.mixed_precision
        ),
        eval_config=configs.EvalConfig(min_accuracy=args.min_accuracy),
        beam_pipeline_args=args.beam_args,
    )
