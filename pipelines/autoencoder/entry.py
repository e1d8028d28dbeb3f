"""What `dlsuite run autoencoder` needs: arguments, data check, pipeline."""

import argparse
import os

from pipelines import flags
from pipelines.autoencoder import configs
from pipelines.image_classification.entry import DataError, check_data  # the same IDX images

MODEL = configs.DEFAULT_MODEL
DATASET = configs.DATASET_NAME
DESCRIPTION = (
    "IDX images (Fashion-MNIST) -> autoencoder (--model) -> reconstruction evaluator -> pushed SavedModel"
)
HEADLINE = ("mse", "pca_mse", "elbo", "roc_auc")  # metrics the run's last line shows, when measured

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


def _classes(text):
    """--normal-classes: comma-separated distinct label ids 0..9."""
    try:
        classes = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated class ids such as 5,7,9, got {text!r}"
        ) from None
    if any(not 0 <= c <= 9 for c in classes) or len(set(classes)) != len(classes):
        raise argparse.ArgumentTypeError(f"expected distinct class ids from 0 to 9, got {text!r}")
    return classes


def add_arguments(parser):
    train, bless = configs.TrainConfig(), configs.EvalConfig()
    parser.add_argument("--data", default=configs.DEFAULT_DATA, help="folder of IDX files")
    parser.add_argument(
        "--model", default=train.model, choices=sorted(configs.MODELS), help=f"default {train.model}"
    )
    flags.add_training_arguments(parser, epochs=train.epochs, batch_size=train.batch_size)
    flags.add_precision_argument(parser, train.mixed_precision)
    parser.add_argument(
        "--latent-dim", type=flags.positive_int, default=None, help="code size (default: the model's own)"
    )
    parser.add_argument(
        "--normal-classes",
        type=_classes,
        default=(),
        help="train on these classes only (e.g. 5,7,9: the footwear); the evaluator then reports the "
        "ROC-AUC of anomaly_score for them against the other classes",
    )
    parser.add_argument(
        "--max-mse",
        type=flags.positive_float,
        default=bless.max_mse,
        help="eval reconstruction MSE (pixels in [0, 1]) a model needs to be blessed "
        f"(default {bless.max_mse}; every model but the VAE)",
    )
    parser.add_argument(
        "--min-elbo",
        type=flags.finite_float,
        default=bless.min_elbo,
        help=f"eval ELBO in nats per image the VAE needs to be blessed (default {bless.min_elbo:g})",
    )
    parser.add_argument(
        "--eval-limit",
        type=flags.positive_int,
        default=None,
        help="evaluate on the first N eval images (default: all)",
    )
    flags.add_baseline_argument(parser)


def check_args(args):
    """Raises ValueError for flags that do not go together."""
    if args.model == "swwae" and args.latent_dim:
        raise ValueError(
            "--latent-dim does not apply to --model swwae: its code is the top feature map "
            "(7x7 for 28x28 images, one channel). Leave --latent-dim out."
        )


def create(args, paths):
    return build(args, **paths.locations(os.path.abspath(args.data), args.model))


def build(args, **locations):
    """The pipeline from the parsed flags, at `locations` (roots, data, metadata) as its runner sees them."""
    from pipelines.autoencoder import pipeline

    return pipeline.create_pipeline(
        train_config=configs.TrainConfig(
            model=args.model,
            epochs=args.epochs,
            batch_size=args.batch_size,
            latent_dim=args.latent_dim or 0,
            mixed_precision=args.mixed_precision,
            normal_classes=args.normal_classes,
        ),
        eval_config=configs.EvalConfig(
            max_mse=args.max_mse,
            min_elbo=args.min_elbo,
            compare_with_baseline=not args.no_baseline,
            eval_limit=args.eval_limit or 0,
        ),
        beam_pipeline_args=args.beam_args,
        **locations,
    )
