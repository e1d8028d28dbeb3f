"""The CLI's argument and --data handling (no pipeline runs here)."""

import shutil

import numpy as np
import pytest

from components.idx_example_gen import idx
from tests.cli_runner import run_cli
from tests.conftest import FIXTURES


def test_list_names_pipelines_and_models():
    result = run_cli("list")
    assert result.returncode == 0, result.stderr
    assert "image_classification" in result.stdout and "lenet5" in result.stdout


def _small_copy(tmp):
    data = tmp / "data"
    shutil.copytree(FIXTURES / "fashion_mnist_small", data)
    return data


def _truncated_train_images(tmp):
    data = _small_copy(tmp)
    images = data / "train-images-idx3-ubyte.gz"
    images.write_bytes(images.read_bytes()[:100_000])  # the header reads fine; the records end early
    return data


def _empty_eval_split(tmp):
    data = _small_copy(tmp)
    idx.write(str(data / "t10k-images-idx3-ubyte.gz"), np.zeros((0, 28, 28), np.uint8))
    idx.write(str(data / "t10k-labels-idx1-ubyte.gz"), np.zeros((0,), np.uint8))
    return data


@pytest.mark.parametrize(
    "make_data, expected",
    [
        (lambda tmp: tmp / "does-not-exist", "no such folder"),
        (lambda tmp: tmp, "got 0 images and 0 labels files"),
        (
            lambda tmp: (tmp / "train-images-idx3-ubyte").write_bytes(b"GIF89a" + bytes(64)) and tmp,
            "not an IDX file",
        ),
        (
            _truncated_train_images,
            "train-images-idx3-ubyte.gz: truncated -- its header announces 1000 records",
        ),
        (_empty_eval_split, "t10k-images-idx3-ubyte.gz holds no records; the eval split needs some"),
    ],
    ids=["missing", "empty", "malformed", "truncated-gz", "empty-eval-split"],
)
def test_bad_data_is_one_line_exit_2_no_traceback(tmp_path, make_data, expected):
    data = make_data(tmp_path)
    result = run_cli("run", "image_classification", "--data", data, "--output-dir", tmp_path / "out")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("dlsuite: --data") and expected in lines[0]
    assert "apt-get install dataset-fashion-mnist" in lines[0]  # says what to do next
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()
