"""Runs a pipeline locally (LocalDagRunner, SQLite MLMD, Beam DirectRunner) and summarizes it.

`run_local` prints one line per component as it starts and finishes; `summarize`
reads what happened back from ML Metadata, the record every TFX orchestrator keeps.
"""

import json
import logging
import os
import re
import time

import ml_metadata as mlmd
import tensorflow as tf
from absl import logging as absl_logging
from tfx.orchestration import metadata
from tfx.orchestration.local.local_dag_runner import LocalDagRunner

_COMPONENT_EVENT = re.compile(r"^Component (\S+) is (running|finished)\.$")


class _ProgressHandler(logging.Handler):
    """Turns LocalDagRunner's log records into `[3/10] StatisticsGen ... 4.2 s` lines."""

    def __init__(self, num_components, out):
        super().__init__(logging.INFO)
        self._num_components, self._out = num_components, out
        self._started_count = 0
        self.current = None
        self._started = 0.0

    def emit(self, record):
        match = _COMPONENT_EVENT.match(record.getMessage())
        if not match:
            return
        node_id, event = match.groups()
        if event == "running":
            self._started_count += 1
            self.current, self._started = node_id, time.perf_counter()
            self._out(f"[{self._started_count}/{self._num_components}] {node_id} ...")
        else:
            seconds = time.perf_counter() - self._started
            self._out(f"[{self._started_count}/{self._num_components}] {node_id} done in {seconds:.1f} s")
            self.current = None


def failure_reason(error):
    """The innermost error's one-line message (Beam wraps worker errors in long text)."""
    while error.__cause__ or error.__context__:
        error = error.__cause__ or error.__context__
    text = str(error).strip()
    # Beam re-raises worker exceptions as text ending in "SomeError: message [while running ...]".
    found = re.findall(r"(\w+(?:Error|Exception)): (.+?)(?: \[while running.*)?$", text, re.M)
    if found:
        return found[-1][1].strip()
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else type(error).__name__


def run_local(pipeline, log_path, out=print):
    """Runs `pipeline`; returns None on success, else (component id, one-line reason).

    Progress lines go to `out`; the libraries' own logs go to `log_path`.
    """
    progress = _ProgressHandler(len(pipeline.components), out)
    log_file = logging.FileHandler(log_path)
    log_file.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    # absl's own verbosity flag, not the logger level: TF code saves and restores
    # that flag around SavedModel writes, which would undo a plain setLevel.
    saved_verbosity = absl_logging.get_verbosity()
    absl_logging.set_verbosity(absl_logging.INFO)
    saved = []
    for logger in (logging.getLogger("absl"), logging.getLogger("apache_beam"), tf.get_logger()):
        saved.append((logger, logger.handlers[:], logger.propagate))
        logger.handlers[:] = [log_file]
        logger.propagate = False
    logging.getLogger("absl").addHandler(progress)
    try:
        LocalDagRunner().run(pipeline)
        return None
    except Exception as e:  # noqa: BLE001 -- any component failure ends the run
        logging.getLogger("absl").exception("pipeline failed")
        return progress.current or "pipeline", failure_reason(e)
    finally:
        for logger, handlers, propagate in saved:
            logger.handlers[:] = handlers
            logger.propagate = propagate
        absl_logging.set_verbosity(saved_verbosity)
        log_file.close()


def _store(metadata_path):
    return mlmd.MetadataStore(metadata.sqlite_metadata_connection_config(metadata_path))


def list_runs(metadata_path):
    """[(pipeline name, pipeline_run context)] in `metadata_path`, oldest first."""
    store = _store(metadata_path)
    runs = []
    for context in store.get_contexts_by_type("pipeline_run"):
        parents = [p.name for p in store.get_parent_contexts_by_context(context.id) if p.type == "pipeline"]
        runs.append((parents[0] if parents else "?", context))
    return sorted(runs, key=lambda run: run[1].create_time_since_epoch)


def run_nodes(metadata_path, run_context, direction=mlmd.proto.Event.OUTPUT):
    """{node id: (execution, {key: [artifacts]})} of one run; `direction` picks outputs or inputs."""
    store = _store(metadata_path)
    nodes = {}
    for execution in store.get_executions_by_context(run_context.id):
        node = next(
            c.name.split(".", 1)[1] for c in store.get_contexts_by_execution(execution.id) if c.type == "node"
        )
        events = [e for e in store.get_events_by_execution_ids([execution.id]) if e.type == direction]
        artifacts = {a.id: a for a in store.get_artifacts_by_id([e.artifact_id for e in events])}
        found = {}
        for event in events:
            key = event.path.steps[0].key if event.path.steps else ""
            found.setdefault(key, []).append(artifacts[event.artifact_id])
        nodes[node] = (execution, found)
    return nodes


def latest_run(metadata_path, pipeline_name):
    """{node id: (execution, {output key: [artifacts]})} of the newest run of `pipeline_name`."""
    runs = [context for name, context in list_runs(metadata_path) if name == pipeline_name]
    return run_nodes(metadata_path, runs[-1]) if runs else {}


def component_seconds(nodes):
    return {
        node: (e.last_update_time_since_epoch - e.create_time_since_epoch) / 1000.0
        for node, (e, _) in nodes.items()
    }


def output_artifact(nodes, node, key):
    """The first artifact a node wrote under `key`, or None."""
    artifacts = nodes.get(node, (None, {}))[1].get(key, [])
    return artifacts[0] if artifacts else None


def trained_model(nodes):
    """The model a run's Trainer trained (its custom_config's `model`), or None."""
    execution = nodes.get("Trainer", (None, {}))[0]
    if execution is None or "custom_config" not in execution.custom_properties:
        return None
    config = json.loads(execution.custom_properties["custom_config"].string_value or "{}")
    return config.get("model") if isinstance(config, dict) else None


def input_base(nodes):
    """The data folder an ExampleGen of this run read (its `input_base` execution property), or None."""
    for node, (execution, _) in nodes.items():
        if node.endswith("ExampleGen") and "input_base" in execution.custom_properties:
            return execution.custom_properties["input_base"].string_value
    return None


def outcome(nodes):
    """What a run came to: {blessed, pushed_model, evaluation_uri, failed_component}, from its nodes."""
    blessing = output_artifact(nodes, "Evaluator", "blessing")
    evaluation = output_artifact(nodes, "Evaluator", "evaluation")
    pushed = output_artifact(nodes, "Pusher", "pushed_model")
    is_pushed = bool(pushed and pushed.custom_properties["pushed"].int_value)
    failed = [node for node, (e, _) in nodes.items() if e.last_known_state == mlmd.proto.Execution.FAILED]
    return {
        "blessed": bool(blessing and blessing.custom_properties["blessed"].int_value),
        "pushed_model": pushed.custom_properties["pushed_destination"].string_value if is_pushed else None,
        "evaluation_uri": evaluation.uri if evaluation else None,
        "failed_component": failed[0] if failed else None,
    }


# TFMA's metric names -> the names summary.json promises.
_METRIC_NAMES = {"sparse_categorical_accuracy": "accuracy", "sparse_categorical_crossentropy": "loss"}


CUSTOM_METRICS_FILE = "metrics.json"  # a custom evaluator's {"metrics": {...}, "rules": [...], ...}


def custom_evaluation(evaluation_uri):
    """A custom evaluator's metrics.json as a dict, or None for TFMA's output."""
    path = os.path.join(evaluation_uri, CUSTOM_METRICS_FILE)
    if not tf.io.gfile.exists(path):
        return None
    with tf.io.gfile.GFile(path) as f:
        return json.load(f)


def evaluation_metrics(evaluation_uri):
    """Flat {name: value}: a custom evaluator's metrics, or TFMA's (overall slice, and per-slice
    metrics as `name/feature=value`)."""
    custom = custom_evaluation(evaluation_uri)
    if custom is not None:
        return custom["metrics"]
    import tensorflow_model_analysis as tfma

    flat = {}
    for slice_key, by_output in tfma.load_eval_result(evaluation_uri).slicing_metrics:
        suffix = "".join(f"/{k}={v}" for k, v in slice_key)
        for by_sub_key in by_output.values():
            for metrics in by_sub_key.values():
                for name, value in metrics.items():
                    if "doubleValue" in value:
                        flat[f"{_METRIC_NAMES.get(name, name)}{suffix}"] = float(value["doubleValue"])
    return flat


def write_summary(path, summary):
    with tf.io.gfile.GFile(path, "w") as f:
        json.dump(summary, f, indent=2, sort_keys=True)
    return os.path.abspath(path)
