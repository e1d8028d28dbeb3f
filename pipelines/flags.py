"""Argument types and flags every pipeline's `entry.add_arguments` shares.

Numeric flags are checked while the command line is parsed, so `--epochs 0` or
`--min-accuracy -1` is a one-line usage error (exit 2) in well under a second
rather than a TensorFlow error from the Trainer forty seconds later.
"""

import argparse


def _number(kind, text):
    try:
        return kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a{'n integer' if kind is int else ' number'}, got {text!r}"
        ) from None


def positive_int(text):
    """An integer >= 1 (epochs, batch size, dimensions, bucket counts, ...)."""
    value = _number(int, text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text!r}")
    return value


def positive_float(text):
    """A finite number > 0 (learning rates)."""
    value = _number(float, text)
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number above 0, got {text!r}")
    return value


def non_negative_int(text):
    """An integer >= 0 (patience, pixels; 0 switches the thing off)."""
    value = _number(int, text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text!r}")
    return value


def non_negative_float(text):
    """A finite number >= 0 (weight decay, warm-up epochs)."""
    value = _number(float, text)
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number of 0 or more, got {text!r}")
    return value


def finite_float(text):
    """Any finite number (bounds that may be negative)."""
    value = _number(float, text)
    if not -float("inf") < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text!r}")
    return value


def fraction(text):
    """A number in [0, 1] (accuracies, fractions of rows)."""
    value = _number(float, text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text!r}")
    return value


def add_training_arguments(parser, *, epochs, batch_size):
    parser.add_argument("--epochs", type=positive_int, default=epochs, help=f"default {epochs}")
    parser.add_argument("--batch-size", type=positive_int, default=batch_size, help=f"default {batch_size}")


def add_max_bad_fraction_argument(parser, default):
    """--max-bad-fraction, for the pipelines that read TextExampleGen's layouts."""
    parser.add_argument(
        "--max-bad-fraction",
        type=fraction,
        default=default,
        help="a split with a larger fraction of bad rows (missing label, empty text) stops the run",
    )


def add_precision_argument(parser, default="auto"):
    parser.add_argument(
        "--mixed-precision",
        default=default,
        choices=["auto", "off", "float16", "bfloat16"],
        help="auto: mixed_float16 on a GPU, float32 on CPU",
    )


def add_blessing_arguments(parser, *, min_accuracy):
    """--min-accuracy and --no-baseline."""
    parser.add_argument(
        "--min-accuracy",
        type=fraction,
        default=min_accuracy,
        help=f"eval accuracy a model needs to be blessed and pushed (default {min_accuracy})",
    )
    add_baseline_argument(parser)


def add_baseline_argument(parser):
    """--no-baseline, for when the latest blessed model is no fair comparison."""
    parser.add_argument(
        "--no-baseline",
        action="store_true",
        help="bless on the thresholds alone, without comparing with the latest blessed model in "
        "--output-dir (for a run whose labels or data differ from that model's)",
    )


def default_help(flag, config, overrides, where="{}"):
    """'default 5' or 'default 5, 25 (glove)': `flag`'s field in `config` (a dataclass instance), and
    the values `overrides` ({key: {field: value}}) give it, each key shown through `where`."""
    field = flag[2:].replace("-", "_")
    departures = "".join(
        f", {values[field]} ({where.format(key)})" for key, values in overrides.items() if field in values
    )
    return f"default {getattr(config, field)}{departures}"
