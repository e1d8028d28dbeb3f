"""`dlsuite experiment backprop_modules`: a quick run's files and numbers, and the verdict's logic."""

import numpy as np
import pytest

from tests.experiment_checks import quick_run
from tools.experiments import EXPERIMENTS, backprop_modules


def test_registered():
    assert EXPERIMENTS["backprop_modules"] == "tools.experiments.backprop_modules"


def test_quick_run_writes_report_results_and_plots(tmp_path):
    text, results = quick_run("backprop_modules", tmp_path)
    assert "| part | what | measured | within threshold |" in text
    assert len(results["findings"]) == 3

    # The acceptance point holds even in a smoke run: every module's derivative is right.
    checks = results["gradient_check"]
    assert set(checks) == {
        "Linear",
        "Euclidean",
        "YConnector",
        "Adder",
        "Switch",
        "SoftmaxTemperature",
        "ScaledTanh",
    }
    assert all(0 <= e < backprop_modules.GRADIENT_TOLERANCE for e in checks.values())
    assert results["findings"][0]["status"] == "reproduced"

    config = backprop_modules.QUICK
    steps = config.epochs * (config.train_rows // config.batch)
    for run in results["runs"].values():
        assert len(run["step_loss"]) == steps and len(run["train_loss"]) == config.epochs + 1
        assert run["train_loss"][-1] < run["train_loss"][0]
    modules, keras_net = results["runs"]["modules"], results["runs"]["keras"]
    np.testing.assert_allclose(modules["step_loss"], keras_net["step_loss"], atol=backprop_modules.COINCIDE)

    sweep = results["temperature"]
    assert sweep["temperature"] == list(config.temperatures)
    assert np.all(np.diff(sweep["entropy"]) > 0) and len(set(sweep["accuracy"])) == 1

    assert list(results["plots"].values()) == ["backprop_modules.png"]


def _checks(worst):
    return {"Linear": ("linear", 1e-9), "Switch": ("max", worst)}


def _runs(gap, accuracy=(0.97, 0.97), losses=(2.3, 0.1)):
    base = np.linspace(2.3, 0.1, 50)
    return {
        "modules": {
            "step_loss": base.tolist(),
            "train_loss": list(losses),
            "test_accuracy": [0.1, accuracy[0]],
        },
        "keras": {
            "step_loss": (base + gap).tolist(),
            "train_loss": list(losses),
            "test_accuracy": [0.1, accuracy[1]],
        },
    }


@pytest.mark.parametrize(
    ("checks", "runs", "statuses"),
    [
        (_checks(1e-8), _runs(1e-6), ("reproduced", "reproduced", "reproduced")),
        (_checks(0.3), _runs(1e-6), ("partly reproduced", "reproduced", "reproduced")),
        (_checks(1e-8), _runs(0.05, accuracy=(0.97, 0.90)), ("reproduced", "not reproduced", "reproduced")),
        (
            _checks(1e-8),
            _runs(1e-6, accuracy=(0.5, 0.5), losses=(2.3, 2.4)),
            ("reproduced", "reproduced", "not reproduced"),
        ),
        (
            {"Linear": ("linear", 0.5)},
            _runs(np.inf, accuracy=(0.97, 0.5)),
            ("not reproduced", "not reproduced", "reproduced"),
        ),
    ],
    ids=["as-claimed", "one-module-wrong", "curves-apart", "did-not-learn", "all-wrong"],
)
def test_verdict_follows_the_numbers(checks, runs, statuses):
    findings = backprop_modules.judge(checks, runs, test_size=450)
    assert tuple(f.status for f in findings) == statuses


def test_negative_log_likelihood_matches_numpy():
    p = np.array([[0.7, 0.2, 0.1], [0.25, 0.25, 0.5]], "float32")
    y = np.array([0, 2])
    assert float(backprop_modules.nll(p, y)) == pytest.approx(-(np.log(0.7) + np.log(0.5)) / 2, rel=1e-6)


def test_networks_start_from_the_same_weights():
    modules, layers = backprop_modules.networks(64, 8, seed=3)
    x = np.random.default_rng(0).normal(size=(5, 64)).astype("float32")
    np.testing.assert_allclose(modules(x).numpy(), layers(x).numpy(), rtol=1e-5)
    assert [w.shape for w in modules.weights] == [(64, 8), (8,), (8, 10), (10,)]
