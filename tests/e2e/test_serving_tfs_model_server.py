"""TF Serving's own model-server test cases, run against `dlsuite serve` started with TF Serving's flags.

The requests and expected answers are those of tensorflow_serving/model_servers/
tensorflow_model_server_test.py and http_rest_api_handler_test.cc, on the half_plus_two models that
tools/half_plus_two.py writes (TF1 graph with TF Serving's signatures, TF2 `tf.saved_model.save`,
Keras 3 `model.export`; version 123, y = 0.5 x + 2, half_plus_three y = 0.5 x + 3).
"""

import grpc
import pytest
import requests
from tensorflow.core.framework import types_pb2
from tensorflow_serving.apis import (
    classification_pb2,
    get_model_metadata_pb2,
    get_model_status_pb2,
    inference_pb2,
    model_service_pb2_grpc,
    predict_pb2,
    prediction_service_pb2_grpc,
    regression_pb2,
)

from tests.conftest import FIXTURES
from tests.serving_helpers import free_port, half_plus_two_models, tfs_server

pytestmark = pytest.mark.e2e

VERSION = 123
TFS = FIXTURES / "tf_serving"
RPC_TIMEOUT = 10.0
MALFORMED = "Malformed request:"


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    return half_plus_two_models(tmp_path_factory.mktemp("half_plus_two"))


@pytest.fixture(scope="module")
def server(models, tmp_path_factory):
    """TF Serving's RunServer: --port --rest_api_port --model_config_file, plus monitoring."""
    tmp = tmp_path_factory.mktemp("tfs_server")
    config = tmp / "models.config"
    config.write_text(
        "model_config_list {\n"
        + "".join(
            f'  config {{ name: "{name}" base_path: "{models[variant]}" model_platform: "tensorflow" }}\n'
            for name, variant in (
                ("default", "tf1"),
                ("half_plus_three", "half_plus_three"),
                ("tf2", "tf2"),
                ("keras", "keras"),
            )
        )
        + "}\n"
    )
    process = tfs_server(
        "--port=0",
        f"--rest_api_port={free_port()}",
        "--rest_api_timeout_in_ms=5000",
        f"--model_config_file={config}",
        f"--monitoring_config_file={TFS / 'monitoring_config.txt'}",
        log_path=tmp / "server.log",
    )
    channel = grpc.insecure_channel(process.grpc_target)
    process.prediction = prediction_service_pb2_grpc.PredictionServiceStub(channel)
    process.model_service = model_service_pb2_grpc.ModelServiceStub(channel)
    yield process
    channel.close()
    assert process.stop() == 0, process.log_tail()


def _model_spec_is(spec, name, signature_name, version=VERSION):
    assert (spec.name, spec.signature_name, spec.version.value) == (name, signature_name, version)


def _example_request(cls, signature_name, model="default"):
    request = cls()
    request.model_spec.name, request.model_spec.signature_name = model, signature_name
    request.input.example_list.examples.add().features.feature["x"].float_list.value.extend([2.0])
    return request


def _predict_request(model, shape, output_filter=True):
    request = predict_pb2.PredictRequest()
    request.model_spec.name = model
    request.inputs["x"].dtype = types_pb2.DT_FLOAT
    request.inputs["x"].float_val.append(2.0)
    for size in shape:
        request.inputs["x"].tensor_shape.dim.add(size=size)
    if output_filter:
        request.output_filter.append("y")
    return request


# --- gRPC: tensorflow_model_server_test.py ---


def test_get_model_status(server):
    request = get_model_status_pb2.GetModelStatusRequest()
    request.model_spec.name = "default"
    result = server.model_service.GetModelStatus(request, RPC_TIMEOUT)
    assert len(result.model_version_status) == 1
    status = result.model_version_status[0]
    assert status.version == VERSION and status.status.error_code == 0
    assert status.state == get_model_status_pb2.ModelVersionStatus.AVAILABLE


def test_get_model_status_without_model_spec_is_invalid_argument(server):
    with pytest.raises(grpc.RpcError) as raised:
        server.model_service.GetModelStatus(get_model_status_pb2.GetModelStatusRequest(), RPC_TIMEOUT)
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT


@pytest.mark.parametrize(
    "name, version, code",
    [("no_such_model", None, grpc.StatusCode.NOT_FOUND), ("default", 999, grpc.StatusCode.NOT_FOUND)],
)
def test_get_model_status_of_unknown_model_or_version_is_not_found(server, name, version, code):
    """get_model_status_impl_test: InvalidModelNameFailure, InvalidModelVersionFailure."""
    request = get_model_status_pb2.GetModelStatusRequest()
    request.model_spec.name = name
    if version is not None:
        request.model_spec.version.value = version
    with pytest.raises(grpc.RpcError) as raised:
        server.model_service.GetModelStatus(request, RPC_TIMEOUT)
    assert raised.value.code() == code


def test_get_model_status_of_a_specific_version(server):
    """get_model_status_impl_test: SpecificVersionSuccess."""
    request = get_model_status_pb2.GetModelStatusRequest()
    request.model_spec.name = "half_plus_three"
    request.model_spec.version.value = VERSION
    (status,) = server.model_service.GetModelStatus(request, RPC_TIMEOUT).model_version_status
    assert (status.version, status.state) == (VERSION, get_model_status_pb2.ModelVersionStatus.AVAILABLE)


def test_get_model_metadata(server):
    request = get_model_metadata_pb2.GetModelMetadataRequest(metadata_field=["signature_def"])
    request.model_spec.name = "default"
    result = server.prediction.GetModelMetadata(request, RPC_TIMEOUT)
    signatures = get_model_metadata_pb2.SignatureDefMap()
    result.metadata["signature_def"].Unpack(signatures)
    assert result.model_spec.version.value == VERSION
    assert set(signatures.signature_def) >= {"serving_default", "classify_x_to_y", "regress_x_to_y"}
    default = signatures.signature_def["serving_default"]
    assert default.method_name == "tensorflow/serving/predict" and list(default.inputs) == ["x"]


def test_classify(server):
    request = _example_request(classification_pb2.ClassificationRequest, "classify_x_to_y")
    result = server.prediction.Classify(request, RPC_TIMEOUT)
    assert len(result.result.classifications) == 1
    assert len(result.result.classifications[0].classes) == 1
    assert result.result.classifications[0].classes[0].score == 3.0
    _model_spec_is(result.model_spec, "default", "classify_x_to_y")


def test_regress(server):
    request = _example_request(regression_pb2.RegressionRequest, "regress_x_to_y")
    result = server.prediction.Regress(request, RPC_TIMEOUT)
    assert [r.value for r in result.result.regressions] == [3.0]
    _model_spec_is(result.model_spec, "default", "regress_x_to_y")


def test_multi_inference(server):
    request = inference_pb2.MultiInferenceRequest()
    for signature, method in (("regress_x_to_y", "regress"), ("classify_x_to_y", "classify")):
        task = request.tasks.add(method_name=f"tensorflow/serving/{method}")
        task.model_spec.name, task.model_spec.signature_name = "default", signature
    request.input.example_list.examples.add().features.feature["x"].float_list.value.extend([2.0])
    result = server.prediction.MultiInference(request, RPC_TIMEOUT)
    assert len(result.results) == 2
    assert result.results[0].regression_result.regressions[0].value == 3.0
    assert result.results[1].classification_result.classifications[0].classes[0].score == 3.0
    _model_spec_is(result.results[0].model_spec, "default", "regress_x_to_y")


@pytest.mark.parametrize(
    "bad, code",
    [
        ("two-models", grpc.StatusCode.INVALID_ARGUMENT),
        ("duplicate", grpc.StatusCode.INVALID_ARGUMENT),
        ("method", grpc.StatusCode.UNIMPLEMENTED),
    ],
)
def test_multi_inference_refuses_what_tf_serving_refuses(server, bad, code):
    request = inference_pb2.MultiInferenceRequest()
    for i in range(2):
        task = request.tasks.add(method_name="tensorflow/serving/regress")
        task.model_spec.name = "half_plus_three" if bad == "two-models" and i else "default"
        task.model_spec.signature_name = (
            "regress_x_to_y" if bad == "duplicate" or not i else "regress_x_to_y2"
        )
    if bad == "method":
        request.tasks[1].method_name = "tensorflow/serving/predict"
    request.input.example_list.examples.add().features.feature["x"].float_list.value.extend([2.0])
    with pytest.raises(grpc.RpcError) as raised:
        server.prediction.MultiInference(request, RPC_TIMEOUT)
    assert raised.value.code() == code


@pytest.mark.parametrize(
    "model, shape, expected, output_filter",
    [
        ("default", [1], 3.0, True),  # the TF1 graph's x is [-1, 1]: TF Serving takes [1] anyway
        ("default", [1], 3.0, False),
        ("default", [1, 1], 3.0, True),
        ("half_plus_three", [1], 4.0, True),
        ("tf2", [1, 1], 3.0, True),
        ("tf2", [1], 3.0, True),  # the model, not a shape check, decides; 0.5 * x + 2 takes [1]
        ("keras", [1, 1], 3.0, False),
    ],
)
def test_predict(server, model, shape, expected, output_filter):
    result = server.prediction.Predict(_predict_request(model, shape, output_filter), RPC_TIMEOUT)
    (key,) = result.outputs  # Keras names its output output_0
    y = result.outputs[key]
    assert key == ("output_0" if model == "keras" else "y") and y.dtype == types_pb2.DT_FLOAT
    assert list(y.float_val) == [expected] and not y.tensor_content  # typed fields, as TF Serving
    assert [d.size for d in y.tensor_shape.dim] == shape
    _model_spec_is(result.model_spec, model, "serving_default")


def test_predict_shape_the_model_cannot_take_is_invalid_argument(server):
    with pytest.raises(grpc.RpcError) as raised:
        server.prediction.Predict(_predict_request("keras", [1]), RPC_TIMEOUT)  # Dense needs a matrix
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_classify_and_regress_on_tf2_exports(server):
    """Every TF2 export records `predict` as the method: Classify / Regress still serve it."""
    result = server.prediction.Regress(
        _example_request(regression_pb2.RegressionRequest, "regress_x_to_y", "tf2"), RPC_TIMEOUT
    )
    assert [r.value for r in result.result.regressions] == [3.0]
    result = server.prediction.Classify(
        _example_request(classification_pb2.ClassificationRequest, "classify_x_to_y", "tf2"), RPC_TIMEOUT
    )
    assert result.result.classifications[0].classes[0].score == 3.0


# --- REST: tensorflow_model_server_test.py (…REST) and http_rest_api_handler_test.cc ---


def _rest(server, method, path, body=None):
    response = requests.request(method, f"{server.rest_url}{path}", json=body, timeout=RPC_TIMEOUT)
    return response.status_code, response.json()


@pytest.mark.parametrize(
    "path, body, expected",
    [
        (":predict", {"instances": [2.0, 3.0, 4.0]}, {"predictions": [3.0, 3.5, 4.0]}),
        (":predict", {"inputs": [2.0, 3.0, 4.0]}, {"outputs": [3.0, 3.5, 4.0]}),
        (
            ":classify",
            {"signature_name": "classify_x_to_y", "examples": [{"x": 2.0}]},
            {"results": [[["", 3.0]]]},
        ),
        (":regress", {"signature_name": "regress_x_to_y", "examples": [{"x": 2.0}]}, {"results": [3.0]}),
        (
            ":regress",
            {"signature_name": "regress_x_to_y2", "examples": [{"x": 2.0}]},
            {"results": [4.0]},
        ),
        (f"/versions/{VERSION}:predict", {"instances": [2.0]}, {"predictions": [3.0]}),
    ],
)
def test_rest_half_plus_two(server, path, body, expected):
    assert _rest(server, "POST", f"/v1/models/default{path}", body) == (200, expected)


@pytest.mark.parametrize(
    "model, body, expected",
    [
        ("tf2", {"instances": [[1.0], [2.0], [5.0]]}, [[2.5], [3.0], [4.5]]),
        ("tf2", {"instances": [1.0, 2.0, 5.0]}, [2.5, 3.0, 4.5]),
        ("keras", {"instances": [[1.0], [2.0], [5.0]]}, [[2.5], [3.0], [4.5]]),
        ("half_plus_three", {"instances": [1.0, 2.0, 5.0]}, [3.5, 4.0, 5.5]),
    ],
)
def test_rest_predict_tf2_and_keras(server, model, body, expected):
    assert _rest(server, "POST", f"/v1/models/{model}:predict", body) == (200, {"predictions": expected})


def test_rest_model_status(server):
    assert _rest(server, "GET", "/v1/models/default") == (
        200,
        {
            "model_version_status": [
                {
                    "version": str(VERSION),
                    "state": "AVAILABLE",
                    "status": {"error_code": "OK", "error_message": ""},
                }
            ]
        },
    )


def test_rest_model_metadata(server):
    code, body = _rest(server, "GET", f"/v1/models/default/versions/{VERSION}/metadata")
    assert code == 200
    assert body["model_spec"] == {"name": "default", "signature_name": "", "version": str(VERSION)}
    signatures = body["metadata"]["signature_def"]["signature_def"]
    assert signatures["regress_x_to_y"]["method_name"] == "tensorflow/serving/regress"
    assert signatures["serving_default"]["inputs"]["x"]["dtype"] == "DT_FLOAT"


@pytest.mark.parametrize(
    "method, path, error",
    [
        ("GET", "/v1/foo", "Malformed request: GET /v1/foo"),
        ("POST", "/v1/models/f/versions/HELLO:regress", f"{MALFORMED} POST /v1/models/f/versions/HELLO:regress"),  # noqa: E501
        ("GET", "/v1/models/foo:predict", "Malformed request: GET /v1/models/foo:predict"),
        ("POST", "/v1/models/foo", "Malformed request: POST /v1/models/foo"),
        ("GET", "/v1/models", "Missing model name in request."),
        ("GET", f"/v1/models/foo/versions/{2**64}", f"Failed to convert version: {2**64} to numeric."),
    ],
)  # fmt: skip
def test_rest_malformed_requests_are_400(server, method, path, error):
    assert _rest(server, method, path, {} if method == "POST" else None) == (400, {"error": error})


def test_rest_unknown_model_is_404(server):
    code, body = _rest(server, "GET", "/v1/models/foo")
    assert code == 404 and "foo" in body["error"]


def test_prometheus_endpoint(server):
    _rest(server, "POST", "/v1/models/default:predict", {"instances": [2.0]})
    server.prediction.Predict(_predict_request("half_plus_three", [1]), RPC_TIMEOUT)
    response = requests.get(f"{server.rest_url}/monitoring/prometheus/metrics", timeout=RPC_TIMEOUT)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/plain")
    text = response.text
    assert "# TYPE" in text
    assert ':tensorflow:serving:request_count{model_name="default",status="OK"}' in text
    assert 'request_latency_bucket{API="Predict",entrypoint="REST",le=' in text
    assert 'request_latency_count{API="Predict",entrypoint="GRPC",model_name="half_plus_three"}' in text
    assert ':tensorflow:cc:saved_model:load_attempt_count{model_path="' in text
    assert 'dlsuite_serving_model_version_state{model_name="tf2",state="AVAILABLE",version="123"} 1.0' in text
