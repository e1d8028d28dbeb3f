"""report.html: one self-contained page per run, read back from the run's ML Metadata and artifacts.

The verdict and the thresholds it was judged by, headline and per-slice metrics (TFMA), the
confusion matrix (TFMA's MultiClassConfusionMatrixPlot), training curves, sample predictions of
the candidate model on the eval split (right and wrong), data statistics (TFDV) and anomalies,
component timings and the lineage (every component's input and output artifacts). Images are
inlined, there is no script: the file opens anywhere, without a server.
"""

import base64
import html
import io
import json
import os

import numpy as np
import tensorflow as tf

from components.label_check import labels as label_files
from pipelines import runner

_STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { margin-top: 1.8em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: 0.5em 0; } td, th { padding: 3px 9px; border: 1px solid #ddd; }
th { background: #f4f4f4; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.verdict { font-size: 1.25em; padding: 0.6em 1em; border-radius: 6px; display: inline-block; }
.good { background: #e3f4e1; } .bad { background: #fbe4e4; } .muted { color: #777; }
.samples { display: flex; flex-wrap: wrap; gap: 8px; }
.sample { border: 1px solid #ddd; padding: 4px; width: 150px; }
.sample.wrong { border-color: #d66; } code { font-size: 0.92em; word-break: break-all; }
img { max-width: 100%; }
"""
_SAMPLES = 12  # right and wrong, each


def _table(header, rows, numeric=()):
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{cell}</td>' if i in numeric else f"<td>{cell}</td>"
            for i, cell in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _png(data):
    return f'<img alt="" src="data:image/png;base64,{base64.b64encode(data).decode()}">'


def _thresholds(evaluator_execution):
    """Human-readable blessing rules from the Evaluator's eval_config."""
    config = json.loads(evaluator_execution.custom_properties["eval_config"].string_value)
    rules = []
    for spec in config.get("metrics_specs", []):
        for metric in spec.get("metrics", []):
            for per_slice in metric.get("per_slice_thresholds", []):
                threshold = per_slice.get("threshold", {})
                bound = threshold.get("value_threshold", {}).get("lower_bound")
                drop = threshold.get("change_threshold", {}).get("absolute")
                if bound is not None:
                    rules.append(f"{metric['class_name']} ≥ {bound:g}")
                if drop is not None:
                    rules.append(
                        f"{metric['class_name']} no more than {-drop:g} below the latest blessed model"
                    )
    return rules


def _verdict(summary, nodes):
    if summary.get("error"):
        error = summary["error"]
        text = f"Stopped at {error['component']}: {error['reason']}"
        return f'<p class="verdict bad">{html.escape(text)}</p>'
    accuracy = summary["metrics"].get("accuracy")
    verdict = "Blessed" if summary["blessed"] else "Not blessed"
    pushed = (
        f"pushed to <code>{html.escape(summary['pushed_model'])}</code>"
        if summary["pushed_model"]
        else "nothing pushed"
    )
    shown = f"accuracy <b>{accuracy:.4f}</b> — " if accuracy is not None else ""
    parts = [
        f'<p class="verdict {"good" if summary["blessed"] else "bad"}">{shown}<b>{verdict}</b>, {pushed}</p>'
    ]
    if "Evaluator" in nodes:
        evaluation = runner.output_artifact(nodes, "Evaluator", "evaluation")
        custom = runner.custom_evaluation(evaluation.uri) if evaluation else None
        rules = custom["rules"] if custom else _thresholds(nodes["Evaluator"][0])
        parts.append("<p>Blessing rules: " + html.escape("; ".join(rules) or "none") + ".</p>")
    return "".join(parts)


def _number(value):
    return f"{int(value):,}" if float(value).is_integer() else f"{value:.4f}"


def _metrics(metrics):
    overall = [(html.escape(k), _number(v)) for k, v in sorted(metrics.items()) if "/" not in k]
    slices = {}
    for key, value in metrics.items():
        if "/" in key:
            name, slice_name = key.split("/", 1)
            slices.setdefault(slice_name, {})[name] = value
    names = sorted({name for values in slices.values() for name in values})
    rows = [
        [html.escape(s)] + [_number(values[n]) if n in values else "" for n in names]
        for s, values in sorted(slices.items())
    ]
    parts = [_table(["metric", "value"], overall, numeric=(1,))]
    if rows:
        parts.append("<h3>Per slice</h3>" + _table(["slice", *names], rows, numeric=range(1, len(names) + 1)))
    return "".join(parts)


def _shaded(count, peak):
    return f'<span style="display:block;background:rgba(40,110,200,{count / peak:.2f})">{int(count)}</span>'


def _confusion(evaluation_uri, class_names):
    import tensorflow_model_analysis as tfma

    for slice_key, plots in tfma.load_eval_result(evaluation_uri).plots:
        if slice_key:
            continue
        matrix = plots[""][""]["multiClassConfusionMatrixAtThresholds"]["matrices"][0]["entries"]
        size = max(
            [len(class_names)]
            + [max(e.get("actualClassId", 0), e.get("predictedClassId", 0)) + 1 for e in matrix]
        )
        counts = np.zeros((size, size))
        for entry in matrix:
            counts[entry.get("actualClassId", 0), entry.get("predictedClassId", 0)] = entry[
                "numWeightedExamples"
            ]
        names = [class_names[i] if i < len(class_names) else str(i) for i in range(size)]
        peak = counts.max() or 1
        rows = [
            [f"<b>{html.escape(names[i])}</b>"] + [_shaded(counts[i, j], peak) for j in range(size)]
            for i in range(size)
        ]
        return "<p class=muted>Rows: true class; columns: predicted.</p>" + _table(
            ["true \\ predicted", *map(html.escape, names)], rows, numeric=range(1, size + 1)
        )
    return "<p class=muted>No confusion matrix in this evaluation.</p>"


def _eval_examples(examples_uri, limit=256):
    files = tf.io.gfile.glob(os.path.join(examples_uri, "Split-eval", "*"))
    dataset = tf.data.TFRecordDataset(files, compression_type="GZIP").take(limit)
    return [record.numpy() for record in dataset]


def _feature(example, key):
    feature = example.features.feature.get(key)
    if feature is None:
        return None
    for kind in ("bytes_list", "int64_list", "float_list"):
        values = getattr(feature, kind).value
        if values:
            return values[0]
    return None


def _thumbnail(image_bytes):
    from PIL import Image

    side = int(round(len(image_bytes) ** 0.5))
    if side * side != len(image_bytes):
        return ""
    image = Image.fromarray(np.frombuffer(image_bytes, np.uint8).reshape(side, side)).resize(
        (side * 3, side * 3)
    )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return _png(buffer.getvalue())


def _samples(model_uri, examples_uri):
    """Predictions of the candidate on eval examples: `_SAMPLES` right and `_SAMPLES` wrong."""
    model = tf.saved_model.load(os.path.join(model_uri, "Format-Serving"))
    records = _eval_examples(examples_uri)
    outputs = model.signatures["serving_default"](examples=tf.constant(records))
    predicted = outputs["labels"].numpy() if "labels" in outputs else outputs["class_ids"].numpy()
    confidence = outputs["probabilities"].numpy().max(axis=-1)
    right, wrong = [], []
    for record, guess, p in zip(records, predicted, confidence):
        example = tf.train.Example.FromString(record)
        truth = _feature(example, "label")
        truth = truth.decode() if isinstance(truth, bytes) else str(truth)
        guess = guess.decode() if isinstance(guess, bytes) else str(guess)
        image, text = _feature(example, "image"), _feature(example, "text")
        shown = _thumbnail(image) if image is not None else html.escape((text or b"").decode()[:160])
        card = (
            f'<div class="sample{"" if guess == truth else " wrong"}">{shown}<br>'
            f"true <b>{html.escape(truth)}</b>, predicted <b>{html.escape(guess)}</b> ({p:.2f})</div>"
        )
        (right if guess == truth else wrong).append(card)
    return (
        f"<h3>Right: {len(right)} of the first {len(records)} eval examples</h3>"
        f"<div class=samples>{''.join(right[:_SAMPLES])}</div>"
        f"<h3>Wrong: {len(wrong)}</h3><div class=samples>{''.join(wrong[:_SAMPLES])}</div>"
    )


def _statistics(statistics_uri):
    from tensorflow_metadata.proto.v0 import statistics_pb2

    parts = []
    for split_dir in sorted(tf.io.gfile.glob(os.path.join(statistics_uri, "Split-*"))):
        path = os.path.join(split_dir, "FeatureStats.pb")
        stats = statistics_pb2.DatasetFeatureStatisticsList.FromString(tf.io.gfile.GFile(path, "rb").read())
        dataset = stats.datasets[0]
        rows = []
        for feature in dataset.features:
            name = ".".join(feature.path.step) or feature.name
            if feature.HasField("num_stats"):
                s = feature.num_stats
                common = s.common_stats
                detail = f"mean {s.mean:.3g}, std {s.std_dev:.3g}, min {s.min:.3g}, max {s.max:.3g}"
            elif feature.HasField("string_stats"):
                s = feature.string_stats
                common = s.common_stats
                top = ", ".join(f"{html.escape(v.value[:30])} ({int(v.frequency)})" for v in s.top_values[:4])
                detail = f"{s.unique} unique, avg length {s.avg_length:.1f}; top: {top}"
            else:
                s = feature.bytes_stats
                common = s.common_stats
                detail = f"{s.min_num_bytes:.0f}–{s.max_num_bytes:.0f} bytes"
            rows.append([html.escape(name), common.num_non_missing, common.num_missing, detail])
        split = os.path.basename(split_dir).removeprefix("Split-")
        parts.append(
            f"<h3>{html.escape(split)}: {dataset.num_examples:,} examples</h3>"
            + _table(["feature", "present", "missing", "statistics"], rows, numeric=(1, 2))
        )
    return "".join(parts)


def _anomalies(anomalies_uri):
    from tensorflow_metadata.proto.v0 import anomalies_pb2

    from components.validation_gate.component import describe

    found = {}
    for split_dir in tf.io.gfile.glob(os.path.join(anomalies_uri, "Split-*")):
        data = tf.io.gfile.GFile(os.path.join(split_dir, "SchemaDiff.pb"), "rb").read()
        found[os.path.basename(split_dir).removeprefix("Split-")] = anomalies_pb2.Anomalies.FromString(data)
    lines = describe(found)
    if not lines:
        return "<p class=good>No anomalies: every split matches the schema.</p>"
    return "<ul>" + "".join(f"<li>{html.escape(line)}</li>" for line in lines) + "</ul>"


def _lineage(metadata_path, run_context, outputs):
    inputs = runner.run_nodes(metadata_path, run_context, direction=runner.mlmd.proto.Event.INPUT)
    rows = []
    for node, (_, produced) in sorted(outputs.items(), key=lambda i: i[1][0].create_time_since_epoch):
        for direction, artifacts in (("in", inputs.get(node, (None, {}))[1]), ("out", produced)):
            for key, found in sorted(artifacts.items()):
                for a in found:
                    rows.append(
                        [
                            html.escape(node),
                            direction,
                            html.escape(key),
                            f"{html.escape(a.type)} #{a.id}",
                            f"<code>{html.escape(a.uri)}</code>",
                        ]
                    )
    return _table(["component", "", "key", "artifact", "URI"], rows)


def _section(title, build):
    """A section, or a line saying why it is missing: a report must not fail the run it reports."""
    try:
        body = build()
    except Exception as e:  # noqa: BLE001
        body = (
            f"<p class=muted>Not available: {html.escape(type(e).__name__)}: {html.escape(str(e)[:300])}</p>"
        )
    return f"<h2>{html.escape(title)}</h2>{body}"


def write_report(path, summary, metadata_path):
    """Writes report.html for the latest run of summary['pipeline'] recorded in `metadata_path`."""
    runs = [context for name, context in runner.list_runs(metadata_path) if name == summary["pipeline"]]
    context = runs[-1]
    nodes = runner.run_nodes(metadata_path, context)
    model = runner.output_artifact(nodes, "Trainer", "model")
    examples = next(
        (a for n, (_, out) in nodes.items() if n.endswith("ExampleGen") for a in out.get("examples", [])),
        None,
    )
    evaluation = runner.output_artifact(nodes, "Evaluator", "evaluation")
    statistics = runner.output_artifact(nodes, "StatisticsGen", "statistics")
    anomalies = runner.output_artifact(nodes, "ExampleValidator", "anomalies")
    class_names = (label_files.read(model.uri) if model else None) or []
    curves = summary["artifacts"].get("training_curves")
    seconds = summary["component_seconds"]

    custom = runner.custom_evaluation(evaluation.uri) if evaluation else None
    sections = [_section("Verdict", lambda: _verdict(summary, nodes))]
    if summary["metrics"]:
        source = "the pipeline's evaluator" if custom else "TFMA"
        sections.append(_section(f"Metrics (eval split, {source})", lambda: _metrics(summary["metrics"])))
    if custom and "sample" in custom:
        sections.append(_section("Generated sample", lambda: f"<pre>{html.escape(custom['sample'])}</pre>"))
    if custom:
        for name in custom.get("plots", []):
            plot = os.path.join(evaluation.uri, name)
            title = name.removesuffix(".png").replace("_", " ").capitalize()
            sections.append(_section(title, lambda plot=plot: _png(tf.io.gfile.GFile(plot, "rb").read())))
    elif evaluation:
        sections.append(_section("Confusion matrix", lambda: _confusion(evaluation.uri, class_names)))
    if curves and os.path.exists(curves):
        sections.append(_section("Training curves", lambda: _png(open(curves, "rb").read())))
    if model and examples and not custom:  # a classifier's predictions
        sections.append(
            _section(
                "Sample predictions (candidate model, eval split)", lambda: _samples(model.uri, examples.uri)
            )
        )
    if statistics:
        sections.append(_section("Data statistics (TFDV)", lambda: _statistics(statistics.uri)))
    if anomalies:
        sections.append(_section("Anomalies", lambda: _anomalies(anomalies.uri)))
    sections.append(
        _section(
            "Component timings",
            lambda: _table(
                ["component", "seconds"],
                [[html.escape(k), f"{v:.1f}"] for k, v in seconds.items()],
                numeric=(1,),
            ),
        )
    )
    sections.append(_section("Lineage (ML Metadata)", lambda: _lineage(metadata_path, context, nodes)))

    title = f"{summary['pipeline']}: {summary['model']} on {summary['dataset']}"
    page = (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"<style>{_STYLE}</style></head><body><h1>{html.escape(title)}</h1>"
        f'<p class="muted">Run {html.escape(context.name)} · {summary["wall_seconds"]:.0f} s · '
        f"summary.json beside this file</p>{''.join(sections)}</body></html>"
    )
    with tf.io.gfile.GFile(path, "w") as f:
        f.write(page)
    return os.path.abspath(path)
