"""`dlsuite experiment ridge`: a quick run's files, ridge itself, and the verdict's logic."""

import numpy as np
import pytest

from tests.experiment_checks import quick_run
from tools.experiments import ridge


def test_quick_run_writes_report_results_and_plots(tmp_path):
    text, results = quick_run("ridge", tmp_path)
    assert "| data | model | w₁ | w₂ | twins of opposite signs | mean ‖w‖ | test MSE |" in text
    assert [f["key"] for f in results["findings"]] == [
        "OLS unstable",
        "ridge shrinks",
        "test error",
        "diabetes",
    ]

    config, generated, diabetes = ridge.QUICK, results["generated"], results["diabetes"]
    assert len(generated["test_mse"]) == len(generated["path"]) == len(config.lambdas)
    assert len(generated["scatter"]["ols"]) == config.resamples
    assert len(generated["ols"]["mean"]) == len(ridge.TRUE_WEIGHTS)
    assert len(diabetes["path"]) == len(diabetes["cv_mse"]) == len(config.lambdas)
    assert diabetes["lambda_cv"] in results["config"]["lambdas"]
    assert len(diabetes["ols_weights"]) == 10 and len(results["table"]["rows"]) == 5

    assert set(results["plots"].values()) == {"twin_weights.png", "ridge_path.png", "test_error.png"}


def test_ridge_solves_the_penalised_normal_equation_and_zero_is_least_squares():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(40, 4)) + 3.0, rng.normal(size=40) + 5.0
    w, b = ridge.ridge(x, y, 0.0)
    ones = np.c_[x, np.ones(len(x))]
    np.testing.assert_allclose(np.r_[w, b], np.linalg.lstsq(ones, y, rcond=None)[0], atol=1e-10)
    w, b = ridge.ridge(x, y, 7.0)
    xc, yc = x - x.mean(axis=0), y - y.mean()
    np.testing.assert_allclose((xc.T @ xc + 7.0 * np.eye(4)) @ w, xc.T @ yc, atol=1e-10)  # the gradient is 0
    assert b == pytest.approx(y.mean() - x.mean(axis=0) @ w)


def test_ridge_shrinks_the_weights_as_lambda_grows():
    x, y = ridge.collinear_data(np.random.default_rng(1), 30, 0.01, 0.5)
    norms = [np.linalg.norm(ridge.ridge(x, y, lam)[0]) for lam in (0.0, 0.1, 10.0, 1000.0)]
    assert norms == sorted(norms, reverse=True) and norms[-1] < 0.1 * norms[0]


def test_collinear_twins_make_ols_weights_large_and_ridge_weights_shared():
    x, y = ridge.collinear_data(np.random.default_rng(2), 30, 0.01, 0.5)
    assert np.corrcoef(x[:, 0], x[:, 1])[0, 1] > 0.999
    ols, _ = ridge.ridge(x, y, 0.0)
    shrunk, _ = ridge.ridge(x, y, 1.0)
    assert abs(ols[0] - ols[1]) > 1.0 and abs(shrunk[0] - shrunk[1]) < 0.1


def test_cross_validation_prefers_a_middle_lambda_on_collinear_data():
    x, y = ridge.collinear_data(np.random.default_rng(3), 60, 0.01, 0.5)
    cv = ridge.cross_validated_mse(x, y, [1e-4, 1.0, 1e4], 5, np.random.default_rng(4))
    assert np.argmin(cv) == 1


def _study(ols_std=10.0, opposite=0.9, ridge_std=0.05, gap=0.02, curve=(0.31, 0.30, 0.32, 5.0)):
    stats = {"mean": [1.0, 1.0], "std": [ols_std, ols_std], "opposite_signs": opposite}
    shrunk = {"mean": [0.98, 0.98], "std": [ridge_std, ridge_std], "mean_twin_gap": gap}
    return {"ols": stats, "ridge": shrunk, "ols_test_mse": 0.32, "lambdas": [0.01, 1.0, 10.0, 1e4],
            "test_mse": list(curve)}  # fmt: skip


def _diabetes(ridge_pair=(3.5, 4.3), ridge_mse=3240.0, se=28.0):
    return {"correlation": 0.89, "lambda_cv": 17.8, "ols_weights": [0, 0, 0, 0, -16.7, 5.7],
            "ridge_weights": [0, 0, 0, 0, *ridge_pair], "ols_test_mse": 3235.0, "ridge_test_mse": ridge_mse,
            "difference_se": se}  # fmt: skip


STATUS = {"R": "reproduced", "P": "partly reproduced", "N": "not reproduced"}


@pytest.mark.parametrize(
    ("study", "diabetes", "statuses"),
    [
        (_study(), _diabetes(), "RRRR"),
        (_study(ols_std=0.2, opposite=0.0), _diabetes(), "NPRR"),
        (_study(ridge_std=2.0), _diabetes(), "RPRR"),
        (_study(curve=(0.33, 0.32, 0.33, 0.34)), _diabetes(), "RRNR"),
        (_study(curve=(0.31, 0.30, 0.30, 0.305)), _diabetes(), "RRPR"),
        (_study(), _diabetes(ridge_mse=3400.0), "RRRP"),
        (_study(), _diabetes(ridge_pair=(16.0, 9.0), ridge_mse=3400.0), "RRRN"),
    ],
    ids=[
        "as-claimed",
        "ols-stable",
        "ridge-unstable",
        "ridge-worse",
        "no-u",
        "diabetes-worse",
        "diabetes-none",
    ],
)
def test_verdict_follows_the_numbers(study, diabetes, statuses):
    findings = ridge.judge(study, diabetes, 1.0)
    assert [f.status for f in findings] == [STATUS[s] for s in statuses]
    assert "opposite signs" in findings[0].why and "standard error" in findings[3].why
