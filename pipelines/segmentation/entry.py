"""What `dlsuite run segmentation` needs: arguments, data check, pipeline."""

import os

from pipelines import flags
from pipelines.image_classification.entry import DataError
from pipelines.image_classification.entry import check_data as check_idx_data
from pipelines.segmentation import configs  # no TensorFlow at import: the CLI parses in a second

MODEL = configs.DEFAULT_MODEL
DATASET = configs.DATASET_NAME
DESCRIPTION = (
    "Fashion-MNIST items composed on 64x64 canvases -> FC-DenseNet (--model) -> mean IoU -> "
    "SavedModel with segment"
)
HEADLINE = ("mean_iou",)  # the metric the run's last line shows

__all__ = [
    "MODEL",
    "DATASET",
    "DESCRIPTION",
    "HEADLINE",
    "DataError",
    "add_arguments",
    "check_args",
    "check_data",
    "create",
    "build",
]


def add_arguments(parser):
    data, train, bless = configs.DataConfig(), configs.TrainConfig(), configs.EvalConfig()
    parser.add_argument(
        "--data", default=configs.DEFAULT_DATA, help="folder of Fashion-MNIST IDX files (the items)"
    )
    parser.add_argument(
        "--model",
        default=train.model,
        choices=configs.MODELS,
        help=f"FC-DenseNet preset (default {train.model})",
    )
    parser.add_argument(
        "--canvases",
        type=flags.positive_int,
        default=data.train_canvases,
        help=f"train canvases to compose from the train-* items (default {data.train_canvases})",
    )
    parser.add_argument(
        "--eval-canvases",
        type=flags.positive_int,
        default=data.eval_canvases,
        help=f"eval canvases to compose from the t10k-* items (default {data.eval_canvases})",
    )
    parser.add_argument(
        "--seed",
        type=flags.non_negative_int,
        default=data.seed,
        help=f"fixes every canvas of both splits (default {data.seed})",
    )
    flags.add_training_arguments(parser, epochs=train.epochs, batch_size=train.batch_size)
    flags.add_precision_argument(parser, train.mixed_precision)
    parser.add_argument(
        "--learning-rate",
        type=flags.positive_float,
        default=train.learning_rate,
        help=f"Adam's peak learning rate, cosine-decayed over the epochs (default {train.learning_rate})",
    )
    parser.add_argument(
        "--dropout",
        type=flags.fraction,
        default=train.dropout,
        help=f"dropout after each convolution (default {train.dropout}; the paper's 0.2)",
    )
    parser.add_argument(
        "--min-mean-iou",
        type=flags.fraction,
        default=bless.min_mean_iou,
        help="eval mean IoU (11 classes, background included) a model needs to be blessed and pushed "
        f"(default {bless.min_mean_iou})",
    )
    parser.add_argument(
        "--eval-limit",
        type=flags.positive_int,
        default=None,
        help="evaluate on the first N eval canvases (default: all)",
    )
    flags.add_baseline_argument(parser)


def check_args(args):
    """Raises ValueError for flags that do not go together."""
    if args.dropout >= 1:
        raise ValueError(f"--dropout must be below 1 (1 drops everything), got {args.dropout}.")


def check_data(path):
    """Raises DataError unless `path` holds readable train and t10k IDX pairs of items that fit a canvas."""
    from components.idx_example_gen import idx
    from pipelines.segmentation import features

    check_idx_data(path)
    for prefix in ("train", "t10k"):
        paths = [os.path.join(path, n) for n in os.listdir(path) if n.startswith(f"{prefix}-")]
        images, labels = idx.find_pair(paths)
        if len(images.record_shape) != 2 or any(side > features.CANVAS_SIZE for side in images.record_shape):
            raise DataError(
                f"--data {path}: {images.path} holds images of {images.record_shape}; the segmentation "
                f"pipeline composes grey items of at most {features.CANVAS_SIZE}x{features.CANVAS_SIZE} "
                "pixels (Fashion-MNIST's 28x28) onto its canvases."
            )
        classes = idx.read_records(labels)
        if classes.size and not 0 <= int(classes.min()) <= int(classes.max()) <= 9:
            raise DataError(
                f"--data {path}: {labels.path} holds labels {int(classes.min())}..{int(classes.max())}; "
                "the canvases' masks need Fashion-MNIST's class ids 0..9."
            )


def create(args, paths):
    return build(args, **paths.locations(os.path.abspath(args.data), args.model))


def build(args, **locations):
    """The pipeline from the parsed flags, at `locations` (roots, data, metadata) as its runner sees them."""
    from pipelines.segmentation import pipeline

    return pipeline.create_pipeline(
        data_config=configs.DataConfig(
            train_canvases=args.canvases, eval_canvases=args.eval_canvases, seed=args.seed
        ),
        train_config=configs.TrainConfig(
            model=args.model,
            epochs=args.epochs,
            batch_size=args.batch_size,
            learning_rate=args.learning_rate,
            dropout=args.dropout,
            mixed_precision=args.mixed_precision,
        ),
        eval_config=configs.EvalConfig(
            min_mean_iou=args.min_mean_iou,
            compare_with_baseline=not args.no_baseline,
            eval_limit=args.eval_limit or 0,
        ),
        beam_pipeline_args=args.beam_args,
        **locations,
    )
