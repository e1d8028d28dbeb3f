"""`dlsuite experiment least_squares`: a quick run's files, the solvers, and the verdict's logic."""

import numpy as np
import pytest

from tests.experiment_checks import quick_run
from tools.experiments import least_squares as ls


def test_quick_run_writes_report_results_and_plots(tmp_path):
    text, results = quick_run("least_squares", tmp_path)
    assert "| problem | method | step size | iterations | theory bound | max |w − w_NE| | test MSE |" in text
    assert [f["key"] for f in results["findings"]] == [
        "same weights",
        "iterations ∝ κ",
        "2/λ_max",
        "diabetes",
    ]

    config = ls.QUICK
    sweep = results["kappa_sweep"]
    assert sweep["kappas"] == list(config.kappas) and len(sweep["iterations"]) == len(config.kappas)
    assert sweep["iterations"][0] == 1  # κ = 1 and η = 1/λ_max: one step lands on the solution
    assert results["agreement"]["errors"]["GD"] < ls.AGREE  # GD stops at a far tighter tolerance
    assert len(results["agreement"]["sgd_epoch_error"]) == config.sgd_epochs
    curves = results["step_sizes"]["curves"]
    assert len(curves) == len(config.step_factors)
    assert all(len(c) == config.step_iterations for c in curves.values())
    assert set(results["diabetes"]["test_mse"]) == {"NE", "GD", "SGD"}
    assert len(results["diabetes"]["weights"]["NE"]) == 11  # 10 features and the intercept
    assert len(results["table"]["rows"]) == 2 * len(config.kappas) + 6

    assert set(results["plots"].values()) == {"iterations_vs_kappa.png", "step_sizes.png", "sgd.png"}


def test_conditioned_problem_has_the_requested_condition_number():
    x, y, w_true, covariance = ls.conditioned_problem(np.random.default_rng(0), 300, 6, 250.0, 0.0)
    eigenvalues = np.linalg.eigvalsh(x.T @ x / len(x))
    assert eigenvalues[-1] / eigenvalues[0] == pytest.approx(250.0)
    np.testing.assert_allclose(x.T @ x / len(x), covariance, atol=1e-10)
    np.testing.assert_allclose(x @ w_true, y)  # no noise asked for


def test_normal_equation_matches_lstsq():
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(50, 7)), rng.normal(size=50)
    np.testing.assert_allclose(ls.normal_equation(x, y), np.linalg.lstsq(x, y, rcond=None)[0], atol=1e-12)


def test_gradient_descent_iterations_grow_with_kappa_and_stay_under_the_bound():
    counts = []
    for kappa in (2, 20, 200):
        x, y, _, _ = ls.conditioned_problem(np.random.default_rng(2), 100, 5, kappa, 0.1)
        k, w = ls.iterations_to(ls.gradient_descent(x, y, 1.0), ls.normal_equation(x, y))  # λ_max = 1
        assert k is not None and k <= ls.gd_bound(kappa, optimal=False)
        counts.append(k)
    assert counts[0] < counts[1] < counts[2]
    assert ls.kappa_slope((2, 20, 200), counts) == pytest.approx(1.0, abs=0.2)


def test_gradient_descent_diverges_above_two_over_lambda_max():
    x, y, _, _ = ls.conditioned_problem(np.random.default_rng(3), 60, 4, 10, 0.1)
    iterates = ls.gradient_descent(x, y, 2.2)  # λ_max = 1
    norms = [np.linalg.norm(next(iterates)) for _ in range(60)]
    assert norms[-1] > 100 * norms[0]
    assert ls.iterations_to(ls.gradient_descent(x, y, 2.2), ls.normal_equation(x, y), max_iter=50)[0] is None


def test_gd_bound_is_kappa_log_one_over_tol():
    assert ls.gd_bound(1, optimal=False) == 1
    assert ls.gd_bound(1000, optimal=False) == pytest.approx(1000 * np.log(1e6), rel=1e-3)
    assert ls.gd_bound(1000, optimal=True) == pytest.approx(1001 / 2 * np.log(1e6), rel=1e-3)


def test_averaged_sgd_reaches_the_normal_equation():
    x, y, _, _ = ls.conditioned_problem(np.random.default_rng(4), 200, 3, 3, 0.1)
    last, average, lasts, averages = ls.sgd(x, y, 20, 0.1, 1.0, np.random.default_rng(5))
    w = ls.normal_equation(x, y)
    assert np.max(np.abs(average - w)) < 1e-3
    assert lasts.shape == averages.shape == (20, 3)
    np.testing.assert_array_equal(lasts[-1], last)


def _numbers(sgd_error=1e-4, iterations=(1, 120, 1250, 12600), ratios=(0.01, 1e-5, 1e-3, 5.0, None),
             diabetes_sgd=5e-3, mses=(3234.8, 3234.8, 3236.0)):  # fmt: skip
    agreement = {"kappa": 10, "errors": {"NE": 0.0, "GD": 2e-6, "SGD": sgd_error}, "lstsq_error": 1e-14}
    sweep = {"kappas": [1, 10, 100, 1000], "iterations": list(iterations)}
    steps = {"factors": [0.5, 1.0, 1.9, 2.1, 2.5], "iterations": 100, "ratio": list(ratios)}
    diabetes = {
        "kappa": 503.0,
        "errors": {"NE": 0.0, "GD": 4e-7, "SGD": diabetes_sgd},
        "test_mse": dict(zip(("NE", "GD", "SGD"), mses)),
    }
    return agreement, sweep, steps, diabetes


STATUS = {"R": "reproduced", "P": "partly reproduced", "N": "not reproduced"}


@pytest.mark.parametrize(
    ("numbers", "statuses"),
    [
        (_numbers(), "RRRR"),
        (_numbers(sgd_error=0.02, diabetes_sgd=0.05), "PRRP"),
        (_numbers(iterations=(1, 120, 400, 900)), "RPRR"),
        (_numbers(iterations=(1, 120, None, 900)), "RNRR"),
        (_numbers(ratios=(0.01, 1e-5, 2.0, 0.5, 0.9)), "RRNR"),
        (_numbers(diabetes_sgd=0.5, mses=(3234.8, 3234.8, 3400.0)), "RRRN"),
    ],
    ids=["as-claimed", "sgd-short", "sublinear", "gd-stalled", "boundary-wrong", "diabetes-off"],
)
def test_verdict_follows_the_numbers(numbers, statuses):
    findings = ls.judge(*numbers)
    assert [f.status for f in findings] == [STATUS[s] for s in statuses]
    assert "max |w − w_NE|" in findings[0].why and "log-log slope" in findings[1].why
