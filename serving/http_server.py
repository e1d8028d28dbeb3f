"""The REST API's HTTP/1.1 transport: keep-alive, strict framing, a body limit, graceful shutdown.

Framing is read the one way a proxy in front would read it: exactly one Content-Length of plain
decimal digits and a body of exactly that many bytes; Transfer-Encoding is refused (411 alone, 400
with a Content-Length: request smuggling). Any framing error answers 400 and closes the connection.
Every reply, errors from http.server's own parser included, is JSON (`{"error": ...}`).
"""

import json
import logging
import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

log = logging.getLogger(__name__)

_DIGITS = re.compile(r"[0-9]{1,19}")
LINGER_SECONDS, LINGER_BYTES = 1.0, 4 * 1024 * 1024
_HINTS = {  # what to do, for the errors http.server's own parser answers
    400: "send an HTTP/1.1 request line: METHOD /path HTTP/1.1",
    414: "the request line is longer than 65,536 bytes; send data in the body",
    431: "send at most 100 headers, each under 65,536 bytes",
    501: "the API takes GET (status, metadata) and POST (predict, classify, regress)",
}


class _FramingError(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code, self.message = code, message


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: one connection serves many requests
    disable_nagle_algorithm = True  # small JSON replies go out at once
    server_version = "dlsuite-serving"

    timeout = 120  # seconds a connection may sit idle or stall mid-request
    _unread = False  # a refused request's bytes may still be arriving: linger before closing

    def do_GET(self):  # noqa: N802 (http.server naming)
        self._read_body_then_serve()

    def do_POST(self):  # noqa: N802
        self._read_body_then_serve()

    def _content_length(self):
        lengths = self.headers.get_all("Content-Length") or []
        if self.headers.get_all("Transfer-Encoding"):
            if lengths:
                raise _FramingError(400, "Send either Content-Length or Transfer-Encoding, not both.")
            raise _FramingError(411, "Send the body with a Content-Length (no chunked encoding).")
        if len(lengths) > 1:
            raise _FramingError(400, f"Send one Content-Length header, not {len(lengths)}.")
        if not lengths:
            return 0
        if not _DIGITS.fullmatch(lengths[0].strip()):
            raise _FramingError(400, f"Bad Content-Length {lengths[0]!r}: send decimal digits only.")
        length, limit = int(lengths[0]), self.server.max_body_bytes
        if length > limit:
            raise _FramingError(
                413,
                f"Request body of {length} bytes is larger than the limit of {limit} bytes; "
                "send fewer instances per request, or raise --max-body-bytes.",
            )
        return length

    def _read_body_then_serve(self):
        with self.server.tracker:  # counted from here: shutdown waits for it
            if self.server.tracker.stopping:
                self.close_connection = self._unread = True
                return self._reply(503, {"error": "The server is shutting down; retry on another replica."})
            try:
                length = self._content_length()
                body = self.rfile.read(length)
                if len(body) != length:
                    raise _FramingError(
                        400, f"The body ended after {len(body)} of its Content-Length {length} bytes."
                    )
            except _FramingError as e:
                self.close_connection = self._unread = True  # the rest must not be taken for a request
                return self._reply(e.code, {"error": e.message})
            code, payload = self.server.api.handle(self.command, self.path, body)
            self._reply(code, payload)

    def send_error(self, code, message=None, explain=None):
        """http.server's own errors (414, 431, 501, bad request lines), as JSON; closes."""
        self.close_connection = self._unread = True
        text = message or self.responses.get(code, ("Error",))[0]
        for more in (explain, _HINTS.get(code)):
            text += f"; {more}" if more else ""
        self._reply(code, {"error": text})

    def _reply(self, code, payload):
        if self.server.tracker.stopping:
            self.close_connection = True  # no next request on this connection
        content_type = getattr(payload, "content_type", None)  # rest_api.TextReply: not JSON
        data = payload.data if content_type else json.dumps(payload).encode("utf-8")
        head = (
            f"HTTP/1.1 {code} {self.responses.get(code, ('',))[0]}\r\n"
            f"Content-Type: {content_type or 'application/json'}\r\n"
            f"Content-Length: {len(data)}\r\n"
            + ("Connection: close\r\n" if self.close_connection else "")
            + "\r\n"
        ).encode("latin-1")
        self.wfile.write(head + data)  # one write: header and body in one segment
        self.log_request(code, len(data))

    def finish(self):
        super().finish()
        if self._unread:
            self._linger()

    def _linger(self):
        """Closing with unread input makes the kernel send a reset, which can destroy the error reply
        before the client reads it: send FIN, then read and drop input for a moment first."""
        deadline, dropped = time.monotonic() + LINGER_SECONDS, 0
        try:
            self.connection.shutdown(socket.SHUT_WR)
            while dropped < LINGER_BYTES and (left := deadline - time.monotonic()) > 0:
                self.connection.settimeout(left)
                data = self.connection.recv(65536)
                if not data:
                    break
                dropped += len(data)
        except OSError:
            pass

    def log_message(self, format, *args):  # noqa: A002 -- http.server's signature
        log.debug("%s " + format, self.address_string(), *args)


class _InFlight:
    """Counts requests being answered, so shutdown can wait for them.

    A request is counted before it looks at `stopping`: one counted after `stop()` sees it set.
    """

    def __init__(self):
        self._cond = threading.Condition()
        self.count = 0
        self.stopping = False

    def stop(self):
        with self._cond:
            self.stopping = True

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

    def stop_accepting(self):
        """New connections are refused; new requests on open ones get 503 and `Connection: close`."""
        self.tracker.stop()
        if self._thread is not None:
            self.shutdown()
        self.socket.setblocking(False)
        while True:  # connections already in the listen backlog get their 503, not a reset
            try:
                request, address = self.socket.accept()
            except OSError:
                break
            self.process_request(request, address)
        self.server_close()

    def wait_idle(self, timeout):
        """True once no request is in flight (False if `timeout` seconds passed first)."""
        return self.tracker.wait_idle(timeout)
