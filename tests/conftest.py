"""Shared fixtures: paths to the test data, and quiet libraries."""

import os
import pathlib

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture
def small_idx_dir():
    """1,000 train / 250 test Fashion-MNIST images in the Debian package's IDX layout."""
    return FIXTURES / "fashion_mnist_small"
