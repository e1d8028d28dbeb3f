"""`dlsuite experiment regularization`: a quick run's files, the pure helpers, and the verdict's logic."""

import numpy as np
import pytest

from tests.experiment_checks import quick_run
from tools.experiments import EXPERIMENTS, regularization


def test_registered():
    assert EXPERIMENTS["regularization"] == "tools.experiments.regularization"


def test_quick_run_writes_report_results_and_plots(tmp_path):
    text, results = quick_run("regularization", tmp_path)
    assert (
        "| net | train acc | test acc | gap | train loss | test loss | val loss | first-layer |w| <" in text
    )
    assert "| MLP, early-stopped at epoch " in text
    assert len(results["findings"]) == 5

    config = regularization.QUICK
    runs = {r["key"]: r for r in results["runs"]}
    assert list(runs) == list(regularization.variants(config))
    assert results["chosen"] == ["l1_0.0003", "l2_0.003"]  # the quick grids hold one λ each
    for key, r in runs.items():
        for curve in ("train_loss", "train_acc", "val_loss", "val_acc"):
            assert len(r[curve]) == config.epochs and all(v is not None for v in r[curve])
        assert 0 <= r["test_acc"] <= 1 and r["gap"] == pytest.approx(r["train_acc"][-1] - r["test_acc"])
        assert ("small_fraction" in r) == (r["model"] == "mlp")
        assert ("epoch_test_acc" in r) == (key == "none")
    assert runs["none"]["epoch_test_acc"][-1] == pytest.approx(runs["none"]["test_acc"])
    weights = 784 * config.width  # the first layer's kernel
    for counts in results["log10_weight_histograms"].values():
        assert sum(counts) == weights and len(counts) == len(results["log10_weight_bins"]) - 1
    assert 1 <= results["early_stopping"]["best_epoch"] <= config.epochs

    assert set(results["plots"].values()) == {
        "mlp_curves.png",
        "cnn_curves.png",
        "weights.png",
        "early_stopping.png",
    }


def test_augment_shifts_within_range_and_flips_about_half():
    rng = np.random.default_rng(0)
    images = np.zeros((400, 28, 28, 1), "float32")
    images[:, 10, 8] = 1.0  # one lit pixel, away from the borders and off the vertical axis
    before = images.copy()
    out = regularization.augment(images, rng, max_shift=2, flips=False)
    np.testing.assert_array_equal(images, before)  # the input is left alone
    assert out.shape == images.shape and np.all(out.sum(axis=(1, 2, 3)) == 1)  # moved, not lost
    rows, columns = np.nonzero(out[..., 0])[1:]
    assert set(rows - 10) == set(range(-2, 3)) and set(columns - 8) == set(range(-2, 3))  # every shift drawn

    mirrored = regularization.augment(images, rng, max_shift=0, flips=True)
    columns = np.nonzero(mirrored[..., 0])[2]
    assert set(columns) == {8, 27 - 8} and 0.4 < np.mean(columns == 19) < 0.6
    np.testing.assert_array_equal(regularization.augment(images, rng, max_shift=0, flips=False), images)


def test_augment_zero_fills_what_shifts_in():
    images = np.ones((200, 28, 28, 1), "float32")
    out = regularization.augment(images, np.random.default_rng(1), max_shift=2, flips=True)
    lit = out.sum(axis=(1, 2, 3))
    assert lit.min() == 26 * 26 and lit.max() == 28 * 28  # a (±2, ±2) shift loses 2 rows and 2 columns


def test_small_fraction_and_margin():
    assert regularization.small_fraction(np.array([0.0, 5e-5, -5e-5, 1e-3, -0.2])) == pytest.approx(0.6)
    assert regularization.small_fraction(np.array([0.0, 0.5]), threshold=1.0) == 1.0
    assert regularization.margin(0.8, 0.8, 10000) == pytest.approx(2 * np.sqrt(2 * 0.16 / 10000))
    assert regularization.margin(0.8, 0.8, 10**9) == regularization.MIN_MARGIN


def _curves(val_loss, test_acc, train_loss=None):
    n = len(val_loss)
    train_loss = train_loss or list(np.geomspace(1.0, 0.001, n))
    return {"train_loss": train_loss, "train_acc": [min(1.0, 0.8 + 0.02 * i) for i in range(n)],
            "val_loss": val_loss, "val_acc": [0.78] * n, "epoch_test_acc": test_acc,
            "epoch_test_loss": val_loss}  # fmt: skip


def _runs(*, l1_small, l2_small, l1_gap, l2_gap, dropout, augmented, val_loss, test_acc):
    """Hand-made summaries: `none` overfits (gap 0.20, test 0.80); the others as given."""

    def mlp(gap, test=0.80, small=0.001, rms=0.05, strength=0.0):
        return {"gap": gap, "test_acc": test, "test_loss": 0.6, "small_fraction": small, "weight_rms": rms,
                "strength": strength}  # fmt: skip

    none = {**mlp(0.20), **_curves(val_loss, test_acc), "test_acc": test_acc[-1], "test_loss": 1.2}
    return {
        "none": none,
        "l1_0.001": mlp(l1_gap, small=l1_small, rms=0.015, strength=1e-3),
        "l2_0.01": mlp(l2_gap, small=l2_small, rms=0.01, strength=1e-2),
        "dropout": mlp(dropout[0], test=dropout[1]),
        "cnn": {"gap": 0.19, "test_acc": 0.80, "test_loss": 1.4},
        "cnn_shifts": {"gap": 0.14, "test_acc": 0.82, "test_loss": 0.6},
        "cnn_shifts_flips": {"gap": 0.12, "test_acc": augmented, "test_loss": 0.6},
    }


def test_verdict_follows_the_numbers():
    overfit = [0.6, 0.55, 0.6, 0.8, 1.0]  # lowest at epoch 2, then 80% higher
    good = _runs(l1_small=0.95, l2_small=0.05, l1_gap=0.15, l2_gap=0.12, dropout=(0.12, 0.83),
                 augmented=0.83, val_loss=overfit, test_acc=[0.78, 0.80, 0.80, 0.80, 0.80])  # fmt: skip
    findings = regularization.judge(good, 10000, "l1_0.001", "l2_0.01")
    assert [f.status for f in findings] == ["reproduced"] * 5
    assert "epoch 2" in findings[4].why and "95.0% of the first-layer weights" in findings[0].why

    flat = [0.6, 0.5, 0.52, 0.53, 0.54]  # lowest at epoch 2, then less than 10% higher
    bad = _runs(l1_small=0.01, l2_small=0.9, l1_gap=0.21, l2_gap=0.2, dropout=(0.2, 0.79),
                augmented=0.80, val_loss=flat, test_acc=[0.78, 0.75, 0.76, 0.78, 0.80])  # fmt: skip
    bad["l2_0.01"]["weight_rms"] = 0.05  # not shrunk either
    findings = regularization.judge(bad, 10000, "l1_0.001", "l2_0.01")
    assert [f.status for f in findings] == ["not reproduced"] * 5

    # L1: a gap 0.5 point narrower is noise; L2 shrinks and narrows but 90% of its weights are tiny;
    # dropout narrows without raising test accuracy; stopping at epoch 2 loses 5 points.
    mixed = _runs(l1_small=0.95, l2_small=0.9, l1_gap=0.195, l2_gap=0.12, dropout=(0.12, 0.80),
                  augmented=0.83, val_loss=overfit, test_acc=[0.78, 0.75, 0.76, 0.78, 0.80])  # fmt: skip
    statuses = [f.status for f in regularization.judge(mixed, 10000, "l1_0.001", "l2_0.01")]
    assert statuses == ["partly reproduced"] * 3 + ["reproduced", "partly reproduced"]


def test_early_stop_and_chosen_penalty():
    run = _curves([0.9, 0.5, 0.7, 1.1], [0.70, 0.79, 0.78, 0.81])
    run["val_acc"] = [0.7, 0.75, 0.8, 0.77]
    s = regularization.early_stop(run)
    assert s["best_epoch"] == 2 and s["test_acc_at_best"] == 0.79 and s["final_test_acc"] == 0.81
    assert s["best_epoch_by_val_acc"] == 3 and s["test_acc_at_best_val_acc"] == 0.78
    runs = {"none": {"val_loss": [0.1]}, "l1_1": {"val_loss": [0.9, 0.7]}, "l1_2": {"val_loss": [0.5, 0.8]}}
    assert regularization.chosen(runs, "l1") == "l1_1"  # the final validation loss decides, not the best
