"""`dlsuite`: run the suite's pipelines, look back at runs, fetch data, serve models.

dlsuite list                                   # pipelines and their models
dlsuite models [--input-shape 224x224x3]       # the image classifiers --model takes
dlsuite run PIPELINE [--data DIR] [--epochs N] [--output-dir DIR] [--beam-args "ARGS"] ...
dlsuite runs [--output-dir DIR] | runs show RUN  # past runs, from ML Metadata
dlsuite data list | data fetch NAME DIR          # public data sets in the pipelines' layouts (TFDS)
dlsuite data generate interactions DIR         # generated user-item data (embeddings --train-mode 1)
dlsuite serve ... | predict ...                  # TF-Serving-compatible model server and its client
"""

import argparse
import dataclasses
import datetime
import importlib
import json
import os
import shlex
import sys
import time

from pipelines import beam_clusters
from serving import cli as serving_cli
from tools import compile, data, experiments, run_lock, runs

# Each pipeline package has an `entry` module: MODEL, DATASET (the default data
# set's name), DESCRIPTION, DataError, add_arguments(parser) (which defines
# --data), check_data(path), create(args, paths). summary.json's `dataset` is
# the --data folder's name.
PIPELINES = {
    "image_classification": "pipelines.image_classification.entry",
    "text_classification": "pipelines.text_classification.entry",
    "autoencoder": "pipelines.autoencoder.entry",
    "gan": "pipelines.gan.entry",
    "language_model": "pipelines.language_model.entry",
    "segmentation": "pipelines.segmentation.entry",
    "embeddings": "pipelines.embeddings.entry",
    "word_embeddings": "pipelines.word_embeddings.entry",
    "question_answering": "pipelines.question_answering.entry",
}

# Beam's in-process runner: fast and stable for one machine. Any --beam-args
# replace these, e.g. "--runner=FlinkRunner --flink_master=host:8081".
DEFAULT_BEAM_ARGS = ["--direct_running_mode=in_memory", "--direct_num_workers=1"]

EXIT_FAILED, EXIT_USAGE = 1, 2
_SETUP_FILE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "setup.py")


@dataclasses.dataclass(frozen=True)
class RunPaths:
    output_dir: str

    @property
    def pipeline_root(self):
        return os.path.join(self.output_dir, "pipeline")

    @property
    def metadata(self):
        return os.path.join(self.output_dir, "metadata.sqlite")

    @property
    def serving_root(self):
        return os.path.join(self.output_dir, "serving")

    @property
    def log(self):
        return os.path.join(self.output_dir, "pipeline.log")

    @property
    def summary(self):
        return os.path.join(self.output_dir, "summary.json")

    @property
    def report(self):
        return os.path.join(self.output_dir, "report.html")

    def locations(self, data_root, model):
        """An entry's `build` keyword arguments: the roots, `data_root`, and serving/<model>/ to push to."""
        return {
            "pipeline_root": self.pipeline_root,
            "data_root": data_root,
            "serving_model_dir": os.path.join(self.serving_root, model),
            "metadata_path": self.metadata,
        }


def _beam_args(text):
    """--beam-args, plus how workers get this project's code (what TFX would otherwise
    guess by building a throw-away sdist of tfx alone, for every Beam component)."""
    args = shlex.split(text) if text is not None else list(DEFAULT_BEAM_ARGS)
    dependency_flags = ("--setup_file", "--extra_package", "--requirements_file", "--sdk_container_image")
    if os.path.exists(_SETUP_FILE) and not any(a.startswith(dependency_flags) for a in args):
        args.append(f"--setup_file={_SETUP_FILE}")
    return args


def _entry(name):
    return importlib.import_module(PIPELINES[name])


def _quiet_libraries():
    """Keeps TF/Beam start-up chatter out of the progress lines."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import warnings

    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=UserWarning)


def _summarize(args, entry, paths, error, wall_seconds):
    from pipelines import runner

    name = args.pipeline
    nodes = runner.latest_run(paths.metadata, name) if os.path.exists(paths.metadata) else {}
    outcome = runner.outcome(nodes)
    model_run = runner.output_artifact(nodes, "Trainer", "model_run")

    artifacts = {"pipeline_root": os.path.abspath(paths.pipeline_root), "metadata": paths.metadata}
    epoch_seconds = []
    if model_run:
        artifacts["training_curves"] = os.path.join(model_run.uri, "training_curves.png")
        artifacts["tensorboard"] = os.path.join(model_run.uri, "tensorboard")
        history_path = os.path.join(model_run.uri, "history.json")
        if os.path.exists(history_path):
            artifacts["history"] = history_path
            epoch_seconds = json.load(open(history_path))["epoch_seconds"]

    custom = runner.custom_evaluation(outcome["evaluation_uri"]) if outcome["evaluation_uri"] else None
    sample = {"sample": custom["sample"]} if custom and "sample" in custom else {}  # a generative model's
    return {
        **sample,
        "pipeline": name,
        "model": getattr(args, "model", entry.MODEL),
        "dataset": os.path.basename(os.path.normpath(args.data)),
        "blessed": outcome["blessed"],
        "pushed_model": outcome["pushed_model"],
        "metrics": runner.evaluation_metrics(outcome["evaluation_uri"]) if outcome["evaluation_uri"] else {},
        "component_seconds": runner.component_seconds(nodes),
        "epoch_seconds": epoch_seconds,
        "wall_seconds": wall_seconds,
        "artifacts": {**artifacts, "log": paths.log},
        "error": None if error is None else {"component": error[0], "reason": error[1]},
    }


def _write_report(paths, summary):
    from pipelines import report

    try:
        report.write_report(paths.report, summary, paths.metadata)
    except Exception as e:  # noqa: BLE001 -- the run's verdict stands without its report
        print(f"dlsuite: report.html not written ({type(e).__name__}: {e})", file=sys.stderr)


def _one_line(summary, summary_path, headline=("accuracy",)):
    shown = [f"{name} {summary['metrics'][name]:.4g}" for name in headline if name in summary["metrics"]]
    figures = ", ".join(shown) or "no evaluation"
    verdict = "blessed" if summary["blessed"] else "not blessed"
    pushed = f"pushed {summary['pushed_model']}" if summary["pushed_model"] else "nothing pushed"
    return (
        f"{summary['pipeline']}: {summary['model']} on {summary['dataset']} -- {figures}, {verdict}, "
        f"{pushed} ({summary['wall_seconds']:.0f} s; {summary['artifacts']['report']}, {summary_path})"
    )


def cmd_list(args):
    for name in sorted(PIPELINES):
        entry = _entry(name)
        print(f"{name:24s} model={entry.MODEL:10s} dataset={entry.DATASET:14s} {entry.DESCRIPTION}")
    return 0


def cmd_models(args):
    """The image classifiers `--model` takes: name, family, parameters at one input shape, input sizes."""
    import keras

    from keras_models.vision import zoo

    shape = f"{'x'.join(map(str, args.input_shape))}, {args.classes} classes"
    print(f"{'NAME':16s} {'FAMILY':34s} {'PARAMETERS':>12s}  INPUTS   (parameters at {shape})")
    for name, variant in zoo.MODELS.items():
        with keras.StatelessScope(initialize_variables=False):  # counts only: no weights drawn
            parameters = variant.build(args.classes, args.input_shape).count_params()
        keras.backend.clear_session()
        print(f"{name:16s} {variant.family:34s} {parameters:12,d}  {variant.inputs}", flush=True)
    return 0


def _input_shape(text):
    try:
        shape = tuple(int(n) for n in text.split("x"))
    except ValueError:
        shape = ()
    if len(shape) != 3 or min(shape) < 1:
        raise argparse.ArgumentTypeError(f"expected HEIGHTxWIDTHxCHANNELS such as 32x32x3, got {text!r}")
    return shape


def _add_models_command(commands):
    models = commands.add_parser("models", help="list the image classifiers --model takes")
    models.add_argument(
        "--input-shape",
        type=_input_shape,
        default=(28, 28, 1),
        help="HxWxC to count parameters at (default 28x28x1)",
    )
    models.add_argument(
        "--classes", type=int, default=10, help="output classes to count parameters at (default 10)"
    )
    models.set_defaults(func=cmd_models)


def cmd_run(args):
    """Runs a pipeline; sets args.output_dir to the run's folder."""
    entry = _entry(args.pipeline)
    try:
        # Flags that are wrong together (each was checked while parsing).
        getattr(entry, "check_args", lambda args: None)(args)
    except ValueError as e:
        print(f"dlsuite run {args.pipeline}: {e}", file=sys.stderr)
        return EXIT_USAGE
    try:
        entry.check_data(args.data)
    except entry.DataError as e:
        print(f"dlsuite: {e}", file=sys.stderr)
        return EXIT_USAGE

    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    args.output_dir = os.path.abspath(args.output_dir or os.path.join("runs", args.pipeline, stamp))
    paths = RunPaths(args.output_dir)
    try:
        lock = run_lock.lock_output_dir(paths.output_dir, f"dlsuite run {args.pipeline}")
    except run_lock.FolderInUseError as e:
        print(f"dlsuite: --output-dir {e}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as e:
        print(
            f"dlsuite: --output-dir {paths.output_dir}: cannot write there ({e.strerror}).", file=sys.stderr
        )
        return EXIT_USAGE
    with lock:
        return _run_locked(args, entry, paths)


def _run_locked(args, entry, paths):
    from pipelines import runner

    if args.beam_cluster and args.beam_args is not None:
        print("dlsuite: pass --beam-cluster or --beam-args, not both.", file=sys.stderr)
        return EXIT_USAGE
    print(f"dlsuite: running {args.pipeline} into {paths.output_dir}", flush=True)
    started = time.perf_counter()
    with beam_clusters.started(args.beam_cluster) as cluster_args:
        args.beam_args = _beam_args(shlex.join(cluster_args) if cluster_args else args.beam_args)
        error = runner.run_local(
            entry.create(args, paths), log_path=paths.log, out=lambda line: print(line, flush=True)
        )
    summary = _summarize(args, entry, paths, error, time.perf_counter() - started)
    summary["artifacts"]["report"] = paths.report
    summary_path = runner.write_summary(paths.summary, summary)
    _write_report(paths, summary)

    if error:
        component, reason = error
        print(f"dlsuite: {args.pipeline} stopped at {component}: {reason}", file=sys.stderr)
        return EXIT_FAILED
    print(_one_line(summary, summary_path, getattr(entry, "HEADLINE", ("accuracy",))))
    return 0


class _Parser(argparse.ArgumentParser):
    """Usage errors as one line (`dlsuite run X: argument --epochs: must be at least 1, got '0'`), exit 2."""

    def error(self, message):
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see {self.prog} --help)\n")


def _add_run_commands(commands):
    """`run` with one subcommand per pipeline; each entry's add_arguments may import Beam or TF."""
    run = commands.add_parser("run", help="run a pipeline locally")
    pipeline_parsers = run.add_subparsers(dest="pipeline", required=True, metavar="PIPELINE")
    for name in sorted(PIPELINES):
        entry = _entry(name)
        p = pipeline_parsers.add_parser(name, help=entry.DESCRIPTION)
        p.add_argument("--output-dir", help="default: ./runs/<pipeline>/<UTC timestamp>/")
        p.add_argument(
            "--beam-args",
            help="Beam options for every Beam-powered component, as one string "
            f"(default: {' '.join(DEFAULT_BEAM_ARGS)})",
        )
        p.add_argument(
            "--beam-cluster",
            type=beam_clusters.parse,
            metavar="local-processes[:N]|local-dask[:N]",
            help="start a local Beam engine for this run: Beam's DirectRunner with N worker processes, or "
            "Beam's DaskRunner on a dask.distributed LocalCluster of N workers (default N: 2)",
        )
        entry.add_arguments(p)
        p.set_defaults(func=cmd_run)


def build_parser(command=None):
    """The whole command line, or, when `command` is serve or predict, only that part: a server's
    command line is then checked in a fraction of a second, without importing Beam or TensorFlow."""
    _quiet_libraries()
    parser = _Parser(prog="dlsuite", description="dlsuite: the course's models as TFX pipelines.")
    commands = parser.add_subparsers(dest="command", required=True)
    serving_cli.add_commands(commands)  # serve, predict
    if command in ("serve", "predict"):
        return parser
    commands.add_parser("list", help="list pipelines and their models").set_defaults(func=cmd_list)
    _add_models_command(commands)
    _add_run_commands(commands)
    data.add_commands(commands)  # data list, data fetch, data generate
    compile.add_commands(commands, PIPELINES)  # compile NAME --kubeflow OUT.json
    experiments.add_commands(commands)  # experiment NAME [--quick] | experiment --list
    runs.add_commands(commands, {name: _entry(name).MODEL for name in PIPELINES})  # runs, runs show
    return parser


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser(argv[0] if argv else None).parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
