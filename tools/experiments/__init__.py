"""`dlsuite experiment NAME [--quick]`: a claim of the course, measured and judged.

dlsuite experiment --list                       # names and the claim each one tests
dlsuite experiment NAME [--quick] [--seed N] [--output-dir DIR]
dlsuite experiment --all [--skip NAME,...] [--quick] [--seed N] [--output-dir DIR]

A run writes DIR/NAME/<UTC timestamp>/: report.md (claim, setup, table, plots, verdict),
its PNGs and results.json, then rewrites DIR/index.md (every experiment with the verdict of its
latest run). `--all` runs every experiment in the course's order; one that raises is marked
failed in the index and the others still run. `--quick` shrinks each experiment to seconds (for
the tests); its verdict is computed the same way but says little.

Adding an experiment: one module in this package, registered in EXPERIMENTS. It defines
CLAIM (one sentence, shown by --list) and `run(output_dir, quick, seed)`, which writes its
PNGs into output_dir and returns a `report.Report`.
"""

import datetime
import errno
import importlib
import os
import sys
import time

from tools.experiments import index

EXPERIMENTS = {  # in the course's order
    "least_squares": "tools.experiments.least_squares",  # chapters 1-2: linear machines
    "ridge": "tools.experiments.ridge",
    "linear_classifiers": "tools.experiments.linear_classifiers",
    "backprop_modules": "tools.experiments.backprop_modules",  # chapter 3
    "sgd_vs_batch": "tools.experiments.sgd_vs_batch",  # chapter 4: the tricks
    "input_normalization": "tools.experiments.input_normalization",
    "initialization": "tools.experiments.initialization",
    "activations": "tools.experiments.activations",
    "optimizers": "tools.experiments.optimizers",
    "easgd": "tools.experiments.easgd",
    "target_propagation": "tools.experiments.target_propagation",  # chapter 5
    "regularization": "tools.experiments.regularization",  # chapter 9
    "normalization": "tools.experiments.normalization",
    "degradation": "tools.experiments.degradation",  # chapter 10: ResNets
    "gradients": "tools.experiments.gradients",  # chapter 11: RNNs
    "ntm_copy": "tools.experiments.ntm_copy",  # chapter 12: memory networks
    "transfer_learning": "tools.experiments.transfer_learning",  # chapter 15
    "mixture_of_experts": "tools.experiments.mixture_of_experts",  # chapter 16
    "pose": "tools.experiments.pose",  # chapter 17
    "kernel_svm": "tools.experiments.kernel_svm",  # chapter 18
    "ebm_losses": "tools.experiments.ebm_losses",  # chapter 19
    "hopfield": "tools.experiments.hopfield",  # chapter 11.3 (with the energy models)
    "rbm": "tools.experiments.rbm",  # chapter 21
    "reinforcement": "tools.experiments.reinforcement",  # chapter 22
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
    result.results.update(quick=quick, seed=seed)
    return result, report.write(result, folder)


def write_index(output_dir, failures=None):
    claims = {name: module(name).CLAIM for name in EXPERIMENTS}
    return index.write(output_dir, list(EXPERIMENTS), claims, failures)


def _run_and_summarise(name, args, folder):
    mode = " (quick)" if args.quick else ""
    print(f"dlsuite experiment: running {name}{mode} into {folder}", flush=True)
    result, path = run(name, quick=args.quick, seed=args.seed, folder=folder)
    status, why = result.verdict
    print(f"{name}: {status} — {why} ({result.wall_seconds:.0f} s; {path})", flush=True)


def skipped(args):
    return [name for name in (args.skip or "").split(",") if name]


def run_all(args):
    """Every experiment not skipped, in turn; a failure is recorded in the index and the rest still run."""
    failures = {}
    started = time.perf_counter()
    names = [name for name in EXPERIMENTS if name not in skipped(args)]
    for name in names:
        try:
            _run_and_summarise(name, args, run_dir(args.output_dir, name))
        except Exception as e:  # noqa: BLE001 -- one broken experiment must not hide the others' results
            failures[name] = f"{type(e).__name__}: {e}".splitlines()[0]
            print(f"{name}: failed — {failures[name]}", file=sys.stderr, flush=True)
    path = write_index(args.output_dir, failures)
    minutes = (time.perf_counter() - started) / 60
    print(f"dlsuite experiment --all: {len(names) - len(failures)} of {len(names)} ran "
          f"in {minutes:.1f} min; index: {path}")  # fmt: skip
    return 1 if failures else 0


def usage_error(args):
    """What is wrong with NAME / --all, or None."""
    unknown = [name for name in skipped(args) if name not in EXPERIMENTS]
    if args.skip and not args.all:
        return "--skip goes with --all"
    if unknown:
        return f"--skip: unknown experiment {unknown[0]!r}"
    if args.all:
        return "give a NAME or --all, not both" if args.name else None
    if not args.name:
        return "name an experiment (or --all)"
    return None if args.name in EXPERIMENTS else f"unknown experiment {args.name!r}"


def cmd_experiment(args):
    if args.list:
        for name in EXPERIMENTS:
            print(f"{name:20s} {module(name).CLAIM}")
        return 0
    error = usage_error(args)
    if error:
        print(
            f"dlsuite experiment: {error}; choose one of: {', '.join(sorted(EXPERIMENTS))}", file=sys.stderr
        )
        return EXIT_USAGE
    try:
        os.makedirs(args.output_dir, exist_ok=True)
        if not os.access(args.output_dir, os.W_OK):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))
        folder = None if args.all else run_dir(args.output_dir, args.name)
    except OSError as e:
        print(
            f"dlsuite experiment: --output-dir {args.output_dir}: cannot write there ({e.strerror})",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if args.all:
        return run_all(args)
    _run_and_summarise(args.name, args, folder)
    write_index(args.output_dir)
    return 0


def add_commands(commands):
    p = commands.add_parser("experiment", help="run an experiment: a claim of the course, measured")
    p.add_argument("name", nargs="?", metavar="NAME", help=f"one of: {', '.join(sorted(EXPERIMENTS))}")
    p.add_argument("--list", action="store_true", help="list the experiments and their claims")
    p.add_argument(
        "--all",
        action="store_true",
        help="run every experiment, then write OUTPUT_DIR/index.md with each verdict",
    )
    p.add_argument(
        "--skip",
        metavar="NAME[,NAME]",
        help="with --all: experiments not to run (the index keeps their last run)",
    )
    p.add_argument("--quick", action="store_true", help="a seconds-long version (for tests)")
    p.add_argument(
        "--output-dir",
        default=DEFAULT_OUTPUT_DIR,
        help=f"runs go to OUTPUT_DIR/NAME/<UTC timestamp>/ (default: {DEFAULT_OUTPUT_DIR})",
    )
    p.add_argument("--seed", type=int, default=0, help="seeds data and initialisation (default: 0)")
    p.set_defaults(func=cmd_experiment)
