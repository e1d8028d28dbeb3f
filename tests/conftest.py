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


# --- serving (issue 3) ---

SERVING_ENV = ("DLSUITE_SERVING_REST_URL", "DLSUITE_SERVING_GRPC_TARGET", "DLSUITE_SERVING_MODELS")


@pytest.fixture(scope="session")
def lenet5_run(tmp_path_factory):
    """The output folder of one real image pipeline run (1 epoch on the small fixture), shared by tests.
    A constant learning rate: a cosine decay over 8 steps would leave the model below the bar."""
    from tests.cli_runner import run_cli

    output_dir = tmp_path_factory.mktemp("pushed_lenet5")
    result = run_cli(
        "run", "image_classification", "--data", FIXTURES / "fashion_mnist_small", "--epochs", 1,
        "--output-dir", output_dir, "--min-accuracy", 0.3, "--schedule", "constant",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return output_dir


@pytest.fixture(scope="session")
def pushed_lenet5(lenet5_run):
    """The version directory of the LeNet-5 that run pushed."""
    import json

    return pathlib.Path(json.loads((lenet5_run / "summary.json").read_text())["pushed_model"])


@pytest.fixture(scope="session", params=["local", "external"])
def serving_endpoint(request, tmp_path_factory):
    """Where the serving client suite sends requests.

    local: `dlsuite serve` on loopback over the layout of tests/serving_helpers.py. external: any
    TF-Serving-compatible server (real TF Serving) serving that layout, named by the environment:
    DLSUITE_SERVING_REST_URL (http://host:8501), DLSUITE_SERVING_GRPC_TARGET (host:8500) and
    DLSUITE_SERVING_MODELS (the layout's folder on this machine); skipped when they are unset.
    """
    from tests import serving_helpers

    if request.param == "external":
        missing = [name for name in SERVING_ENV if not os.environ.get(name)]
        if missing:
            pytest.skip(f"external serving endpoint not configured: set {', '.join(missing)}")
        yield serving_helpers.Endpoint(
            rest_url=os.environ["DLSUITE_SERVING_REST_URL"].rstrip("/"),
            grpc_target=os.environ["DLSUITE_SERVING_GRPC_TARGET"],
            models_dir=pathlib.Path(os.environ["DLSUITE_SERVING_MODELS"]),
            local=False,
        )
        return
    pushed = request.getfixturevalue("pushed_lenet5")
    models_dir = tmp_path_factory.mktemp("serving_models")
    config = serving_helpers.write_layout(models_dir, pushed)
    server = serving_helpers.ServerProcess(
        "--model-config-file", config, "--max-body-bytes", serving_helpers.LOCAL_MAX_BODY_BYTES,
        log_path=models_dir / "serve.log",
    )  # fmt: skip
    yield serving_helpers.Endpoint(server.rest_url, server.grpc_target, models_dir, local=True)
    assert server.stop() == 0, server.log_tail()
