"""`dlsuite serve` start-up, version folders and shutdown (issue 19, cases 9-11), on real processes.

Folders that are not decimal int64 versions are skipped with a log line (start-up and hot reload
go on), SIGTERM drains requests in flight on every connection before models are unloaded, and
out-of-range flags are one-line usage errors.
"""

import http.client
import shutil
import signal
import socket
import threading
import time

import grpc
import numpy as np
import pytest
import requests
import tensorflow as tf
from tensorflow_serving.apis import predict_pb2, prediction_service_pb2_grpc

from tests.cli_runner import run_cli
from tests.serving_helpers import ServerProcess, build_slow_model, build_toy_model

pytestmark = pytest.mark.e2e

TOY_BODY = {"instances": [{"x": [1.0, 2.0], "tag": "a"}]}


@pytest.fixture(scope="module")
def toy_model(tmp_path_factory):
    path = tmp_path_factory.mktemp("toy") / "1"
    build_toy_model(path)
    return path


def _status(server, model):
    response = requests.get(f"{server.rest_url}/v1/models/{model}", timeout=30)
    assert response.status_code == 200, response.text
    return {int(s["version"]): s["state"] for s in response.json()["model_version_status"]}


def _wait_for(condition, what, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


# --- case 9: version folders ---

NOT_VERSIONS = ["99999999999999999999", "9223372036854775808", "²", "+3", "-2", " 4", "1e3", "0x10"]


def test_only_decimal_int64_folders_are_versions(tmp_path, toy_model):
    for model in ("a", "b"):
        shutil.copytree(toy_model, tmp_path / model / "1")
    for name in NOT_VERSIONS:  # each holds a servable model: only its name is wrong
        shutil.copytree(toy_model, tmp_path / "a" / name)
    config = tmp_path / "models.config"
    config.write_text(
        "model_config_list {\n"
        + "".join(f'  config {{ name: "{m}" base_path: "{tmp_path / m}" }}\n' for m in ("a", "b"))
        + "}\n"
    )
    server = ServerProcess(
        "--model-config-file", config, "--file-system-poll-wait-seconds", 0.2, log_path=tmp_path / "serve.log"
    )
    try:
        assert _status(server, "a") == {1: "AVAILABLE"}
        response = requests.post(f"{server.rest_url}/v1/models/a:predict", json=TOY_BODY, timeout=30)
        assert response.status_code == 200, response.text
        log = server.log_tail(20_000)
        for name in NOT_VERSIONS:
            assert f"ignoring folder {name!r}" in log
        assert "Traceback" not in log

        # While running: another bad name in a, new versions in b and a; both still hot reload.
        shutil.copytree(toy_model, tmp_path / "a" / "³")
        shutil.copytree(toy_model, tmp_path / "b" / "2")
        shutil.copytree(toy_model, tmp_path / "a" / "9223372036854775807")
        _wait_for(lambda: _status(server, "b") == {2: "AVAILABLE", 1: "END"}, "b version 2")
        _wait_for(lambda: _status(server, "a").get(9223372036854775807) == "AVAILABLE", "a's int64 max")
        response = requests.post(
            f"{server.rest_url}/v1/models/a/versions/9223372036854775807:predict", json=TOY_BODY, timeout=30
        )
        assert response.status_code == 200, response.text
        assert "poll failed" not in server.log_tail(20_000)
    finally:
        assert server.stop() == 0, server.log_tail()


# --- the limits are flags (cases 5-7 with small values) ---


def test_request_limit_flags_apply(tmp_path, toy_model):
    shutil.copytree(toy_model, tmp_path / "toy" / "1")
    server = ServerProcess(
        "--model-base-path", tmp_path / "toy", "--max-request-elements", 20,
        "--max-request-string-bytes", 200, "--max-json-depth", 4, log_path=tmp_path / "serve.log",
    )  # fmt: skip
    url = f"{server.rest_url}/v1/models/toy:predict"
    try:
        assert requests.post(url, json=TOY_BODY, timeout=30).status_code == 200
        cases = {
            "--max-request-elements": {"instances": [{"x": [1.0, 2.0], "tag": "a"}] * 5},  # 26 values
            "--max-request-string-bytes": {"inputs": {"x": [[1.0, 2.0]] * 3, "tag": ["a" * 10] * 3}},
            "nests more than 4 levels": {"inputs": {"x": [[[[1.0]]]], "tag": ["a"]}},
        }
        for expected, body in cases.items():
            response = requests.post(url, json=body, timeout=30)
            assert response.status_code == 400 and expected in response.json()["error"], response.text
    finally:
        assert server.stop() == 0, server.log_tail()


# --- case 10: SIGTERM under load ---


def _slow_request(seconds):
    request = predict_pb2.PredictRequest()
    request.model_spec.name = "slow"
    request.inputs["seconds"].CopyFrom(tf.make_tensor_proto(np.array([seconds], np.float32)))
    return request


def _rest_slow(server, seconds, connection=None):
    connection = connection or http.client.HTTPConnection("127.0.0.1", server.rest_port, timeout=60)
    connection.request("POST", "/v1/models/slow:predict", body=f'{{"instances": [{seconds}]}}')
    response = connection.getresponse()
    return response.status, response.getheader("Connection"), response.read()


def _refuses_connections(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    except ConnectionRefusedError:
        return True
    except ConnectionResetError:  # raced the listener's close: ask again
        pass
    return False


IN_FLIGHT_SECONDS = 6.0  # long enough for every check below to run while these are in flight


@pytest.fixture
def slow_server(tmp_path):
    build_slow_model(tmp_path / "slow" / "1")

    def start(*flags):
        return ServerProcess("--model-base-path", tmp_path / "slow", *flags, log_path=tmp_path / "serve.log")

    return start


def test_sigterm_drains_in_flight_and_refuses_new_on_every_connection(slow_server):
    server = slow_server("--shutdown-grace-seconds", 20)
    kept_alive = http.client.HTTPConnection("127.0.0.1", server.rest_port, timeout=60)
    assert _rest_slow(server, 0, kept_alive)[:2] == (200, None)  # keep-alive
    results = {}
    channel = grpc.insecure_channel(server.grpc_target)
    stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
    threads = [
        threading.Thread(target=lambda: results.update(rest=_rest_slow(server, IN_FLIGHT_SECONDS))),
        threading.Thread(
            target=lambda: results.update(grpc=stub.Predict(_slow_request(IN_FLIGHT_SECONDS), timeout=60))
        ),
    ]
    for thread in threads:
        thread.start()
    time.sleep(1.0)  # both in flight
    server.proc.send_signal(signal.SIGTERM)
    _wait_for(lambda: any("stopping" in line for line in server.stdout_lines), "stopping", 10)

    status, connection, body = _rest_slow(server, 0, kept_alive)  # a new request, kept-alive connection
    assert status == 503 and connection == "close", body
    assert b"shutting down" in body
    _wait_for(lambda: _refuses_connections(server.rest_port), "new REST connections to be refused", 5)
    with pytest.raises(grpc.RpcError) as refused:
        stub.Predict(_slow_request(0), timeout=10)
    assert refused.value.code() == grpc.StatusCode.UNAVAILABLE

    for thread in threads:
        thread.join(60)
    assert results["rest"][0] == 200, results["rest"]  # in flight at SIGTERM: answered, not 404
    assert tf.make_ndarray(results["grpc"].outputs["seconds"]).tolist() == [IN_FLIGHT_SECONDS]
    channel.close()
    assert server.proc.wait(60) == 0, server.log_tail()  # exits by itself once drained
    assert "dlsuite serve: stopped" in "".join(server.stdout_lines)
    server.stop()


@pytest.mark.slow
def test_grace_flag_lets_a_long_grpc_call_finish(slow_server):
    """A call of 12 s (longer than the old fixed 10 s grace) finishes with --shutdown-grace-seconds 30."""
    server = slow_server("--shutdown-grace-seconds", 30)
    result = {}
    with grpc.insecure_channel(server.grpc_target) as channel:
        stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
        thread = threading.Thread(target=lambda: result.update(r=stub.Predict(_slow_request(12), timeout=60)))
        thread.start()
        time.sleep(1.0)
        server.proc.send_signal(signal.SIGTERM)
        thread.join(60)
    assert tf.make_ndarray(result["r"].outputs["seconds"]).tolist() == [12.0]
    assert server.proc.wait(60) == 0, server.log_tail()
    server.stop()


# --- case 11: flags out of range ---


@pytest.mark.parametrize(
    "flags, expected",
    [
        (["--max-body-bytes", "-1"], "--max-body-bytes -1: must be at least 1"),
        (["--rest-port", "70000"], "--rest-port 70000: a port is 0 to 65535"),
        (["--grpc-port", "-5"], "--grpc-port -5: a port is 0 to 65535"),
    ],
    ids=["body-limit", "rest-port", "grpc-port"],
)  # the other flags' ranges: tests/unit/serving/test_serving_limits.py
def test_serve_flags_out_of_range_exit_2_in_one_line(tmp_path, flags, expected):
    result = run_cli("serve", "--model-base-path", tmp_path, *flags, timeout=60)
    assert result.returncode == 2, result.stderr[-2000:]
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("dlsuite serve: ") and expected in line
