"""What every experiment's quick run must write: report.md, results.json and readable PNGs."""

import json
import os

import tensorflow as tf

from tools.experiments import report
from tools.experiments import run as run_experiment


def quick_run(name, tmp_path, seed=0):
    """Runs `name` with --quick into tmp_path; checks the files every report has; returns (text, results)."""
    result, path = run_experiment(name, quick=True, output_dir=str(tmp_path), seed=seed)
    text = open(path).read()
    results = json.loads(open(os.path.join(os.path.dirname(path), "results.json")).read())
    assert f"**Claim.** {result.claim}" in text
    (verdict,) = [line for line in text.splitlines() if line.startswith("Verdict: ")]
    assert verdict == f"Verdict: {results['verdict']['status']} — {results['verdict']['why']}"
    assert results["verdict"]["status"] in report.VERDICTS and results["findings"]
    assert all(f["status"] in report.VERDICTS for f in results["findings"])
    assert results["quick"] is True and results["seed"] == seed
    assert results["plots"], "every report has at least one plot"
    for file_name in results["plots"].values():
        assert f"]({file_name})" in text
        image = tf.io.decode_png(tf.io.read_file(os.path.join(os.path.dirname(path), file_name)))
        assert image.shape[0] > 100 and image.shape[1] > 100
    return text, results
