"""REST transport: `dlsuite serve`'s http.server (a thread per connection) vs uvicorn (ASGI, asyncio).

    .venv/bin/python -m tools.bench.serving_transport [--idle 2000] [--slow 200] [--seconds 4]

Both serve the same RestApi (serving/rest_api.py) on TF Serving's half_plus_two (tools/half_plus_two.py,
the TF2 export), each in its own process on 127.0.0.1; uvicorn hands each request to a pool of 16
threads (the model call blocks), as the gRPC server does. Measured per transport:

- idle flood: --idle connections opened and left silent; the server's threads and RSS, and the p50
  latency of a request on a fresh connection meanwhile;
- slow clients: --slow connections each sending one header byte per second; the same p50;
- throughput: batch-1 predict over keep-alive connections from 1 and 8 client threads, p50 and req/s.

Needs `uvicorn` and `httptools` (not in constraints.txt: pip install them to run this).
"""

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np

BODY = json.dumps({"instances": [[2.0]]}).encode()
PATH = "/v1/models/default:predict"


def serve(kind, model_base, port):
    from serving import config, limits, model_manager, rest_api, warmup

    manager = model_manager.ModelManager(
        config.single_model_config(model_base, "default"), load=warmup.load_servable, poll_seconds=0
    )
    manager.start()
    api = rest_api.RestApi(manager, limits.RequestLimits())
    if kind == "threads":
        from serving.http_server import RestServer

        server = RestServer(api, "127.0.0.1", port, 64 << 20)
        print("ready", flush=True)
        server.serve_forever()
        return
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    import uvicorn

    pool = ThreadPoolExecutor(16)

    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        body, more = b"", True
        while more:
            message = await receive()
            body, more = body + message.get("body", b""), message.get("more_body", False)
        path = scope["path"] + (("?" + scope["query_string"].decode()) if scope["query_string"] else "")
        loop = asyncio.get_running_loop()
        code, payload = await loop.run_in_executor(pool, api.handle, scope["method"], path, body)
        data = json.dumps(payload).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
        await send({"type": "http.response.start", "status": code, "headers": headers})
        await send({"type": "http.response.body", "body": data})

    config_ = uvicorn.Config(
        app, host="127.0.0.1", port=port, http="httptools", log_level="warning", timeout_keep_alive=120,
        backlog=4096, lifespan="off",
    )  # fmt: skip
    print("ready", flush=True)
    uvicorn.Server(config_).run()


def _proc_stats(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return int(fields["Threads"]), int(fields["VmRSS"].split()[0]) / 1024


def _request_ms(port, connection=None):
    conn = connection or http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    started = time.perf_counter()
    conn.request("POST", PATH, BODY, {"Content-Type": "application/json"})
    response = conn.getresponse()
    assert response.status == 200, response.read()
    response.read()
    elapsed = (time.perf_counter() - started) * 1e3
    if connection is None:
        conn.close()
    return elapsed


def _p50_fresh(port, n=20):
    return float(np.median([_request_ms(port) for _ in range(n)]))


def _throughput(port, clients, seconds):
    latencies, stop = [], time.monotonic() + seconds

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while time.monotonic() < stop:
            latencies.append(_request_ms(port, conn))
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return float(np.median(latencies)), len(latencies) / seconds


def measure(kind, model_base, args):
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tools.bench.serving_transport", "--serve", kind, "--model-base", model_base,
         "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        proc.stdout.readline()
        _wait_port(port)
        result = {"transport": kind, "baseline_threads_rss": _proc_stats(proc.pid)}
        result["baseline_p50_ms"] = _p50_fresh(port)
        idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(args.idle)]
        time.sleep(1.0)
        result["idle_threads_rss"] = _proc_stats(proc.pid)
        result["idle_p50_ms"] = _p50_fresh(port)
        for s in idle:
            s.close()
        time.sleep(1.0)
        slow = [socket.create_connection(("127.0.0.1", port)) for _ in range(args.slow)]
        request = f"POST {PATH} HTTP/1.1\r\nHost: x\r\n".encode()
        for i in range(3):  # three bytes each, one per second
            for s in slow:
                s.send(request[i : i + 1])
            time.sleep(1.0)
        result["slow_threads_rss"] = _proc_stats(proc.pid)
        result["slow_p50_ms"] = _p50_fresh(port)
        for s in slow:
            s.close()
        for clients in (1, 8):
            result[f"keepalive_{clients}_clients_p50_ms_rps"] = _throughput(port, clients, args.seconds)
        return result
    finally:
        proc.terminate()
        proc.wait(30)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            _request_ms(port)
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"no server on port {port}")


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--serve", choices=["threads", "uvicorn"], help=argparse.SUPPRESS)
    parser.add_argument("--model-base", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--idle", type=int, default=2000)
    parser.add_argument("--slow", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--json-out")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if args.serve:
        return serve(args.serve, args.model_base, args.port)
    from tools import half_plus_two

    with tempfile.TemporaryDirectory() as tmp:
        model_base = str(half_plus_two.write_all(tmp, ["tf2"])["tf2"])
        results = [measure(kind, model_base, args) for kind in ("threads", "uvicorn")]
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump(results, f, indent=2)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
