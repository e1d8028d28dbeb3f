"""`dlsuite experiment degradation`: a quick run's files, its data handling, and the verdict's logic."""

import json

import numpy as np
import pytest
import tensorflow as tf

from tools import cli
from tools.experiments import EXPERIMENTS, data, degradation, report


def test_registered():
    assert EXPERIMENTS["degradation"] == "tools.experiments.degradation"


def test_quick_run_writes_report_results_and_plots(capsys, tmp_path):
    args = ["experiment", "degradation", "--quick", "--output-dir", str(tmp_path), "--seed", "1"]
    assert cli.main(args) == 0
    (folder,) = (tmp_path / "degradation").iterdir()
    summary = capsys.readouterr().out.strip().splitlines()[-1]
    assert summary.startswith("degradation: ") and str(folder / "report.md") in summary

    text = (folder / "report.md").read_text()
    assert f"**Claim.** {degradation.CLAIM}" in text
    assert "| network | depth | shortcuts | parameters | train error" in text
    config = degradation.QUICK
    shallow, deep = config.depths
    for kind in degradation.KINDS:
        for depth in config.depths:
            assert f"| {degradation.label(kind, depth)} | {depth} | " in text
    (verdict,) = [line for line in text.splitlines() if line.startswith("Verdict: ")]
    results = json.loads((folder / "results.json").read_text())
    assert verdict == f"Verdict: {results['verdict']['status']} — {results['verdict']['why']}"
    assert results["verdict"]["status"] in report.VERDICTS and len(results["findings"]) == 2

    runs = {(r["kind"], r["depth"]): r for r in results["runs"]}
    assert set(runs) == {(kind, depth) for kind in degradation.KINDS for depth in config.depths}
    steps = config.train_size // config.batch
    for r in runs.values():
        assert r["eval_epochs"] == list(range(1, config.epochs + 1))  # eval_every=1
        for key in ("epoch_loss", "epoch_running_error", "probe_error", "test_curve_error"):
            assert len(r[key]) == config.epochs
        assert len(r["step_loss"]) == config.epochs * steps and all(loss > 0 for loss in r["step_loss"])
        assert 0 <= r["train_error"] <= 1 and 0 <= r["test_error"] <= 1
    # Option A shortcuts add no parameters: a plain net and its residual twin have the same count.
    for depth in config.depths:
        assert runs["plain", depth]["parameters"] == runs["resnet", depth]["parameters"]
    assert runs["plain", deep]["parameters"] > runs["plain", shallow]["parameters"]

    assert set(results["plots"].values()) == {"degradation.png", "training_loss.png"}
    for file_name in results["plots"].values():
        assert f"]({file_name})" in text
        image = tf.io.decode_png(tf.io.read_file(str(folder / file_name)))
        assert image.shape[0] > 100 and image.shape[1] > 100


def _runs(plain, resnet, depths=(20, 56)):
    """Hand-made final figures: plain/resnet = (train error shallow, train error deep)."""
    runs = {}
    for kind, errors in (("plain", plain), ("resnet", resnet)):
        for depth, error in zip(depths, errors):
            runs[kind, depth] = {"train_error": error, "test_error": error + 0.05}
    return runs


@pytest.mark.parametrize(
    ("plain", "resnet", "statuses", "overall"),
    [
        ((0.02, 0.08), (0.02, 0.015), ("reproduced", "reproduced"), "reproduced"),
        ((0.02, 0.08), (0.020, 0.023), ("reproduced", "reproduced"), "reproduced"),  # within noise
        ((0.02, 0.08), (0.02, 0.06), ("reproduced", "not reproduced"), "partly reproduced"),
        ((0.020, 0.023), (0.02, 0.015), ("partly reproduced", "reproduced"), "partly reproduced"),
        ((0.05, 0.03), (0.02, 0.015), ("not reproduced", "reproduced"), "partly reproduced"),
        ((0.05, 0.03), (0.02, 0.06), ("not reproduced", "not reproduced"), "not reproduced"),
    ],
    ids=[
        "as-claimed",
        "resnet-within-noise",
        "resnet-degrades",
        "plain-within-noise",
        "plain-fine",
        "contrary",
    ],
)
def test_verdict_follows_the_numbers(plain, resnet, statuses, overall):
    findings = degradation.judge(_runs(plain, resnet), (20, 56), n=6000, steps=460)
    assert tuple(f.status for f in findings) == statuses
    assert report.overall(findings)[0] == overall
    assert "plain-56" in findings[0].why and "ResNet-20" in findings[1].why
    assert "(plain-56: " in findings[1].why  # the residual finding sets the deep plain net beside it
    if statuses[0] == "not reproduced":
        assert "after 460 SGD steps" in findings[0].why


def test_noise_margin():
    expected = 2 * np.sqrt(2 * 0.05 * 0.95 / 6000)
    assert degradation.margin(0.04, 0.06, 6000) == pytest.approx(expected)
    assert degradation.margin(0.0, 0.0, 6000) == degradation.MIN_MARGIN
    assert degradation.margin(0.1, 0.1, 500) > degradation.margin(0.1, 0.1, 5000)


def test_batches_are_seeded_and_shared_and_the_rate_drops_by_ten():
    config = degradation.Config(train_size=1000, batch=128, epochs=4)
    orders = degradation.epoch_orders(config, seed=3)
    again = degradation.epoch_orders(config, seed=3)
    assert len(orders) == 4 and all(len(o) == 7 * 128 for o in orders)
    for order, same in zip(orders, again):
        np.testing.assert_array_equal(order, same)
        assert len(set(order)) == len(order) and order.max() < 1000
    assert not np.array_equal(orders[0], orders[1])
    config = degradation.Config(epochs=20, warmup_epochs=1, eval_every=3)
    rates = [degradation.learning_rate(config, epoch) for epoch in range(config.epochs)]
    assert rates == pytest.approx([0.01] + [0.1] * 9 + [0.01] * 5 + [0.001] * 5)  # warm-up, drops at 50%, 75%
    assert degradation.eval_epochs(config) == [3, 6, 9, 12, 15, 18, 20]


def test_missing_fashion_mnist_says_how_to_install(tmp_path):
    with pytest.raises(FileNotFoundError, match="apt-get install dataset-fashion-mnist"):
        data.load_split(str(tmp_path), "train")
