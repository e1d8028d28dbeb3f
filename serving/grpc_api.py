"""TF Serving's gRPC API with the official stubs: PredictionService and ModelService."""

import logging
import time
from concurrent import futures

import grpc
from tensorflow_serving.apis import (
    classification_pb2,
    model_management_pb2,
    model_pb2,
    model_service_pb2_grpc,
    predict_pb2,
    prediction_service_pb2_grpc,
    regression_pb2,
)
from tensorflow_serving.apis import status_pb2 as apis_status_pb2

from serving import errors, examples, inference, limits, multi_inference, responses, tensors
from serving.rest_api import ApiOptions

log = logging.getLogger(__name__)
_NO_SPEC = model_pb2.ModelSpec()


def _version_and_label(spec):
    version = spec.version.value if spec.HasField("version") else None
    return version, spec.version_label or None


def _servable(manager, spec):
    return manager.servable(spec.name, *_version_and_label(spec))


def _guarded(method):
    """Turns ServingError (and any other error) into the call's gRPC status."""

    def wrapper(self, request, context):
        started, status = time.monotonic(), "OK"
        try:
            return method(self, request, context)
        except Exception as e:  # noqa: BLE001
            error = errors.from_exception(e)
            status = error.code.name
            context.abort(error.code, error.message)
        finally:
            metrics = getattr(self, "_metrics", None)
            if metrics is not None:
                spec = request.tasks[0].model_spec if hasattr(request, "tasks") and request.tasks else None
                name = (spec or getattr(request, "model_spec", None) or _NO_SPEC).name
                if name:  # not HandleReloadConfigRequest
                    metrics.record_request(name, method.__name__, "GRPC", status, time.monotonic() - started)

    wrapper.__name__ = method.__name__
    return wrapper


class PredictionService(prediction_service_pb2_grpc.PredictionServiceServicer):
    def __init__(self, manager, request_limits=limits.RequestLimits(), options=ApiOptions(), metrics=None):
        self._manager, self._limits, self._options = manager, request_limits, options
        self._metrics = metrics

    @_guarded
    def Predict(self, request, context):  # noqa: N802 (gRPC naming)
        servable = _servable(self._manager, request.model_spec)
        budget = limits.Budget(self._limits)
        inputs = {k: tensors.proto_to_array(v, k, budget) for k, v in request.inputs.items()}
        signature, outputs = inference.predict(
            servable, request.model_spec.signature_name, inputs, list(request.output_filter)
        )
        response = predict_pb2.PredictResponse(
            model_spec=responses.model_spec(servable.name, servable.version, signature.name)
        )
        for key, value in outputs.items():
            response.outputs[key].CopyFrom(tensors.array_to_proto(value, self._options.tensor_content))
        return response

    @_guarded
    def Classify(self, request, context):  # noqa: N802
        servable = _servable(self._manager, request.model_spec)
        signature, classes, scores = inference.classify(
            servable,
            request.model_spec.signature_name,
            self._examples(request.input),
            self._options.method_name_check,
        )
        return classification_pb2.ClassificationResponse(
            model_spec=responses.model_spec(servable.name, servable.version, signature.name),
            result=inference.classification_result(classes, scores),
        )

    @_guarded
    def Regress(self, request, context):  # noqa: N802
        servable = _servable(self._manager, request.model_spec)
        signature, values = inference.regress(
            servable,
            request.model_spec.signature_name,
            self._examples(request.input),
            self._options.method_name_check,
        )
        return regression_pb2.RegressionResponse(
            model_spec=responses.model_spec(servable.name, servable.version, signature.name),
            result=inference.regression_result(values),
        )

    def _examples(self, input_proto):
        return examples.serialize_input(input_proto, limits.Budget(self._limits))

    @_guarded
    def GetModelMetadata(self, request, context):  # noqa: N802
        fields = list(request.metadata_field)
        if fields != [responses.SIGNATURE_DEF_FIELD]:
            raise errors.invalid_argument(
                f"Metadata field(s) {fields} not supported: request exactly ['signature_def']."
            )
        return responses.metadata_response(_servable(self._manager, request.model_spec))

    @_guarded
    def MultiInference(self, request, context):  # noqa: N802
        tasks = request.tasks
        servable = _servable(self._manager, tasks[0].model_spec) if tasks else None
        return multi_inference.multi_inference(
            servable, request, self._examples(request.input), self._options.method_name_check
        )


class ModelService(model_service_pb2_grpc.ModelServiceServicer):
    def __init__(self, manager, metrics=None):
        self._manager, self._metrics = manager, metrics

    @_guarded
    def GetModelStatus(self, request, context):  # noqa: N802
        if not request.model_spec.name:
            raise errors.invalid_argument("Missing ModelSpec")
        version, label = _version_and_label(request.model_spec)
        return responses.status_response(self._manager.status(request.model_spec.name, version, label))

    @_guarded
    def HandleReloadConfigRequest(self, request, context):  # noqa: N802
        response = model_management_pb2.ReloadConfigResponse()
        try:
            problems = self._manager.reload_config(request.config)
        except ValueError as e:  # config.ConfigError
            problems = [str(e)]
            code = grpc.StatusCode.INVALID_ARGUMENT
        else:
            code = grpc.StatusCode.FAILED_PRECONDITION
        if problems:
            response.status.CopyFrom(
                apis_status_pb2.StatusProto(error_code=code.value[0], error_message="; ".join(problems))
            )
        return response


def make_server(
    manager,
    host,
    port,
    max_message_bytes,
    threads,
    request_limits=limits.RequestLimits(),
    options=ApiOptions(),
    channel_arguments=(),
    metrics=None,
):
    """A started-later grpc.Server with both services; returns (server, bound port)."""
    grpc_options = [
        ("grpc.max_receive_message_length", max_message_bytes),
        ("grpc.max_send_message_length", max_message_bytes),
        ("grpc.so_reuseport", 0),
        *channel_arguments,
    ]
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=threads, thread_name_prefix="grpc"), options=grpc_options
    )
    prediction_service_pb2_grpc.add_PredictionServiceServicer_to_server(
        PredictionService(manager, request_limits, options, metrics), server
    )
    model_service_pb2_grpc.add_ModelServiceServicer_to_server(ModelService(manager, metrics), server)
    bound = server.add_insecure_port(f"{host}:{port}" if ":" not in host else f"[{host}]:{port}")
    if not bound:
        raise OSError(f"cannot bind gRPC to {host}:{port}; pick another --grpc-port.")
    return server, bound
