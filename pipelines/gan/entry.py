"""What `dlsuite run gan` needs: arguments, data check, pipeline."""

import argparse
import os

from pipelines import flags
from pipelines.gan import configs
from pipelines.image_classification.entry import DataError, check_data  # the same IDX images

MODEL = configs.DEFAULT_MODEL
DATASET = configs.DATASET_NAME
DESCRIPTION = (
    "IDX images (Fashion-MNIST) -> GAN, DCGAN, EBGAN or CycleGAN (--model) -> Fréchet distance -> push"
)
HEADLINE = ("fid", "fid_real", "min_class_fraction", "a_to_b_target_fraction", "b_to_a_target_fraction")

__all__ = [
    "MODEL", "DATASET", "DESCRIPTION", "HEADLINE", "DataError",
    "add_arguments", "check_data", "create", "build",
]  # fmt: skip


def _domains(text):
    """--domains: two distinct class ids 0..9, a,b."""
    try:
        a, b = (int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected two class ids such as 7,9, got {text!r}") from None
    if not (0 <= a <= 9 and 0 <= b <= 9) or a == b:
        raise argparse.ArgumentTypeError(f"expected two distinct class ids from 0 to 9, got {text!r}")
    return a, b


def add_arguments(parser):
    train, bless = configs.TrainConfig(), configs.EvalConfig()
    parser.add_argument("--data", default=configs.DEFAULT_DATA, help="folder of IDX files")
    parser.add_argument(
        "--model", default=train.model, choices=sorted(configs.MODELS), help=f"default {train.model}"
    )
    epochs = ", ".join(f"{name} {e}" for name, (_, e) in configs.MODELS.items())
    parser.add_argument("--epochs", type=flags.positive_int, help=f"default per model: {epochs}")
    parser.add_argument(
        "--batch-size", type=flags.positive_int, default=train.batch_size, help=f"default {train.batch_size}"
    )
    flags.add_precision_argument(parser, train.mixed_precision)
    parser.add_argument(
        "--domains",
        type=_domains,
        default=train.domains,
        help="CycleGAN's two classes a,b (default 7,9: sneakers <-> ankle boots)",
    )
    parser.add_argument(
        "--max-fid",
        type=flags.positive_float,
        default=bless.max_fid,
        help=f"Fréchet distance a noise-driven model needs to be blessed (default {bless.max_fid:g})",
    )
    parser.add_argument(
        "--min-target-fraction",
        type=flags.fraction,
        default=bless.min_target_fraction,
        help="share of translated eval images the classifier must label as the target class, both ways "
        f"(CycleGAN; default {bless.min_target_fraction:g})",
    )
    parser.add_argument(
        "--num-samples",
        type=flags.positive_int,
        default=bless.num_samples,
        help=f"generated images the evaluator measures (default {bless.num_samples})",
    )
    parser.add_argument(
        "--feature-cache",
        default=_default_cache(),
        help="folder where the evaluator keeps its feature classifier, one per train split, so runs in "
        "any folder are measured in the same space (default: $XDG_CACHE_HOME/dlsuite or ~/.cache/dlsuite)",
    )
    flags.add_baseline_argument(parser)


def _default_cache():
    return os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "dlsuite")


def create(args, paths):
    return build(args, **paths.locations(os.path.abspath(args.data), args.model))


def build(args, **locations):
    """The pipeline from the parsed flags, at `locations` (roots, data, metadata) as its runner sees them."""
    from pipelines.gan import pipeline

    return pipeline.create_pipeline(
        train_config=configs.TrainConfig(
            model=args.model,
            epochs=args.epochs or 0,
            batch_size=args.batch_size,
            domains=args.domains,
            mixed_precision=args.mixed_precision,
        ),
        eval_config=configs.EvalConfig(
            max_fid=args.max_fid,
            min_target_fraction=args.min_target_fraction,
            num_samples=args.num_samples,
            compare_with_baseline=not args.no_baseline,
        ),
        cache_dir=args.feature_cache,
        beam_pipeline_args=args.beam_args,
        **locations,
    )
