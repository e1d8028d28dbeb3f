"""ExampleGen, StatisticsGen and Transform seconds of the image pipeline on each local Beam engine.

    .venv/bin/python -m tools.bench.beam_engines [--data DIR] [--repeats 1]

Runs `dlsuite run image_classification --epochs 1` in fresh processes, one engine after the other in
one invocation: Beam's DirectRunner in memory (the default), with 2 worker processes
(`--beam-cluster local-processes:2`), and Beam's DaskRunner on a 2-worker LocalCluster
(`--beam-cluster local-dask:2`). Prints a Markdown table of the median seconds per component, or
the component and reason where an engine stopped.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

ENGINES = {
    "DirectRunner, in memory": [],
    "DirectRunner, 2 processes": ["--beam-cluster", "local-processes:2"],
    "DaskRunner, LocalCluster of 2": ["--beam-cluster", "local-dask:2"],
}
COMPONENTS = ("IdxExampleGen", "StatisticsGen", "Transform")


def run_once(data, engine_args, output_dir):
    command = [sys.executable, "-m", "tools.cli", "run", "image_classification", "--epochs", "1"]
    command += ["--output-dir", output_dir, *(["--data", data] if data else []), *engine_args]
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(os.path.join(output_dir, "summary.json")) as f:
        return json.load(f)


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", help="IDX folder (default: the pipeline's, Fashion-MNIST)")
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args(argv)

    print(f"| engine | {' | '.join(COMPONENTS)} | sum | accuracy |\n|---|{'---:|' * (len(COMPONENTS) + 2)}")
    with tempfile.TemporaryDirectory() as tmp:
        for name, engine_args in ENGINES.items():
            runs = [
                run_once(args.data, engine_args, os.path.join(tmp, f"{name}-{i}"))
                for i in range(args.repeats)
            ]
            if runs[0]["error"]:
                error = runs[0]["error"]
                print(f"| {name} | stopped at {error['component']}: {error['reason'][:160]} |")
                continue
            seconds = [statistics.median(r["component_seconds"][c] for r in runs) for c in COMPONENTS]
            accuracy = statistics.median(r["metrics"]["accuracy"] for r in runs)
            cells = " | ".join(f"{s:.1f}" for s in seconds)
            print(f"| {name} | {cells} | {sum(seconds):.1f} | {accuracy:.4f} |", flush=True)


if __name__ == "__main__":
    main()
