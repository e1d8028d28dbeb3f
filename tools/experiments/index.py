"""runs/experiments/index.md: every experiment, its claim and the verdict of its latest run.

Built from what is on disk (each run's results.json), so it is the same whether the runs came
from `dlsuite experiment --all` or one at a time; an experiment never run reads "not run yet".
"""

import json
import os

INDEX = "index.md"


def latest_run(output_dir, name):
    """(folder, results) of the newest finished run of `name` under output_dir, or (None, None).

    Run folders are UTC timestamps, so the newest sorts last; a folder without results.json
    (a run that was stopped or failed) is skipped.
    """
    root = os.path.join(output_dir, name)
    stamps = sorted(os.listdir(root)) if os.path.isdir(root) else []
    for stamp in reversed(stamps):
        path = os.path.join(root, stamp, "results.json")
        if os.path.isfile(path):
            with open(path) as f:
                return os.path.join(root, stamp), json.load(f)
    return None, None


def _cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def write(output_dir, names, claims, failures=None):
    """Writes output_dir/index.md for `names` (in that order); returns its path.

    claims: {name: CLAIM}; failures: {name: one-line error} of this invocation's runs that raised.
    """
    failures = failures or {}
    lines = [
        "# Experiments",
        "",
        "Each row is the latest run of one experiment (`dlsuite experiment NAME`); its report says how the",
        "claim was tested and why the verdict is what it is. Quick runs (`--quick`) test the code, not the",
        "claim: their verdicts say little.",
        "",
        "| experiment | claim | verdict | why | run | wall time |",
        "|---|---|---|---|---|---|",
    ]
    counts = {}
    for name in names:
        folder, results = latest_run(output_dir, name)
        if name in failures:
            status, why, link, wall = "failed", failures[name], "", ""
        elif results is None:
            status, why, link, wall = "not run yet", f"`dlsuite experiment {name}`", "", ""
        else:
            status, why = results["verdict"]["status"], results["verdict"]["why"]
            report = os.path.relpath(os.path.join(folder, "report.md"), output_dir)
            kind = "quick" if results.get("quick") else "full"
            link = f"[{os.path.basename(folder)}]({report}) ({kind})"
            wall = f"{results['wall_seconds']:.0f} s"
        counts[status] = counts.get(status, 0) + 1
        lines.append(f"| {name} | {_cell(claims[name])} | **{status}** | {_cell(why)} | {link} | {wall} |")
    lines += ["", "Totals: " + ", ".join(f"{n} {status}" for status, n in counts.items()) + ".", ""]
    path = os.path.join(output_dir, INDEX)
    with open(path, "w") as f:
        f.write("\n".join(lines))
    return path
