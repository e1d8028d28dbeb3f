"""`dlsuite predict` and `dlsuite serve` as a user runs them: exit codes, output, one-line errors."""

import json
import socket

import pytest

from tests.cli_runner import run_cli
from tests.conftest import FIXTURES
from tests.serving_helpers import LENET5, TOY

pytestmark = pytest.mark.e2e

IMAGES = FIXTURES / "fashion_mnist_small" / "t10k-images-idx3-ubyte.gz"


def _rest_server(endpoint):
    return endpoint.rest_url.removeprefix("http://")


def test_predict_over_rest_sends_idx_images(serving_endpoint):
    result = run_cli(
        "predict", "--model-name", LENET5, "--server", _rest_server(serving_endpoint),
        "--idx-images", IMAGES, "--count", 3,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    predictions = json.loads(result.stdout)["predictions"]
    assert len(predictions) == 3
    for prediction in predictions:
        assert sum(prediction["probabilities"]) == pytest.approx(1.0, abs=1e-4)
        assert prediction["class_ids"] == max(range(10), key=prediction["probabilities"].__getitem__)


def test_predict_over_grpc_takes_a_json_body(serving_endpoint):
    body = {"instances": [{"x": [1.0, 2.0], "tag": "ab"}, {"x": [0.5, 0.25], "tag": "c"}]}
    result = run_cli(
        "predict", "--protocol", "grpc", "--server", serving_endpoint.grpc_target, "--model-name", TOY,
        "--json", json.dumps(body),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    predictions = json.loads(result.stdout)["predictions"]
    assert [p["total"] for p in predictions] == [3.0, 0.75]
    assert [p["tag_upper"] for p in predictions] == ["AB", "C"]


def test_predict_status_by_label(serving_endpoint):
    result = run_cli(
        "predict", "--method", "status", "--model-name", LENET5, "--label", "canary",
        "--server", _rest_server(serving_endpoint),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    (status,) = json.loads(result.stdout)["model_version_status"]
    assert status["version"] == "2" and status["state"] == "AVAILABLE"


def test_predict_errors_are_one_line_with_the_servers_message(serving_endpoint):
    result = run_cli(
        "predict", "--model-name", "no_such_model", "--server", _rest_server(serving_endpoint),
        "--json", '{"instances": [1]}',
    )  # fmt: skip
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("dlsuite predict: 404: ")


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_predict_without_a_server_says_what_to_do():
    result = run_cli(
        "predict", "--model-name", LENET5, "--server", f"127.0.0.1:{_free_port()}", "--json", "{}"
    )
    assert result.returncode == 1
    assert "is `dlsuite serve` running" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "args, expected",
    [
        ([], "pass either --model-base-path DIR or --model-config-file FILE"),
        (["--model-config-file", "/nonexistent/models.config"], "cannot read it; pass a readable file"),
        (
            ["--model-base-path", "/tmp", "--max-batch-size", "8"],
            "batching parameters need --enable-batching",
        ),
    ],
    ids=["no-models", "missing-config", "batching-without-enable"],
)
def test_serve_usage_errors_exit_2_in_one_line(args, expected):
    result = run_cli("serve", "--rest-port", 0, "--grpc-port", 0, *args, timeout=120)
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("dlsuite serve: ") and expected in line
