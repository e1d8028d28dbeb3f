"""Per-component seconds of the image classification pipeline, as `make demo` runs it.

    .venv/bin/python -m tools.bench.image_pipeline [--repeats 3] [--data DIR] [--epochs N]

Runs `dlsuite run image_classification` in fresh processes (each into its own
temporary folder), reads every run's summary.json, and prints the median seconds
per component, the non-training total (goal: <= 60 s on 2 cores) and the median
epoch time, as a Markdown table for BENCHMARKS.md.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

TRAINING = "Trainer"


def run_once(data, epochs, output_dir):
    command = [sys.executable, "-m", "tools.cli", "run", "image_classification", "--output-dir", output_dir]
    command += (["--data", data] if data else []) + (["--epochs", str(epochs)] if epochs else [])
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(output_dir, "summary.json")) as f:
        return json.load(f)


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--data", help="IDX folder (default: the pipeline's, Fashion-MNIST)")
    parser.add_argument("--epochs", type=int, help="default: the pipeline's")
    args = parser.parse_args(argv)

    summaries = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.repeats):
            summaries.append(run_once(args.data, args.epochs, os.path.join(tmp, f"run{i}")))
            s = summaries[-1]
            print(
                f"run {i + 1}/{args.repeats}: accuracy {s['metrics']['accuracy']:.4f}, "
                f"{s['wall_seconds']:.1f} s",
                file=sys.stderr,
            )

    components = list(summaries[0]["component_seconds"])
    median = {c: statistics.median(s["component_seconds"][c] for s in summaries) for c in components}
    non_training = statistics.median(
        sum(v for c, v in s["component_seconds"].items() if c != TRAINING) for s in summaries
    )
    epoch = statistics.median(e for s in summaries for e in s["epoch_seconds"])
    print(f"| component | median seconds ({args.repeats} runs) |\n|---|---:|")
    for c in sorted(components, key=lambda c: -median[c]):
        print(f"| {c} | {median[c]:.2f} |")
    print(f"| **all but Trainer** | **{non_training:.1f}** |")
    print(f"| epoch (median of {sum(len(s['epoch_seconds']) for s in summaries)}) | {epoch:.2f} |")
    print(f"| wall, whole run | {statistics.median(s['wall_seconds'] for s in summaries):.1f} |")
    accuracies = [s["metrics"]["accuracy"] for s in summaries]
    print(
        f"\naccuracy (eval split): median {statistics.median(accuracies):.4f}, "
        f"min {min(accuracies):.4f}, max {max(accuracies):.4f}"
    )


if __name__ == "__main__":
    main()
