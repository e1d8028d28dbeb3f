"""Server-side cost of a batch-32 REST predict, JSON parsed by orjson vs the standard json module.

    .venv/bin/python -m tools.bench.serving_json --model-dir DIR [--batch 32] [--repeat 300]

DIR is a pushed LeNet-5 version (`predict_images`). Times RestApi.handle (parse, checks, the model
call, the response) in this process, no network, on the same body: once as the server runs it
(orjson first, json for what orjson refuses), once with orjson disabled (the json module only, as
before). Also times the parse alone. Prints p50 / p90 in ms.
"""

import argparse
import contextlib
import json
import os
import time
from unittest import mock

import numpy as np


def _times(fn, repeat):
    for _ in range(20):
        fn()
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1e3)
    return np.percentile(out, 50), np.percentile(out, 90)


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model-dir", required=True)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--repeat", type=int, default=300)
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import orjson

    from serving import config, limits, model_manager, rest_api, warmup

    base = os.path.dirname(os.path.abspath(args.model_dir))
    manager = model_manager.ModelManager(
        config.single_model_config(base, "lenet5"), load=warmup.load_servable, poll_seconds=0
    )
    manager.start()
    api = rest_api.RestApi(manager, limits.RequestLimits())
    images = np.random.default_rng(0).integers(0, 256, (args.batch, 28, 28)).astype(float)
    body = json.dumps({"signature_name": "predict_images", "instances": images.tolist()}).encode()
    assert api.handle("POST", "/v1/models/lenet5:predict", body)[0] == 200

    def refuse(_):
        raise orjson.JSONDecodeError("disabled", "", 0)

    rows = []
    for label, patch in (("orjson", None), ("json module", refuse)):
        with mock.patch.object(limits.orjson, "loads", patch) if patch else contextlib.nullcontext():
            parse = _times(lambda: limits.parse_json(body, limits.RequestLimits()), args.repeat)
            handle = _times(lambda: api.handle("POST", "/v1/models/lenet5:predict", body), args.repeat)
        rows.append((label, parse, handle))
    manager.stop()
    print(f"batch {args.batch}: body {len(body):,} bytes")
    print("| parser | parse p50 ms | parse p90 ms | RestApi.handle p50 ms | p90 ms |")
    print("|---|---:|---:|---:|---:|")
    for label, (p50, p90), (h50, h90) in rows:
        print(f"| {label} | {p50:.2f} | {p90:.2f} | {h50:.2f} | {h90:.2f} |")


if __name__ == "__main__":
    main()
