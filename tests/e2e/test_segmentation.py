"""The segmentation pipeline end to end on the small fixture: canvases composed by Beam, validated, an
FC-DenseNet trained for one epoch, judged by SegmentationEvaluator, pushed, and served over REST."""

import gzip
import json
import pathlib
import shutil

import numpy as np
import pytest
import requests

from components.canvas_example_gen import canvas
from components.idx_example_gen import idx
from tests.cli_runner import run_cli
from tests.conftest import FIXTURES
from tests.mlmd_checks import assert_all_executed, latest_nodes
from tests.serving_helpers import ServerProcess

pytestmark = pytest.mark.e2e

SMALL = FIXTURES / "fashion_mnist_small"
EVAL_CANVASES = 40
COMPONENTS = {
    "CanvasExampleGen",
    "ImportSchemaGen",
    "StatisticsGen",
    "ExampleValidator",
    "ValidationGate",
    "Transform",
    "Trainer",
    "latest_blessed_model_resolver",
    "Evaluator",
    "ServingInfraValidator",
    "Pusher",
}


def _run(output_dir, data=SMALL):
    return run_cli(
        "run", "segmentation", "--data", data, "--epochs", 1, "--canvases", 256,
        "--eval-canvases", EVAL_CANVASES, "--seed", 3, "--min-mean-iou", 0.05, "--output-dir", output_dir,
    )  # fmt: skip


@pytest.fixture(scope="module")
def segmentation_run(tmp_path_factory):
    output_dir = tmp_path_factory.mktemp("segmentation")
    result = _run(output_dir)
    assert result.returncode == 0, result.stderr[-3000:]
    return output_dir, result, json.loads((output_dir / "summary.json").read_text())


def test_every_component_ran_and_the_model_was_pushed(segmentation_run):
    output_dir, result, summary = segmentation_run
    assert_all_executed(output_dir, "segmentation", COMPONENTS)
    assert summary["model"] == "fc_densenet_small" and summary["blessed"] is True
    pushed = pathlib.Path(summary["pushed_model"])
    assert (
        pushed.parent == output_dir / "serving" / "fc_densenet_small" and (pushed / "saved_model.pb").exists()
    )
    last_line = result.stdout.strip().splitlines()[-1]
    assert last_line.startswith("segmentation: fc_densenet_small on fashion_mnist_small -- mean_iou ")
    assert "blessed, pushed" in last_line


def test_the_evaluator_measures_iou_on_the_eval_canvases(segmentation_run):
    output_dir, _, summary = segmentation_run
    metrics = summary["metrics"]
    assert metrics["canvases"] == EVAL_CANVASES and metrics["pixels"] == EVAL_CANVASES * 64 * 64
    per_class = [value for name, value in metrics.items() if name.startswith("iou_")]
    assert "iou_background" in metrics and all(0 <= v <= 1 for v in per_class)
    # The mean is over the classes present in the truth or the prediction, background included.
    assert metrics["mean_iou"] == pytest.approx(np.mean(per_class))
    assert 0.05 <= metrics["mean_iou"] <= 1 and 0 <= metrics["pixel_accuracy"] <= 1
    evaluation = pathlib.Path(latest_nodes(output_dir, "segmentation")["Evaluator"][1]["evaluation"][0].uri)
    for name in ("masks.png", "iou_per_class.png"):
        assert (evaluation / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
    matrix = np.loadtxt(evaluation / "confusion_matrix.csv", delimiter=",")
    assert matrix.shape == (11, 11) and matrix.sum() == metrics["pixels"]
    assert "mean_iou ≥ 0.05" in (output_dir / "report.html").read_text()


def test_the_pushed_model_segments_over_rest(segmentation_run, tmp_path):
    _, _, summary = segmentation_run
    pushed = pathlib.Path(summary["pushed_model"])
    items = idx.load(str(SMALL / "t10k-images-idx3-ubyte.gz"), str(SMALL / "t10k-labels-idx1-ubyte.gz"))
    canvases, _, _ = canvas.compose_many(*items, seed=3, split="eval", start=0, stop=2)
    server = ServerProcess(
        "--model-name", "tiramisu", "--model-base-path", pushed.parent, log_path=tmp_path / "serve.log"
    )
    try:
        url = f"{server.rest_url}/v1/models/tiramisu:predict"
        body = {"signature_name": "segment", "inputs": {"images": canvases.tolist()}}
        response = requests.post(url, json=body, timeout=60)
        assert response.status_code == 200, response.text
        outputs = response.json()["outputs"]
        mask, class_pixels = np.array(outputs["mask"]), np.array(outputs["class_pixels"])
        assert mask.shape == (2, 64, 64) and 0 <= mask.min() and mask.max() <= 10
        assert class_pixels.shape == (2, 11) and class_pixels.sum(axis=1).tolist() == [64 * 64] * 2
        np.testing.assert_array_equal(class_pixels[0], np.bincount(mask[0].ravel(), minlength=11))

        bad = requests.post(
            url, json={"signature_name": "segment", "inputs": {"images": [[1, 2]]}}, timeout=60
        )
        assert bad.status_code == 400 and "error" in bad.json()
        again = requests.post(url, json=body, timeout=60)  # still serving, and the same answer
        assert again.status_code == 200 and again.json()["outputs"]["mask"] == outputs["mask"]
    finally:
        assert server.stop() == 0, server.log_tail()


def test_a_truncated_idx_file_stops_the_run_before_it_starts(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(SMALL, data)
    raw = gzip.decompress((SMALL / "t10k-images-idx3-ubyte.gz").read_bytes())
    (data / "t10k-images-idx3-ubyte.gz").write_bytes(gzip.compress(raw[: len(raw) // 2]))
    result = _run(tmp_path / "out", data=data)
    assert result.returncode == 2
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith(f"dlsuite: --data {data}: ") and "t10k-images-idx3-ubyte.gz: truncated" in line
    assert not (tmp_path / "out").exists()  # nothing ran, nothing pushed


@pytest.mark.slow
def test_full_fashion_mnist_beats_any_per_component_classifier(tmp_path):
    """The defaults on the Debian Fashion-MNIST (about 10 min on 2 quiet cores, BENCHMARKS.md): the
    FC-DenseNet beats the best that thresholding + connected components can do, whatever classifier
    names the components (each painted with its true majority class)."""
    from tools.bench import segmentation_baseline as baseline

    data = pathlib.Path("/usr/share/datasets/fashion-mnist")
    if not (data / "train-images-idx3-ubyte.gz").exists():
        pytest.skip(f"no Fashion-MNIST at {data} (make fashion-mnist)")
    output_dir = tmp_path / "out"
    result = run_cli("run", "segmentation", "--output-dir", output_dir)
    assert result.returncode == 0, result.stderr[-3000:]
    canvases, true, summary = baseline.run_figures(str(output_dir))
    found = baseline.components(canvases)
    bound = baseline.measures.segmentation_metrics(
        true, baseline.paint(true.shape, found, baseline.majority(found, true)), baseline.features.CLASS_NAMES
    )[0]
    assert summary["blessed"] and summary["metrics"]["mean_iou"] > bound["mean_iou"] + 0.1, (
        summary["metrics"],
        bound,
    )
