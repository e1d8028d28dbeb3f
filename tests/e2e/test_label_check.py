"""Runs whose labels cannot make a sound model stop before the Trainer, and leave the folder usable."""

import json
import shutil

import ml_metadata as mlmd
import numpy as np
import pytest

from components.idx_example_gen import idx
from pipelines import runner
from tests.cli_runner import run_cli
from tests.conftest import FIXTURES
from tests.mlmd_checks import latest_nodes

pytestmark = pytest.mark.e2e

AG_NEWS = FIXTURES / "ag_news_small"
FAST = ("--epochs", 10, "--buckets", 100_000, "--min-accuracy", 0.3)  # seconds on the 400-row fixture


def _text_run(data, output_dir, *extra):
    return run_cli("run", "text_classification", "--data", data, "--output-dir", output_dir, *FAST, *extra)


def _only_sports(tmp_path):
    """AG News rows of one class ("2" is Sports in classes.txt), train and dev."""
    data = tmp_path / "one_class"
    data.mkdir()
    shutil.copy(AG_NEWS / "classes.txt", data)
    for name in ("train.csv", "dev.csv"):
        rows = [line for line in (AG_NEWS / name).read_text().splitlines(keepends=True) if line[:3] == '"2"']
        (data / name).write_text("".join(rows))
    return data


def _without_classes_txt(tmp_path):
    """The same rows, labelled "1".."4": AG News without the file that names its classes."""
    data = tmp_path / "no_classes"
    data.mkdir(exist_ok=True)
    for name in ("train.csv", "dev.csv"):
        shutil.copy(AG_NEWS / name, data)
    return data


def _assert_stopped_at_label_check(result, output_dir, reason):
    assert result.returncode == 1, result.stderr[-2000:]
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith("dlsuite: text_classification stopped at LabelCheck: " + reason), last_line
    nodes = latest_nodes(output_dir, "text_classification")
    assert nodes["LabelCheck"][0].last_known_state == mlmd.proto.Execution.FAILED
    assert not {"Transform", "Trainer", "Evaluator", "Pusher"} & set(nodes)
    summary = json.loads((output_dir / "summary.json").read_text())
    assert summary["error"]["component"] == "LabelCheck" and summary["pushed_model"] is None


def _versions(output_dir):
    return sorted(p.name for p in (output_dir / "serving" / "fasttext").iterdir())


def _one_pushed_model(out):
    first = _text_run(AG_NEWS, out)
    assert first.returncode == 0, first.stderr[-3000:]
    assert len(_versions(out)) == 1


def test_one_class_then_other_labels_stop_without_pushing(tmp_path):
    out = tmp_path / "out"
    _one_pushed_model(out)

    one_class = _text_run(_only_sports(tmp_path), out)
    _assert_stopped_at_label_check(
        one_class, out, "the train split has only 'Sports': a classifier needs at least 2 classes"
    )

    relabelled = _text_run(_without_classes_txt(tmp_path), out)
    _assert_stopped_at_label_check(
        relabelled,
        out,
        "the train split's labels differ from the latest blessed model's in this output folder",
    )
    assert "--no-baseline" in relabelled.stderr
    assert len(_versions(out)) == 1  # nothing was pushed by the two stopped runs


@pytest.mark.slow  # two more full runs (about 35 s); make test-slow runs it
def test_good_labels_are_compared_with_the_baseline_and_no_baseline_blesses_other_labels(tmp_path):
    out = tmp_path / "out"
    _one_pushed_model(out)
    second = _text_run(AG_NEWS, out)
    assert second.returncode == 0, second.stderr[-3000:]
    nodes = latest_nodes(out, "text_classification")
    blessing = runner.output_artifact(nodes, "Evaluator", "blessing")
    assert blessing.custom_properties["blessed"].int_value == 1
    assert blessing.custom_properties["baseline_model_id"].int_value > 0  # compared with the first model
    assert len(_versions(out)) == 2

    # Asked for, a model of other labels is blessed on --min-accuracy alone.
    unrelated = _text_run(_without_classes_txt(tmp_path), out, "--no-baseline")
    assert unrelated.returncode == 0, unrelated.stderr[-3000:]
    nodes = latest_nodes(out, "text_classification")
    assert "latest_blessed_model_resolver" not in nodes
    assert "baseline_model_id" not in runner.output_artifact(nodes, "Evaluator", "blessing").custom_properties
    assert len(_versions(out)) == 3


def test_one_class_of_images_stops_before_training(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(FIXTURES / "fashion_mnist_small", data)
    labels = idx.read_records(idx.read_header(str(data / "train-labels-idx1-ubyte.gz")))
    idx.write(str(data / "train-labels-idx1-ubyte.gz"), np.full_like(labels, 3))
    out = tmp_path / "out"
    result = run_cli("run", "image_classification", "--data", data, "--output-dir", out, "--epochs", 1)
    assert result.returncode == 1, result.stderr[-2000:]
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .startswith("dlsuite: image_classification stopped at LabelCheck: the train split has only '3'")
    )
    assert "Trainer" not in latest_nodes(out, "image_classification")
    assert not (out / "serving").exists()
