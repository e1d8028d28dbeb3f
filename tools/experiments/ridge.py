"""Ridge regression shrinks collinear weights (course chapters 1-2).

When two columns of X are nearly identical, XᵀX has an eigenvalue near 0 along their difference, and
least squares (OLS) sets the difference of their weights from the noise: large weights of opposite
signs that change from one sample of the data to the next. Ridge regression (Hoerl & Kennard 1970)
minimises ‖Xw − y‖² + λ‖w‖², w = (XᵀX + λI)⁻¹Xᵀy: the λ lifts the small eigenvalue, so the pair share
their weight, small and stable, at the price of some bias when λ grows too large (the U of the test
error against λ). The experiment fits both on many resamples of generated data with a near-duplicate
column, draws the ridge path, and repeats on scikit-learn's diabetes set (s1 and s2 are correlated 0.9)
with λ chosen by 5-fold cross-validation on the training rows. float64 NumPy.
"""

import dataclasses

import numpy as np

from components import plots
from tools.experiments import data
from tools.experiments.report import Finding, Report

CLAIM = (
    "Under collinear features least squares gives large weights that flip sign from sample to sample; "
    "ridge regression shrinks them to small, stable, shared weights and does not test worse (a U in λ)."
)
TRUE_WEIGHTS = (1.0, 1.0, 0.5, 0.5, 0.5)  # the twin columns first: each truly worth 1
UNSTABLE = 1.0  # OLS's std of w₁ across resamples at least the true weight itself: its sign is a coin toss
OPPOSITE = 0.25  # OLS gives the twins opposite signs in at least a quarter of the resamples
STABLE_RATIO = 10.0  # ridge's std of w₁ at least 10× below OLS's
SHARED = 0.1  # ridge's mean |w₁ − w₂|: the twins split their weight (truly equal)
BETTER = 0.01  # the best ridge's mean test MSE at least 1 % below OLS's
U_RISE = 0.1  # the largest λ's test MSE at least 10 % above the minimum: the U's right arm
NOISE_SE = 1.0  # diabetes has 110 test rows: ridge "no worse" if within 1 standard error of the paired
# per-row difference of squared errors (a smaller gap is the test set's noise, not the model's)
DIABETES_PAIR = (4, 5)  # s1 (total cholesterol) and s2 (LDL), correlated 0.9


@dataclasses.dataclass(frozen=True)
class Config:
    rows: int = 30  # training rows per resample: few, so the noise shows
    twin_noise: float = 0.01  # x₂ = x₁ + twin_noise·N(0, 1)
    noise: float = 0.5  # standard deviation of the targets' noise
    resamples: int = 200
    test_rows: int = 2000
    ridge_lambda: float = 1.0  # λ of the stability comparison
    lambdas: tuple = tuple(np.geomspace(1e-3, 1e4, 29))  # the path and the U (λ = 0 is OLS)
    folds: int = 5


FULL = Config()
QUICK = Config(resamples=20, test_rows=300, lambdas=tuple(np.geomspace(1e-3, 1e4, 8)), folds=3)


def collinear_data(rng, rows, twin_noise, noise):
    """x [rows, 5]: x₁, its near-twin x₂ = x₁ + twin_noise·ε, three independent columns;
    y = x·TRUE_WEIGHTS + noise."""
    z = rng.normal(size=(rows, 4))
    x = np.c_[z[:, 0], z[:, 0] + twin_noise * rng.normal(size=rows), z[:, 1:]]
    return x, x @ np.array(TRUE_WEIGHTS) + noise * rng.normal(size=rows)


def ridge(x, y, lam):
    """(w, b) minimising ‖Xw + b − y‖² + λ‖w‖² (intercept not penalised: fit on centred x and y).
    λ = 0 is ordinary least squares."""
    x_mean, y_mean = x.mean(axis=0), y.mean()
    xc = x - x_mean
    w = np.linalg.solve(xc.T @ xc + lam * np.eye(x.shape[1]), xc.T @ (y - y_mean))
    return w, y_mean - x_mean @ w


def mse(x, y, fit):
    w, b = fit
    return float(np.mean((x @ w + b - y) ** 2))


def cross_validated_mse(x, y, lambdas, folds, rng):
    """Mean validation MSE of ridge at each λ over `folds` folds of the rows."""
    parts = np.array_split(rng.permutation(len(x)), folds)
    errors = np.zeros(len(lambdas))
    for held in parts:
        train = np.setdiff1d(np.arange(len(x)), held)
        errors += [mse(x[held], y[held], ridge(x[train], y[train], lam)) for lam in lambdas]
    return errors / folds


def resample_study(config, seed):
    """OLS and ridge on `resamples` fresh training sets; one shared held-out set."""
    rng = np.random.default_rng(seed)
    x_test, y_test = collinear_data(rng, config.test_rows, config.twin_noise, config.noise)
    lambdas = (0.0, config.ridge_lambda, *config.lambdas)
    weights, test_mse = [], []
    for _ in range(config.resamples):
        x, y = collinear_data(rng, config.rows, config.twin_noise, config.noise)
        fits = [ridge(x, y, lam) for lam in lambdas]
        weights.append([w for w, _ in fits])
        test_mse.append([mse(x_test, y_test, fit) for fit in fits])
    weights, test_mse = np.array(weights), np.array(test_mse).mean(axis=0)
    ols, shrunk = weights[:, 0], weights[:, 1]
    path_x, path_y = collinear_data(
        np.random.default_rng([seed, 1]), config.rows, config.twin_noise, config.noise
    )
    return {
        "ols": _weight_stats(ols),
        "ridge": _weight_stats(shrunk),
        "ols_test_mse": float(test_mse[0]),
        "ridge_test_mse": float(test_mse[1]),
        "lambdas": list(map(float, config.lambdas)),
        "test_mse": test_mse[2:].tolist(),
        "scatter": {"ols": ols[:, :2].tolist(), "ridge": shrunk[:, :2].tolist()},
        "path": [ridge(path_x, path_y, lam)[0].tolist() for lam in config.lambdas],
    }


def _weight_stats(w):
    return {
        "mean": w.mean(axis=0).tolist(),
        "std": w.std(axis=0).tolist(),
        "opposite_signs": float(np.mean(np.sign(w[:, 0]) != np.sign(w[:, 1]))),
        "mean_twin_gap": float(np.mean(np.abs(w[:, 0] - w[:, 1]))),
        "mean_norm": float(np.mean(np.linalg.norm(w, axis=1))),
    }


def diabetes_study(config, seed):
    """OLS and ridge (λ by cross-validation on the training rows) on standardised diabetes."""
    d = data.sklearn_split("diabetes", seed=seed)
    x_train, x_test = data.standardize(d.x_train, d.x_test)
    lambdas = list(map(float, config.lambdas))
    cv = cross_validated_mse(x_train, d.y_train, lambdas, config.folds, np.random.default_rng([seed, 2]))
    best = lambdas[int(np.argmin(cv))]
    ols, shrunk = ridge(x_train, d.y_train, 0.0), ridge(x_train, d.y_train, best)
    return {
        "source": d.source,
        "correlation": float(np.corrcoef(x_train[:, DIABETES_PAIR[0]], x_train[:, DIABETES_PAIR[1]])[0, 1]),
        "lambda_cv": best,
        "ols_weights": ols[0].tolist(),
        "ridge_weights": shrunk[0].tolist(),
        "ols_test_mse": mse(x_test, d.y_test, ols),
        "ridge_test_mse": mse(x_test, d.y_test, shrunk),
        "difference_se": _paired_se(x_test, d.y_test, shrunk, ols),
        "cv_mse": cv.tolist(),
        "test_mse": [mse(x_test, d.y_test, ridge(x_train, d.y_train, lam)) for lam in lambdas],
        "path": [ridge(x_train, d.y_train, lam)[0].tolist() for lam in lambdas],
    }


def _paired_se(x, y, fit, other):
    """Standard error of the mean per-row difference of squared errors between two fits."""
    difference = [(x @ w + b - y) ** 2 for w, b in (fit, other)]
    return float(np.std(difference[0] - difference[1], ddof=1) / np.sqrt(len(y)))


def _status(*held):
    return "reproduced" if all(held) else "partly reproduced" if any(held) else "not reproduced"


def judge(study, diabetes, ridge_lambda):
    """One Finding per part of the claim, from the measured numbers."""
    ols, shrunk = study["ols"], study["ridge"]
    unstable = Finding(
        "OLS unstable",
        "least squares gives collinear twins large weights of opposite signs that change with the sample",
        _status(ols["std"][0] >= UNSTABLE, ols["opposite_signs"] >= OPPOSITE),
        f"OLS w₁ = {ols['mean'][0]:.2f} ± {ols['std'][0]:.2f} (unstable: std ≥ {UNSTABLE}), twins of "
        f"opposite signs in {ols['opposite_signs']:.0%} of the resamples (≥ {OPPOSITE:.0%})",
    )
    ratio = ols["std"][0] / max(shrunk["std"][0], 1e-12)
    shares = Finding(
        "ridge shrinks",
        "ridge gives the twins small, stable, shared weights",
        _status(ratio >= STABLE_RATIO, shrunk["mean_twin_gap"] <= SHARED),
        f"ridge (λ = {ridge_lambda:g}) w₁ = {shrunk['mean'][0]:.2f} ± {shrunk['std'][0]:.2f}, w₂ = "
        f"{shrunk['mean'][1]:.2f} ± {shrunk['std'][1]:.2f}: std {ratio:.0f}× below OLS's (≥ "
        f"{STABLE_RATIO:.0f}×), mean |w₁ − w₂| {shrunk['mean_twin_gap']:.3f} (shared: ≤ {SHARED})",
    )
    curve = np.array(study["test_mse"])
    low = float(curve.min())
    gain = 1 - low / study["ols_test_mse"]
    rise = curve[-1] / low - 1
    lam_best = study["lambdas"][int(np.argmin(curve))]
    u_shape = Finding(
        "test error",
        "ridge tests no worse than OLS, with a U-shaped test error in λ",
        _status(gain >= BETTER, rise >= U_RISE) if gain >= BETTER else "not reproduced",
        f"mean held-out MSE: OLS {study['ols_test_mse']:.4f}, best ridge {low:.4f} at λ = {lam_best:.3g} "
        f"({gain:.1%} lower; ≥ {BETTER:.0%}), largest λ {curve[-1]:.3f} ({rise:.0%} above the minimum; "
        f"U: ≥ {U_RISE:.0%})",
    )
    i, j = DIABETES_PAIR
    ols_pair = abs(diabetes["ols_weights"][i]) + abs(diabetes["ols_weights"][j])
    ridge_pair = abs(diabetes["ridge_weights"][i]) + abs(diabetes["ridge_weights"][j])
    gap = diabetes["ridge_test_mse"] - diabetes["ols_test_mse"]
    no_worse = gap <= NOISE_SE * diabetes["difference_se"]
    on_diabetes = Finding(
        "diabetes",
        "on diabetes, ridge (λ by cross-validation) shrinks the collinear s1, s2 and tests no worse",
        _status(ridge_pair < ols_pair, no_worse),
        f"s1, s2 correlated {diabetes['correlation']:.2f}; |w_s1| + |w_s2| OLS {ols_pair:.1f}, ridge "
        f"{ridge_pair:.1f} (λ_CV = {diabetes['lambda_cv']:.3g}); test MSE OLS "
        f"{diabetes['ols_test_mse']:.0f}, ridge {diabetes['ridge_test_mse']:.0f} (ridge − OLS {gap:+.0f} ± "
        f"{diabetes['difference_se']:.0f}, one standard error over the test rows; no worse: ≤ "
        f"{NOISE_SE:g} SE)",
    )
    return [unstable, shares, u_shape, on_diabetes]


def _table(study, diabetes, config):
    headers = ["data", "model", "w₁", "w₂", "twins of opposite signs", "mean ‖w‖", "test MSE"]
    rows = []
    for key, label, test in (("ols", "OLS", "ols_test_mse"),
                             ("ridge", f"ridge, λ = {config.ridge_lambda:g}", "ridge_test_mse")):  # fmt: skip
        s = study[key]
        rows.append([
            f"generated, {config.resamples} resamples", label,
            f"{s['mean'][0]:.2f} ± {s['std'][0]:.2f}", f"{s['mean'][1]:.2f} ± {s['std'][1]:.2f}",
            f"{s['opposite_signs']:.0%}", f"{s['mean_norm']:.2f}", f"{study[test]:.4f}",
        ])  # fmt: skip
    curve = study["test_mse"]
    best = int(np.argmin(curve))
    rows.append(["generated", f"ridge, best λ = {study['lambdas'][best]:.3g}", "—", "—", "—", "—",
                 f"{curve[best]:.4f}"])  # fmt: skip
    i, j = DIABETES_PAIR
    cv_label = f"ridge, λ_CV = {diabetes['lambda_cv']:.3g}"
    for key, label, test in (
        ("ols_weights", "OLS", "ols_test_mse"),
        ("ridge_weights", cv_label, "ridge_test_mse"),
    ):
        w = diabetes[key]
        rows.append(["diabetes (w₁, w₂: s1, s2)", label, f"{w[i]:.1f}", f"{w[j]:.1f}",
                     "yes" if np.sign(w[i]) != np.sign(w[j]) else "no", f"{np.linalg.norm(w):.1f}",
                     f"{diabetes[test]:.0f}"])  # fmt: skip
    return headers, rows


def _plots(study, diabetes, config, output_dir):
    plt = plots.pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(8.4, 4))
    for ax, title in zip(axes, (f"{config.resamples} resamples of {config.rows} rows", "zoom on (1, 1)")):
        for key, label, marker in (
            ("ols", "OLS", "o"),
            ("ridge", f"ridge, λ = {config.ridge_lambda:g}", "x"),
        ):
            w = np.array(study["scatter"][key])
            ax.scatter(w[:, 0], w[:, 1], s=10, marker=marker, label=label, alpha=0.7)
        ax.scatter(*TRUE_WEIGHTS[:2], s=60, marker="*", color="black", label="true (1, 1)")
        ax.set_xlabel("w₁ (x₁)")
        ax.set_title(title, fontsize=9)
    axes[1].set_xlim(0.5, 1.5)
    axes[1].set_ylim(0.5, 1.5)
    axes[0].set_ylabel("w₂ (its near-twin x₂)")
    axes[0].legend(fontsize=7)
    plots.save(fig, f"{output_dir}/twin_weights.png")

    lambdas = study["lambdas"]
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
    names = ("x₁", "x₂ (twin)", "x₃", "x₄", "x₅")
    for ax, path, labels, title in (
        (axes[0], study["path"], names, "generated: one sample"),
        (
            axes[1],
            diabetes["path"],
            ("age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"),
            "diabetes",
        ),
    ):
        for k, label in enumerate(labels):
            ax.plot(lambdas, np.array(path)[:, k], label=label, linewidth=1)
        ax.set_xscale("log")
        ax.axhline(0, color="gray", linewidth=0.6)
        ax.set_xlabel("λ")
        ax.set_title(title, fontsize=9)
        ax.legend(fontsize=6, ncol=2)
    axes[0].set_ylabel("ridge weight")
    plots.save(fig, f"{output_dir}/ridge_path.png")

    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4))
    axes[0].plot(lambdas, study["test_mse"], "o-", markersize=3, label="ridge, mean over resamples")
    axes[0].axhline(study["ols_test_mse"], linestyle="--", color="gray", label="OLS")
    axes[1].plot(lambdas, diabetes["test_mse"], "o-", markersize=3, label="ridge, test")
    axes[1].plot(lambdas, diabetes["cv_mse"], "s-", markersize=3, label=f"ridge, {config.folds}-fold CV")
    axes[1].axhline(diabetes["ols_test_mse"], linestyle="--", color="gray", label="OLS, test")
    axes[1].axvline(diabetes["lambda_cv"], linestyle=":", color="black", label="λ_CV")
    for ax, title in zip(axes, ("generated (held-out rows)", "diabetes")):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("λ")
        ax.set_title(title, fontsize=9)
        ax.legend(fontsize=7)
    axes[0].set_ylabel("MSE")
    plots.save(fig, f"{output_dir}/test_error.png")
    return [
        ("The twins' weights over the resamples: OLS along w₁ + w₂ ≈ 2, ridge at (1, 1)", "twin_weights.png"),
        ("Ridge paths: each weight against λ", "ridge_path.png"),
        ("Test error against λ, OLS dashed", "test_error.png"),
    ]


def _setup(config, diabetes, seed, quick):
    return [
        f"Generated data: x₁, x₃, x₄, x₅ ~ N(0, 1), x₂ = x₁ + {config.twin_noise}·N(0, 1) (a near-twin); "
        f"y = x·{TRUE_WEIGHTS} + N(0, {config.noise}²); {config.resamples} training sets of {config.rows} "
        f"rows, one held-out set of {config.test_rows}.",
        "OLS and ridge: w = (XᵀX + λI)⁻¹Xᵀy on centred x and y (the intercept unpenalised); λ = 0 is OLS. "
        f"Stability compared at λ = {config.ridge_lambda:g}; the path and the test error over "
        f"{len(config.lambdas)} λ from {config.lambdas[0]:g} to {config.lambdas[-1]:g}.",
        f"{diabetes['source']}: x standardised with the training statistics; λ chosen by {config.folds}-fold "
        "cross-validation on the training rows, then tested once on the test rows.",
        f"Seed {seed}; float64 NumPy {np.__version__}."
        + (" `--quick`: a smoke run, too small for its verdict to mean much." if quick else ""),
    ]


def run(output_dir, quick=False, seed=0):
    config = QUICK if quick else FULL
    study = resample_study(config, seed)
    diabetes = diabetes_study(config, seed)
    headers, rows = _table(study, diabetes, config)
    return Report(
        name="ridge",
        claim=CLAIM,
        setup=_setup(config, diabetes, seed, quick),
        headers=headers,
        rows=rows,
        plots=_plots(study, diabetes, config, output_dir),
        findings=judge(study, diabetes, config.ridge_lambda),
        results={
            "quick": quick,
            "seed": seed,
            "config": {**dataclasses.asdict(config), "lambdas": list(map(float, config.lambdas))},
            "generated": study,
            "diabetes": diabetes,
        },
    )
