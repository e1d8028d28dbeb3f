"""The autoencoder pipeline's figures on full Fashion-MNIST, one run per model, as a Markdown table.

    .venv/bin/python -m tools.bench.autoencoders [--models conv_ae,dae,...] [--data DIR] [--out DIR]
        [--anomaly 5,7,9]

Runs `dlsuite run autoencoder --model M` for each model in a fresh process (each into its own
folder under --out, kept for the plots), reads summary.json, and prints each model's evaluator
figures beside PCA of the same code size, with the wall time and median epoch. `--anomaly`
adds a conv_ae run trained on those classes only (ROC-AUC of anomaly_score, next to PCA's).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys

MODELS = ("ae", "conv_ae", "dae", "sparse_ae", "psd", "vae", "swwae")
COLUMNS = (
    "mse",
    "pca_mse",
    "psnr",
    "noisy_psnr",
    "denoised_psnr",
    "mean_activation",
    "elbo",
    "kl",
    "roc_auc",
    "pca_roc_auc",
)


def run(model, data, output_dir, extra=()):
    command = [
        sys.executable,
        "-m",
        "tools.cli",
        "run",
        "autoencoder",
        "--model",
        model,
        "--output-dir",
        output_dir,
    ]
    command += (["--data", data] if data else []) + list(extra)
    result = subprocess.run(command, stdout=subprocess.PIPE, text=True)
    print(
        result.stdout.strip().splitlines()[-1]
        if result.stdout.strip()
        else f"{model}: exit {result.returncode}",
        file=sys.stderr,
    )
    with open(os.path.join(output_dir, "summary.json")) as f:
        return json.load(f)


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--data", help="IDX folder (default: the pipeline's, Fashion-MNIST)")
    parser.add_argument("--out", default="runs/bench_autoencoders")
    parser.add_argument("--anomaly", help="normal classes of an extra conv_ae run, e.g. 5,7,9")
    args = parser.parse_args(argv)

    rows = [(m, (), run(m, args.data, os.path.join(args.out, m))) for m in args.models.split(",") if m]
    if args.anomaly:
        extra = ("--normal-classes", args.anomaly)
        rows.append(("conv_ae", extra, run("conv_ae", args.data, os.path.join(args.out, "anomaly"), extra)))

    print("| model | code | " + " | ".join(COLUMNS) + " | epochs | median epoch s | wall s | blessed |")
    print("|---|---:|" + "---:|" * len(COLUMNS) + "---:|---:|---:|---|")
    for model, extra, s in rows:
        m = s["metrics"]
        cells = [f"{m[c]:.4g}" if c in m else "" for c in COLUMNS]
        epoch = statistics.median(s["epoch_seconds"]) if s["epoch_seconds"] else float("nan")
        name = f"{model} {' '.join(extra)}".strip()
        print(
            f"| {name} | {m.get('pca_components', '')} | {' | '.join(cells)} | {len(s['epoch_seconds'])} | "
            f"{epoch:.1f} | {s['wall_seconds']:.0f} | {s['blessed']} |"
        )


if __name__ == "__main__":
    main()
