"""The REST API's HTTP/1.1 transport: keep-alive, a request body limit, graceful shutdown."""

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

log = logging.getLogger(__name__)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: one connection serves many requests
    disable_nagle_algorithm = True  # small JSON replies go out at once
    server_version = "dlsuite-serving"

    timeout = 120  # seconds a connection may sit idle or stall mid-request

    def do_GET(self):  # noqa: N802 (http.server naming)
        self._read_body_then_serve()

    def do_POST(self):  # noqa: N802
        self._read_body_then_serve()

    def _read_body_then_serve(self):
        length = self.headers.get("Content-Length")
        if length is None:
            if self.headers.get("Transfer-Encoding"):
                self.close_connection = True
                return self._reply(
                    411, {"error": "Send the body with a Content-Length (no chunked encoding)."}
                )
            length = "0"
        try:
            length = int(length)
            if length < 0:
                raise ValueError(length)
        except ValueError:
            self.close_connection = True
            return self._reply(400, {"error": f"Bad Content-Length {length!r}."})
        limit = self.server.max_body_bytes
        if length > limit:
            self.close_connection = True  # the unread body must not be taken for the next request
            return self._reply(
                413,
                {
                    "error": f"Request body of {length} bytes is larger than the limit of {limit} bytes; "
                    "send fewer instances per request, or raise --max-body-bytes."
                },
            )
        self._serve(self.rfile.read(length))

    def _serve(self, body):
        with self.server.tracker:
            code, payload = self.server.api.handle(self.command, self.path, body)
            self._reply(code, payload)

    def _reply(self, code, payload):
        data = json.dumps(payload).encode("utf-8")
        head = (
            f"HTTP/1.1 {code} {self.responses.get(code, ('',))[0]}\r\n"
            "Content-Type: application/json\r\n"
            f"Content-Length: {len(data)}\r\n"
            + ("Connection: close\r\n" if self.close_connection else "")
            + "\r\n"
        ).encode("latin-1")
        self.wfile.write(head + data)  # one write: header and body in one segment
        self.log_request(code, len(data))

    def log_message(self, format, *args):  # noqa: A002 -- http.server's signature
        log.debug("%s " + format, self.address_string(), *args)


class _InFlight:
    """Counts requests being answered, so shutdown can wait for them."""

    def __init__(self):
        self._cond = threading.Condition()
        self.count = 0

    def __enter__(self):
        with self._cond:
            self.count += 1

    def __exit__(self, *exc):
        with self._cond:
            self.count -= 1
            self._cond.notify_all()

    def wait_idle(self, timeout):
        with self._cond:
            return self._cond.wait_for(lambda: self.count == 0, timeout)


class RestServer(ThreadingHTTPServer):
    """Serves `api` (a RestApi) on (host, port); port 0 picks a free one (see `.port`)."""

    daemon_threads = True  # idle keep-alive connections must not block exit
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, api, host, port, max_body_bytes):
        self.api, self.max_body_bytes = api, max_body_bytes
        self.tracker = _InFlight()
        super().__init__((host, port), _Handler)
        self._thread = None

    @property
    def port(self):
        return self.server_address[1]

    def start(self):
        self._thread = threading.Thread(target=self.serve_forever, name="rest", daemon=True)
        self._thread.start()

    def stop(self, grace_seconds):
        """Stops accepting, lets requests in flight finish (up to `grace_seconds`), closes."""
        self.shutdown()
        self.tracker.wait_idle(grace_seconds)
        self.server_close()
