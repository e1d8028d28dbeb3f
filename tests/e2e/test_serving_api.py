"""TF Serving's REST and gRPC APIs, driven only through real clients (HTTP, the official stubs).

Runs against `dlsuite serve` and, when DLSUITE_SERVING_* name one, an external TF Serving serving the
same layout (tests/serving_helpers.py), so the same expectations check both.
"""

import base64

import grpc
import numpy as np
import pytest
import requests
import tensorflow as tf
from tensorflow_serving.apis import (
    classification_pb2,
    get_model_metadata_pb2,
    get_model_status_pb2,
    model_service_pb2_grpc,
    predict_pb2,
    prediction_service_pb2_grpc,
    regression_pb2,
)

from components.idx_example_gen import idx
from tests.conftest import FIXTURES
from tests.serving_helpers import LENET5, TOY

pytestmark = pytest.mark.e2e

SMALL = FIXTURES / "fashion_mnist_small"


@pytest.fixture(scope="module")
def images():
    images, _ = idx.load(str(SMALL / "t10k-images-idx3-ubyte.gz"), str(SMALL / "t10k-labels-idx1-ubyte.gz"))
    return images[:4]


@pytest.fixture(scope="module")
def expected(serving_endpoint, images):
    """What the served lenet5 must answer: its own signature called in this process."""
    model = tf.saved_model.load(str(serving_endpoint.models_dir / LENET5 / "2"))
    outputs = model.signatures["predict_images"](images=tf.constant(images, tf.float32))
    return {k: v.numpy() for k, v in outputs.items()}


@pytest.fixture(scope="module")
def stubs(serving_endpoint):
    channel = grpc.insecure_channel(serving_endpoint.grpc_target)
    yield (
        prediction_service_pb2_grpc.PredictionServiceStub(channel),
        model_service_pb2_grpc.ModelServiceStub(channel),
    )
    channel.close()


def _url(endpoint, suffix):
    return f"{endpoint.rest_url}/v1/models/{suffix}"


def _example(image):
    return tf.train.Example(
        features=tf.train.Features(
            feature={"image": tf.train.Feature(bytes_list=tf.train.BytesList(value=[image.tobytes()]))}
        )
    )


def _b64(data):
    return base64.b64encode(data).decode("ascii")


# --- status and metadata ---


def test_rest_status_lists_versions_as_tf_serving(serving_endpoint):
    response = requests.get(_url(serving_endpoint, LENET5), timeout=30)
    assert response.status_code == 200
    statuses = response.json()["model_version_status"]
    assert sorted(s["version"] for s in statuses) == ["1", "2"]
    for status in statuses:
        assert status["state"] == "AVAILABLE"
        assert status["status"]["error_code"] == "OK"

    one = requests.get(_url(serving_endpoint, f"{LENET5}/versions/1"), timeout=30).json()
    assert [s["version"] for s in one["model_version_status"]] == ["1"]
    canary = requests.get(_url(serving_endpoint, f"{LENET5}/labels/canary"), timeout=30).json()
    assert [s["version"] for s in canary["model_version_status"]] == ["2"]


def test_grpc_status_matches_rest(serving_endpoint, stubs):
    _, models = stubs
    request = get_model_status_pb2.GetModelStatusRequest()
    request.model_spec.name = LENET5
    response = models.GetModelStatus(request, timeout=30)
    by_version = {s.version: s for s in response.model_version_status}
    assert set(by_version) == {1, 2}
    assert all(s.state == get_model_status_pb2.ModelVersionStatus.AVAILABLE for s in by_version.values())
    request.model_spec.version_label = "stable"
    (stable,) = models.GetModelStatus(request, timeout=30).model_version_status
    assert stable.version == 1


def test_rest_metadata_has_every_signature_with_its_method(serving_endpoint):
    response = requests.get(_url(serving_endpoint, f"{LENET5}/metadata"), timeout=30)
    assert response.status_code == 200
    body = response.json()
    assert body["model_spec"] == {"name": LENET5, "signature_name": "", "version": "2"}
    signatures = body["metadata"]["signature_def"]["signature_def"]
    assert {"serving_default", "predict_images", "classify"} <= set(signatures)
    images = signatures["predict_images"]["inputs"]["images"]
    assert images["dtype"] == "DT_FLOAT"
    assert [d["size"] for d in images["tensor_shape"]["dim"]] == ["-1", "28", "28"]
    assert signatures["serving_default"]["inputs"]["examples"]["dtype"] == "DT_STRING"
    assert signatures["classify"]["method_name"] == "tensorflow/serving/classify"
    assert set(signatures["classify"]["outputs"]) == {"classes", "scores"}
    assert signatures["predict_images"]["method_name"] == "tensorflow/serving/predict"


def test_grpc_metadata_is_a_packed_signature_def_map(stubs):
    prediction, _ = stubs
    request = get_model_metadata_pb2.GetModelMetadataRequest(metadata_field=["signature_def"])
    request.model_spec.name = LENET5
    request.model_spec.version.value = 1
    response = prediction.GetModelMetadata(request, timeout=30)
    assert response.model_spec.name == LENET5 and response.model_spec.version.value == 1
    signature_defs = get_model_metadata_pb2.SignatureDefMap()
    assert response.metadata["signature_def"].Unpack(signature_defs)
    assert signature_defs.signature_def["classify"].inputs["inputs"].dtype == tf.string
    assert signature_defs.signature_def["serving_default"].outputs["probabilities"].dtype == tf.float32


# --- predict ---


def test_rest_predict_row_format(serving_endpoint, images, expected):
    body = {"signature_name": "predict_images", "instances": images.tolist()}
    response = requests.post(_url(serving_endpoint, f"{LENET5}:predict"), json=body, timeout=30)
    assert response.status_code == 200, response.text
    predictions = response.json()["predictions"]
    assert len(predictions) == len(images)
    np.testing.assert_allclose(
        [p["probabilities"] for p in predictions], expected["probabilities"], atol=1e-5
    )
    assert [p["class_ids"] for p in predictions] == expected["class_ids"].tolist()


def test_rest_predict_columnar_format(serving_endpoint, images, expected):
    body = {"signature_name": "predict_images", "inputs": {"images": images.tolist()}}
    response = requests.post(_url(serving_endpoint, f"{LENET5}/versions/1:predict"), json=body, timeout=30)
    assert response.status_code == 200, response.text
    outputs = response.json()["outputs"]
    np.testing.assert_allclose(outputs["probabilities"], expected["probabilities"], atol=1e-5)
    assert outputs["class_ids"] == expected["class_ids"].tolist()


def test_rest_predict_b64_examples_on_serving_default(serving_endpoint, images, expected):
    instances = [{"b64": _b64(_example(image).SerializeToString())} for image in images]
    response = requests.post(
        _url(serving_endpoint, f"{LENET5}/labels/stable:predict"), json={"instances": instances}, timeout=30
    )
    assert response.status_code == 200, response.text
    np.testing.assert_allclose(
        [p["probabilities"] for p in response.json()["predictions"]], expected["probabilities"], atol=1e-5
    )


def test_rest_predict_named_inputs_and_string_outputs(serving_endpoint):
    x, tags = [[1.5, 2.0], [-1.0, 0.25]], ["ab", "x\u00e9"]
    rows = [{"x": x[i], "tag": tags[i]} for i in range(2)]
    response = requests.post(_url(serving_endpoint, f"{TOY}:predict"), json={"instances": rows}, timeout=30)
    assert response.status_code == 200, response.text
    predictions = response.json()["predictions"]
    assert [p["total"] for p in predictions] == [3.5, -0.75]
    assert [p["tag_upper"] for p in predictions] == ["AB", "X\u00c9"]
    # Outputs named *_bytes come back base64-encoded, as TF Serving does.
    assert [base64.b64decode(p["tag_bytes"]["b64"]).decode() for p in predictions] == tags

    binary = bytes([0, 255, 7])
    columns = {"x": x, "tag": [{"b64": _b64(binary)}, "plain"]}
    response = requests.post(_url(serving_endpoint, f"{TOY}:predict"), json={"inputs": columns}, timeout=30)
    assert response.status_code == 200, response.text
    outputs = response.json()["outputs"]
    assert outputs["total"] == [3.5, -0.75]
    assert [base64.b64decode(v["b64"]) for v in outputs["tag_bytes"]] == [binary, b"plain"]


def test_grpc_predict_reports_the_version_that_answered(stubs, images, expected):
    prediction, _ = stubs
    request = predict_pb2.PredictRequest(output_filter=["probabilities"])
    request.model_spec.name = LENET5
    request.model_spec.signature_name = "predict_images"
    request.inputs["images"].CopyFrom(tf.make_tensor_proto(images.astype(np.float32)))
    response = prediction.Predict(request, timeout=30)
    assert response.model_spec.version.value == 2 and response.model_spec.signature_name == "predict_images"
    assert set(response.outputs) == {"probabilities"}
    np.testing.assert_allclose(
        tf.make_ndarray(response.outputs["probabilities"]), expected["probabilities"], atol=1e-5
    )

    request.model_spec.version_label = "stable"
    assert prediction.Predict(request, timeout=30).model_spec.version.value == 1


# --- classify and regress ---


def test_rest_classify_on_the_classification_signature(serving_endpoint, images, expected):
    body = {
        "signature_name": "classify",
        "examples": [{"image": {"b64": _b64(image.tobytes())}} for image in images],
    }
    response = requests.post(_url(serving_endpoint, f"{LENET5}:classify"), json=body, timeout=30)
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert len(results) == len(images)
    for row, probabilities in zip(results, expected["probabilities"]):
        assert [label for label, _ in row] == [str(i) for i in range(10)]
        np.testing.assert_allclose([score for _, score in row], probabilities, atol=1e-5)


def test_rest_classify_merges_the_context_into_each_example(serving_endpoint, images, expected):
    body = {
        "signature_name": "classify",
        "context": {"image": {"b64": _b64(images[0].tobytes())}},
        "examples": [{}],
    }
    response = requests.post(_url(serving_endpoint, f"{LENET5}:classify"), json=body, timeout=30)
    assert response.status_code == 200, response.text
    np.testing.assert_allclose(
        [s for _, s in response.json()["results"][0]], expected["probabilities"][0], atol=1e-5
    )


def test_grpc_classify(stubs, images, expected):
    prediction, _ = stubs
    request = classification_pb2.ClassificationRequest()
    request.model_spec.name = LENET5
    request.model_spec.signature_name = "classify"
    request.input.example_list.examples.extend(_example(image) for image in images)
    response = prediction.Classify(request, timeout=30)
    assert response.model_spec.version.value == 2
    scores = [[c.score for c in item.classes] for item in response.result.classifications]
    np.testing.assert_allclose(scores, expected["probabilities"], atol=1e-5)
    predicted = [max(item.classes, key=lambda c: c.score).label for item in response.result.classifications]
    assert predicted == [str(i) for i in expected["class_ids"]]


def test_rest_and_grpc_regress(serving_endpoint, stubs):
    body = {"signature_name": "regress", "examples": [{"x": [1.5, 2.0]}, {"x": [-0.5, 4.25]}]}
    response = requests.post(_url(serving_endpoint, f"{TOY}:regress"), json=body, timeout=30)
    assert response.status_code == 200, response.text
    assert response.json()["results"] == [5.0, 3.25]

    prediction, _ = stubs
    request = regression_pb2.RegressionRequest()
    request.model_spec.name = TOY
    request.model_spec.signature_name = "regress"
    for x in ([1.5, 2.0], [3.0, -1.0]):
        example = request.input.example_list.examples.add()
        example.features.feature["x"].float_list.value.extend(x)
    response = prediction.Regress(request, timeout=30)
    assert [r.value for r in response.result.regressions] == [5.0, 5.0]
