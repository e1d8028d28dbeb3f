"""TF Serving's REST API, independent of the HTTP transport: (method, path, body) -> (code, JSON).

GET  /v1/models/{name}[/versions/{v} | /labels/{l}]            model status
GET  /v1/models/{name}[/versions/{v} | /labels/{l}]/metadata   signatures
POST /v1/models/{name}[/versions/{v} | /labels/{l}]:predict    {"instances": [...]} or {"inputs": ...}
POST /v1/models/{name}[/versions/{v} | /labels/{l}]:classify   {"examples": [...], "context": {...}}
POST /v1/models/{name}[/versions/{v} | /labels/{l}]:regress    same
Errors: {"error": "..."} with TF Serving's HTTP code for the status.
"""

import re
import urllib.parse

from serving import errors, examples, inference, limits, predict_json, responses

_PATH = re.compile(
    r"^/v1/models/(?P<name>[^/:]+)"
    r"(?:/versions/(?P<version>\d+)|/labels/(?P<label>[^/:]+))?"
    r"(?::(?P<method>predict|classify|regress)|(?P<metadata>/metadata))?/?$"
)


def error_body(error):
    return error.http_status, {"error": error.message}


class RestApi:
    def __init__(self, manager, request_limits=limits.RequestLimits()):
        self._manager, self._limits = manager, request_limits

    def handle(self, method, path, body):
        """-> (HTTP status code, JSON-ready dict)."""
        try:
            return 200, self._dispatch(method, path, body)
        except errors.ServingError as e:
            return error_body(e)
        except Exception as e:  # noqa: BLE001 -- a bug must not drop the connection
            return error_body(errors.from_exception(e))

    def _dispatch(self, method, path, body):
        match = _PATH.match(urllib.parse.urlsplit(path).path)
        if not match:
            raise errors.not_found(f"Malformed request: {method} {path}")
        name = urllib.parse.unquote(match["name"])
        version = int(match["version"]) if match["version"] else None
        label = urllib.parse.unquote(match["label"]) if match["label"] else None
        if match["method"]:
            if method != "POST":
                raise errors.not_found(f"Malformed request: {method} {path} (:{match['method']} needs POST)")
            request = _parse_body(body, self._limits)
            servable = self._manager.servable(name, version, label)
            handler = {"predict": _predict, "classify": _classify, "regress": _regress}[match["method"]]
            return handler(servable, request, limits.Budget(self._limits))
        if method != "GET":
            raise errors.not_found(f"Malformed request: {method} {path} (status and metadata need GET)")
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


def _predict(servable, request, budget):
    signature = servable.signature(request.get("signature_name"))
    inputs, row_format = predict_json.parse_request(signature.inputs, request)
    for key, value in inputs.items():
        if hasattr(value, "dtype"):
            budget.take_array(f"input {key!r}", value)
    _, outputs = inference.predict(servable, signature.name, inputs)
    return predict_json.format_response(outputs, row_format)


def _classify(servable, request, budget):
    serialized = examples.serialize_json(request, budget)
    _, classes, scores = inference.classify(servable, request.get("signature_name"), serialized)
    result = inference.classification_result(classes, scores)
    return {"results": [[[c.label, c.score] for c in item.classes] for item in result.classifications]}


def _regress(servable, request, budget):
    serialized = examples.serialize_json(request, budget)
    _, values = inference.regress(servable, request.get("signature_name"), serialized)
    return {"results": values.tolist()}
