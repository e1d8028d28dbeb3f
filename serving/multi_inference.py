"""TF Serving's MultiInference: several Classify / Regress tasks of one model over one `Input`."""

import grpc
from tensorflow_serving.apis import inference_pb2

from serving import errors, inference, responses
from serving.servable import CLASSIFY_METHOD, DEFAULT_SIGNATURE, REGRESS_METHOD


def _check_tasks(tasks):
    if not tasks:
        raise errors.invalid_argument("Tasks field is empty.")
    name = tasks[0].model_spec.name
    seen = set()
    for task in tasks:
        if task.model_spec.name != name:
            raise errors.invalid_argument(
                "All ModelSpecs in a MultiInferenceRequest must access the same model name."
            )
        signature_name = task.model_spec.signature_name or DEFAULT_SIGNATURE
        if signature_name in seen:
            raise errors.invalid_argument(f"Duplicate evaluation of signature: {signature_name}")
        seen.add(signature_name)
        if task.method_name not in (CLASSIFY_METHOD, REGRESS_METHOD):
            raise errors.ServingError(
                grpc.StatusCode.UNIMPLEMENTED, f"Unsupported signature method_name: {task.method_name}"
            )


def multi_inference(servable, request, serialized, method_check=False):
    """-> MultiInferenceResponse; `servable` is the one the first task's ModelSpec names."""
    _check_tasks(request.tasks)
    response = inference_pb2.MultiInferenceResponse()
    for task in request.tasks:
        result = response.results.add()
        if task.method_name == CLASSIFY_METHOD:
            signature, classes, scores = inference.classify(
                servable, task.model_spec.signature_name, serialized, method_check
            )
            result.classification_result.CopyFrom(inference.classification_result(classes, scores))
        else:
            signature, values = inference.regress(
                servable, task.model_spec.signature_name, serialized, method_check
            )
            result.regression_result.CopyFrom(inference.regression_result(values))
        result.model_spec.CopyFrom(responses.model_spec(servable.name, servable.version, signature.name))
    return response
