"""Least squares three ways (course chapters 1-2): the normal equation, batch GD and SGD.

A linear machine y ≈ Xw minimising L(w) = ‖Xw − y‖² / 2n has three classic solvers:

- the normal equation: ∇L = Xᵀ(Xw − y)/n = 0, so w = (XᵀX)⁻¹Xᵀy (Gauss, Legendre);
- batch gradient descent: w ← w − η Xᵀ(Xw − y)/n. Along each eigenvector of H = XᵀX/n (eigenvalue λ)
  the error shrinks by |1 − ηλ| per step, so GD converges only for η < 2/λ_max, and with η = 1/λ_max
  the slowest direction shrinks by 1 − 1/κ, κ = λ_max/λ_min: about κ·ln(1/tol) steps to a tolerance;
- stochastic gradient descent: one example at a time, w ← w − η_t (x_iᵀw − y_i) x_i, with a decaying
  step η_t = η₀/(1 + t/τ) (Robbins & Monro 1951) and the average of the iterates (Polyak & Juditsky 1992).

The experiment builds X with a chosen condition number of XᵀX (its singular values set by hand),
checks the three reach the same weights, counts GD's iterations as κ grows, shows the 2/λ_max
boundary, and runs the three on scikit-learn's diabetes set. Everything is float64 NumPy.
"""

import dataclasses
import itertools

import numpy as np

from components import plots
from tools.experiments import data
from tools.experiments.report import Finding, Report, finite, status

CLAIM = (
    "The normal equation, batch gradient descent and SGD reach the same least-squares weights; GD's "
    "iterations grow in proportion to the condition number of XᵀX, and GD diverges for a step above 2/λ_max."
)
AGREE = 1e-3  # the acceptance: max |w − w_NE| on the well-conditioned problem
GD_TOL = 1e-6  # GD stops at ‖w − w_NE‖ ≤ GD_TOL·‖w_NE‖ (from w = 0): ln(1/tol) ≈ 14 e-foldings
SLOPE = (0.8, 1.2)  # log-log slope of iterations against κ (κ ≥ 10): the theory says 1
MSE_AGREE = 0.01  # diabetes: the three test MSEs within 1 % of one another
DIABETES_AGREE = 1e-2  # diabetes (κ ≈ 500, standardised y): SGD's slowest direction needs ~κ× more steps
MAX_ITER = 200_000  # a GD run that has not reached GD_TOL by then counts as not converged


@dataclasses.dataclass(frozen=True)
class Config:
    rows: int = 1000
    features: int = 10
    noise: float = 0.1  # standard deviation of the targets' noise
    kappas: tuple = (1, 10, 100, 1000)
    agree_kappa: int = 10  # the well-conditioned problem the three solvers are compared on
    sgd_epochs: int = 30
    sgd_lr: float = 0.05  # η₀, below 2 / max‖x_i‖² (≈ 0.13 here)
    sgd_decay_epochs: float = 1.0  # τ in epochs: η_t = η₀ / (1 + t/τ)
    step_factors: tuple = (0.5, 1.0, 1.5, 1.9, 2.1, 2.5)  # η = factor / λ_max
    step_iterations: int = 100
    diabetes_sgd_epochs: int = 300
    diabetes_sgd_lr: float = 0.05  # max‖x_i‖² ≈ 50 on the standardised diabetes rows, median ≈ 10
    diabetes_sgd_decay_epochs: float = 30.0


FULL = Config()
QUICK = Config(rows=200, kappas=(1, 10, 100), sgd_epochs=10, step_iterations=40, diabetes_sgd_epochs=20)


def conditioned_problem(rng, rows, features, kappa, noise):
    """(X, y, w_true, covariance): XᵀX/n has eigenvalues spaced geometrically from 1 down to 1/kappa
    (exactly), built from its SVD X = √n U diag(√λ) Vᵀ; y = X w_true + noise, w_true ~ N(0, I)."""
    u, _ = np.linalg.qr(rng.normal(size=(rows, features)))
    v, _ = np.linalg.qr(rng.normal(size=(features, features)))
    eigenvalues = np.geomspace(1.0, 1.0 / kappa, features)
    x = np.sqrt(rows) * (u * np.sqrt(eigenvalues)) @ v.T
    w_true = rng.normal(size=features)
    return x, x @ w_true + noise * rng.normal(size=rows), w_true, (v * eigenvalues) @ v.T


def normal_equation(x, y):
    """w = (XᵀX)⁻¹Xᵀy, solved as the linear system XᵀX w = Xᵀy (no explicit inverse)."""
    return np.linalg.solve(x.T @ x, x.T @ y)


def gradient_descent(x, y, learning_rate):
    """Batch GD on L(w) = ‖Xw − y‖²/2n from w = 0: yields w_1, w_2, ... forever."""
    w = np.zeros(x.shape[1])
    while True:
        w = w - learning_rate * x.T @ (x @ w - y) / len(x)
        yield w


def iterations_to(iterates, target, tol=GD_TOL, max_iter=MAX_ITER):
    """(k, w_k) for the first iterate with ‖w_k − target‖ ≤ tol·‖target‖; (None, w) after max_iter."""
    for k, w in enumerate(iterates, 1):
        if np.linalg.norm(w - target) <= tol * np.linalg.norm(target):
            return k, w
        if k >= max_iter:
            return None, w


def gd_bound(kappa, optimal, tol=GD_TOL):
    """Steps after which the slowest direction has shrunk by tol: contraction 1 − 1/κ (η = 1/λ_max) or
    (κ − 1)/(κ + 1) (η = 2/(λ_min + λ_max)); about κ·ln(1/tol) and (κ + 1)/2·ln(1/tol)."""
    rate = (kappa - 1) / (kappa + 1) if optimal else 1 - 1 / kappa
    return 1 if rate <= 0 else int(np.ceil(np.log(tol) / np.log(rate)))


def sgd(x, y, epochs, lr, decay_epochs, rng):
    """SGD on shuffled epochs, η_t = lr/(1 + t/τ); returns (last iterate, Polyak average of the second
    half's iterates, per-epoch snapshots of both)."""
    n, features = x.shape
    tau = decay_epochs * n
    w, average, averaged, t = np.zeros(features), np.zeros(features), 0, 0
    last, averages = [], []
    for epoch in range(epochs):
        for i in rng.permutation(n):
            w = w - lr / (1 + t / tau) * (x[i] @ w - y[i]) * x[i]
            t += 1
            if epoch >= epochs // 2:
                averaged += 1
                average += (w - average) / averaged
        last.append(w)
        averages.append(average.copy() if averaged else w)
    return w, (average if averaged else w), np.array(last), np.array(averages)


def _max_diff(a, b):
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b))))


def kappa_slope(kappas, iterations):
    """Least-squares slope of log(iterations) against log(κ), over κ ≥ 10 (κ = 1 takes one step)."""
    points = [(k, i) for k, i in zip(kappas, iterations) if k >= 10 and i]
    if len(points) < 2:
        return float("nan")
    k, i = np.log(np.array(points, dtype=float)).T
    return float(np.polyfit(k, i, 1)[0])


def judge(agreement, sweep, steps, diabetes):
    """One Finding per part of the claim, from the measured numbers."""
    gd_err, sgd_err, kappa = agreement["errors"]["GD"], agreement["errors"]["SGD"], agreement["kappa"]
    same = Finding(
        "same weights",
        f"NE, batch GD and SGD reach the same weights (within {AGREE:g}) on a well-conditioned problem",
        status(gd_err <= AGREE, sgd_err <= AGREE),
        f"κ = {kappa}: max |w − w_NE| = {gd_err:.1e} (GD), {sgd_err:.1e} (SGD, averaged); "
        f"NE vs numpy.linalg.lstsq {agreement['lstsq_error']:.1e}",
    )
    kappas, iters = sweep["kappas"], sweep["iterations"]
    growing = all(i is not None for i in iters) and all(a < b for a, b in zip(iters, iters[1:]))
    slope = kappa_slope(kappas, iters)
    in_range = SLOPE[0] <= slope <= SLOPE[1]
    grows = Finding(
        "iterations ∝ κ",
        "GD's iterations grow in proportion to the condition number",
        status(growing, in_range) if growing else "not reproduced",
        f"η = 1/λ_max: {', '.join(f'{i}' for i in iters)} iterations at κ = "
        f"{', '.join(map(str, kappas))} (to ‖w − w_NE‖ ≤ {GD_TOL:g}‖w_NE‖); log-log slope {slope:.2f} "
        f"(proportional: {SLOPE[0]}-{SLOPE[1]})",
    )
    below = [f for f, r in zip(steps["factors"], steps["ratio"]) if f < 2]
    converged = [f for f, r in zip(steps["factors"], steps["ratio"]) if f < 2 and r is not None and r < 1]
    above = [f for f in steps["factors"] if f > 2]
    diverged = [f for f, r in zip(steps["factors"], steps["ratio"]) if f > 2 and (r is None or r > 1)]
    ratios = ", ".join(
        f"{f}: {r:.1e}" if r is not None else f"{f}: overflow"
        for f, r in zip(steps["factors"], steps["ratio"])
    )
    boundary = Finding(
        "2/λ_max",
        "GD converges for η < 2/λ_max and diverges for η > 2/λ_max",
        status(converged == below, diverged == above),
        f"‖w − w_NE‖ after {steps['iterations']} steps over its start, by η·λ_max: {ratios}",
    )
    errors, mses = diabetes["errors"], diabetes["test_mse"]
    spread = (max(mses.values()) - min(mses.values())) / min(mses.values())
    weights_agree = all(errors[m] <= DIABETES_AGREE for m in ("GD", "SGD"))
    on_diabetes = Finding(
        "diabetes",
        "the three agree on scikit-learn's diabetes set",
        status(weights_agree, spread <= MSE_AGREE),
        f"κ = {diabetes['kappa']:.0f}; max |w − w_NE| (standardised y) GD {errors['GD']:.1e}, SGD "
        f"{errors['SGD']:.1e} (agree ≤ {DIABETES_AGREE:g}); test MSE NE {mses['NE']:.1f}, "
        f"GD {mses['GD']:.1f}, SGD {mses['SGD']:.1f} "
        f"(spread {spread:.2%}, agree ≤ {MSE_AGREE:.0%})",
    )
    return [same, grows, boundary, on_diabetes]


def kappa_sweep(config, seed):
    """GD's iterations to GD_TOL at every κ, for η = 1/λ_max and η = 2/(λ_min + λ_max)."""
    out = {"kappas": list(config.kappas), "iterations": [], "iterations_optimal": [], "errors": []}
    for kappa in config.kappas:
        x, y, _, _ = conditioned_problem(
            np.random.default_rng(seed), config.rows, config.features, kappa, config.noise
        )
        w_ne = normal_equation(x, y)
        low, high = np.linalg.eigvalsh(x.T @ x / len(x))[[0, -1]]
        k, w = iterations_to(gradient_descent(x, y, 1 / high), w_ne)
        k_opt, _ = iterations_to(gradient_descent(x, y, 2 / (low + high)), w_ne)
        out["iterations"].append(k)
        out["iterations_optimal"].append(k_opt)
        out["errors"].append(_max_diff(w, w_ne))
    return out


def agreement_run(config, seed):
    """The three solvers on the well-conditioned problem, with a held-out test set from the same law."""
    rng = np.random.default_rng(seed)
    x, y, w_true, covariance = conditioned_problem(
        rng, config.rows, config.features, config.agree_kappa, config.noise
    )
    x_test = rng.multivariate_normal(np.zeros(config.features), covariance, size=config.rows)
    y_test = x_test @ w_true + config.noise * rng.normal(size=config.rows)
    w_ne = normal_equation(x, y)
    high = np.linalg.eigvalsh(x.T @ x / len(x))[-1]
    k, w_gd = iterations_to(gradient_descent(x, y, 1 / high), w_ne)
    w_last, w_sgd, lasts, averages = sgd(
        x, y, config.sgd_epochs, config.sgd_lr, config.sgd_decay_epochs, np.random.default_rng([seed, 1])
    )
    weights = {"NE": w_ne, "GD": w_gd, "SGD": w_sgd}
    return {
        "kappa": config.agree_kappa,
        "gd_iterations": k,
        "errors": {m: _max_diff(w, w_ne) for m, w in weights.items()},
        "sgd_last_error": _max_diff(w_last, w_ne),
        "lstsq_error": _max_diff(np.linalg.lstsq(x, y, rcond=None)[0], w_ne),
        "test_mse": {m: float(np.mean((x_test @ w - y_test) ** 2)) for m, w in weights.items()},
        "sgd_epoch_error": [_max_diff(w, w_ne) for w in lasts],
        "sgd_epoch_average_error": [_max_diff(w, w_ne) for w in averages],
        "weights": {m: w.tolist() for m, w in weights.items()},
    }


def step_sizes(config, seed):
    """‖w_k − w_NE‖/‖w_NE‖ for k ≤ step_iterations at η = factor/λ_max, on the κ = agree_kappa problem."""
    x, y, _, _ = conditioned_problem(
        np.random.default_rng(seed), config.rows, config.features, config.agree_kappa, config.noise
    )
    w_ne = normal_equation(x, y)
    high = np.linalg.eigvalsh(x.T @ x / len(x))[-1]
    curves = {}
    for factor in config.step_factors:
        iterates = itertools.islice(gradient_descent(x, y, factor / high), config.step_iterations)
        curves[factor] = [np.linalg.norm(w - w_ne) / np.linalg.norm(w_ne) for w in iterates]
    return {
        "factors": list(config.step_factors),
        "iterations": config.step_iterations,
        "ratio": [finite(c[-1]) for c in curves.values()],  # relative to the start, w = 0: distance 1
        "curves": {str(f): [finite(v) for v in c] for f, c in curves.items()},
    }


def diabetes_run(config, seed):
    """NE, GD and SGD on diabetes: x standardised plus a column of ones, y standardised (train statistics)."""
    d = data.sklearn_split("diabetes", seed=seed)
    x_train, x_test = (np.c_[a, np.ones(len(a))] for a in data.standardize(d.x_train, d.x_test))
    mean, std = d.y_train.mean(), d.y_train.std()
    y = (d.y_train - mean) / std
    eigenvalues = np.linalg.eigvalsh(x_train.T @ x_train / len(x_train))
    w_ne = normal_equation(x_train, y)
    k, w_gd = iterations_to(gradient_descent(x_train, y, 1 / eigenvalues[-1]), w_ne)
    _, w_sgd, _, _ = sgd(
        x_train, y, config.diabetes_sgd_epochs, config.diabetes_sgd_lr, config.diabetes_sgd_decay_epochs,
        np.random.default_rng([seed, 2]),
    )  # fmt: skip
    weights = {"NE": w_ne, "GD": w_gd, "SGD": w_sgd}
    return {
        "source": d.source,
        "kappa": float(eigenvalues[-1] / eigenvalues[0]),
        "gd_iterations": k,
        "errors": {m: _max_diff(w, w_ne) for m, w in weights.items()},
        "test_mse": {
            m: float(np.mean((x_test @ w * std + mean - d.y_test) ** 2)) for m, w in weights.items()
        },
        "weights": {m: (w * std).tolist() for m, w in weights.items()},  # in the target's units
    }


def _cell(value, spec):
    return "—" if value is None else format(value, spec)


def _table(config, sweep, agreement, diabetes):
    headers = ["problem", "method", "step size", "iterations", "theory bound", "max |w − w_NE|", "test MSE"]
    rows = []
    for kappa, k, k_opt, err in zip(
        sweep["kappas"], sweep["iterations"], sweep["iterations_optimal"], sweep["errors"]
    ):
        problem = f"generated, κ = {kappa}"
        rows.append([problem, "GD", "1/λ_max", _cell(k, "d"), gd_bound(kappa, False), f"{err:.1e}", "—"])
        rows.append([problem, "GD", "2/(λ_min+λ_max)", _cell(k_opt, "d"), gd_bound(kappa, True), "—", "—"])
    rows += _solver_rows(f"generated, κ = {agreement['kappa']}", agreement, config.sgd_lr,
                         config.sgd_epochs, ".5f")  # fmt: skip
    rows += _solver_rows(f"diabetes, κ = {diabetes['kappa']:.0f}", diabetes, config.diabetes_sgd_lr,
                         config.diabetes_sgd_epochs, ".1f")  # fmt: skip
    return headers, rows


def _solver_rows(problem, run, lr, epochs, mse_format):
    mse, err = run["test_mse"], run["errors"]
    return [
        [problem, "normal equation", "—", "—", "—", "0", format(mse["NE"], mse_format)],
        [problem, "GD", "1/λ_max", _cell(run["gd_iterations"], "d"), "—", f"{err['GD']:.1e}",
         format(mse["GD"], mse_format)],
        [problem, "SGD (averaged)", f"{lr}/(1 + t/τ)", f"{epochs} epochs", "—", f"{err['SGD']:.1e}",
         format(mse["SGD"], mse_format)],
    ]  # fmt: skip


def _plots(sweep, steps, agreement, output_dir):
    plt = plots.pyplot()
    fig, ax = plt.subplots(figsize=(5, 3.6))
    kappas = np.array(sweep["kappas"], dtype=float)
    fine = np.geomspace(kappas[0], kappas[-1], 50)
    for key, label, optimal in (("iterations", "GD, η = 1/λ_max", False),
                                ("iterations_optimal", "GD, η = 2/(λ_min+λ_max)", True)):  # fmt: skip
        measured = [np.nan if i is None else i for i in sweep[key]]
        (line,) = ax.plot(kappas, measured, "o-", label=label)
        ax.plot(fine, [gd_bound(k, optimal) for k in fine], "--", color=line.get_color(), linewidth=0.9,
                label="theory: " + ("(κ+1)/2" if optimal else "κ") + f"·ln(1/{GD_TOL:g})")  # fmt: skip
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("condition number κ of XᵀX")
    ax.set_ylabel(f"iterations to ‖w − w_NE‖ ≤ {GD_TOL:g}‖w_NE‖")
    ax.legend(fontsize=7)
    plots.save(fig, f"{output_dir}/iterations_vs_kappa.png")

    fig, ax = plt.subplots(figsize=(5, 3.6))
    for factor, curve in steps["curves"].items():
        style = "-" if float(factor) < 2 else "--"
        ax.plot(range(1, len(curve) + 1), curve, style, label=f"η = {factor}/λ_max")
    ax.axhline(1.0, color="gray", linewidth=0.8)
    ax.set_yscale("log")
    ax.set_xlabel("GD iteration")
    ax.set_ylabel("‖w − w_NE‖ / ‖w_NE‖")
    ax.set_title(f"κ = {agreement['kappa']}: converges below η = 2/λ_max, diverges above", fontsize=9)
    ax.legend(fontsize=7)
    plots.save(fig, f"{output_dir}/step_sizes.png")

    fig, ax = plt.subplots(figsize=(5, 3.6))
    epochs = range(1, len(agreement["sgd_epoch_error"]) + 1)
    ax.plot(epochs, agreement["sgd_epoch_error"], label="SGD, last iterate")
    ax.plot(epochs, agreement["sgd_epoch_average_error"], label="SGD, averaged (second half)")
    ax.axhline(AGREE, linestyle="--", color="gray", label=f"agreement {AGREE:g}")
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("max |w − w_NE|")
    ax.legend(fontsize=7)
    plots.save(fig, f"{output_dir}/sgd.png")
    return [
        ("GD's iterations to a tolerance against the condition number, with the theory's bounds",
         "iterations_vs_kappa.png"),
        ("GD at step sizes around 2/λ_max: distance to the normal equation's weights", "step_sizes.png"),
        ("SGD's distance to the normal equation's weights, epoch by epoch", "sgd.png"),
    ]  # fmt: skip


def _setup(config, diabetes, seed, quick):
    return [
        f"Generated data: X [{config.rows}, {config.features}] = √n U diag(√λ) Vᵀ (U, V random orthogonal), "
        "so "
        f"XᵀX/n has eigenvalues λ geometrically spaced from 1 to 1/κ; y = X w_true + N(0, {config.noise}²), "
        "w_true ~ N(0, I); test rows from N(0, XᵀX/n). Loss ‖Xw − y‖²/2n.",
        "Normal equation: np.linalg.solve(XᵀX, Xᵀy), checked against numpy.linalg.lstsq.",
        f"Batch GD from w = 0 with η = 1/λ_max (and 2/(λ_min + λ_max)), stopped at ‖w − w_NE‖ ≤ "
        f"{GD_TOL:g}‖w_NE‖ (at most {MAX_ITER:,} iterations); step sizes η = "
        f"{', '.join(map(str, config.step_factors))} × 1/λ_max for {config.step_iterations} iterations.",
        f"SGD: {config.sgd_epochs} shuffled epochs, η_t = {config.sgd_lr}/(1 + t/τ), τ = "
        f"{config.sgd_decay_epochs:g} epoch, the average of the second half's iterates (Polyak & Juditsky).",
        f"{diabetes['source']}: x standardised plus a column of ones, y standardised with the training "
        f"statistics (weights compared there); test MSE in the target's units. SGD there: "
        f"{config.diabetes_sgd_epochs} epochs, η₀ = {config.diabetes_sgd_lr}, "
        f"τ = {config.diabetes_sgd_decay_epochs:g} epochs.",
        f"Seed {seed}; float64 NumPy {np.__version__}."
        + (" `--quick`: a smoke run, too small for its verdict to mean much." if quick else ""),
    ]


def run(output_dir, quick=False, seed=0):
    config = QUICK if quick else FULL
    sweep = kappa_sweep(config, seed)
    agreement = agreement_run(config, seed)
    steps = step_sizes(config, seed)
    diabetes = diabetes_run(config, seed)
    headers, rows = _table(config, sweep, agreement, diabetes)
    return Report(
        name="least_squares",
        claim=CLAIM,
        setup=_setup(config, diabetes, seed, quick),
        headers=headers,
        rows=rows,
        plots=_plots(sweep, steps, agreement, output_dir),
        findings=judge(agreement, sweep, steps, diabetes),
        results={
            "quick": quick,
            "seed": seed,
            "config": dataclasses.asdict(config),
            "kappa_sweep": {**sweep, "slope": finite(kappa_slope(sweep["kappas"], sweep["iterations"]))},
            "agreement": agreement,
            "step_sizes": steps,
            "diabetes": diabetes,
        },
    )
