"""`dlsuite serve` in place of tensorflow_model_server: TF Serving's command lines, verbatim.

TF Serving's README quick start (its docker entry point's flags), the switches that change answers
(--enable_signature_method_name_check, --enable_serialization_as_tensor_content), batching,
--grpc_channel_arguments, --model_config_file_poll_wait_seconds and bad configs failing fast.
"""

import shutil
import subprocess
import sys
import time

import grpc
import pytest
import requests
from tensorflow.core.framework import types_pb2
from tensorflow_serving.apis import (
    classification_pb2,
    predict_pb2,
    prediction_service_pb2_grpc,
)

from tests.conftest import FIXTURES, ROOT
from tests.serving_helpers import free_port, half_plus_two_models, tfs_server

pytestmark = pytest.mark.e2e

TFS = FIXTURES / "tf_serving"


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    return half_plus_two_models(tmp_path_factory.mktemp("half_plus_two"))


def _stub(process):
    return prediction_service_pb2_grpc.PredictionServiceStub(grpc.insecure_channel(process.grpc_target))


def _predict_x(value=2.0, model="default"):
    request = predict_pb2.PredictRequest()
    request.model_spec.name = model
    request.inputs["x"].dtype = types_pb2.DT_FLOAT
    request.inputs["x"].float_val.append(value)
    request.inputs["x"].tensor_shape.dim.add(size=1)
    return request


def test_tf_serving_readme_quick_start(models, tmp_path):
    """TF Serving's README: the docker image runs `tensorflow_model_server --port=8500
    --rest_api_port=8501 --model_name=half_plus_two --model_base_path=/models/half_plus_two`, then
    curl -d '{"instances": [1.0, 2.0, 5.0]}' -X POST http://localhost:8501/v1/models/half_plus_two:predict
    returns { "predictions": [2.5, 3.0, 4.5] }. Ports are free ones here."""
    rest_port = free_port()
    process = tfs_server(
        f"--port={free_port()}",
        f"--rest_api_port={rest_port}",
        "--model_name=half_plus_two",
        f"--model_base_path={models['tf1']}",
        log_path=tmp_path / "server.log",
        command_prefix=[sys.executable, "-m", "tools.cli", "serve"],  # what the `dlsuite` script runs
    )
    try:
        url = f"http://localhost:{rest_port}/v1/models/half_plus_two:predict"
        curl = shutil.which("curl")
        if curl:
            body = subprocess.run(
                [curl, "-s", "-d", '{"instances": [1.0, 2.0, 5.0]}', "-X", "POST", url],
                capture_output=True,
                text=True,
                timeout=30,
            ).stdout
        else:
            body = requests.post(url, data='{"instances": [1.0, 2.0, 5.0]}', timeout=30).text
        assert requests.compat.json.loads(body) == {"predictions": [2.5, 3.0, 4.5]}
    finally:
        assert process.stop() == 0, process.log_tail()


def test_model_name_defaults_to_default_and_rest_is_off_without_rest_api_port(models, tmp_path):
    """As tensorflow_model_server: --model_base_path alone serves `default`, gRPC only."""
    process = tfs_server("--port=0", f"--model_base_path={models['tf1']}", log_path=tmp_path / "log")
    try:
        assert process.rest_port == 0
        assert _stub(process).Predict(_predict_x(), 10).outputs["y"].float_val == [3.0]
    finally:
        assert process.stop() == 0, process.log_tail()


@pytest.fixture(scope="module")
def strict_server(models, tmp_path_factory):
    """TF Serving's opt-in switches on, batching with TF Serving's batching_config.txt."""
    process = tfs_server(
        "--port=0",
        "--rest-port=0",
        "--model_name=default",
        f"--model_base_path={models['tf2']}",
        "--enable_signature_method_name_check=true",
        "--enable_serialization_as_tensor_content",
        "--enable_batching",
        f"--batching_parameters_file={TFS / 'batching_config.txt'}",
        "--grpc_channel_arguments=grpc.max_connection_age_ms=60000,grpc.lb_policy_name=grpclb",
        "--rest_api_num_threads=4",
        "--enable_model_warmup=false",
        log_path=tmp_path_factory.mktemp("strict") / "server.log",
    )
    yield process
    assert process.stop() == 0, process.log_tail()


def test_serialization_as_tensor_content(strict_server):
    y = _stub(strict_server).Predict(_predict_x(), 10).outputs["y"]
    assert not y.float_val and len(y.tensor_content) == 4  # one float32, raw bytes


def test_signature_method_name_check(strict_server):
    request = classification_pb2.ClassificationRequest()
    request.model_spec.name, request.model_spec.signature_name = "default", "classify_x_to_y"
    request.input.example_list.examples.add().features.feature["x"].float_list.value.extend([2.0])
    with pytest.raises(grpc.RpcError) as raised:
        _stub(strict_server).Classify(request, 10)  # a TF2 export: its method name is predict
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "method_name" in raised.value.details()
    body = {"signature_name": "regress_x_to_y", "examples": [{"x": 2.0}]}
    response = requests.post(f"{strict_server.rest_url}/v1/models/default:regress", json=body, timeout=10)
    assert response.status_code == 400 and "method_name" in response.json()["error"]


def test_batching_answers_each_request(strict_server):
    url = f"{strict_server.rest_url}/v1/models/default:predict"
    for value in (1.0, 4.0):
        response = requests.post(url, json={"instances": [[value]]}, timeout=10)
        assert response.json() == {"predictions": [[0.5 * value + 2]]}


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--model_config_file", str(TFS / "bad_model_config.txt")], "not a TF Serving model config"),
        (["--model_base_path=/m", "--grpc_socket_path=/tmp/s"], "UNIX domain sockets are not served"),
        (["--model_base_path=/m", "--use_tflite_model=true"], "TFLite"),
        (["--model_base_path=/m", "--enable_batching=maybe"], "not a boolean"),
        (["--model_base_path=/m", "--port=8500", "--grpc-port=8500"], "not both"),
        (["--model_base_path=/m", "--grpc_channel_arguments=novalue"], "key=value"),
        (["--model_base_path=/m", "--saved_model_tags=serve,gpu"], "only the 'serve' MetaGraph"),
        (["--model_base_path=/m", "--file_system_poll_wait_seconds=-1"], "must be 0"),
        (["--model_base_path=/m", f"--monitoring_config_file={TFS / 'bad_model_config.txt'}"], "Monitoring"),
    ],
)  # fmt: skip
def test_bad_command_lines_fail_fast_without_tensorflow(flags, message):
    """Checked before TensorFlow is imported: one line, exit 2, well under a second."""
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "serving", "serve", *flags],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert time.monotonic() - started < 1.0


def _state(url):
    response = requests.get(url, timeout=10)
    return response.json()["model_version_status"][0]["state"] if response.status_code == 200 else None


def test_model_config_file_is_polled(models, tmp_path):
    """--model_config_file_poll_wait_seconds: models added and removed without a restart."""
    config = tmp_path / "models.config"
    template = (TFS / "good_model_config.txt").read_text()
    template = template.replace("${TEST_HALF_PLUS_TWO_DIR}", str(models["tf1"]))
    config.write_text(template.replace("${TEST_HALF_PLUS_THREE_DIR}", str(models["half_plus_three"])))
    process = tfs_server(
        "--port=0",
        "--rest-port=0",
        f"--model_config_file={config}",
        "--model_config_file_poll_wait_seconds=1",
        log_path=tmp_path / "server.log",
    )
    try:
        url = f"{process.rest_url}/v1/models"
        assert requests.get(f"{url}/half_plus_three", timeout=10).status_code == 200
        config.write_text(
            "model_config_list { config { "
            f'name: "half_plus_two_tf2" base_path: "{models["tf2"]}" model_platform: "tensorflow" }} }}\n'
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and _state(f"{url}/half_plus_two_tf2") != "AVAILABLE":
            time.sleep(0.2)
        assert _state(f"{url}/half_plus_two_tf2") == "AVAILABLE", process.log_tail()
        for removed in ("half_plus_two", "half_plus_three"):
            assert requests.get(f"{url}/{removed}", timeout=10).status_code == 404
        body = {"instances": [[1.0]]}
        answer = requests.post(f"{url}/half_plus_two_tf2:predict", json=body, timeout=10).json()
        assert answer == {"predictions": [[2.5]]}
        config.write_text("not a config")  # a broken edit: logged, models keep serving
        time.sleep(1.5)  # one poll later
        assert _state(f"{url}/half_plus_two_tf2") == "AVAILABLE"
    finally:
        assert process.stop() == 0, process.log_tail()
