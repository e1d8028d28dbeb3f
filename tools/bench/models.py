"""A pipeline's figures on full data, one run per model, as a Markdown table.

    .venv/bin/python -m tools.bench.models autoencoder [--models ae,conv_ae,...] \\
        [--also "conv_ae --normal-classes 5,7,9"] [--data DIR] [--out DIR]
    .venv/bin/python -m tools.bench.models gan [--models gan,dcgan,ebgan,cyclegan]
    .venv/bin/python -m tools.bench.models language_model --data FILE --models lstm --also "gru --units 298"

Runs `dlsuite run PIPELINE --model M` for each model (and each --also: a model with extra flags) in a
fresh process, each into its own folder under --out (kept for the plots and the pushed models), reads
summary.json and prints the evaluator's figures with the median epoch and the wall time of each run.
"""

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys

COLUMNS = {
    "autoencoder": (
        "pca_components", "mse", "pca_mse", "psnr", "noisy_psnr", "denoised_psnr", "mean_activation",
        "elbo", "kl", "bernoulli_nll_floor", "roc_auc", "pca_roc_auc",
    ),
    "language_model": ("parameters", "bpc", "ngram_bpc", "unigram_bpc"),
    "gan": (
        "fid", "fid_real", "fid_noise", "min_class_fraction", "precision", "recall",
        "a_to_b_target_fraction", "b_to_a_target_fraction", "a_to_b_cycle_mse", "b_to_a_cycle_mse",
    ),
}  # fmt: skip
MODELS = {
    "autoencoder": "ae,conv_ae,dae,sparse_ae,psd,vae,swwae",
    "gan": "gan,dcgan,ebgan,cyclegan",
    "language_model": "lstm,gru,simple_rnn,orthogonal_rnn",
}


def run(pipeline, model, extra, data, output_dir):
    command = [
        sys.executable,
        "-m",
        "tools.cli",
        "run",
        pipeline,
        "--model",
        model,
        "--output-dir",
        output_dir,
    ]
    command += (["--data", data] if data else []) + list(extra)
    result = subprocess.run(command, stdout=subprocess.PIPE, text=True)
    lines = result.stdout.strip().splitlines()
    print(lines[-1] if lines else f"{model}: exit {result.returncode}", file=sys.stderr)
    with open(os.path.join(output_dir, "summary.json")) as f:
        return json.load(f)


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("pipeline", choices=sorted(COLUMNS))
    parser.add_argument("--models", help="comma-separated (default: every model of the pipeline)")
    parser.add_argument(
        "--also", action="append", default=[], help='one more run, e.g. "conv_ae --epochs 20"'
    )
    parser.add_argument("--data", help="the pipeline's --data (default: its own)")
    parser.add_argument("--out", help="default: runs/bench_<pipeline>")
    args = parser.parse_args(argv)
    out = args.out or os.path.join("runs", f"bench_{args.pipeline}")

    plans = [(m, []) for m in (args.models or MODELS[args.pipeline]).split(",") if m]
    plans += [(shlex.split(also)[0], shlex.split(also)[1:]) for also in args.also]
    rows = []
    for i, (model, extra) in enumerate(plans):
        folder = os.path.join(out, model if not extra else f"{model}_{i}")
        rows.append((" ".join([model, *extra]), run(args.pipeline, model, extra, args.data, folder)))

    columns = COLUMNS[args.pipeline]
    print("| run | " + " | ".join(columns) + " | epochs | median epoch s | wall s | blessed |")
    print("|---|" + "---:|" * len(columns) + "---:|---:|---:|---|")
    for name, summary in rows:
        metrics = summary["metrics"]
        cells = [f"{metrics[c]:.4g}" if isinstance(metrics.get(c), (int, float)) else "" for c in columns]
        seconds = summary["epoch_seconds"]
        epoch = f"{statistics.median(seconds):.1f}" if seconds else ""
        print(
            f"| {name} | {' | '.join(cells)} | {len(seconds)} | {epoch} | {summary['wall_seconds']:.0f} | "
            f"{summary['blessed']} |"
        )


if __name__ == "__main__":
    main()
