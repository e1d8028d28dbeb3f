"""The real pipeline, end to end: LocalDagRunner, SQLite MLMD, in-memory DirectRunner."""

import json
import pathlib
import shutil

import ml_metadata as mlmd
import numpy as np
import pytest
import tensorflow as tf

from components.idx_example_gen import idx
from pipelines import runner
from tests.cli_runner import run_cli
from tests.conftest import FIXTURES
from tests.mlmd_checks import COMPLETE, assert_all_executed, latest_nodes

pytestmark = pytest.mark.e2e

SMALL = FIXTURES / "fashion_mnist_small"
FASHION_MNIST = pathlib.Path("/usr/share/datasets/fashion-mnist")
COMPONENTS = {
    "IdxExampleGen",
    "ImportSchemaGen",
    "StatisticsGen",
    "ExampleValidator",
    "ValidationGate",
    "LabelCheck",
    "Transform",
    "Trainer",
    "latest_blessed_model_resolver",
    "Evaluator",
    "ServingInfraValidator",
    "Pusher",
}


def _run(data, output_dir, *extra):
    return run_cli(
        "run", "image_classification", "--data", data, "--epochs", 1, "--output-dir", output_dir, *extra
    )


@pytest.fixture(scope="module")
def good_run(tmp_path_factory):
    output_dir = tmp_path_factory.mktemp("good")
    # A 1-epoch model on 1,000 images is far below the default bar: lower it so it is pushed.
    # A constant learning rate: a cosine decay over these 8 steps would leave it below the bar.
    result = _run(SMALL, output_dir, "--min-accuracy", "0.3", "--schedule", "constant")
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads((output_dir / "summary.json").read_text())
    return output_dir, result, summary


def test_every_component_executed_and_a_model_was_pushed(good_run):
    output_dir, result, summary = good_run
    nodes = assert_all_executed(output_dir, "image_classification", COMPONENTS)
    pushed = runner.output_artifact(nodes, "Pusher", "pushed_model")
    assert pushed.custom_properties["pushed"].int_value == 1
    destination = pathlib.Path(pushed.custom_properties["pushed_destination"].string_value)
    assert destination.parent == output_dir / "serving" / "lenet5" and destination.name.isdigit()
    assert (destination / "saved_model.pb").exists()
    assert summary["pushed_model"] == str(destination)
    assert "blessed, pushed" in result.stdout.strip().splitlines()[-1]


def test_summary_has_the_promised_keys(good_run):
    output_dir, _, summary = good_run
    assert summary["pipeline"] == "image_classification" and summary["model"] == "lenet5"
    assert summary["dataset"] == "fashion_mnist_small" and summary["blessed"] is True
    assert summary["metrics"]["example_count"] == 250
    assert 0.3 <= summary["metrics"]["accuracy"] <= 1.0
    assert set(summary["component_seconds"]) == COMPONENTS
    assert len(summary["epoch_seconds"]) == 1
    curves = pathlib.Path(summary["artifacts"]["training_curves"])
    assert curves.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert any(pathlib.Path(summary["artifacts"]["tensorboard"]).rglob("events.out.tfevents.*"))


def test_pushed_model_serves_examples_and_raw_images_alike(good_run):
    _, _, summary = good_run
    model = tf.saved_model.load(summary["pushed_model"])
    assert {"serving_default", "predict_images"} <= set(model.signatures)
    images, labels = idx.load(
        str(SMALL / "t10k-images-idx3-ubyte.gz"), str(SMALL / "t10k-labels-idx1-ubyte.gz")
    )

    raw = model.signatures["predict_images"](images=tf.constant(images, tf.float32))
    examples = [
        tf.train.Example(
            features=tf.train.Features(
                feature={"image": tf.train.Feature(bytes_list=tf.train.BytesList(value=[image.tobytes()]))}
            )
        ).SerializeToString()
        for image in images
    ]
    served = model.signatures["serving_default"](examples=tf.constant(examples))

    np.testing.assert_allclose(raw["probabilities"].numpy(), served["probabilities"].numpy(), atol=1e-6)
    np.testing.assert_array_equal(raw["class_ids"].numpy(), raw["probabilities"].numpy().argmax(-1))
    # The evaluator's accuracy is the served model's accuracy on the eval split.
    accuracy = float(np.mean(raw["class_ids"].numpy() == labels))
    assert accuracy == pytest.approx(summary["metrics"]["accuracy"], abs=1e-6)


def _model_variables(saved_model_dir):
    reader = tf.train.load_checkpoint(f"{saved_model_dir}/variables/variables")
    names = reader.get_variable_to_shape_map()
    return {k: reader.get_tensor(k) for k in names if k.startswith("model/") and "/optimizer/" not in k}


def test_a_run_from_the_pushed_model_with_frozen_features_keeps_them_and_is_pushed(good_run, tmp_path):
    output_dir, _, source = good_run
    out = tmp_path / "transfer"
    result = _run(
        SMALL, out, "--init-from", output_dir / "serving" / "lenet5", "--freeze-features",
        "--min-accuracy", "0.3", "--schedule", "constant",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["blessed"] and summary["pushed_model"]

    before, after = _model_variables(source["pushed_model"]), _model_variables(summary["pushed_model"])
    assert before.keys() == after.keys()
    changed = {k: v.shape for k, v in after.items() if not np.array_equal(v, before[k])}
    assert sorted(changed.values()) == [(10,), (84,), (84, 10), (120, 84)]  # only the head: f6, logits


def _corrupt_eval_split(tmp_path, images=None, labels=None):
    data = tmp_path / "data"
    shutil.copytree(SMALL, data)
    if images is not None:
        idx.write(str(data / "t10k-images-idx3-ubyte.gz"), images)
    if labels is not None:
        idx.write(str(data / "t10k-labels-idx1-ubyte.gz"), labels)
    return data


def _eval_split():
    return idx.load(str(SMALL / "t10k-images-idx3-ubyte.gz"), str(SMALL / "t10k-labels-idx1-ubyte.gz"))


@pytest.mark.parametrize(
    "corrupt, anomaly",
    [
        (
            lambda images, labels: {"labels": np.where(np.arange(len(labels)) % 50 == 0, 12, labels)},
            "split 'eval': label: Out-of-range values (Unexpectedly large value: 12.)",
        ),
        (
            lambda images, labels: {"images": np.pad(images, ((0, 0), (2, 2), (2, 2)))},
            "split 'eval': image: images must be 28x28 (784 bytes)",
        ),
    ],
    ids=["labels-out-of-range", "images-wrong-size"],
)
def test_bad_eval_data_stops_before_training_and_pushes_nothing(tmp_path, corrupt, anomaly):
    data = _corrupt_eval_split(tmp_path, **corrupt(*_eval_split()))
    output_dir = tmp_path / "out"
    result = _run(data, output_dir)

    assert result.returncode == 1
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith(
        "dlsuite: image_classification stopped at ValidationGate: data anomalies found"
    )
    assert anomaly in last_line
    assert "Traceback" not in result.stderr

    summary = json.loads((output_dir / "summary.json").read_text())
    assert summary["pushed_model"] is None and summary["blessed"] is False
    assert summary["error"]["component"] == "ValidationGate"
    nodes = latest_nodes(output_dir, "image_classification")
    assert nodes["ExampleValidator"][0].last_known_state in COMPLETE
    assert nodes["ValidationGate"][0].last_known_state == mlmd.proto.Execution.FAILED
    assert not {"Transform", "Trainer", "Pusher"} & set(nodes)
    assert not (output_dir / "serving").exists()


# make test's time (≈ 30 s): the LeNet-5 runs above cover the pipeline; the zoo's models and the
# training options: tests/unit/keras_models/test_cnn_zoo.py, test_training_options.py; make test-slow runs it
@pytest.mark.slow
def test_a_resnet_trains_with_the_course_options_and_is_pushed_under_its_name(tmp_path):
    output_dir = tmp_path / "resnet"
    result = _run(
        SMALL, output_dir, "--model", "resnet20", "--label-smoothing", "0.1", "--schedule", "step",
        "--early-stopping", "2", "--min-accuracy", "0.05",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads((output_dir / "summary.json").read_text())
    assert summary["model"] == "resnet20" and summary["blessed"] is True
    assert pathlib.Path(summary["pushed_model"]).parent == output_dir / "serving" / "resnet20"

    history = json.loads(pathlib.Path(summary["artifacts"]["history"]).read_text())
    # The model's defaults (SGD, weight decay, warm-up, augmentation) with the flags given on top.
    config = history["config"]
    assert (config["optimizer"], config["weight_decay"], config["augment"]) == ("sgd", 5e-4, True)
    assert (config["schedule"], config["label_smoothing"], config["early_stopping"]) == ("step", 0.1, 2)
    assert history["parameters"] == 270_810

    # Same serving signatures whatever the model: the served accuracy is the evaluator's.
    model = tf.saved_model.load(summary["pushed_model"])
    images, labels = _eval_split()
    class_ids = model.signatures["predict_images"](images=tf.constant(images, tf.float32))["class_ids"]
    accuracy = float(np.mean(class_ids.numpy() == labels))
    assert accuracy == pytest.approx(summary["metrics"]["accuracy"], abs=1e-6)


@pytest.mark.slow
def test_resnet20_reaches_the_issue_bar_on_full_fashion_mnist(tmp_path):
    """The defaults of --model resnet20 (30 epochs): about 35 min on 2 quiet cores, BENCHMARKS.md."""
    if not (FASHION_MNIST / "train-images-idx3-ubyte.gz").exists():
        pytest.skip(f"no Fashion-MNIST at {FASHION_MNIST} (make fashion-mnist)")
    result = run_cli("run", "image_classification", "--model", "resnet20", "--output-dir", tmp_path / "out")
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["blessed"] and summary["metrics"]["accuracy"] >= 0.93, summary["metrics"]
