"""Hostile requests to a real `dlsuite serve` (issue 19, cases 5-8): refused early, small, readable.

Tiny requests declaring huge tensors, a classify `context` merged into many examples, deep JSON and
HTTP framing a proxy would read differently: each gets a 4xx / INVALID_ARGUMENT with a message that
says what to do, the server's peak RSS barely moves, and the next good request is served.
"""

import json

import numpy as np
import pytest
import requests
import tensorflow as tf

from tests import serving_helpers
from tests.serving_helpers import LENET5, TOY
from tools.bench import serving_hostile as hostile

pytestmark = pytest.mark.e2e

REFUSED_MAX_GROWTH_MIB = 64  # a refused request may not grow the server's peak RSS by more
TOY_BODY = {"instances": [{"x": [1.0, 2.0], "tag": "a"}]}


@pytest.fixture(scope="module")
def server(serving_endpoint):
    """The session's local `dlsuite serve` (default request limits, --max-body-bytes 1 MB)."""
    if not serving_endpoint.local:
        pytest.skip("request limits and HTTP framing are this server's own")
    return serving_helpers.server_process(serving_endpoint)


def _peak_growth_mib(server, send):
    hostile.reset_peak(server.proc.pid)
    before, _ = hostile.memory(server.proc.pid)
    result = send()
    _, peak = hostile.memory(server.proc.pid)
    return result, (peak - before) / hostile.MIB


def _assert_still_serves(server):
    response = requests.post(f"{server.rest_url}/v1/models/{TOY}:predict", json=TOY_BODY, timeout=30)
    assert response.status_code == 200 and response.json()["predictions"][0]["total"] == 3.0
    request = hostile.tensor_request([])
    request.inputs["images"].CopyFrom(tf.make_tensor_proto(np.zeros((1, 28, 28), np.float32)))
    assert hostile.grpc_call(server.grpc_target, "Predict", request) == ("OK", "")


# --- case 5: gRPC tensors declaring far more than they carry ---

HUGE_TENSORS = {
    "float-100000x28x28": (lambda: hostile.tensor_request([100_000, 28, 28]), "--max-request-elements"),
    "float-300000x28x28": (lambda: hostile.tensor_request([300_000, 28, 28]), "--max-request-elements"),
    "float-2^40": (lambda: hostile.tensor_request([2**40]), "--max-request-elements"),
    "just-over-the-default": (lambda: hostile.tensor_request([5_350, 28, 28]), "--max-request-elements"),
    "string-1000000-broadcast": (
        lambda: hostile.tensor_request([1_000_000], "string", "serving_default", "examples", [b"x" * 40]),
        "--max-request-string-bytes",
    ),
    "negative-dimension": (lambda: hostile.tensor_request([-1, 28, 28]), "negative dimension"),
}


@pytest.mark.parametrize("case", sorted(HUGE_TENSORS))
def test_grpc_tensor_shape_is_bounded_before_allocating(server, case):
    make_request, expected = HUGE_TENSORS[case]
    request = make_request()
    assert request.ByteSize() < 200  # tiny on the wire
    (status, details), growth = _peak_growth_mib(
        server, lambda: hostile.grpc_call(server.grpc_target, "Predict", request, timeout=30)
    )
    assert status == "INVALID_ARGUMENT", details
    assert expected in details
    assert growth < REFUSED_MAX_GROWTH_MIB
    _assert_still_serves(server)


def test_grpc_batch_of_thousands_of_images_is_accepted(server):
    """The default bound lets 5,000 28x28 images through; one value (none here) fills the shape as in TF."""
    request = hostile.tensor_request([5_000, 28, 28])
    status, details = hostile.grpc_call(server.grpc_target, "Predict", request, timeout=120)
    assert status == "OK", details


# --- case 6: a classify context merged into many examples ---


def test_rest_classify_context_times_examples_is_bounded(server):
    body = hostile.classify_context_body(examples=40_000, context_values=60_000)
    assert len(body) < serving_helpers.LOCAL_MAX_BODY_BYTES
    response, growth = _peak_growth_mib(
        server,
        lambda: requests.post(f"{server.rest_url}/v1/models/{LENET5}:classify", data=body, timeout=60),
    )
    assert response.status_code == 400, response.text[:300]
    message = response.json()["error"]
    assert "merged with their context" in message and "--max-request-string-bytes" in message
    assert growth < REFUSED_MAX_GROWTH_MIB
    _assert_still_serves(server)


# --- case 7: deep JSON ---


@pytest.mark.parametrize("levels", [990, 100_000])
def test_rest_deep_json_is_400(server, levels):
    response = requests.post(
        f"{server.rest_url}/v1/models/{LENET5}:predict", data=hostile.deep_json(levels), timeout=30
    )
    assert response.status_code == 400, response.text[:300]
    assert "nests more than 100 levels" in response.json()["error"]
    _assert_still_serves(server)


# --- case 8: HTTP framing ---


def _toy_request(content_length=None, extra_headers=(), body=None):
    body = json.dumps(TOY_BODY).encode() if body is None else body
    length = f"Content-Length: {len(body) if content_length is None else content_length}"
    return hostile.http_request("POST", f"/v1/models/{TOY}:predict", body, [length, *extra_headers])


_BODY = json.dumps(TOY_BODY).encode()
_PADDED = _BODY + b" " * (4035 - len(_BODY))
FRAMING = {  # each would be answered 200 if the server read it the lenient way
    "content-length-beyond-body-half-close": (_toy_request(len(_BODY) + 50), True, 400, "ended after"),
    "chunked-and-content-length": (
        _toy_request(extra_headers=["Transfer-Encoding: chunked"]),
        False,
        400,
        "not both",
    ),
    "content-length-with-plus": (
        _toy_request("+4035", body=_PADDED),
        False,
        400,
        "decimal digits only",
    ),
    "two-content-lengths": (
        _toy_request(extra_headers=[f"Content-Length: {len(_BODY) + 7}"]),
        False,
        400,
        "one Content-Length",
    ),
    "uri-too-long": (b"GET /" + b"a" * 65532, False, 414, "send data in the body"),
    "too-many-headers": (hostile.FRAMING["101 headers (431)"][0], False, 431, "at most 100 headers"),
    "unsupported-method": (hostile.http_request("PUT", f"/v1/models/{TOY}"), False, 501, "GET"),
}


@pytest.mark.parametrize("case", sorted(FRAMING))
def test_http_framing_errors_are_json_and_close(server, case):
    data, half_close, code, expected = FRAMING[case]
    status, headers, body, closed = hostile.raw_http(server.rest_port, data, half_close, wait_close=10)
    assert status == code, body[:300]
    assert headers["Content-Type"] == "application/json"
    assert expected in json.loads(body)["error"]
    assert headers.get("Connection") == "close" and closed
    _assert_still_serves(server)


def test_http_keep_alive_still_works(server):
    data = _toy_request()
    status, headers, body, closed = hostile.raw_http(server.rest_port, data, wait_close=0.5)
    assert status == 200 and "Connection" not in headers and closed is False
