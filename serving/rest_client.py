"""A client of TF Serving's REST API (this server's or real TF Serving's); stdlib only, no TensorFlow."""

import http.client
import json
import urllib.parse


class ServingClientError(Exception):
    """The server answered with an error: `code` (HTTP status or gRPC status name) and its message."""

    def __init__(self, code, message):
        super().__init__(f"{code}: {message}")
        self.code, self.message = code, message


def _split_target(target, default_port):
    host, _, port = target.rpartition(":") if ":" in target else (target, "", str(default_port))
    return host or "127.0.0.1", int(port)


def model_path(model, version=None, label=None):
    path = f"/v1/models/{urllib.parse.quote(model, safe='')}"
    if version is not None:
        path += f"/versions/{int(version)}"
    elif label:
        path += f"/labels/{urllib.parse.quote(label, safe='')}"
    return path


class RestClient:
    """HTTP/1.1 keep-alive client (one connection; use one client per thread)."""

    def __init__(self, target="127.0.0.1:8501", timeout=30.0):
        self.host, self.port = _split_target(target.removeprefix("http://"), 8501)
        self._timeout = timeout
        self._conn = None

    def request(self, method, path, body=None):
        data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        headers = {"Content-Type": "application/json"} if data is not None else {}
        for attempt in range(2):  # a kept-alive connection the server closed is retried once
            if self._conn is None:
                self._conn = http.client.HTTPConnection(self.host, self.port, timeout=self._timeout)
            try:
                self._conn.request(method, path, body=data, headers=headers)
                response = self._conn.getresponse()
                payload = response.read()
                break
            except (ConnectionError, http.client.RemoteDisconnected, http.client.BadStatusLine):
                self.close()
                if attempt:
                    raise
        if response.getheader("Connection", "").lower() == "close":
            self.close()
        try:
            result = json.loads(payload)
        except json.JSONDecodeError:
            raise ServingClientError(response.status, payload[:200].decode("utf-8", "replace")) from None
        if response.status != 200:
            raise ServingClientError(response.status, result.get("error", payload[:200]))
        return result

    def status(self, model, version=None, label=None):
        return self.request("GET", model_path(model, version, label))

    def metadata(self, model, version=None, label=None):
        return self.request("GET", model_path(model, version, label) + "/metadata")

    def predict(self, model, body, version=None, label=None):
        return self.request("POST", model_path(model, version, label) + ":predict", body)

    def classify(self, model, body, version=None, label=None):
        return self.request("POST", model_path(model, version, label) + ":classify", body)

    def regress(self, model, body, version=None, label=None):
        return self.request("POST", model_path(model, version, label) + ":regress", body)

    def close(self):
        if self._conn is not None:
            self._conn.close()
            self._conn = None
