"""What every experiment writes: report.md (claim, setup, table, plots, findings, verdict), results.json."""

import dataclasses
import json
import math
import os

import numpy as np

from components import plots

VERDICTS = ("reproduced", "partly reproduced", "not reproduced")


@dataclasses.dataclass(frozen=True)
class Finding:
    """One part of the claim, judged from the numbers."""

    key: str  # a word or two, for the one-line verdict
    part: str  # that part of the claim
    status: str  # one of VERDICTS
    why: str  # the numbers that decided it


@dataclasses.dataclass
class Report:
    name: str
    claim: str
    setup: list  # Markdown bullet lines
    headers: list
    rows: list  # lists of cells, formatted as they should read
    plots: list  # (caption, PNG file name in the run's folder)
    findings: list  # Finding, one per part of the claim
    results: dict  # the numbers behind the table and plots
    wall_seconds: float = 0.0

    @property
    def verdict(self):
        return overall(self.findings)


def overall(findings):
    """(status, why): reproduced only when every part is; not reproduced when no part is, even partly."""
    statuses = {f.status for f in findings}
    status = statuses.pop() if len(statuses) == 1 else "partly reproduced"
    groups = [(s, [f.key for f in findings if f.status == s]) for s in VERDICTS]
    return status, "; ".join(f"{s}: {', '.join(keys)}" for s, keys in groups if keys)


def status(*held):
    """The status of a part of a claim that holds when all of `held` do: partly when only some do."""
    return "reproduced" if all(held) else "partly reproduced" if any(held) else "not reproduced"


def finite(value):
    """A float for JSON (NaN and infinities as None: strict JSON has neither)."""
    value = float(value)
    return value if math.isfinite(value) else None


def jsonable(value):
    """`value` with every float strict-JSON safe (NaN and infinities as None), through lists and dicts."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return finite(value) if isinstance(value, float) else value


def markdown_table(headers, rows):
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def render(report):
    status, why = report.verdict
    lines = [f"# Experiment: {report.name}", "", f"**Claim.** {report.claim}", "", "## Setup", ""]
    lines += [f"- {line}" for line in report.setup]
    lines += [
        f"- Wall time: {report.wall_seconds:.0f} s on {os.cpu_count()} CPU cores.",
        "",
        "## Results",
        "",
    ]
    lines += [markdown_table(report.headers, report.rows), ""]
    for caption, file_name in report.plots:
        lines += [f"![{caption}]({file_name})", "", f"*{caption}*", ""]
    lines += ["## Findings", ""]
    lines += [f"- **{f.key}** ({f.part}): {f.status} — {f.why}." for f in report.findings]
    lines += ["", f"Verdict: {status} — {why}", ""]
    return "\n".join(lines)


def write(report, output_dir):
    """Writes report.md and results.json into `output_dir` (the PNGs are already there); returns report.md."""
    status, why = report.verdict
    results = {
        "experiment": report.name,
        "claim": report.claim,
        "verdict": {"status": status, "why": why},
        "findings": [dataclasses.asdict(f) for f in report.findings],
        "table": {"headers": report.headers, "rows": report.rows},
        "plots": {caption: file_name for caption, file_name in report.plots},
        "wall_seconds": report.wall_seconds,
        **report.results,
    }
    with open(os.path.join(output_dir, "results.json"), "w") as f:
        json.dump(results, f, indent=1, allow_nan=False)
    path = os.path.join(output_dir, "report.md")
    with open(path, "w") as f:
        f.write(render(report))
    return path


def plot_panels(path, panels, *, xlabel, ylabel, rows=1, hlines=(), logy=True):
    """A grid of line plots; the first panel holds the legend.

    panels: [(title, {label: (x, y)})], filled row by row; hlines: [(y, label)] drawn gray in each panel.
    """
    plt = plots.pyplot()
    columns = math.ceil(len(panels) / rows)
    fig, axes = plt.subplots(rows, columns, figsize=(3.6 * columns, 2.9 * rows), squeeze=False)
    for ax, (title, curves) in zip(axes.flat, panels):
        for label, (x, y) in curves.items():
            ax.plot(x, y, label=label, linewidth=1)
        for (y, label), style in zip(hlines, ("--", ":", "-.")):
            ax.axhline(y, linestyle=style, color="gray", linewidth=0.9, label=label)
        if logy:
            ax.set_yscale("log")
        ax.set_title(title, fontsize=9)
        ax.set_xlabel(xlabel, fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in axes[:, 0]:
        ax.set_ylabel(ylabel, fontsize=8)
    axes.flat[0].legend(fontsize=7)
    plots.save(fig, path)
    return os.path.basename(path)


def image_rows(path, rows, titles, title, gap=2):
    """Rows of 28×28 images in [0, 1] ([n, 784] each) drawn as one mosaic (one imshow: fast), a title
    at the left of each row; returns the file name."""
    columns = max(len(r) for r in rows)
    mosaic = np.ones(((28 + gap) * len(rows), (28 + gap) * columns))
    for i, images in enumerate(rows):
        for j, image in enumerate(images):
            top, left = i * (28 + gap), j * (28 + gap)
            mosaic[top : top + 28, left : left + 28] = np.asarray(image).reshape(28, 28)
    plt = plots.pyplot()
    fig, ax = plt.subplots(figsize=(0.55 * columns + 2.2, 0.6 * len(rows) + 1.0))
    ax.imshow(mosaic, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_yticks([i * (28 + gap) + 14 for i in range(len(rows))], titles, fontsize=7)
    ax.set_xticks([])
    ax.set_title(title, fontsize=9)
    plots.save(fig, path)
    return path.rsplit("/", 1)[-1]
