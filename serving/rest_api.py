"""TF Serving's REST API, independent of the HTTP transport: (method, path, body) -> (code, JSON).

GET  /v1/models/{name}[/versions/{v} | /labels/{l}]            model status
GET  /v1/models/{name}[/versions/{v} | /labels/{l}]/metadata   signatures
POST /v1/models/{name}[/versions/{v} | /labels/{l}]:predict    {"instances": [...]} or {"inputs": ...}
POST /v1/models/{name}[/versions/{v} | /labels/{l}]:classify   {"examples": [...], "context": {...}}
POST /v1/models/{name}[/versions/{v} | /labels/{l}]:regress    same
Errors: {"error": "..."} with TF Serving's HTTP code for the status; a URL that matches none of these
is 400 "Malformed request: ..." (and `GET /v1/models` 400 "Missing model name in request."), as in TF
Serving.
"""

import dataclasses
import re
import time
import typing
import urllib.parse

from serving import errors, examples, inference, limits, predict_json, responses

# TF Serving's own patterns (http_rest_api_handler.cc), matched whole and case-insensitively
_SPEC = r"(?:/versions/(?P<version>[0-9]+)|/labels/(?P<label>[^/:]+))?"
_PREDICTION = re.compile(rf"/v1/models/(?P<name>[^/:]+){_SPEC}:(?P<method>classify|regress|predict)", re.I)
_STATUS = re.compile(rf"/v1/models(?:/(?P<name>[^/:]+))?{_SPEC}(?:/(?P<metadata>metadata))?", re.I)
_MAX_VERSION = 2**63 - 1
_API_NAMES = {  # TF Serving's API label in request_latency
    "predict": "Predict",
    "classify": "Classify",
    "regress": "Regress",
    "status": "GetModelStatus",
    "metadata": "GetModelMetadata",
}


@dataclasses.dataclass(frozen=True)
class ApiOptions:
    """TF Serving's switches that change answers (off by default, as in TF Serving)."""

    method_name_check: bool = False  # --enable_signature_method_name_check
    tensor_content: bool = False  # --enable_serialization_as_tensor_content (gRPC outputs)


class TextReply(typing.NamedTuple):
    """A reply that is not JSON (the Prometheus exposition)."""

    content_type: str
    data: bytes


def error_body(error):
    return error.http_status, {"error": error.message}


def parse_version(text):
    """A URL's version (digits, as TF Serving's SimpleAtoi takes them into an int64)."""
    if text is None:
        return None
    version = int(text)
    if version > _MAX_VERSION:
        raise errors.invalid_argument(f"Failed to convert version: {text} to numeric.")
    return version


class RestApi:
    def __init__(
        self,
        manager,
        request_limits=limits.RequestLimits(),
        options=ApiOptions(),
        metrics=None,
        metrics_path=None,
    ):
        self._manager, self._limits, self._options = manager, request_limits, options
        self._metrics, self._metrics_path = metrics, metrics_path

    def handle(self, method, path, body):
        """-> (HTTP status code, JSON-ready dict or TextReply)."""
        url_path = urllib.parse.urlsplit(path).path
        if self._metrics_path and method == "GET" and url_path == self._metrics_path:
            from serving.metrics import CONTENT_TYPE

            return 200, TextReply(CONTENT_TYPE, self._metrics.exposition())
        started, seen = time.monotonic(), {}
        try:
            code, payload, status = 200, self._dispatch(method, url_path, path, body, seen), "OK"
        except Exception as e:  # noqa: BLE001 -- a bug must not drop the connection
            error = errors.from_exception(e)
            (code, payload), status = error_body(error), error.code.name
        if self._metrics is not None and "name" in seen:
            self._metrics.record_request(
                seen["name"], seen["api"], "REST", status, time.monotonic() - started
            )
        return code, payload

    def _dispatch(self, method, url_path, path, body, seen):
        prediction = _PREDICTION.fullmatch(url_path) if method == "POST" else None
        status = _STATUS.fullmatch(url_path) if method == "GET" else None
        match = prediction or status
        if match is None:
            raise errors.invalid_argument(f"Malformed request: {method} {path}")
        if not match["name"]:
            raise errors.invalid_argument("Missing model name in request.")
        name = urllib.parse.unquote(match["name"])
        api = match["method"].lower() if prediction else "metadata" if match["metadata"] else "status"
        seen.update(name=name, api=_API_NAMES[api])
        version = parse_version(match["version"])
        label = urllib.parse.unquote(match["label"]) if match["label"] else None
        if prediction:
            request = _parse_body(body, self._limits)
            servable = self._manager.servable(name, version, label)
            handler = {"predict": _predict, "classify": _classify, "regress": _regress}
            return handler[api](servable, request, limits.Budget(self._limits), self._options)
        if match["metadata"]:
            return responses.metadata_json(self._manager.servable(name, version, label))
        return responses.status_json(self._manager.status(name, version, label))


def _parse_body(body, request_limits):
    request = limits.parse_json(body, request_limits)
    if not isinstance(request, dict):
        raise errors.invalid_argument("JSON Value: the request body must be a JSON object.")
    signature_name = request.get("signature_name", "")
    if not isinstance(signature_name, str):
        raise errors.invalid_argument("'signature_name' must be a string.")
    return request


def _predict(servable, request, budget, options):
    signature = servable.signature(request.get("signature_name"))
    inputs, row_format = predict_json.parse_request(signature.inputs, request)
    for key, value in inputs.items():
        if hasattr(value, "dtype"):
            budget.take_array(f"input {key!r}", value)
    _, outputs = inference.predict(servable, signature.name, inputs)
    return predict_json.format_response(outputs, row_format)


def _classify(servable, request, budget, options):
    serialized = examples.serialize_json(request, budget)
    _, classes, scores = inference.classify(
        servable, request.get("signature_name"), serialized, options.method_name_check
    )
    result = inference.classification_result(classes, scores)
    return {"results": [[[c.label, c.score] for c in item.classes] for item in result.classifications]}


def _regress(servable, request, budget, options):
    serialized = examples.serialize_json(request, budget)
    _, values = inference.regress(
        servable, request.get("signature_name"), serialized, options.method_name_check
    )
    return {"results": values.tolist()}
