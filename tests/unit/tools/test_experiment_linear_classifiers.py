"""`dlsuite experiment linear_classifiers`: a quick run, the two linear models, the verdict's logic."""

import numpy as np
import pytest

from tests.experiment_checks import quick_run
from tools.experiments import data
from tools.experiments import linear_classifiers as lc


def test_quick_run_writes_report_results_and_plots(tmp_path):
    text, results = quick_run("linear_classifiers", tmp_path)
    assert "| data | model | trained | train accuracy | test accuracy | notes |" in text
    assert [f["key"] for f in results["findings"]] == ["perceptron", "logistic regression", "XOR"]

    config, test_rows = lc.QUICK, len(data.sklearn_split("breast_cancer").y_test)
    separable = results["separable"]
    assert 1 <= len(separable["mistakes"]) <= config.perceptron_epochs and len(separable["weights"]) == 3
    for key in ("ours", "sklearn"):
        r = results["breast_cancer"][key]
        assert 0.5 <= r["test_accuracy"] <= 1 and 0 <= r["ece"] <= 1
        assert sum(rows for _, _, rows in r["reliability"]) == test_rows  # each in a bin
    assert set(results["xor"]["accuracy"]) == {"perceptron", "logistic regression", "MLP"}
    assert len(results["xor"]["perceptron_mistakes"]) == config.xor_epochs
    assert len(results["table"]["rows"]) == 6

    assert set(results["plots"].values()) == {"decision_boundaries.png", "calibration_and_mistakes.png"}


def test_perceptron_converges_on_separable_data_within_novikoffs_bound():
    for seed in range(3):
        x, y, line = lc.separable_data(np.random.default_rng(seed), 150, 0.1)
        assert np.all(np.abs(lc.with_bias(x) @ line) >= 0.1)
        w, mistakes = lc.perceptron(x, y, 200)
        assert mistakes[-1] == 0 and np.all(np.sign(lc.with_bias(x) @ w) == y)
        _, margin, bound = lc.novikoff_bound(x, y, line)
        assert margin > 0 and sum(mistakes) <= bound


def test_perceptron_never_converges_on_xor():
    x, y = lc.xor_data(np.random.default_rng(0), 200, 0.2)
    _, mistakes = lc.perceptron(x, y, 20)
    assert len(mistakes) == 20 and min(mistakes) > 20


def test_perceptron_updates_only_on_mistakes():
    x, y = np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([1, -1])
    w, mistakes = lc.perceptron(x, y, 5)
    # epoch 1: w·x̃₁ = 0 is a mistake, w = (1, 0, 1); x̃₂ scores 1 > 0 with label -1, w = (1, -1, 0).
    np.testing.assert_array_equal(w, [1.0, -1.0, 0.0])
    assert mistakes == [2, 0]


def test_logistic_regression_matches_scikit_learn():
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(1)
    x = rng.normal(size=(120, 3))
    y = (x @ [1.0, -2.0, 0.5] + 0.3 + rng.normal(size=120) > 0).astype(float)
    w, b = lc.logistic_regression(x, y, 3000)
    reference = LogisticRegression(C=1.0, tol=1e-10, max_iter=10_000).fit(x, y)
    np.testing.assert_allclose(w, reference.coef_[0], atol=1e-4)
    assert b == pytest.approx(reference.intercept_[0], abs=1e-4)


def test_calibration_error_is_zero_when_frequencies_match_and_large_when_overconfident():
    p = np.repeat([0.05, 0.45, 0.95], 20)
    y = np.concatenate(
        [np.r_[np.ones(1), np.zeros(19)], np.r_[np.ones(9), np.zeros(11)], np.r_[np.ones(19), 0]]
    )
    ece, table = lc.calibration(p, y)
    assert ece == pytest.approx(0.0, abs=1e-12) and [rows for *_, rows in table] == [20, 20, 20]
    ece, _ = lc.calibration(np.full(40, 0.99), np.r_[np.ones(20), np.zeros(20)])
    assert ece == pytest.approx(0.49)


def _numbers(mistakes=(14, 6, 2, 0), bound=296.0, ours=0.958, ece=0.02, xor=(0.6, 0.5, 0.99)):
    separable = {"mistakes": list(mistakes), "converged": mistakes[-1] == 0, "bound": bound, "radius": 1.7,
                 "margin": 0.1}  # fmt: skip
    cancer = {"ours": {"test_accuracy": ours, "ece": ece}, "sklearn": {"test_accuracy": 0.958, "ece": 0.02},
              "weight_gap": 0.01}  # fmt: skip
    accuracy = dict(zip(("perceptron", "logistic regression", "MLP"), ({"test": a} for a in xor)))
    return separable, cancer, {"accuracy": accuracy, "perceptron_mistakes": [200]}


STATUS = {"R": "reproduced", "P": "partly reproduced", "N": "not reproduced"}


@pytest.mark.parametrize(
    ("numbers", "statuses"),
    [
        (_numbers(), "RRR"),
        (_numbers(mistakes=(14, 6, 2, 1)), "NRR"),
        (_numbers(bound=10.0), "PRR"),
        (_numbers(ours=0.90), "RPR"),
        (_numbers(ece=0.2), "RPR"),
        (_numbers(xor=(0.9, 0.5, 0.99)), "RRP"),
        (_numbers(xor=(0.9, 0.5, 0.6)), "RRN"),
    ],
    ids=["as-claimed", "not-converged", "over-bound", "less-accurate", "miscalibrated", "linear-solves",
         "nothing-solves"],
)  # fmt: skip
def test_verdict_follows_the_numbers(numbers, statuses):
    findings = lc.judge(*numbers)
    assert [f.status for f in findings] == [STATUS[s] for s in statuses]
    assert "(R/γ)²" in findings[0].why and "XOR test accuracy" in findings[2].why
