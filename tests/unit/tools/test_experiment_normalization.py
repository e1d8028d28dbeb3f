"""`dlsuite experiment normalization`: a quick run's files, the helpers, and the verdict's logic."""

import math

import keras
import numpy as np
import pytest

from tests.experiment_checks import quick_run
from tools.experiments import EXPERIMENTS, normalization


def test_registered():
    assert EXPERIMENTS["normalization"] == "tools.experiments.normalization"


def test_quick_run_writes_report_results_and_plots(tmp_path):
    text, results = quick_run("normalization", tmp_path)
    assert "| part | net | optimiser | batch | steps | final training loss (training mode) |" in text
    assert "| (b) | layer norm | Adam 0.001 | 2 | " in text
    assert len(results["findings"]) == 4

    config = normalization.QUICK
    runs = results["learning_rates"]
    assert sorted((r["norm"], r["learning_rate"]) for r in runs) == sorted(
        (n, lr) for n in normalization.NORMS for lr in config.learning_rates
    )
    assert sorted((r["norm"], r["batch"]) for r in results["batch_sizes"]) == sorted(
        (n, b) for n in normalization.NORMS for b in config.batch_sizes
    )
    for r in runs:
        assert len(r["losses"]) == config.steps
    for r in results["batch_sizes"]:
        assert len(r["losses"]) == config.batch_steps and all(v is not None and v > 0 for v in r["losses"])
        assert 0 <= r["test_acc"] <= 1 and ("test_acc_moving" in r) == (r["norm"] == "bn")

    assert set(results["plots"].values()) == {"learning_rates.png", "batch_sizes.png"}


def test_population_statistics_standardise_every_bn_layer_on_the_data():
    model = normalization.build("bn", normalization.QUICK, seed=0)
    x = np.random.default_rng(0).normal(3.0, 2.0, (500, 784)).astype("float32")
    normalization.set_population_statistics(model, x)
    h, checked = x, 0
    for layer in model.layers:
        out = np.asarray(layer(h, training=False))
        if isinstance(layer, keras.layers.BatchNormalization):  # γ = 1, β = 0 as built
            np.testing.assert_allclose(layer.moving_mean.numpy(), h.mean(axis=0), rtol=1e-4, atol=1e-5)
            np.testing.assert_allclose(layer.moving_variance.numpy(), h.var(axis=0), rtol=1e-3)
            np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-3)
            var = h.var(axis=0)
            np.testing.assert_allclose(out.std(axis=0), np.sqrt(var / (var + layer.epsilon)), rtol=1e-3)
            checked += 1
        h = out
    assert checked == normalization.QUICK.depth


def test_same_seed_same_dense_weights_and_norm_layers_in_place():
    config = normalization.QUICK
    nets = {n: normalization.build(n, config, seed=3) for n in normalization.NORMS}
    kernels = {n: [w.numpy() for w in m.weights if "kernel" in w.path] for n, m in nets.items()}
    for a, b in zip(kernels["bn"], kernels["ln"]):
        np.testing.assert_array_equal(a, b)
    kinds = [type(layer).__name__ for layer in nets["ln"].layers]
    assert kinds.count("LayerNormalization") == config.depth and "BatchNormalization" not in kinds


def test_evaluate_matches_keras_cross_entropy():
    model = normalization.build("ln", normalization.QUICK, seed=0)
    x = np.random.default_rng(1).normal(size=(64, 784)).astype("float32")
    y = np.arange(64) % 10
    loss, accuracy = normalization.evaluate(model, x, y)
    logits = model(x)
    expected = keras.losses.sparse_categorical_crossentropy(y, logits, from_logits=True).numpy().mean()
    assert loss == pytest.approx(float(expected), rel=1e-4)
    assert accuracy == pytest.approx(np.mean(np.argmax(logits, axis=1) == y))


def test_smooth_steps_to_and_final_loss():
    losses = [4.0, 2.0, 3.0, 1.0, 0.5]
    np.testing.assert_allclose(normalization.smooth(losses, 2), [4.0, 3.0, 2.5, 2.0, 0.75])
    assert normalization.steps_to(losses, 2.0, 2) == 4 and normalization.steps_to(losses, 0.1, 2) is None
    assert normalization.final_loss(list(range(20))) == pytest.approx(18.5)  # the last tenth: 18, 19
    assert normalization.final_loss([1.0] * 19 + [math.nan]) == math.inf
    assert normalization.margin([0.8, 0.8], 10000) == pytest.approx(2 * math.sqrt(2 * 0.16 / 10000))


def _lr_runs(bn_losses, none_losses, bn_final, none_final, rates=(0.1, 1.0, 10.0)):
    """(norm, rate) -> run; `*_final` the final loss at each rate, `*_losses` the curve at every rate."""
    runs = {}
    for norm, curve, finals in (("none", none_losses, none_final), ("bn", bn_losses, bn_final),
                                ("ln", none_losses, none_final)):  # fmt: skip
        for lr, final in zip(rates, finals):
            runs[norm, lr] = {"losses": curve, "final_loss": final}
    return runs


def _batch_runs(acc):
    """(norm, batch) -> run from {norm: (accuracy at batch 2, at batch 64)}."""
    return {
        (n, b): {"test_acc": a, "final_loss": 0.5, "train_loss_inference": 0.5, "test_acc_moving": a}
        for n, pair in acc.items()
        for b, a in zip((2, 64), pair)
    }


def test_verdict_follows_the_numbers():
    config = normalization.Config(learning_rates=(0.1, 1.0, 10.0), steps=100, window=1)
    fast, slow = list(np.linspace(2.3, 0.5, 10)) + [0.5] * 90, list(np.linspace(2.3, 0.6, 100))
    lr_good = _lr_runs(fast, slow, bn_final=(0.6, 0.5, 0.6), none_final=(0.7, 0.6, math.inf))
    good = _batch_runs({"none": (0.80, 0.85), "bn": (0.60, 0.84), "ln": (0.79, 0.84)})
    findings = normalization.judge(lr_good, good, config, 10000)
    assert [f.status for f in findings] == ["reproduced"] * 4
    assert "plain 1, BN 10, LN 1" in findings[1].why and "excess 19.0%" in findings[2].why

    lr_bad = _lr_runs(slow, slow, bn_final=(0.7, 0.6, math.inf), none_final=(0.7, 0.6, 0.7))
    bad = _batch_runs({"none": (0.80, 0.85), "bn": (0.79, 0.84), "ln": (0.60, 0.84)})
    findings = normalization.judge(lr_bad, bad, config, 10000)
    assert [f.status for f in findings] == ["not reproduced"] * 4
