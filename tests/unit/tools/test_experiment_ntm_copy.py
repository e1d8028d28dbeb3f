"""`dlsuite experiment ntm_copy`: a quick run's files and numbers, and the verdict's logic."""

import json
import math

import numpy as np
import pytest
import tensorflow as tf

from tools import cli
from tools.experiments import EXPERIMENTS, ntm_copy, report


def test_registered():
    assert EXPERIMENTS["ntm_copy"] == "tools.experiments.ntm_copy"


def test_quick_run_writes_report_results_and_plots(capsys, tmp_path):
    assert cli.main(["experiment", "ntm_copy", "--quick", "--output-dir", str(tmp_path), "--seed", "2"]) == 0
    (folder,) = (tmp_path / "ntm_copy").iterdir()
    summary = capsys.readouterr().out.strip().splitlines()[-1]
    assert summary.startswith("ntm_copy: ") and str(folder / "report.md") in summary

    text = (folder / "report.md").read_text()
    assert f"**Claim.** {ntm_copy.CLAIM}" in text
    assert "| length | NTM error per bit | NTM bits wrong / seq | LSTM error per bit |" in text
    config = ntm_copy.QUICK
    for length in config.eval_lengths:
        assert f"| {length} | " in text
    (verdict,) = [line for line in text.splitlines() if line.startswith("Verdict: ")]
    results = json.loads((folder / "results.json").read_text())
    assert verdict == f"Verdict: {results['verdict']['status']} — {results['verdict']['why']}"
    assert results["verdict"]["status"] in report.VERDICTS and len(results["findings"]) == 2

    for kind in ("ntm", "lstm"):
        errors = results["errors"][kind]
        assert sorted(map(int, errors)) == sorted(config.eval_lengths)
        for length, e in errors.items():
            assert 0 <= e["error_per_bit"] <= 1 and math.isfinite(e["bits_wrong_per_sequence"])
            assert e["bits_wrong_per_sequence"] == pytest.approx(e["error_per_bit"] * 8 * int(length))
    runs = {r["model"]: r for r in results["runs"]}
    for r in runs.values():
        assert len(r["cost_bits_per_sequence"]) == config.steps // config.log_every
        assert all(c is not None and c > 0 for c in r["cost_bits_per_sequence"])
        assert r["sequences_seen"][-1] == config.steps * config.batch
    assert runs["ntm"]["parameters"] > 0 and runs["lstm"]["parameters"] > 0

    assert set(results["plots"].values()) == {
        "learning_curves.png",
        "error_vs_length.png",
        "ntm_heatmaps.png",
    }
    for file_name in results["plots"].values():
        assert f"]({file_name})" in text
        image = tf.io.decode_png(tf.io.read_file(str(folder / file_name)))
        assert image.shape[0] > 100 and image.shape[1] > 100


def _errors(ntm, lstm, lengths=(10, 20, 30, 60, 120)):
    return {
        kind: {n: {"error_per_bit": e, "bits_wrong_per_sequence": 8 * n * e} for n, e in zip(lengths, errs)}
        for kind, errs in (("ntm", ntm), ("lstm", lstm))
    }


@pytest.mark.parametrize(
    ("ntm", "lstm", "statuses"),
    [
        ((0, 0, 0.001, 0.01, 0.05), (0.01, 0.05, 0.25, 0.4, 0.45), ("reproduced", "reproduced")),
        ((0, 0, 0.001, 0.01, 0.3), (0.01, 0.05, 0.25, 0.4, 0.45), ("reproduced", "not reproduced")),
        ((0, 0, 0.001, 0.3, 0.4), (0.01, 0.05, 0.25, 0.4, 0.45), ("partly reproduced", "not reproduced")),
        ((0, 0, 0.01, 0.02, 0.03), (0, 0, 0.02, 0.03, 0.04), ("not reproduced", "not reproduced")),
        ((0.5, 0.5, 0.5, 0.5, 0.5), (0.5, 0.5, 0.5, 0.5, 0.5), ("not reproduced", "not reproduced")),
    ],
    ids=["as-claimed", "fails-at-120", "only-30", "both-near-zero", "neither-learned"],
)
def test_verdict_follows_the_numbers(ntm, lstm, statuses):
    findings = ntm_copy.judge(_errors(ntm, lstm))
    assert tuple(f.status for f in findings) == statuses
    assert "L=30: NTM" in findings[0].why and "L=120: NTM" in findings[1].why


def test_training_batches_are_padded_to_one_shape_and_keep_their_targets():
    config = ntm_copy.QUICK
    x, y, mask = ntm_copy.batch(np.random.default_rng(0), config, 6, config.train_lengths)
    assert x.shape == (6, 41, 9) and y.shape == (6, 41, 8) and mask.shape == (6, 41)
    lengths = mask.sum(axis=1).astype(int)
    for i, n in enumerate(lengths):
        np.testing.assert_array_equal(y[i, n + 1 : 2 * n + 1], x[i, :n, :8])
    x, _, _ = ntm_copy.batch(np.random.default_rng(0), config, 2, 60)
    assert x.shape[1] == 121
