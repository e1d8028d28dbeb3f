"""Hot swap under load: clients send requests non-stop while new versions appear; none may fail.

A good new version (copied in place the way Pusher copies it) replaces the old one; a corrupt one
(truncated saved_model.pb) is reported in the status while the old one keeps serving.
"""

import shutil
import threading
import time

import grpc
import numpy as np
import pytest
import requests
import tensorflow as tf
from tensorflow_serving.apis import predict_pb2, prediction_service_pb2_grpc

from tests.serving_helpers import ServerProcess

pytestmark = pytest.mark.e2e

REST_CLIENTS, GRPC_CLIENTS = 3, 3
MAX_SECONDS = 120  # every wait and every client loop ends by then
MAX_REQUESTS_PER_CLIENT = 20_000


class _Clients:
    """Client threads sending predict requests until stopped; they record results and failures."""

    def __init__(self, server):
        self.stop = threading.Event()
        self.deadline = time.monotonic() + MAX_SECONDS
        self.failures, self.counts, self.versions = [], [0] * (REST_CLIENTS + GRPC_CLIENTS), set()
        self._lock = threading.Lock()
        self._image = np.random.default_rng(0).integers(0, 256, (1, 28, 28)).astype(np.float32)
        targets = [self._rest] * REST_CLIENTS + [self._grpc] * GRPC_CLIENTS
        self.threads = [threading.Thread(target=t, args=(server, i)) for i, t in enumerate(targets)]
        for thread in self.threads:
            thread.start()

    def _running(self, i):
        return (
            not self.stop.is_set()
            and time.monotonic() < self.deadline
            and self.counts[i] < MAX_REQUESTS_PER_CLIENT
        )

    def _fail(self, what):
        with self._lock:
            self.failures.append(what)

    def _rest(self, server, i):
        url = f"{server.rest_url}/v1/models/lenet5:predict"
        body = {"signature_name": "predict_images", "instances": self._image.tolist()}
        with requests.Session() as session:
            while self._running(i):
                try:
                    response = session.post(url, json=body, timeout=30)
                    if response.status_code != 200 or len(response.json()["predictions"]) != 1:
                        self._fail(f"REST {response.status_code}: {response.text[:300]}")
                except requests.RequestException as e:
                    self._fail(f"REST {e!r}")
                self.counts[i] += 1

    def _grpc(self, server, i):
        request = predict_pb2.PredictRequest()
        request.model_spec.name = "lenet5"
        request.model_spec.signature_name = "predict_images"
        request.inputs["images"].CopyFrom(tf.make_tensor_proto(self._image))
        with grpc.insecure_channel(server.grpc_target) as channel:
            stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
            while self._running(i):
                try:
                    response = stub.Predict(request, timeout=30)
                    if tf.make_ndarray(response.outputs["probabilities"]).shape != (1, 10):
                        self._fail("gRPC: bad output shape")
                    with self._lock:
                        self.versions.add(response.model_spec.version.value)
                except grpc.RpcError as e:
                    self._fail(f"gRPC {e.code().name}: {e.details()}")
                self.counts[i] += 1

    def wait_for_more(self, n):
        """Waits until every client has sent `n` more requests."""
        target = [c + n for c in self.counts]
        while any(c < t for c, t in zip(self.counts, target)) and time.monotonic() < self.deadline:
            time.sleep(0.05)

    def finish(self):
        self.stop.set()
        for thread in self.threads:
            thread.join()


def _status(server):
    response = requests.get(f"{server.rest_url}/v1/models/lenet5", timeout=30)
    assert response.status_code == 200, response.text
    return {int(s["version"]): s for s in response.json()["model_version_status"]}


def _wait_for(server, condition, what):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status = _status(server)
        if condition(status):
            return status
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}; status {status}")


@pytest.mark.parametrize("batching", [False, True], ids=["plain", "batching"])
def test_hot_swap_under_load_fails_no_request(tmp_path, pushed_lenet5, batching):
    base = tmp_path / "lenet5"
    shutil.copytree(pushed_lenet5, base / "1")
    extra = ["--enable-batching", "--max-batch-size", 8, "--batch-timeout-micros", 2000] if batching else []
    server = ServerProcess(
        "--model-base-path",
        base,
        "--file-system-poll-wait-seconds",
        0.2,
        *extra,
        log_path=tmp_path / "serve.log",
    )
    clients = None
    try:
        clients = _Clients(server)
        clients.wait_for_more(5)

        # A good version 2, copied file by file into the base path (as Pusher does).
        shutil.copytree(pushed_lenet5, base / "2")
        status = _wait_for(
            server,
            lambda s: s.get(2, {}).get("state") == "AVAILABLE" and s[1]["state"] == "END",
            "version 2 AVAILABLE and version 1 END",
        )
        assert status[2]["status"]["error_code"] == "OK"
        clients.wait_for_more(5)

        # A corrupt version 3 (truncated saved_model.pb) appears at once.
        staging = tmp_path / "staging"
        shutil.copytree(pushed_lenet5, staging)
        graph = staging / "saved_model.pb"
        graph.write_bytes(graph.read_bytes()[: graph.stat().st_size // 2])
        staging.rename(base / "3")
        status = _wait_for(
            server, lambda s: s.get(3, {}).get("status", {}).get("error_message"), "version 3's error"
        )
        assert status[3]["state"] == "END" and status[3]["status"]["error_code"] != "OK"
        assert "cannot parse" in status[3]["status"]["error_message"]
        assert "saved_model.pb" in status[3]["status"]["error_message"]
        assert status[2]["state"] == "AVAILABLE"
        clients.wait_for_more(5)
        assert _status(server)[2]["state"] == "AVAILABLE"
    finally:
        if clients is not None:
            clients.finish()
        code = server.stop()

    assert clients.failures == [], f"{len(clients.failures)} failed requests, e.g. {clients.failures[:3]}"
    assert min(clients.counts) >= 15, clients.counts
    assert clients.versions == {1, 2}  # answered by version 1, then 2; never by the corrupt 3
    assert code == 0, server.log_tail()  # SIGTERM: a clean shutdown
    assert "dlsuite serve: stopped" in "".join(server.stdout_lines)
