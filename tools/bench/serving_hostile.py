"""Hostile requests against `dlsuite serve`: each one's answer and how much the server's memory grew.

    .venv/bin/python -m tools.bench.serving_hostile [--model-dir DIR] [--json-out FILE] [-- FLAGS...]

DIR is a pushed LeNet-5 version (default: the newest under runs/image_classification/). `dlsuite
serve` runs on 127.0.0.1 in its own process with default flags (plus FLAGS). For each request the
server's peak RSS is reset (/proc/PID/clear_refs), the request is sent, and the growth of VmHWM
(peak) and VmRSS (after) over VmRSS before is reported, with the answer and the time taken. Ends
with two requests the server accepts: the largest batches the default limits let through, over gRPC
and REST. Prints a Markdown table for BENCHMARKS.md. Tiny requests (a few hundred bytes) asking for
gigabytes, framing tricks and deep JSON: nothing leaves loopback.
"""

import argparse
import http.client
import json
import os
import socket
import sys
import tempfile
import time

import numpy as np

from tools.bench.serving import MODEL, Server, newest_pushed_model

MIB = 1024 * 1024


# --- requests: gRPC ---


def tensor_request(shape, dtype="float32", signature="predict_images", key="images", strings=()):
    """A PredictRequest whose tensor declares `shape` but carries at most the given strings."""
    import tensorflow as tf
    from tensorflow_serving.apis import predict_pb2

    request = predict_pb2.PredictRequest()
    request.model_spec.name, request.model_spec.signature_name = MODEL, signature
    tensor = request.inputs[key]
    tensor.dtype = tf.as_dtype(dtype).as_datatype_enum
    for size in shape:
        tensor.tensor_shape.dim.add(size=size)
    tensor.string_val.extend(strings)
    return request


def grpc_call(target, method, request, timeout=120):
    """Sends a request (a message or serialized bytes); -> ("OK" | status name, details)."""
    import grpc

    payload = request if isinstance(request, bytes) else request.SerializeToString()
    with grpc.insecure_channel(target, options=[("grpc.max_send_message_length", 2**31 - 1)]) as channel:
        call = channel.unary_unary(
            f"/tensorflow.serving.PredictionService/{method}",
            request_serializer=lambda b: b,
            response_deserializer=lambda b: b,
        )
        try:
            call(payload, timeout=timeout)
            return "OK", ""
        except grpc.RpcError as e:
            return e.code().name, e.details()


def _field(number, payload):
    """A length-delimited protobuf field (wire type 2), built by hand for huge repeated fields."""
    key, size = bytearray(), bytearray()
    for value, out in (((number << 3) | 2, key), (len(payload), size)):
        while value > 0x7F:
            out.append(value & 0x7F | 0x80)
            value >>= 7
        out.append(value)
    return bytes(key) + bytes(size) + payload


def empty_strings_request(count):
    """A PredictRequest for serving_default whose tensor holds `count` empty strings (2 bytes each)."""
    head = tensor_request([count], "string", "serving_default", "examples")
    tensor = head.inputs["examples"].SerializeToString() + b"\x42\x00" * count  # string_val = 8
    entry = _field(1, b"examples") + _field(2, tensor)  # map<string, TensorProto> inputs = 2
    head.ClearField("inputs")
    return head.SerializeToString() + _field(2, entry)


def empty_examples_request(count):
    """A ClassificationRequest with `count` empty tf.Examples (2 bytes each)."""
    from tensorflow_serving.apis import classification_pb2

    head = classification_pb2.ClassificationRequest()
    head.model_spec.name, head.model_spec.signature_name = MODEL, "classify"
    example_list = _field(1, b"\x0a\x00" * count)  # Input.example_list = 1, ExampleList.examples = 1
    return head.SerializeToString() + _field(2, example_list)


# --- requests: HTTP ---


def raw_http(port, data, half_close=False, timeout=60, wait_close=5.0):
    """Sends raw bytes; -> (status, headers, body, closed).

    closed: the server ended the connection within `wait_close` seconds of its reply (None: not
    waited for, when `wait_close` is 0).
    """
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        try:
            sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered early and closed: its answer may still be readable
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        response = http.client.HTTPResponse(sock)
        response.begin()
        body = response.read()
        closed = None
        if wait_close:
            sock.settimeout(wait_close)
            try:
                closed = sock.recv(1) == b""
            except TimeoutError:
                closed = False
            except ConnectionResetError:
                closed = True
        return response.status, dict(response.getheaders()), body, closed


def http_request(method, path, body=b"", headers=()):
    head = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", *headers]
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


PREDICT_PATH = f"/v1/models/{MODEL}:predict"
CLASSIFY_PATH = f"/v1/models/{MODEL}:classify"


def post(path, body, length=None):
    return http_request("POST", path, body, [f"Content-Length: {len(body) if length is None else length}"])


def classify_context_body(examples=40_000, context_values=60_000):
    """The issue's 360 KB body: a context of 60,000 floats merged into 40,000 empty examples."""
    context = {"image": [0.5] * context_values}
    return json.dumps(
        {"signature_name": "classify", "examples": [{}] * examples, "context": context}
    ).encode()


def deep_json(levels):
    return b'{"instances": ' + b"[" * levels + b"0" + b"]" * levels + b"}"


FRAMING = {  # name -> (request bytes, half-close after sending)
    "Content-Length 100, 10 bytes sent, half-close": (post(PREDICT_PATH, b'{"instances"', 100), True),
    "Transfer-Encoding chunked + Content-Length": (
        http_request("POST", PREDICT_PATH, b"0\r\n\r\n", ["Content-Length: 5", "Transfer-Encoding: chunked"]),
        False,
    ),
    "Content-Length: +4035": (post(PREDICT_PATH, b"{}" * 2017 + b"1", "+4035"), False),
    "two Content-Lengths (2, 4)": (
        http_request("POST", PREDICT_PATH, b"{}{}", ["Content-Length: 2", "Content-Length: 4"]),
        False,
    ),
    "URI of 65,537 bytes (414)": (b"GET /" + b"a" * 65532, False),
    "101 headers (431)": (
        b"GET /v1/models/lenet5 HTTP/1.1\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(101)),
        False,
    ),
    "PUT (501)": (http_request("PUT", f"/v1/models/{MODEL}"), False),
}


# --- measuring ---


def memory(pid):
    """(VmRSS, VmHWM) of a process, in bytes."""
    with open(f"/proc/{pid}/status") as f:
        fields = dict(line.split(":", 1) for line in f)
    return tuple(int(fields[k].split()[0]) * 1024 for k in ("VmRSS", "VmHWM"))


def reset_peak(pid):
    with open(f"/proc/{pid}/clear_refs", "w") as f:
        f.write("5")  # VmHWM := VmRSS


def measured(pid, name, size, send):
    reset_peak(pid)
    before, _ = memory(pid)
    started = time.perf_counter()
    status, detail = send()
    seconds = time.perf_counter() - started
    after, peak = memory(pid)
    row = {
        "request": name,
        "bytes_sent": size,
        "answer": status,
        "detail": detail[:160],
        "seconds": seconds,
        "rss_before_mb": before / MIB,
        "peak_growth_mb": (peak - before) / MIB,
        "rss_growth_mb": (after - before) / MIB,
    }
    print(f"  {name}: {status} in {seconds:.2f} s, peak +{row['peak_growth_mb']:.0f} MiB", file=sys.stderr)
    return row


def _http_answer(port, data, half_close=False, framing=False):
    try:
        status, headers, body, closed = raw_http(port, data, half_close, wait_close=5.0 if framing else 0)
    except OSError as e:
        return f"connection error ({type(e).__name__})", ""
    try:
        detail = json.loads(body)["error"] if status != 200 else ""
    except (ValueError, KeyError, TypeError):
        detail = f"not JSON: {body[:60]!r}"
    return f"{status}{' (closed)' if closed else ''}", detail


def cases(server):
    """(name, bytes sent, send) for every hostile request, then the two largest accepted ones."""
    grpc_target, rest = f"127.0.0.1:{server.grpc_port}", server.rest_port
    for shape in ([100_000, 28, 28], [300_000, 28, 28], [2**40]):
        request = tensor_request(shape)
        yield (
            f"gRPC Predict float {shape}, no values",
            request.ByteSize(),
            (lambda r=request: grpc_call(grpc_target, "Predict", r)),
        )
    request = tensor_request([1_000_000], "string", "serving_default", "examples", [b"x" * 40])
    yield (
        "gRPC Predict string [1000000], one 40-byte value",
        request.ByteSize(),
        (lambda: grpc_call(grpc_target, "Predict", request)),
    )
    body = classify_context_body()
    yield (
        "REST classify: context x 40,000 empty examples",
        len(body),
        (lambda: _http_answer(rest, post(CLASSIFY_PATH, body))),
    )
    for levels in (990, 100_000):
        body = deep_json(levels)
        yield (
            f"REST JSON nested {levels:,} deep",
            len(body),
            (lambda b=body: _http_answer(rest, post(PREDICT_PATH, b))),
        )
    body = b'{"instances": [' + b"{}," * 4_190_000 + b"{}]}"
    yield (
        "REST JSON of 4,190,001 empty objects",
        len(body),
        (lambda: _http_answer(rest, post(PREDICT_PATH, body))),
    )
    for name, (data, half_close) in FRAMING.items():
        yield f"HTTP {name}", len(data), (lambda d=data, h=half_close: _http_answer(rest, d, h, True))
    yield from largest_accepted(server)


def floods(flags):
    """Messages just under --max-body-bytes made of 2-byte empty entries: protobuf parses a gRPC
    message whole before any check can look at it, so these show what the message limit allows."""
    limit = int(flags[flags.index("--max-body-bytes") + 1]) if "--max-body-bytes" in flags else 64 * MIB
    count = (limit - 100) // 2
    return {
        f"gRPC Predict {count:,} empty strings": (lambda: empty_strings_request(count), "Predict"),
        f"gRPC Classify {count:,} empty Examples": (lambda: empty_examples_request(count), "Classify"),
    }


def largest_accepted(server):
    import tensorflow as tf

    images = np.random.default_rng(0).integers(0, 256, (5_349, 28, 28)).astype(np.float32)
    request = tensor_request([])
    request.inputs["images"].CopyFrom(tf.make_tensor_proto(images))
    yield (
        "accepted: gRPC Predict 5,349 images (4,193,616 floats)",
        request.ByteSize(),
        (lambda: grpc_call(f"127.0.0.1:{server.grpc_port}", "Predict", request)),
    )
    body = json.dumps({"signature_name": "predict_images", "instances": images[:5_000].tolist()}).encode()
    yield (
        "accepted: REST predict 5,000 images (JSON)",
        len(body),
        (lambda: _http_answer(server.rest_port, post(PREDICT_PATH, body))),
    )


def on_fresh_server(base_path, flags, tmp, make_cases):
    rows = []
    with open(os.path.join(tmp, "serve.log"), "a") as log:
        server = Server(base_path, flags, log)
        try:
            pid = server.proc.pid
            print(f"bench: dlsuite serve pid {pid}, RSS {memory(pid)[0] / MIB:.0f} MiB", file=sys.stderr)
            for name, size, send in make_cases(server):
                rows.append(measured(pid, name, size, send))
                if server.proc.poll() is not None:
                    raise RuntimeError(f"the server died (exit {server.proc.returncode}) on {name!r}")
        finally:
            server.stop()
    return rows


def markdown(rows):
    lines = [
        "| request | bytes sent | answer | s | peak RSS growth MiB | RSS growth after MiB |",
        "|---|---:|---|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['request']} | {r['bytes_sent']:,} | {r['answer']} | {r['seconds']:.2f} | "
            f"{r['peak_growth_mb']:.0f} | {r['rss_growth_mb']:.0f} |"
        )
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model-dir", help="a pushed lenet5 version directory")
    parser.add_argument("--json-out", help="also write the results as JSON")
    parser.add_argument("flags", nargs="*", help="extra `dlsuite serve` flags (after --)")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    model_dir = os.path.abspath(args.model_dir or newest_pushed_model())
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        os.makedirs(os.path.join(tmp, MODEL))
        os.symlink(model_dir, os.path.join(tmp, MODEL, "1"))
        base = os.path.join(tmp, MODEL)
        rows += on_fresh_server(base, args.flags, tmp, cases)
        # Last, each on a fresh server: memory a process has freed stays in its RSS and would hide
        # the next request's growth.
        for name, (build, method) in floods(args.flags).items():
            payload = build()

            def flood(server, name=name, payload=payload, method=method):
                target = f"127.0.0.1:{server.grpc_port}"
                yield name, len(payload), lambda: grpc_call(target, method, payload)

            rows += on_fresh_server(base, args.flags, tmp, flood)
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump({"model_dir": model_dir, "flags": args.flags, "results": rows}, f, indent=2)
    print(markdown(rows))


if __name__ == "__main__":
    main()
