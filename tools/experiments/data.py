"""The data sets the experiments share: Fashion-MNIST from the Debian package, scikit-learn's bundled sets.

`quick=True` reads the 1,000/250-image fixture of the tests when the checkout has it (the Debian
package otherwise), so a quick run needs no download and takes seconds.
"""

import dataclasses
import os

import numpy as np

DATA_DIR = "/usr/share/datasets/fashion-mnist"  # Debian package dataset-fashion-mnist
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURE_DIR = os.path.join(ROOT, "tests", "fixtures", "fashion_mnist_small")
FILES = {split: (f"{stem}-images-idx3-ubyte.gz", f"{stem}-labels-idx1-ubyte.gz") for split, stem in (
    ("train", "train"), ("test", "t10k"))}  # fmt: skip
CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
           "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")  # fmt: skip


@dataclasses.dataclass(frozen=True)
class Data:
    """Train and test arrays; x float32, y int64."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str  # where it came from, for the report's setup


def load_split(directory, split):
    """(images [n, 28, 28] uint8, labels [n] int64) of one Fashion-MNIST split in the Debian IDX layout."""
    from components.idx_example_gen import idx  # Beam's file systems: only when an experiment runs

    paths = [os.path.join(directory, f) for f in FILES[split]]
    missing = [p for p in paths if not os.path.exists(p)]
    if missing:
        raise FileNotFoundError(
            f"Fashion-MNIST not found: {', '.join(missing)} missing; install it with "
            "`apt-get install dataset-fashion-mnist` (or `dlsuite data fetch fashion_mnist DIR`)"
        )
    images, labels = idx.load(*paths)
    return images, labels.astype("int64")


def fashion_mnist_dir(quick):
    return FIXTURE_DIR if quick and os.path.isdir(FIXTURE_DIR) else DATA_DIR


def fashion_mnist(train_size, test_size=0, *, seed=0, quick=False, flat=True, standardized=False):
    """A seeded random subset of `train_size` training images and the first `test_size` test images.

    x in [0, 1]: [n, 784] when flat, else [n, 28, 28, 1]; `standardized`: each pixel at zero mean and
    unit variance over the training subset instead. test_size 0: the whole test split.
    """
    directory = fashion_mnist_dir(quick)
    x_train, y_train = load_split(directory, "train")
    x_test, y_test = load_split(directory, "test")
    if train_size > len(x_train):
        raise ValueError(f"train_size {train_size} > the {len(x_train)} images in {directory}")
    keep = np.random.default_rng(seed).permutation(len(x_train))[:train_size]
    x_train, y_train = x_train[keep], y_train[keep]
    if test_size:
        x_test, y_test = x_test[:test_size], y_test[:test_size]
    shape = (-1, 784) if flat else (-1, 28, 28, 1)
    source = f"Fashion-MNIST ({directory}): {len(x_train)} train images (seed {seed}), {len(x_test)} test"
    x_train, x_test = (x.reshape(shape).astype("float32") / 255 for x in (x_train, x_test))
    if standardized:
        x_train, x_test = standardize(x_train, x_test)
        source += "; pixels standardised with the training subset's mean and deviation"
    return Data(x_train, y_train, x_test, y_test, source)


def standardize(train, *others):
    """Zero mean and unit variance per feature from `train`'s statistics, applied to all (constant
    features stay 0)."""
    mean = train.mean(axis=0)
    std = train.std(axis=0)
    std = np.where(std > 1e-8, std, 1.0)
    return tuple(((a - mean) / std).astype(train.dtype) for a in (train, *others))


def sklearn_split(name, *, test_fraction=0.25, seed=0):
    """One of scikit-learn's bundled sets ("digits", "diabetes", "breast_cancer"), split at random:
    Data with float64 x (not standardised) and y as the set gives it."""
    from sklearn import datasets  # scikit-learn comes with TFX; imported only when used

    loader = {"digits": datasets.load_digits, "diabetes": datasets.load_diabetes,
              "breast_cancer": datasets.load_breast_cancer}[name]  # fmt: skip
    x, y = loader(return_X_y=True)
    order = np.random.default_rng(seed).permutation(len(x))
    cut = int(round(len(x) * (1 - test_fraction)))
    train, test = order[:cut], order[cut:]
    source = f"scikit-learn's bundled {name} ({len(train)} train, {len(test)} test rows, seed {seed})"
    return Data(x[train].astype("float64"), y[train], x[test].astype("float64"), y[test], source)
