"""`dlsuite data fetch` writes what the pipelines read (TFDS offline, through tfds.testing.mock_data)."""

import os
import shutil
import subprocess

import pytest

from components.idx_example_gen import idx
from components.text_example_gen import formats
from pipelines.image_classification import entry as image_entry
from pipelines.text_classification import entry as text_entry
from tests.cli_runner import run_cli
from tests.conftest import ROOT
from tools import cli, data

tfds = pytest.importorskip("tensorflow_datasets")


@pytest.fixture
def mock_tfds():
    # Random examples from each builder's feature spec: no network, no metadata files.
    with tfds.testing.mock_data(num_examples=12, policy=tfds.testing.MockPolicy.USE_CODE):
        yield


@pytest.mark.parametrize("name", ["mnist", "fashion_mnist", "kmnist"])
def test_idx_data_sets_pass_the_image_pipelines_data_check(name, tmp_path, mock_tfds):
    assert data.fetch(name, str(tmp_path)) == {"train": 12, "t10k": 12}
    image_entry.check_data(str(tmp_path))
    images = idx.read_header(str(tmp_path / "train-images-idx3-ubyte.gz"))
    assert images.dims == (12, 28, 28)


def test_cifar10_keeps_its_colour_channels(tmp_path, mock_tfds):
    data.fetch("cifar10", str(tmp_path))
    assert idx.read_header(str(tmp_path / "t10k-images-idx3-ubyte.gz")).dims == (12, 32, 32, 3)


@pytest.mark.parametrize("name, layout", [("ag_news", "ag_news"), ("imdb_reviews", "label_text")])
def test_text_data_sets_pass_the_text_pipelines_data_check(name, layout, tmp_path, mock_tfds):
    assert data.fetch(name, str(tmp_path)) == {"train": 12, "test": 12}
    text_entry.check_data(str(tmp_path))
    assert formats.detect_format(str(tmp_path / "train.csv")) == layout
    classes = formats.read_classes(str(tmp_path))
    labels, texts = formats.load(str(tmp_path / "test.csv"), layout, classes)
    expected = {"ag_news": {"World", "Sports", "Business", "Sci/Tech"}, "imdb_reviews": {"neg", "pos"}}[name]
    assert len(labels) == 12 and set(labels) <= expected and all(texts)


def test_a_corpus_is_written_as_text_files(tmp_path, mock_tfds):
    counts = data.fetch("tiny_shakespeare", str(tmp_path))
    assert set(counts) == {"train", "validation", "test"}
    assert (tmp_path / "train.txt").stat().st_size == counts["train"] > 0


def test_unknown_names_are_refused_with_the_list(capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["data", "fetch", "cifar1000", "/tmp/x"])
    assert stop.value.code == 2 and "fashion_mnist" in capsys.readouterr().err


def test_on_a_fresh_clone_without_shared_every_pipeline_runs_or_names_the_fetch_command(tmp_path):
    """A copy of the repository's files with no ../shared beside it, as a new user has it."""
    clone = tmp_path / "clone"
    files = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    for name in files:
        if (ROOT / name).is_file():
            os.makedirs((clone / name).parent, exist_ok=True)
            shutil.copy(ROOT / name, clone / name)
    assert not (clone.parent / "shared").exists()

    for name in cli.PIPELINES:
        default = cli.build_parser().parse_args(["run", name]).data
        assert default is None or not os.path.abspath(default).startswith(str(ROOT.parent)), default
        if default is None:
            result = run_cli("run", name, cwd=clone)
            assert result.returncode == 2, result.stderr
            # text_classification names ag_news, language_model tiny_shakespeare, question_answering
            # the bAbI generator
            last_line = result.stderr.strip().splitlines()[-1]
            assert "dlsuite data fetch " in last_line or "dlsuite data generate " in last_line
    with pytest.raises(image_entry.DataError, match="dlsuite data fetch fashion_mnist DIR"):
        image_entry.check_data(str(tmp_path / "no-debian-package"))
