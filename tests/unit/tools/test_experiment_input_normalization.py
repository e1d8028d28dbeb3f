"""`dlsuite experiment input_normalization`: a quick run, the spread measure, GD at 1/L, the verdict."""

import numpy as np
import pytest

from tests.experiment_checks import quick_run
from tools.experiments import input_normalization as inorm


def test_quick_run(tmp_path):
    text, results = quick_run("input_normalization", tmp_path)
    assert "| data | inputs | λ_max of xᵀx/n | λ_max / λ_mean | κ |" in text
    cancer = results["breast_cancer"]
    assert len(cancer["raw"]["loss"]) == inorm.QUICK.gd_steps
    assert set(results["fashion_mnist"]) == {"pixels in [0, 1]", "centred", "standardised"}
    for run in results["fashion_mnist"].values():
        assert run["learning_rate"] in inorm.QUICK.learning_rates


def test_spread_of_a_known_second_moment_matrix():
    # Columns with second moments 9, 1, 1, 1 (orthogonal): λ = 9, 1, 1, 1.
    x = np.sqrt(4) * np.array([[3, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1.0]])
    top, ratio, kappa = inorm.spread(x)
    assert top == pytest.approx(9) and ratio == pytest.approx(9 / 3) and kappa == pytest.approx(9)
    x[:, 3] = 0
    assert inorm.spread(x)[2] is None  # singular


def test_a_common_offset_adds_the_means_eigenvalue():
    x = np.random.default_rng(0).normal(size=(20000, 5))
    top, _, _ = inorm.spread(x + 3.0)
    assert top == pytest.approx(1 + 5 * 9, rel=0.03)  # ‖mean‖² + the unit variance


def test_logistic_gd_descends_to_sklearns_optimum():
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 3))
    y = (x @ [1.0, -2.0, 0.5] + 0.3 + rng.normal(size=400) > 0).astype(float)
    losses = inorm.logistic_gd(x, y, 3000)
    assert all(b <= a + 1e-12 for a, b in zip(losses, losses[1:]))  # 1/L never overshoots
    reference = LogisticRegression(C=1e6, tol=1e-10, max_iter=10000).fit(x, y)
    z = x @ reference.coef_[0] + reference.intercept_[0]
    assert losses[-1] == pytest.approx(np.mean(np.logaddexp(0, z) - y * z), abs=1e-4)


def test_verdict_follows_the_numbers():
    raw = [1.0 - 0.0001 * i for i in range(100)]
    fast = [0.5] * 100
    pixels = {
        "pixels in [0, 1]": {"train_loss": [2.3, 1.0]},
        "centred": {"train_loss": [2.3, 0.9]},
        "standardised": {"train_loss": [2.3, 0.8]},
    }
    spreads = {"pixels in [0, 1]": (100, 500, None), "centred": (20, 100, None), "standardised": (5, 5, None)}
    scales, mean = inorm.judge({"raw": raw, "standardised": fast}, pixels, spreads)
    assert scales.status == mean.status == "reproduced"

    pixels["centred"]["train_loss"] = [2.3, 0.995]
    scales, mean = inorm.judge(
        {"raw": raw, "standardised": raw}, pixels, {**spreads, "centred": spreads["pixels in [0, 1]"]}
    )
    assert scales.status == mean.status == "not reproduced"
