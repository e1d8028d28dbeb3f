"""`dlsuite experiment activations`: a quick run's files and numbers, and the verdict's logic."""

import keras
import numpy as np
import pytest

from tests.experiment_checks import quick_run
from tools.experiments import EXPERIMENTS, activations


def test_registered():
    assert EXPERIMENTS["activations"] == "tools.experiments.activations"


def test_quick_run_writes_report_results_and_plots(tmp_path):
    text, results = quick_run("activations", tmp_path)
    assert "| part | model | test accuracy | measured |" in text
    for label, _, _ in activations.ACTIVATIONS.values():
        assert f"| activation | {label} | " in text
    assert "| local vs global | RBF units | " in text and "| targets | ±1.7159 | " in text
    assert len(results["findings"]) == 5

    config = activations.QUICK
    assert set(results["runs"]) == set(activations.ACTIVATIONS)
    for run in results["runs"].values():
        assert len(run["train_loss"]) == len(run["test_accuracy"]) == config.epochs + 1
        assert len(run["layer_gradient_norms"]) == len(config.hidden) + 1
        assert all(n > 0 for n in run["layer_gradient_norms"]) and len(run["mean_train_loss_per_seed"]) == 1
        assert run["reach"] == pytest.approx(run["layer_gradient_norms"][0] / run["layer_gradient_norms"][-1])
    for kind in ("rbf", "sigmoid"):
        measured = results["local_vs_global"][kind]
        assert all(0 <= measured[m] <= 1 for m in ("test_accuracy", "respond_near", "respond_far"))
        assert 0.5 <= measured["confidence_far"] <= 1
    for run in results["targets"].values():
        assert all(
            len(run[m]) == config.target_epochs for m in ("test_accuracy", "output_weight_norm", "saturated")
        )

    assert set(results["plots"].values()) == {"activations.png", "rbf_vs_sigmoid.png", "targets.png"}


def _runs(speeds, reach_sigmoid=1e-3):
    """Hand-made summaries: speeds {key: mean training loss}, every reach 1 but the sigmoid's."""
    return {
        k: {"mean_train_loss": v, "reach": reach_sigmoid if k == "sigmoid" else 1.0}
        for k, v in speeds.items()
    }


AS_CLAIMED = {"sigmoid": 2.3, "tanh": 0.40, "scaled_tanh": 0.38, "relu": 0.30, "leaky_relu": 0.31,
              "elu": 0.32, "softplus": 0.5, "relu_he": 0.29}  # fmt: skip
RELU_TIES = {**AS_CLAIMED, "tanh": 0.295}  # tanh fastest, ReLU within 5%
SIGMOID_FINE = {**AS_CLAIMED, "sigmoid": 0.39, "softplus": 2.0}  # not slowest; no tanh 5% below it
LOCAL = {
    "rbf": {"respond_far": 0.0, "respond_near": 0.2, "confidence_far": 0.55, "test_accuracy": 1.0},
    "sigmoid": {"respond_far": 0.5, "respond_near": 0.7, "confidence_far": 0.95, "test_accuracy": 1.0},
}
NOT_LOCAL = {"rbf": LOCAL["sigmoid"], "sigmoid": LOCAL["rbf"]}


def _targets(one, asymptote, norms=(2.0, 5.0)):
    return {key: {"test_accuracy": acc, "output_weight_norm": [norm], "saturated": [0.5]}
            for key, acc, norm in (("1", one, norms[0]), ("asymptote", asymptote, norms[1]))}  # fmt: skip


@pytest.mark.parametrize(
    ("speeds", "reach", "rbf", "targets", "statuses"),
    [
        (AS_CLAIMED, 1e-3, LOCAL, _targets([0.80, 0.85], [0.60, 0.70]), ("reproduced",) * 5),
        (
            RELU_TIES,
            1e-3,
            LOCAL,
            _targets([0.80, 0.85], [0.80, 0.86]),
            ("reproduced", "reproduced", "partly reproduced", "reproduced", "partly reproduced"),
        ),
        (
            SIGMOID_FINE,
            2.0,
            NOT_LOCAL,
            _targets([0.8], [0.8], norms=(2.0, 2.1)),
            ("not reproduced", "not reproduced", "reproduced", "not reproduced", "not reproduced"),
        ),
    ],
    ids=["as-claimed", "ties", "against"],
)
def test_verdict_follows_the_numbers(speeds, reach, rbf, targets, statuses):
    findings = activations.judge(_runs(speeds, reach), rbf, targets, test_size=5000)
    assert tuple(f.status for f in findings) == statuses


def test_xor_blobs_label_the_diagonals():
    x, y = activations.blobs(np.random.default_rng(0), 500)
    assert x.shape == (500, 2) and set(np.unique(y)) == {0, 1}
    assert np.mean((x[:, 0] * x[:, 1] < 0) == (y == 1)) > 0.95  # class 1: the (+, −) and (−, +) blobs


def test_layer_gradient_norms_match_the_softmax_regression_formula():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4)])
    x = np.random.default_rng(1).normal(size=(6, 3)).astype("float32")
    y = np.array([0, 1, 2, 3, 0, 1])
    logits = x @ model.layers[0].kernel.numpy() + model.layers[0].bias.numpy()
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    expected = np.linalg.norm(x.T @ (p - np.eye(4)[y]) / len(x))  # ∂ mean cross-entropy / ∂W
    (norm,) = activations.layer_gradient_norms(model, x, y)
    assert norm == pytest.approx(expected, rel=1e-5)
