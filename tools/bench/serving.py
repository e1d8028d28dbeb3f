"""Serving latency and throughput: in-process signature call vs REST vs gRPC, with and without batching.

    .venv/bin/python -m tools.bench.serving [--model-dir DIR] [--clients 1,4] [--batch-sizes 1,32]
        [--max-requests 1000] [--max-seconds 4] [--json-out FILE]

DIR is a pushed LeNet-5 version (default: the newest under runs/image_classification/). Each cell
sends `predict_images` requests of B images from N concurrent client threads (each with its own
keep-alive connection / channel) and reports p50 / p99 latency per request and requests/s. A cell
stops after --max-requests requests or --max-seconds, whichever comes first. `dlsuite serve` runs in
its own process on 127.0.0.1 (started twice: plain, then with --enable-batching); nothing leaves
loopback. Prints a Markdown table for BENCHMARKS.md.
"""

import argparse
import glob
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODEL = "lenet5"
SIGNATURE = "predict_images"
WARMUP_REQUESTS = 20
BATCHING_FLAGS = ["--enable-batching", "--max-batch-size", "32", "--batch-timeout-micros", "1000"]
_READY = re.compile(r"ready rest_port=(\d+) grpc_port=(\d+)")


def newest_pushed_model():
    found = sorted(glob.glob(os.path.join(ROOT, "runs", "image_classification", "*", "serving", MODEL, "*")))
    found = [p for p in found if os.path.exists(os.path.join(p, "saved_model.pb"))]
    if not found:
        sys.exit(
            "bench: no pushed model under runs/image_classification/: run `make demo` (or `dlsuite run "
            "image_classification`) first, or pass --model-dir DIR."
        )
    return max(found, key=os.path.getmtime)


def measure(make_call, clients, max_requests, max_seconds):
    """Runs `clients` threads, each with its own `make_call()` -> (call, close); returns the stats."""
    latencies, lock, errors = [], threading.Lock(), []
    budget = [max_requests]
    ready = threading.Barrier(clients + 1)
    deadline = [0.0]

    def worker():
        call, close = make_call()
        mine = []
        try:
            for _ in range(WARMUP_REQUESTS):
                call()
        except Exception as e:  # noqa: BLE001 -- reported below
            errors.append(repr(e))
        ready.wait()
        try:
            while time.monotonic() < deadline[0]:
                with lock:
                    if budget[0] <= 0:
                        break
                    budget[0] -= 1
                started = time.perf_counter()
                call()
                mine.append(time.perf_counter() - started)
        except Exception as e:  # noqa: BLE001
            errors.append(repr(e))
        finally:
            close()
            with lock:
                latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for thread in threads:
        thread.start()
    deadline[0] = time.monotonic() + 3600
    ready.wait()
    deadline[0] = time.monotonic() + max_seconds
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise RuntimeError(f"requests failed: {errors[:3]}")
    ms = np.array(latencies) * 1000.0
    return {
        "requests": len(ms),
        "p50_ms": float(np.percentile(ms, 50)),
        "p99_ms": float(np.percentile(ms, 99)),
        "requests_per_s": len(ms) / elapsed,
    }


def in_process_call(model_dir, images):
    import tensorflow as tf

    signature = tf.saved_model.load(model_dir).signatures[SIGNATURE]

    def make_call():
        def call():
            return signature(images=tf.constant(images))["probabilities"].numpy()

        return call, lambda: None

    return make_call


def rest_call(port, images):
    from serving.rest_client import RestClient

    body = {"signature_name": SIGNATURE, "instances": images.tolist()}

    def make_call():
        client = RestClient(f"127.0.0.1:{port}")
        return (lambda: client.predict(MODEL, body)), client.close

    return make_call


def grpc_call(port, images):
    import grpc
    import tensorflow as tf
    from tensorflow_serving.apis import predict_pb2, prediction_service_pb2_grpc

    request = predict_pb2.PredictRequest()
    request.model_spec.name = MODEL
    request.model_spec.signature_name = SIGNATURE
    request.inputs["images"].CopyFrom(tf.make_tensor_proto(images))

    def make_call():
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)

        def call():
            return tf.make_ndarray(stub.Predict(request, timeout=30).outputs["probabilities"])

        return call, channel.close

    return make_call


class Server:
    """`dlsuite serve` on loopback, free ports, in its own process."""

    def __init__(self, base_path, extra_flags, log):
        command = [sys.executable, "-m", "tools.cli", "serve", "--model-base-path", base_path]
        command += ["--rest-port", "0", "--grpc-port", "0", *extra_flags]
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=log, text=True
        )
        timer = threading.Timer(180, self.proc.kill)  # bounded start-up
        timer.start()
        for line in self.proc.stdout:
            if match := _READY.search(line):
                self.rest_port, self.grpc_port = int(match[1]), int(match[2])
                break
        timer.cancel()
        if self.proc.poll() is not None:
            raise RuntimeError(f"dlsuite serve exited with {self.proc.returncode}; see {log.name}")
        threading.Thread(target=self.proc.stdout.read, daemon=True).start()

    def stop(self):
        self.proc.terminate()
        self.proc.wait(60)


def _ints(text):
    return [int(v) for v in text.split(",")]


def run(args):
    model_dir = os.path.abspath(args.model_dir or newest_pushed_model())
    rng = np.random.default_rng(0)
    batches = {b: rng.integers(0, 256, (b, 28, 28)).astype(np.float32) for b in args.batch_sizes}
    results = []

    def cell(path, batching, batch, clients, make_call):
        stats = measure(make_call, clients, args.max_requests, args.max_seconds)
        results.append({"path": path, "batching": batching, "batch": batch, "clients": clients, **stats})
        line = (
            f"  {path:10s} batching={batching:3s} batch={batch:<3d} clients={clients}: "
            f"p50 {stats['p50_ms']:.2f} ms, p99 {stats['p99_ms']:.2f} ms, "
            f"{stats['requests_per_s']:.0f} req/s ({stats['requests']} requests)"
        )
        print(line, file=sys.stderr, flush=True)

    print(f"bench: model {model_dir}", file=sys.stderr)
    for batch in args.batch_sizes:
        for clients in args.clients:
            cell("in-process", "-", batch, clients, in_process_call(model_dir, batches[batch]))
    with tempfile.TemporaryDirectory() as tmp:
        os.makedirs(os.path.join(tmp, MODEL))
        os.symlink(model_dir, os.path.join(tmp, MODEL, "1"))
        for batching, flags in (("off", []), ("on", BATCHING_FLAGS)):
            with open(os.path.join(tmp, f"serve-{batching}.log"), "w") as log:
                threads = ["--tensorflow-intra-op-parallelism", str(args.intra_op_threads)]
                server = Server(os.path.join(tmp, MODEL), flags + threads, log)
                try:
                    for batch in args.batch_sizes:
                        for clients in args.clients:
                            cell(
                                "REST", batching, batch, clients, rest_call(server.rest_port, batches[batch])
                            )
                            cell(
                                "gRPC", batching, batch, clients, grpc_call(server.grpc_port, batches[batch])
                            )
                finally:
                    server.stop()
    return model_dir, results


def markdown(results):
    lines = [
        "| path | server batching | batch | clients | p50 ms | p99 ms | requests/s | images/s |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['path']} | {r['batching']} | {r['batch']} | {r['clients']} | {r['p50_ms']:.2f} | "
            f"{r['p99_ms']:.2f} | {r['requests_per_s']:.0f} | {r['requests_per_s'] * r['batch']:.0f} |"
        )
    base = {(r["batch"], r["clients"]): r["p50_ms"] for r in results if r["path"] == "in-process"}
    for r in results:
        if r["batch"] == 1 and r["clients"] == 1 and r["path"] != "in-process":
            overhead = r["p50_ms"] - base[(1, 1)]
            lines.append(
                f"\n{r['path']} (batching {r['batching']}) adds {overhead:+.2f} ms p50 at batch 1, 1 client."
            )
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model-dir", help="a pushed lenet5 version directory")
    parser.add_argument("--clients", type=_ints, default=[1, 4], help="concurrent clients, e.g. 1,4")
    parser.add_argument("--batch-sizes", type=_ints, default=[1, 32], help="images per request, e.g. 1,32")
    parser.add_argument("--max-requests", type=int, default=1000, help="per cell, after warmup")
    parser.add_argument("--max-seconds", type=float, default=4.0, help="per cell, after warmup")
    parser.add_argument(
        "--intra-op-threads",
        type=int,
        default=0,
        help="TensorFlow intra-op threads, in this process and the server's (0: TensorFlow's default)",
    )
    parser.add_argument("--json-out", help="also write the results as JSON")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(args.intra_op_threads)
    model_dir, results = run(args)
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump({"model_dir": model_dir, "args": vars(args), "results": results}, f, indent=2)
    print(markdown(results))


if __name__ == "__main__":
    main()
