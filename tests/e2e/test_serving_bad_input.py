"""Bad requests get the right HTTP code / gRPC status and a message; the next good request succeeds."""

import grpc
import numpy as np
import pytest
import requests
import tensorflow as tf
from tensorflow_serving.apis import predict_pb2, prediction_service_pb2_grpc

from tests.serving_helpers import LENET5, LOCAL_MAX_BODY_BYTES

pytestmark = pytest.mark.e2e

GOOD_BODY = {"signature_name": "predict_images", "instances": np.zeros((1, 28, 28)).tolist()}


def _post(endpoint, path, **kwargs):
    return requests.post(f"{endpoint.rest_url}/v1/models/{path}", timeout=30, **kwargs)


def _assert_good_request_still_works(endpoint):
    response = _post(endpoint, f"{LENET5}:predict", json=GOOD_BODY)
    assert response.status_code == 200, response.text
    assert len(response.json()["predictions"]) == 1


PREDICT = f"{LENET5}:predict"
IMAGES = "predict_images"
REST_CASES = {
    "malformed-json": (PREDICT, {"data": b'{"instances": [1, 2'}, 400),
    "not-an-object": (PREDICT, {"json": [1, 2]}, 400),
    "missing-instances": (PREDICT, {"json": {"signature_name": IMAGES}}, 400),
    "wrong-shape": (PREDICT, {"json": {"signature_name": IMAGES, "instances": [[1.0, 2.0]]}}, 400),
    "ragged": (
        PREDICT,
        {"json": {"signature_name": IMAGES, "instances": [[[1.0] * 28] * 27 + [[1.0]]]}},
        400,
    ),
    "wrong-dtype": (PREDICT, {"json": {"signature_name": IMAGES, "instances": [[["a"] * 28] * 28]}}, 400),
    "unknown-signature": (PREDICT, {"json": {"signature_name": "nope", "instances": [1.0]}}, 400),
    "classify-on-predict-signature": (
        f"{LENET5}:classify",
        {"json": {"signature_name": IMAGES, "examples": [{"image": "x"}]}},
        400,
    ),
    "unknown-model": ("no_such_model:predict", {"json": GOOD_BODY}, 404),
    "unknown-version": (f"{LENET5}/versions/7:predict", {"json": GOOD_BODY}, 404),
}


@pytest.mark.parametrize("case", sorted(REST_CASES))
def test_rest_bad_request_gets_code_and_message(serving_endpoint, case):
    path, kwargs, code = REST_CASES[case]
    response = _post(serving_endpoint, path, **kwargs)
    assert response.status_code == code, response.text
    message = response.json()["error"]
    assert isinstance(message, str) and message
    _assert_good_request_still_works(serving_endpoint)


def test_rest_unknown_model_status_is_404(serving_endpoint):
    response = requests.get(f"{serving_endpoint.rest_url}/v1/models/no_such_model", timeout=30)
    assert response.status_code == 404 and response.json()["error"]


def test_rest_oversized_body_is_refused(serving_endpoint):
    if not serving_endpoint.local:
        pytest.skip("the body limit is the local server's --max-body-bytes")
    body = b'{"instances": [' + b"0.0," * (LOCAL_MAX_BODY_BYTES // 4) + b"0.0]}"
    response = _post(serving_endpoint, f"{LENET5}:predict", data=body)
    assert response.status_code == 413
    assert "larger than the limit" in response.json()["error"]
    _assert_good_request_still_works(serving_endpoint)


def _grpc_request(images, signature="predict_images", model=LENET5, version=None, dtype=np.float32):
    request = predict_pb2.PredictRequest()
    request.model_spec.name = model
    request.model_spec.signature_name = signature
    if version is not None:
        request.model_spec.version.value = version
    request.inputs["images"].CopyFrom(tf.make_tensor_proto(np.asarray(images).astype(dtype)))
    return request


ZEROS = np.zeros((1, 28, 28))
GRPC_CASES = {
    "wrong-shape": (lambda: _grpc_request(np.zeros((1, 3, 3))), grpc.StatusCode.INVALID_ARGUMENT),
    "wrong-dtype": (lambda: _grpc_request(ZEROS, dtype=np.int32), grpc.StatusCode.INVALID_ARGUMENT),
    "unknown-signature": (
        lambda: _grpc_request(ZEROS, signature="nope"),
        grpc.StatusCode.FAILED_PRECONDITION,
    ),
    "unknown-model": (lambda: _grpc_request(ZEROS, model="no_such_model"), grpc.StatusCode.NOT_FOUND),
    "unknown-version": (lambda: _grpc_request(ZEROS, version=7), grpc.StatusCode.NOT_FOUND),
}


@pytest.fixture(scope="module")
def prediction_stub(serving_endpoint):
    channel = grpc.insecure_channel(serving_endpoint.grpc_target)
    yield prediction_service_pb2_grpc.PredictionServiceStub(channel)
    channel.close()


def _assert_grpc_good_request_still_works(stub):
    response = stub.Predict(_grpc_request(np.zeros((1, 28, 28))), timeout=30)
    assert tf.make_ndarray(response.outputs["probabilities"]).shape == (1, 10)


@pytest.mark.parametrize("case", sorted(GRPC_CASES))
def test_grpc_bad_request_gets_status_and_message(prediction_stub, case):
    make_request, code = GRPC_CASES[case]
    with pytest.raises(grpc.RpcError) as raised:
        prediction_stub.Predict(make_request(), timeout=30)
    assert raised.value.code() == code, raised.value.details()
    assert raised.value.details()
    _assert_grpc_good_request_still_works(prediction_stub)


def test_grpc_oversized_message_is_resource_exhausted(serving_endpoint, prediction_stub):
    if not serving_endpoint.local:
        pytest.skip("the message limit is the local server's --max-body-bytes")
    rows = LOCAL_MAX_BODY_BYTES // (28 * 28 * 4) + 1
    with pytest.raises(grpc.RpcError) as raised:
        prediction_stub.Predict(_grpc_request(np.zeros((rows, 28, 28))), timeout=30)
    assert raised.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED, raised.value.details()
    _assert_grpc_good_request_still_works(prediction_stub)
