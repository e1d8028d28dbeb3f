"""The text pipeline end to end: CLI, LocalDagRunner, SQLite MLMD, DirectRunner, pushed raw-text model."""

import csv
import json
import pathlib
import shutil

import ml_metadata as mlmd
import numpy as np
import pytest
import tensorflow as tf

from components.text_example_gen import formats
from pipelines import runner
from tests.cli_runner import run_cli
from tests.conftest import FIXTURES, SHARED_DATA
from tests.mlmd_checks import assert_all_executed, latest_nodes

pytestmark = pytest.mark.e2e

SMALL = FIXTURES / "ag_news_small"
CLASSES = ["World", "Sports", "Business", "Sci/Tech"]
COMPONENTS = {
    "TextExampleGen",
    "StatisticsGen",
    "SchemaGen",
    "ExampleValidator",
    "ValidationGate",
    "LabelCheck",
    "Transform",
    "Trainer",
    "latest_blessed_model_resolver",
    "Evaluator",
    "Pusher",
}


def _run(data, output_dir, *extra):
    return run_cli("run", "text_classification", "--data", data, "--output-dir", output_dir, *extra)


def _copy_with_bad_rows(tmp_path, bad):
    """The small fixture with `bad` train rows broken: alternately no label, no text."""
    data = tmp_path / "data"
    shutil.copytree(SMALL, data)
    with open(data / "train.csv", newline="") as f:
        rows = list(csv.reader(f))
    for i in range(bad):
        rows[7 * i + 3] = ["", *rows[7 * i + 3][1:]] if i % 2 == 0 else [rows[7 * i + 3][0], " ", ""]
    with open(data / "train.csv", "w", newline="") as f:
        csv.writer(f, quoting=csv.QUOTE_ALL).writerows(rows)
    return data


@pytest.fixture(scope="module")
def good_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("text")
    data = _copy_with_bad_rows(tmp, 2)  # 2 of 400 rows: under the default 1 % limit
    output_dir = tmp / "out"
    # 400 short texts need many passes (fastText C++ gets ~0.6 here); a small table keeps the model small.
    result = _run(data, output_dir, "--epochs", 40, "--buckets", 100_000, "--min-accuracy", 0.5, "--top-k", 2)
    assert result.returncode == 0, result.stderr[-3000:]
    return output_dir, result, json.loads((output_dir / "summary.json").read_text())


def test_every_component_ran_bad_rows_were_counted_and_a_model_pushed(good_run):
    output_dir, result, summary = good_run
    nodes = assert_all_executed(output_dir, "text_classification", COMPONENTS)
    examples = runner.output_artifact(nodes, "TextExampleGen", "examples")
    assert examples.custom_properties["train_bad_rows"].int_value == 2
    assert examples.custom_properties["train_rows"].int_value == 400
    assert "split 'train': 2 of 400 rows (0.50 %) bad (empty text: 1, missing label: 1)" in result.stdout
    pushed = pathlib.Path(summary["pushed_model"])
    assert pushed.parent == output_dir / "serving" / "fasttext" and (pushed / "saved_model.pb").exists()
    assert "blessed, pushed" in result.stdout.strip().splitlines()[-1]


def test_summary_has_accuracy_per_class_and_artifacts(good_run):
    _, _, summary = good_run
    assert summary["pipeline"] == "text_classification" and summary["model"] == "fasttext"
    assert summary["dataset"] == "data" and summary["blessed"] is True
    metrics = summary["metrics"]
    assert metrics["example_count"] == 120
    # Chance is 0.25 on these 4 balanced classes.
    assert metrics["accuracy"] >= 0.5
    assert {f"accuracy/label={c}" for c in CLASSES} <= set(metrics)
    assert len(summary["epoch_seconds"]) == 40
    assert pathlib.Path(summary["artifacts"]["training_curves"]).read_bytes()[:4] == b"\x89PNG"
    assert any(pathlib.Path(summary["artifacts"]["tensorboard"]).rglob("events.out.tfevents.*"))


def test_pushed_model_classifies_raw_strings_as_it_serves_examples(good_run):
    _, _, summary = good_run
    model = tf.saved_model.load(summary["pushed_model"])
    assert {"serving_default", "classify_text", "transform_features"} <= set(model.signatures)
    labels, texts = formats.load(str(SMALL / "dev.csv"), "ag_news", CLASSES)

    top = model.signatures["classify_text"](text=tf.constant(texts))
    names = top["labels"].numpy().astype(str)
    probabilities = top["probabilities"].numpy()
    assert names.shape == probabilities.shape == (len(texts), 2)
    assert set(names.ravel()) <= set(CLASSES)
    assert (np.diff(probabilities, axis=1) <= 0).all() and (probabilities.sum(1) <= 1 + 1e-6).all()

    examples = [
        tf.train.Example(
            features=tf.train.Features(
                feature={"text": tf.train.Feature(bytes_list=tf.train.BytesList(value=[t.encode()]))}
            )
        ).SerializeToString()
        for t in texts
    ]
    served = model.signatures["serving_default"](examples=tf.constant(examples))
    np.testing.assert_allclose(served["probabilities"].numpy().max(1), probabilities[:, 0], atol=1e-6)
    np.testing.assert_array_equal(served["labels"].numpy().astype(str), names[:, 0])
    # The evaluator's accuracy is the served model's accuracy on the eval split.
    accuracy = float(np.mean(names[:, 0] == np.array(labels)))
    assert accuracy == pytest.approx(summary["metrics"]["accuracy"], abs=1e-6)


# make test's time (≈ 28 s): the fastText runs above cover the pipeline and classify_text; LSTMClassifier
# on raw strings: tests/unit/keras_models/test_lstm_classifier.py; this run: make test-slow
@pytest.mark.slow
def test_model_lstm_trains_an_lstm_that_serves_raw_strings(tmp_path):
    output_dir = tmp_path / "out"
    # LSTMClassifier on the 400-row fixture: ~0.7 after 10 epochs, chance 0.25.
    result = _run(SMALL, output_dir, "--model", "lstm", "--epochs", 10, "--units", 32, "--min-accuracy", 0.5)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "LSTMClassifier: 400 train / 120 eval texts, 4 classes" in result.stdout
    summary = json.loads((output_dir / "summary.json").read_text())
    assert summary["model"] == "lstm" and summary["blessed"] and summary["metrics"]["accuracy"] >= 0.5
    assert runner.trained_model(latest_nodes(output_dir, "text_classification")) == "lstm"
    pushed = pathlib.Path(summary["pushed_model"])
    assert pushed.parent == output_dir / "serving" / "lstm" and len(summary["epoch_seconds"]) == 10
    _, texts = formats.load(str(SMALL / "dev.csv"), "ag_news", CLASSES)
    top = tf.saved_model.load(str(pushed)).signatures["classify_text"](text=tf.constant(texts))
    assert top["labels"].shape == (len(texts), 3) and set(top["labels"].numpy().astype(str).ravel()) <= set(
        CLASSES
    )


@pytest.mark.slow  # for make test's time; the model serving raw strings: tests/unit/.../test_naive_bayes.py
def test_model_naive_bayes_counts_once_and_serves_raw_strings(tmp_path):
    output_dir = tmp_path / "out"
    # Multinomial naive Bayes on the 400-row fixture: ~0.8 (chance 0.25), fitted by one closed-form count.
    result = _run(SMALL, output_dir, "--model", "naive_bayes", "--alpha", 0.5, "--min-accuracy", 0.7)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "MultinomialNaiveBayes: 400 train / 120 eval texts, 4 classes" in result.stdout
    summary = json.loads((output_dir / "summary.json").read_text())
    assert summary["model"] == "naive_bayes" and summary["blessed"] and summary["metrics"]["accuracy"] >= 0.7
    assert len(summary["epoch_seconds"]) == 1 and "blessed, pushed" in result.stdout.strip().splitlines()[-1]
    pushed = pathlib.Path(summary["pushed_model"])
    assert pushed.parent == output_dir / "serving" / "naive_bayes"
    labels, texts = formats.load(str(SMALL / "dev.csv"), "ag_news", CLASSES)
    top = tf.saved_model.load(str(pushed)).signatures["classify_text"](text=tf.constant(texts))
    names = top["labels"].numpy().astype(str)
    assert names.shape == (len(texts), 3) and set(names.ravel()) <= set(CLASSES)
    # The evaluator's accuracy is the served model's.
    accuracy = float(np.mean(names[:, 0] == np.array(labels)))
    assert accuracy == pytest.approx(summary["metrics"]["accuracy"], abs=1e-6)


def test_too_many_bad_rows_stop_the_run_naming_the_counts(tmp_path):
    data = _copy_with_bad_rows(tmp_path, 40)  # 10 % of the train split
    output_dir = tmp_path / "out"
    result = _run(data, output_dir, "--max-bad-fraction", 0.05)

    assert result.returncode == 1
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith(
        "dlsuite: text_classification stopped at TextExampleGen: too many bad rows (limit 5 % of a split, "
        "--max-bad-fraction 0.05): split 'train': 40 of 400 rows (10.00 %) bad (empty text: 20, "
        "missing label: 20); first: train.csv line 4: missing label"
    )
    assert "Traceback" not in result.stderr
    summary = json.loads((output_dir / "summary.json").read_text())
    assert summary["error"]["component"] == "TextExampleGen" and summary["pushed_model"] is None
    nodes = latest_nodes(output_dir, "text_classification")
    assert nodes["TextExampleGen"][0].last_known_state == mlmd.proto.Execution.FAILED
    assert set(nodes) == {"TextExampleGen"} and not (output_dir / "serving").exists()


@pytest.mark.slow
@pytest.mark.parametrize(
    "name, min_accuracy", [("ag_news", 0.86), ("spamassassin", 0.93)], ids=["ag_news", "spamassassin"]
)
def test_full_data_sets(name, min_accuracy, tmp_path):
    data = SHARED_DATA / name
    if not data.is_dir():
        pytest.skip(f"no {name} at {data}")
    result = _run(data, tmp_path / "out")
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    # fastText C++ with the same settings (dim 10, bigrams, lr 0.25, 5 epochs): 0.86 and 0.93.
    assert summary["metrics"]["accuracy"] >= min_accuracy and summary["blessed"]
