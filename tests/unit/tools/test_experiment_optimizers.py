"""`dlsuite experiment optimizers`: a quick run, the NumPy update rules against Keras's, the verdict."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tests.experiment_checks import quick_run
from tools.experiments import optimizers as opt


def test_quick_run_writes_report_results_and_plots(tmp_path):
    text, results = quick_run("optimizers", tmp_path)
    assert "| optimizer | quadratic, κ = 100: best η, steps | Rosenbrock: best η, steps | F-MNIST η |" in text
    assert [f["key"] for f in results["findings"]] == ["momentum", "adaptive early"]

    config = opt.QUICK
    for problem in results["toy"].values():
        assert set(problem) == set(opt.NAMES)
        for r in problem.values():
            assert len(r["steps"]) == len(config.lr_grid)
            assert r["best_steps"] == min((s for s in r["steps"] if s), default=None)
    runs = results["mlp"]["runs"]
    assert [[r["optimizer"], r["learning_rate"]] for r in runs] == [list(p) for p in config.learning_rates]
    steps = config.epochs * results["mlp"]["steps_per_epoch"]
    for r in runs:
        assert len(r["curve"]) == steps // config.log_every and 0 <= r["test_accuracy"] <= 1
    assert len(results["table"]["rows"]) == len(config.learning_rates)

    assert set(results["plots"].values()) == {"trajectories.png", "training_loss.png"}


@pytest.mark.parametrize("name", opt.NAMES)
def test_numpy_update_rules_follow_keras(name):
    h = np.array([[2.0, 0.5], [0.5, 1.0]])
    lr = 0.05
    variable = keras.Variable(np.array([1.5, -0.5], dtype="float32"))
    optimizer = opt.keras_optimizer(name, lr)
    w, state = np.array([[1.5, -0.5]]), {}
    for _ in range(6):
        optimizer.apply_gradients([(tf.constant(variable.numpy() @ h, dtype="float32"), variable)])
        w = opt.update(name, w, w @ h, state, np.array([[lr]]))
        np.testing.assert_allclose(w[0], variable.numpy(), rtol=1e-5, atol=1e-6)
    assert not np.allclose(w, [[1.5, -0.5]])  # it moved


def test_steps_to_tolerance_grows_with_kappa_and_momentum_shortens_it():
    gd = [opt.steps_to_tolerance("SGD", opt.quadratic(kappa, 30.0), [1.0], 5000)[0] for kappa in (10, 100)]
    assert gd[0] < gd[1]
    heavy = opt.steps_to_tolerance("momentum", opt.quadratic(100, 30.0), [0.7], 5000)[0]
    assert heavy * 2 < gd[1]


def test_a_step_above_two_over_lambda_max_never_reaches_the_tolerance():
    steps = opt.steps_to_tolerance("SGD", opt.quadratic(10, 0.0), [0.5, 2.5], 500)
    assert steps[0] is not None and steps[1] is None


def test_a_lucky_pass_through_the_target_does_not_count():
    # H = I and η = 1: momentum's first step lands on the minimum (f = 0), its velocity carries it away,
    # and only the slow decay of the oscillation (by √β a step) brings it back for good.
    problem = opt.quadratic(1.0, 0.0)
    w, state = np.array([problem.start]), {}
    w = opt.update("momentum", w, problem.grad(w), state, np.array([[1.0]]))
    assert problem.f(w)[0] == 0.0
    assert opt.steps_to_tolerance("momentum", problem, [1.0], 500)[0] > 20
    assert opt.steps_to_tolerance("SGD", problem, [2.0, 1.0], 50) == [None, 1]  # η = 2/λ: w flips for ever


def test_rosenbrock_gradient_matches_finite_differences():
    problem = opt.rosenbrock()
    w, eps = np.array([[-0.7, 0.3], [1.2, 1.1]]), 1e-6
    numeric = np.stack(
        [(problem.f(w + eps * e) - problem.f(w - eps * e)) / (2 * eps) for e in np.eye(2)], axis=1
    )
    np.testing.assert_allclose(problem.grad(w), numeric, rtol=1e-6)
    assert problem.f(np.array([problem.argmin]))[0] == 0.0


def _toy(gd=289, momentum=80, nesterov=73):
    q = {
        name: {"best_steps": s} for name, s in zip(("SGD", "momentum", "Nesterov"), (gd, momentum, nesterov))
    }
    return {"quadratic": q}


def _study(sgd=(0.76, 0.53), adaptive=(0.50, 0.45, 0.40)):
    runs = [
        {"optimizer": "SGD", "learning_rate": lr, "first_epoch_loss": v} for lr, v in zip((0.01, 0.1), sgd)
    ]
    runs += [
        {"optimizer": n, "learning_rate": 0.001, "first_epoch_loss": v}
        for n, v in zip(opt.ADAPTIVE, adaptive)
    ]
    return {"runs": runs}


STATUS = {"R": "reproduced", "P": "partly reproduced", "N": "not reproduced"}


@pytest.mark.parametrize(
    ("toy", "study", "statuses"),
    [
        (_toy(), _study(), "RR"),
        (_toy(momentum=200), _study(), "PR"),
        (_toy(momentum=None, nesterov=290), _study(), "NR"),
        (_toy(gd=None), _study(), "RR"),
        (_toy(), _study(adaptive=(0.6, 0.5, 0.52)), "RP"),
        (_toy(), _study(sgd=(0.76, 0.30)), "RN"),
        (_toy(), _study(sgd=(None, 0.30), adaptive=(None, 0.2, 0.2)), "RP"),
    ],
    ids=["as-claimed", "momentum-slow", "neither", "gd-stuck", "one-adaptive-behind", "sgd-best", "diverged"],
)
def test_verdict_follows_the_numbers(toy, study, statuses):
    findings = opt.judge(toy, study, "quadratic")
    assert [f.status for f in findings] == [STATUS[s] for s in statuses]
    assert "GD " in findings[0].why and "at η = 0.1" in findings[1].why
