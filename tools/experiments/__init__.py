"""`dlsuite experiment NAME [--quick]`: a claim of the course, measured and judged.

dlsuite experiment --list                       # names and the claim each one tests
dlsuite experiment NAME [--quick] [--seed N] [--output-dir DIR]

A run writes DIR/NAME/<UTC timestamp>/: report.md (claim, setup, table, plots, verdict),
its PNGs and results.json. `--quick` shrinks the experiment to seconds (for the tests);
its verdict is computed the same way but says little.

Adding an experiment: one module in this package, registered in EXPERIMENTS. It defines
CLAIM (one sentence, shown by --list) and `run(output_dir, quick, seed)`, which writes its
PNGs into output_dir and returns a `report.Report`.
"""

import datetime
import importlib
import os
import sys
import time

EXPERIMENTS = {
    "degradation": "tools.experiments.degradation",
    "gradients": "tools.experiments.gradients",
    "ntm_copy": "tools.experiments.ntm_copy",
}

DEFAULT_OUTPUT_DIR = os.path.join("runs", "experiments")
EXIT_USAGE = 2


def module(name):
    return importlib.import_module(EXPERIMENTS[name])


def run_dir(output_dir, name):
    """Creates output_dir/name/<UTC timestamp>/ and returns its absolute path."""
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = os.path.abspath(os.path.join(output_dir, name, stamp))
    os.makedirs(path, exist_ok=True)
    return path


def run(name, quick=False, output_dir=DEFAULT_OUTPUT_DIR, seed=0, folder=None):
    """Runs experiment `name` into `folder` (default: a new run_dir); returns (Report, path of report.md)."""
    from tools.experiments import report  # TensorFlow and matplotlib: only when an experiment runs

    folder = folder or run_dir(output_dir, name)
    started = time.perf_counter()
    result = module(name).run(folder, quick=quick, seed=seed)
    result.wall_seconds = time.perf_counter() - started
    return result, report.write(result, folder)


def cmd_experiment(args):
    if args.list:
        for name in sorted(EXPERIMENTS):
            print(f"{name:14s} {module(name).CLAIM}")
        return 0
    if args.name not in EXPERIMENTS:
        given = f"unknown experiment {args.name!r}" if args.name else "name an experiment"
        print(
            f"dlsuite experiment: {given}; choose one of: {', '.join(sorted(EXPERIMENTS))}", file=sys.stderr
        )
        return EXIT_USAGE
    try:
        folder = run_dir(args.output_dir, args.name)
    except OSError as e:
        print(
            f"dlsuite experiment: --output-dir {args.output_dir}: cannot write there ({e.strerror})",
            file=sys.stderr,
        )
        return EXIT_USAGE
    mode = " (quick)" if args.quick else ""
    print(f"dlsuite experiment: running {args.name}{mode} into {folder}", flush=True)
    result, path = run(args.name, quick=args.quick, seed=args.seed, folder=folder)
    status, why = result.verdict
    print(f"{args.name}: {status} — {why} ({result.wall_seconds:.0f} s; {path})")
    return 0


def add_commands(commands):
    p = commands.add_parser("experiment", help="run an experiment: a claim of the course, measured")
    p.add_argument("name", nargs="?", metavar="NAME", help=f"one of: {', '.join(sorted(EXPERIMENTS))}")
    p.add_argument("--list", action="store_true", help="list the experiments and their claims")
    p.add_argument("--quick", action="store_true", help="a seconds-long version (for tests)")
    p.add_argument(
        "--output-dir",
        default=DEFAULT_OUTPUT_DIR,
        help=f"runs go to OUTPUT_DIR/NAME/<UTC timestamp>/ (default: {DEFAULT_OUTPUT_DIR})",
    )
    p.add_argument("--seed", type=int, default=0, help="seeds data and initialisation (default: 0)")
    p.set_defaults(func=cmd_experiment)
