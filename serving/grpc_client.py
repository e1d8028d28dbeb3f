"""A client of TF Serving's gRPC API (this server's or real TF Serving's), with the official stubs.

It speaks the REST JSON shapes too: `predict(model, {"instances": ...})` returns `{"predictions": ...}`
as the REST API would; `predict_arrays` is the plain numpy call.
"""

import grpc
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

from serving import examples, predict_json, responses, tensors
from serving.rest_client import ServingClientError


def _spec(model, signature_name="", version=None, label=None):
    spec = responses.model_spec(model, version, signature_name)
    if label and version is None:
        spec.version_label = label
    return spec


class GrpcClient:
    """PredictionService and ModelService stubs over one channel."""

    def __init__(self, target="127.0.0.1:8500", timeout=30.0, max_message_bytes=64 * 1024 * 1024):
        options = [
            ("grpc.max_receive_message_length", max_message_bytes),
            ("grpc.max_send_message_length", max_message_bytes),
        ]
        self.channel = grpc.insecure_channel(target, options=options)
        self.prediction = prediction_service_pb2_grpc.PredictionServiceStub(self.channel)
        self.models = model_service_pb2_grpc.ModelServiceStub(self.channel)
        self._timeout = timeout

    def _call(self, method, request):
        try:
            return method(request, timeout=self._timeout)
        except grpc.RpcError as e:
            raise ServingClientError(e.code().name, e.details()) from None

    def predict_arrays(self, model, inputs, signature_name="", version=None, label=None, output_filter=()):
        """-> (response model_spec, {output: numpy array})."""
        request = predict_pb2.PredictRequest(
            model_spec=_spec(model, signature_name, version, label), output_filter=list(output_filter)
        )
        for key, value in inputs.items():
            request.inputs[key].CopyFrom(tensors.array_to_proto(value, tensor_content=True))
        response = self._call(self.prediction.Predict, request)
        return response.model_spec, {k: tf.make_ndarray(v) for k, v in response.outputs.items()}

    def signature_specs(self, model, signature_name="", version=None, label=None):
        """{input name: tf.TensorSpec} of a signature, from GetModelMetadata."""
        request = get_model_metadata_pb2.GetModelMetadataRequest(
            model_spec=_spec(model, "", version, label), metadata_field=[responses.SIGNATURE_DEF_FIELD]
        )
        response = self._call(self.prediction.GetModelMetadata, request)
        signature_defs = get_model_metadata_pb2.SignatureDefMap()
        response.metadata[responses.SIGNATURE_DEF_FIELD].Unpack(signature_defs)
        name = signature_name or "serving_default"
        if name not in signature_defs.signature_def:
            raise ServingClientError("FAILED_PRECONDITION", f'Serving signature key "{name}" not found.')
        return {
            key: tf.TensorSpec(tf.TensorShape(info.tensor_shape), tf.dtypes.as_dtype(info.dtype))
            for key, info in signature_defs.signature_def[name].inputs.items()
        }

    def predict(self, model, body, version=None, label=None):
        """A REST-shaped predict (`instances` or `inputs`) sent over gRPC; REST-shaped result."""
        signature_name = body.get("signature_name", "")
        specs = self.signature_specs(model, signature_name, version, label)
        inputs, row_format = predict_json.parse_request(specs, body)
        _, outputs = self.predict_arrays(model, inputs, signature_name, version, label)
        return predict_json.format_response(outputs, row_format)

    def classify(self, model, body, version=None, label=None):
        request = classification_pb2.ClassificationRequest(
            model_spec=_spec(model, body.get("signature_name", ""), version, label),
            input=examples.input_from_json(body),
        )
        result = self._call(self.prediction.Classify, request).result
        return {"results": [[[c.label, c.score] for c in item.classes] for item in result.classifications]}

    def regress(self, model, body, version=None, label=None):
        request = regression_pb2.RegressionRequest(
            model_spec=_spec(model, body.get("signature_name", ""), version, label),
            input=examples.input_from_json(body),
        )
        return {"results": [r.value for r in self._call(self.prediction.Regress, request).result.regressions]}

    def status(self, model, version=None, label=None):
        request = get_model_status_pb2.GetModelStatusRequest(model_spec=_spec(model, "", version, label))
        return responses.to_json_dict(self._call(self.models.GetModelStatus, request))

    def metadata(self, model, version=None, label=None):
        request = get_model_metadata_pb2.GetModelMetadataRequest(
            model_spec=_spec(model, "", version, label), metadata_field=[responses.SIGNATURE_DEF_FIELD]
        )
        response = self._call(self.prediction.GetModelMetadata, request)
        signature_defs = get_model_metadata_pb2.SignatureDefMap()
        response.metadata[responses.SIGNATURE_DEF_FIELD].Unpack(signature_defs)
        return {
            "model_spec": responses.to_json_dict(response.model_spec),
            "metadata": {responses.SIGNATURE_DEF_FIELD: responses.to_json_dict(signature_defs)},
        }

    def close(self):
        self.channel.close()
