"""`dlsuite runs`: past runs, read back from the ML Metadata of each output folder.

dlsuite runs [--output-dir DIR]             # every run under DIR (default ./runs), oldest first
dlsuite runs show RUN [--output-dir DIR]     # one run's components and artifacts (RUN as listed)

A run's id is `<output folder>:<n>`, the n-th run recorded in that folder's ML Metadata;
`<output folder>` alone means its latest run.
"""

import glob
import os
import sys

STORE = "metadata.sqlite"


def add_commands(subparsers, model_names):
    """`model_names`: {pipeline: model} for the listing's MODEL column."""
    runs = subparsers.add_parser("runs", help="list past runs from ML Metadata; `runs show RUN` for one")
    runs.add_argument(
        "--output-dir", default="runs", help="a run's folder, or a folder of them (default: runs)"
    )
    runs.set_defaults(func=lambda args: cmd_list(args, model_names))
    actions = runs.add_subparsers(dest="action")
    show = actions.add_parser("show", help="one run's components and artifacts")
    show.add_argument(
        "run", metavar="RUN", help="as `dlsuite runs` lists it: FOLDER:N, or FOLDER for its latest"
    )
    show.add_argument("--output-dir", default="runs")
    show.set_defaults(func=cmd_show)


def _stores(root):
    if os.path.exists(os.path.join(root, STORE)):
        return [os.path.join(root, STORE)]
    return sorted(glob.glob(os.path.join(root, "**", STORE), recursive=True))


def _shown(folder):
    """A folder as run ids name it: relative to the working directory when under it."""
    relative = os.path.relpath(folder)
    return os.path.abspath(folder) if relative.startswith("..") else relative


def _runs(root):
    """[(run id, store path, pipeline name, run context)] under `root`, oldest first in each folder."""
    from pipelines import runner

    found = []
    for store in _stores(root):
        folder = _shown(os.path.dirname(store))
        for n, (pipeline, context) in enumerate(runner.list_runs(store), start=1):
            found.append((f"{folder}:{n}", store, pipeline, context))
    return found


def _seconds(nodes):
    if not nodes:
        return 0.0
    executions = [execution for execution, _ in nodes.values()]
    start = min(e.create_time_since_epoch for e in executions)
    return (max(e.last_update_time_since_epoch for e in executions) - start) / 1000.0


def cmd_list(args, model_names):
    import datetime

    from pipelines import runner

    runs = _runs(args.output_dir)
    if not runs:
        print(
            f"dlsuite runs: no runs under {args.output_dir} (no {STORE} there); run `dlsuite run ...` first."
        )
        return 0
    header = (
        "RUN",
        "STARTED (UTC)",
        "PIPELINE",
        "MODEL",
        "DATASET",
        "RESULT",
        "BLESSED",
        "PUSHED",
        "SECONDS",
    )
    rows = [header]
    for run_id, store, pipeline, context in runs:
        nodes = runner.run_nodes(store, context)
        outcome = runner.outcome(nodes)
        metrics = runner.evaluation_metrics(outcome["evaluation_uri"]) if outcome["evaluation_uri"] else {}
        headline = ("accuracy", "elbo", "mse", "fid", "min_target_fraction", "bpc", "mean_iou", "mrr")
        shown = next((name for name in headline if name in metrics), None)
        result = f"{shown} {metrics[shown]:.4g}" if shown else "-"
        started = datetime.datetime.fromtimestamp(context.create_time_since_epoch / 1000, datetime.UTC)
        data = runner.input_base(nodes)
        failed = outcome["failed_component"]
        rows.append((
            run_id, started.strftime("%Y-%m-%d %H:%M:%S"), pipeline,
            runner.trained_model(nodes) or model_names.get(pipeline, "?"),
            os.path.basename(os.path.normpath(data)) if data else "-", result,
            "yes" if outcome["blessed"] else (f"no: stopped at {failed}" if failed else "no"),
            "yes" if outcome["pushed_model"] else "no", f"{_seconds(nodes):.0f}",
        ))  # fmt: skip
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(header))]
    for row in rows:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip())
    return 0


def _find(run, root):
    folder, _, number = run.rpartition(":") if ":" in run else (run, "", "")
    candidates = _runs(folder) if os.path.isdir(folder) else _runs(root)
    if number:
        matches = [r for r in candidates if r[0] == f"{_shown(folder)}:{number}"]
    else:
        matches = candidates[-1:]
    if not matches:
        raise LookupError(f"no run {run!r}; `dlsuite runs --output-dir {root}` lists them.")
    return matches[0]


def cmd_show(args):
    from pipelines import runner

    try:
        run_id, store, pipeline, context = _find(args.run, args.output_dir)
    except LookupError as e:
        print(f"dlsuite runs: {e}", file=sys.stderr)
        return 2
    outputs = runner.run_nodes(store, context)
    inputs = runner.run_nodes(store, context, direction=runner.mlmd.proto.Event.INPUT)
    state_names = {v: k for k, v in runner.mlmd.proto.Execution.State.items()}
    print(f"{run_id}  {pipeline}  (ML Metadata: {store}, run {context.name})")
    ordered = sorted(outputs.items(), key=lambda item: item[1][0].create_time_since_epoch)
    seconds = runner.component_seconds(outputs)
    for node, (execution, artifacts) in ordered:
        print(f"  {node}: {state_names[execution.last_known_state]} in {seconds[node]:.1f} s")
        for key, found in sorted(inputs.get(node, (None, {}))[1].items()):
            for artifact in found:
                print(f"    in  {key}: {artifact.type} #{artifact.id} {artifact.uri}")
        for key, found in sorted(artifacts.items()):
            for artifact in found:
                print(f"    out {key}: {artifact.type} #{artifact.id} {artifact.uri}")
    return 0
