"""The GAN pipeline end to end on the small fixture: a DCGAN and a CycleGAN trained for an epoch, judged
by GanEvaluator in a classifier's feature space, pushed, and served over REST and gRPC."""

import json
import pathlib

import numpy as np
import pytest
import requests

from components.idx_example_gen import idx
from serving.grpc_client import GrpcClient
from tests.cli_runner import run_cli
from tests.conftest import FIXTURES
from tests.mlmd_checks import assert_all_executed, latest_nodes
from tests.serving_helpers import ServerProcess

pytestmark = pytest.mark.e2e

SMALL = FIXTURES / "fashion_mnist_small"
COMPONENTS = {
    "IdxExampleGen", "ImportSchemaGen", "StatisticsGen", "ExampleValidator", "ValidationGate", "Transform",
    "Trainer", "latest_blessed_model_resolver", "Evaluator", "ServingInfraValidator", "Pusher",
}  # fmt: skip
PNG = b"\x89PNG\r\n\x1a\n"


def _run(output_dir, model, *extra):
    result = run_cli(
        "run", "gan", "--data", SMALL, "--model", model, "--epochs", 2, "--output-dir", output_dir,
        "--feature-cache", output_dir / "cache", *extra,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads((output_dir / "summary.json").read_text())


@pytest.fixture(scope="module")
def dcgan_run(tmp_path_factory):
    output_dir = tmp_path_factory.mktemp("dcgan")
    # Two epochs on 1,000 images make blurs, not clothes: the bar is lowered so they are pushed.
    return output_dir, _run(output_dir, "dcgan", "--num-samples", 500, "--max-fid", 1e6)


@pytest.fixture(scope="module")
def cyclegan_run(tmp_path_factory):
    output_dir = tmp_path_factory.mktemp("cyclegan")
    return output_dir, _run(output_dir, "cyclegan", "--domains", "7,9", "--min-target-fraction", 0)


def test_dcgan_run_is_measured_beside_real_and_noise_images(dcgan_run):
    output_dir, summary = dcgan_run
    assert_all_executed(output_dir, "gan", COMPONENTS)
    assert summary["model"] == "dcgan" and summary["blessed"] and summary["pushed_model"]
    metrics = summary["metrics"]
    assert metrics["samples"] == 500 and sum(metrics["class_fractions"]) == pytest.approx(1.0)
    # Held-out real images are far closer to the eval images than noise is; the model lies between
    # or beyond, but is a finite distance.
    assert 0 <= metrics["fid_real"] < metrics["fid_noise"] and np.isfinite(metrics["fid"])
    assert 0 <= metrics["precision"] <= 1 and 0 <= metrics["recall"] <= 1

    nodes = latest_nodes(output_dir, "gan")
    run_dir = pathlib.Path(nodes["Trainer"][1]["model_run"][0].uri)
    assert [p.name for p in sorted((run_dir / "samples").glob("*.png"))] == ["epoch_001.png", "epoch_002.png"]
    assert (run_dir / "samples.gif").read_bytes()[:6] == b"GIF89a"
    evaluation = pathlib.Path(nodes["Evaluator"][1]["evaluation"][0].uri)
    for name in ("samples.png", "class_histogram.png"):
        assert (evaluation / name).read_bytes()[:8] == PNG, name
    assert "fid ≤ 1e+06" in (output_dir / "report.html").read_text()
    assert list((output_dir / "cache").glob("lenet5-*.keras")), "the feature classifier is cached"


def test_cyclegan_run_reports_translation_and_cycle(cyclegan_run):
    output_dir, summary = cyclegan_run
    metrics = summary["metrics"]
    for direction in ("a_to_b", "b_to_a"):
        assert 0 <= metrics[f"{direction}_target_fraction"] <= 1
        assert 0 <= metrics[f"{direction}_cycle_mse"] < 1 and np.isfinite(metrics[f"{direction}_fid"])
    evaluation = pathlib.Path(latest_nodes(output_dir, "gan")["Evaluator"][1]["evaluation"][0].uri)
    assert (evaluation / "translations.png").read_bytes()[:8] == PNG


def test_served_generate_and_translate(dcgan_run, cyclegan_run, tmp_path):
    models = tmp_path / "models.config"
    entries = "".join(
        f'config {{ name: "{name}" base_path: "{pathlib.Path(summary["pushed_model"]).parent}" '
        'model_platform: "tensorflow" }'
        for name, (_, summary) in (("dcgan", dcgan_run), ("cyclegan", cyclegan_run))
    )
    models.write_text(f"model_config_list {{ {entries} }}")
    server = ServerProcess("--model-config-file", models, log_path=tmp_path / "serve.log")
    grpc = GrpcClient(server.grpc_target)
    try:

        def rest(model, body):
            response = requests.post(f"{server.rest_url}/v1/models/{model}:predict", json=body, timeout=60)
            assert response.status_code == 200, response.text
            return response.json()["outputs"]

        seven = rest("dcgan", {"signature_name": "generate", "inputs": {"count": 3, "seed": 7}})
        assert np.array(seven).shape == (3, 28, 28) and np.array(seven).max() <= 255
        assert rest("dcgan", {"signature_name": "generate", "inputs": {"count": 3, "seed": 7}}) == seven
        assert rest("dcgan", {"inputs": {"count": 3, "seed": 8}}) != seven  # serving_default is generate

        def grpc_generate(seed):
            inputs = {"count": np.int32(3), "seed": np.int32(seed)}
            return grpc.predict_arrays("dcgan", inputs, signature_name="generate")[1]["images"]

        np.testing.assert_array_equal(grpc_generate(7), grpc_generate(7))
        np.testing.assert_array_equal(grpc_generate(7), np.array(seven, np.uint8))

        images = idx.load(str(SMALL / "t10k-images-idx3-ubyte.gz"), str(SMALL / "t10k-labels-idx1-ubyte.gz"))[
            0
        ]
        body = {
            "signature_name": "translate",
            "inputs": {"images": images[:2].tolist(), "direction": "a_to_b"},
        }
        assert np.array(rest("cyclegan", body)).shape == (2, 28, 28)
        bad = {**body, "inputs": {**body["inputs"], "direction": "sideways"}}
        response = requests.post(f"{server.rest_url}/v1/models/cyclegan:predict", json=bad, timeout=60)
        assert response.status_code == 400 and "direction must be" in response.text
    finally:
        grpc.close()
        assert server.stop() == 0, server.log_tail()


FASHION_MNIST = pathlib.Path("/usr/share/datasets/fashion-mnist")  # Debian package dataset-fashion-mnist


def _full_run(tmp_path, model, *extra):
    if not FASHION_MNIST.is_dir():
        pytest.skip(f"no Fashion-MNIST at {FASHION_MNIST} (make fashion-mnist)")
    result = run_cli("run", "gan", "--model", model, "--output-dir", tmp_path / model, *extra)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads((tmp_path / model / "summary.json").read_text())


@pytest.mark.slow
def test_full_fashion_mnist_dcgan_beats_the_mlp_gan(tmp_path):
    gan, dcgan = (_full_run(tmp_path, model)["metrics"] for model in ("gan", "dcgan"))
    assert dcgan["fid_real"] < dcgan["fid"] < gan["fid"] < gan["fid_noise"], (gan, dcgan)
    assert dcgan["min_class_fraction"] >= 0.03, dcgan["class_fractions"]  # every class, no mode collapse


@pytest.mark.slow
def test_full_fashion_mnist_cyclegan_translates_sneakers_and_boots(tmp_path):
    summary = _full_run(tmp_path, "cyclegan")
    assert summary["blessed"] and summary["metrics"]["min_target_fraction"] >= 0.8, summary["metrics"]
