"""The autoencoder pipeline end to end on the small fixture: a VAE trained on three classes, judged by
ReconstructionEvaluator beside PCA, pushed, re-run against its own baseline, and served over REST."""

import json
import pathlib
import shutil

import numpy as np
import pytest
import requests

from components.idx_example_gen import idx
from tests.cli_runner import run_cli
from tests.conftest import FIXTURES
from tests.mlmd_checks import assert_all_executed, latest_nodes
from tests.serving_helpers import ServerProcess

pytestmark = pytest.mark.e2e

SMALL = FIXTURES / "fashion_mnist_small"
FOOTWEAR = (5, 7, 9)  # sandal, sneaker, ankle boot
COMPONENTS = {
    "IdxExampleGen",
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


def _run(output_dir, *extra, data=SMALL):
    return run_cli(
        "run", "autoencoder", "--data", data, "--model", "vae", "--epochs", 2, "--output-dir", output_dir,
        "--normal-classes", ",".join(map(str, FOOTWEAR)), "--min-elbo", "-1000", *extra,
    )  # fmt: skip


@pytest.fixture(scope="module")
def vae_run(tmp_path_factory):
    output_dir = tmp_path_factory.mktemp("vae")
    result = _run(output_dir)
    assert result.returncode == 0, result.stderr[-3000:]
    return output_dir, result, json.loads((output_dir / "summary.json").read_text())


def test_every_component_ran_and_the_vae_was_pushed(vae_run):
    output_dir, result, summary = vae_run
    assert_all_executed(output_dir, "autoencoder", COMPONENTS)
    assert summary["model"] == "vae" and summary["blessed"] is True
    pushed = pathlib.Path(summary["pushed_model"])
    assert pushed.parent == output_dir / "serving" / "vae" and (pushed / "saved_model.pb").exists()
    last_line = result.stdout.strip().splitlines()[-1]
    assert (
        last_line.startswith("autoencoder: vae on fashion_mnist_small -- mse ")
        and "blessed, pushed" in last_line
    )


def test_evaluator_measures_the_model_next_to_pca(vae_run):
    _, _, summary = vae_run
    metrics = summary["metrics"]
    # 250 eval images, 71 of them footwear: the MSE is over those, ROC-AUC over all.
    labels = idx.load(str(SMALL / "t10k-images-idx3-ubyte.gz"), str(SMALL / "t10k-labels-idx1-ubyte.gz"))[1]
    assert metrics["examples"] == int(np.isin(labels, FOOTWEAR).sum())
    assert 0 < metrics["mse"] < 0.2 and 0 < metrics["pca_mse"] < 0.2
    assert metrics["pca_components"] == 16  # the VAE's code size
    # -ELBO = reconstruction NLL + KL, in nats per image.
    assert metrics["elbo"] == pytest.approx(-(metrics["reconstruction_nll"] + metrics["kl"]), rel=1e-4)
    assert metrics["kl"] > 0 and metrics["elbo"] > -1000
    assert 0 <= metrics["roc_auc"] <= 1 and 0 <= metrics["pca_roc_auc"] <= 1


def test_plots_and_report(vae_run):
    output_dir, _, _ = vae_run
    evaluation = latest_nodes(output_dir, "autoencoder")["Evaluator"][1]["evaluation"][0].uri
    for name in ("reconstructions.png", "samples.png", "latent_traversal.png", "latent_map.png"):
        assert (pathlib.Path(evaluation) / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
    report = (output_dir / "report.html").read_text()
    assert "elbo ≥ -1000" in report and "Latent map" in report


def test_a_second_run_is_judged_against_the_first(vae_run, tmp_path):
    output_dir, _, first = vae_run
    again = tmp_path / "again"
    shutil.copytree(output_dir, again, ignore=shutil.ignore_patterns(".lock*"))
    result = _run(again, "--epochs", "1")
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads((again / "summary.json").read_text())
    # The baseline was measured again on the same eval images: the first run's figure.
    assert summary["metrics"]["baseline_elbo"] == pytest.approx(first["metrics"]["elbo"], rel=1e-5)
    blessing = latest_nodes(again, "autoencoder")["Evaluator"][1]["blessing"][0]
    assert blessing.custom_properties["baseline_model_id"].int_value > 0
    worse = summary["metrics"]["elbo"] < first["metrics"]["elbo"]
    assert summary["blessed"] is not worse and (summary["pushed_model"] is None) is worse


def test_bad_data_stops_before_training(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(SMALL, data)
    images, labels = idx.load(
        str(data / "t10k-images-idx3-ubyte.gz"), str(data / "t10k-labels-idx1-ubyte.gz")
    )
    idx.write(str(data / "t10k-labels-idx1-ubyte.gz"), np.where(np.arange(len(labels)) == 3, 12, labels))
    result = _run(tmp_path / "out", data=data)
    assert result.returncode == 1
    assert "stopped at ValidationGate: data anomalies found" in result.stderr.strip().splitlines()[-1]
    assert "Trainer" not in latest_nodes(tmp_path / "out", "autoencoder")
    assert not (tmp_path / "out" / "serving").exists()


def test_served_over_rest(vae_run, tmp_path):
    _, _, summary = vae_run
    pushed = pathlib.Path(summary["pushed_model"])
    server = ServerProcess(
        "--model-name", "vae", "--model-base-path", pushed.parent, log_path=tmp_path / "serve.log"
    )
    try:
        url = f"{server.rest_url}/v1/models/vae:predict"
        images = idx.load(str(SMALL / "t10k-images-idx3-ubyte.gz"), str(SMALL / "t10k-labels-idx1-ubyte.gz"))[
            0
        ][:3]

        def predict(signature, inputs):
            """The columnar answer: {name: value}, or as TF Serving writes a single output, the value."""
            response = requests.post(url, json={"signature_name": signature, "inputs": inputs}, timeout=60)
            assert response.status_code == 200, response.text
            return response.json()["outputs"]

        scores = predict("anomaly_score", {"images": images.tolist()})
        assert len(scores["score"]) == 3 and all(s > 0 for s in scores["score"])
        reconstruction = np.array(predict("reconstruct", {"images": images.tolist()}))
        assert (
            reconstruction.shape == (3, 28, 28) and 0 <= reconstruction.min() and reconstruction.max() <= 255
        )
        first = predict("sample", {"count": 4, "seed": 7})
        assert np.array(first).shape == (4, 28, 28)
        assert predict("sample", {"count": 4, "seed": 7}) == first
        assert predict("sample", {"count": 4, "seed": 8}) != first

        bad = requests.post(
            url, json={"signature_name": "reconstruct", "inputs": {"images": [[1, 2]]}}, timeout=60
        )
        assert bad.status_code == 400 and "error" in bad.json()
        assert len(predict("anomaly_score", {"images": images[:1].tolist()})["score"]) == 1  # still serving
    finally:
        assert server.stop() == 0, server.log_tail()


FASHION_MNIST = pathlib.Path("/usr/share/datasets/fashion-mnist")  # Debian package dataset-fashion-mnist


def _full_run(tmp_path, model, *extra):
    if not FASHION_MNIST.is_dir():
        pytest.skip(f"no Fashion-MNIST at {FASHION_MNIST} (make fashion-mnist)")
    result = run_cli("run", "autoencoder", "--model", model, "--output-dir", tmp_path / "out", *extra)
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["blessed"], summary["metrics"]
    return summary["metrics"]


@pytest.mark.slow
@pytest.mark.parametrize(
    "model, check",
    [
        # The conv autoencoder's 32-d code reconstructs better than the best linear 32-d code.
        ("conv_ae", lambda m: m["mse"] < m["pca_mse"]),
        # The denoising autoencoder's output is closer to the clean image than its noisy input.
        ("dae", lambda m: m["denoised_psnr"] > m["noisy_psnr"] + 3),
        # The KL sparsity penalty holds the mean hidden activation near rho on unseen images.
        ("sparse_ae", lambda m: abs(m["mean_activation"] - m["target_activation"]) <= 0.02),
        # ELBO in nats per image, above the Bernoulli floor of these grey-level pixels.
        ("vae", lambda m: -300 < m["elbo"] < -m["bernoulli_nll_floor"]),
    ],
    ids=["conv_ae", "dae", "sparse_ae", "vae"],
)
def test_full_fashion_mnist(model, check, tmp_path):
    metrics = _full_run(tmp_path, model)
    assert check(metrics), metrics


@pytest.mark.slow
def test_full_fashion_mnist_anomaly_detection(tmp_path):
    """Footwear is normal: the other classes' reconstruction error ranks them as anomalies."""
    metrics = _full_run(tmp_path, "conv_ae", "--normal-classes", "5,7,9")
    assert metrics["roc_auc"] > 0.9, metrics
