"""The soft-margin kernel SVM (course chapter 18), trained in the dual like scikit-learn's SVC.

With labels y_i = ±1 and a kernel k, the SVM's dual problem (Cortes & Vapnik 1995) is

    min_α  f(α) = ½ αᵀQα − Σ α_i,   Q_ij = y_i y_j k(x_i, x_j),   0 ≤ α_i ≤ C,   Σ y_i α_i = 0,

and the classifier is f(x) = Σ_i y_i α_i k(x_i, x) + b. The support vectors are the x_i with α_i > 0;
those with 0 < α_i < C lie on the margin (y f(x) = 1). Two solvers:

- "smo": sequential minimal optimisation (Platt 1998): each step optimises two α's analytically,
  the pair chosen by the second-order working-set selection of Fan, Chen & Lin 2005 ("WSS2", what
  LIBSVM and so scikit-learn's SVC use): i is the most violating index, j the one that most decreases
  f with i. It stops when the maximal KKT violation m(α) − M(α) falls below `tol` (LIBSVM's `eps`).
- "projected_gradient": accelerated projected gradient (FISTA with adaptive restart, Beck & Teboulle
  2009; O'Donoghue & Candès 2015) on the same dual: α ← Π(α − ∇f/L), with Π the Euclidean projection
  onto {0 ≤ α ≤ C, yᵀα = 0} (a bisection on the multiplier of yᵀα = 0) and L = λ_max(Q). Same stop.

Both precompute the n × n kernel matrix: fine for thousands of rows; `RandomFourierFeatures` with a
linear model is the scalable variant. Several classes: one-vs-one, as SVC (one binary machine per pair of
classes, each on the pair's rows; the prediction is the class with the most votes, ties to the lowest).
"""

import itertools
import warnings

import numpy as np

from keras_models.kernels.kernels import pairwise_kernel, resolve_gamma

SOLVERS = ("smo", "projected_gradient")
TAU = 1e-12  # LIBSVM's τ: the curvature used when k_ii + k_jj − 2k_ij ≤ 0 (a non-PSD or repeated pair)
BISECTION_STEPS = 60  # halvings of the multiplier's bracket: 2⁻⁶⁰ of it, below float64's resolution
KKT_EVERY = 10  # the projected gradient checks its stopping rule every 10 steps (one extra Qα each)


class ConvergenceWarning(UserWarning):
    """The solver stopped at max_iter with the KKT violation still above tol."""


def kkt_gap(alpha, grad, y, c):
    """m(α) − M(α): the largest KKT violation of the dual at α, with grad = Qα − 1 (0 at the optimum,
    < tol at a tol-accurate solution). Also returns the index sets I_up and I_low."""
    score = -y * grad
    up = np.where(y > 0, alpha < c, alpha > 0)  # α_t may move so that y_t α_t grows
    low = np.where(y > 0, alpha > 0, alpha < c)  # ... so that y_t α_t shrinks
    if not up.any() or not low.any():
        return 0.0, up, low
    return float(score[up].max() - score[low].min()), up, low


def intercept(alpha, grad, y, c):
    """b = −ρ, ρ the mean of y_t ∇_t f over the free α's (0 < α_t < C), else the middle of the range
    the bounded ones allow (LIBSVM's calculate_rho)."""
    y_grad = y * grad
    free = (alpha > 0) & (alpha < c)
    if free.any():
        return -float(y_grad[free].mean())
    upper = np.where(y > 0, alpha == 0, alpha == c)
    lower = ~upper
    ub = y_grad[upper].min() if upper.any() else np.inf
    lb = y_grad[lower].max() if lower.any() else -np.inf
    return -float((ub + lb) / 2) if np.isfinite(ub + lb) else -float(ub if np.isfinite(ub) else lb)


def smo(kernel, y, c, tol=1e-3, max_iter=100_000):
    """SMO with WSS2 on the dual for Gram matrix `kernel` [n, n] and labels y ±1.
    Returns (α, b, iterations, converged, final KKT gap)."""
    n = len(y)
    alpha, grad, diag = np.zeros(n), -np.ones(n), np.diag(kernel).copy()
    for iteration in range(max_iter):
        gap, up, low = kkt_gap(alpha, grad, y, c)
        if gap < tol:
            return alpha, intercept(alpha, grad, y, c), iteration, True, gap
        score = -y * grad
        i = np.flatnonzero(up)[np.argmax(score[up])]
        descent = score[i] - score  # b_it: how much moving the pair (i, t) decreases f, to first order
        curvature = diag[i] + diag - 2 * kernel[i]  # a_it = ‖φ(x_i) − φ(x_t)‖²
        curvature = np.where(curvature > 0, curvature, TAU)
        candidates = np.flatnonzero(low & (descent > 0))
        j = candidates[np.argmin(-(descent[candidates] ** 2) / curvature[candidates])]
        # α_i += y_i t, α_j −= y_j t keeps yᵀα; f falls by b t − a t²/2: t = b/a, clipped to the box
        room_i = c - alpha[i] if y[i] > 0 else alpha[i]
        room_j = alpha[j] if y[j] > 0 else c - alpha[j]
        t = min(descent[j] / curvature[j], room_i, room_j)
        alpha[i] += y[i] * t
        alpha[j] -= y[j] * t
        if t == room_i:  # land exactly on the bound (no 1e-17 residues counted as support vectors)
            alpha[i] = c if y[i] > 0 else 0.0
        if t == room_j:
            alpha[j] = 0.0 if y[j] > 0 else c
        grad += t * y * (kernel[i] - kernel[j])  # Q[:, i] y_i t − Q[:, j] y_j t
    gap, _, _ = kkt_gap(alpha, grad, y, c)
    return alpha, intercept(alpha, grad, y, c), max_iter, gap < tol, gap


def project(v, y, c):
    """The Euclidean projection of v onto {0 ≤ α ≤ C, yᵀα = 0}: α = clip(v − λy, 0, C) with λ found by
    bisection (yᵀ clip(v − λy, 0, C) decreases in λ)."""
    lo, hi = -np.abs(v).max() - c, np.abs(v).max() + c
    for _ in range(BISECTION_STEPS):
        mid = (lo + hi) / 2
        if y @ np.clip(v - mid * y, 0, c) > 0:
            lo = mid
        else:
            hi = mid
    return np.clip(v - (lo + hi) / 2 * y, 0, c)


def largest_eigenvalue(q, steps=100):
    """λ_max of the PSD matrix q by power iteration (a slight over-estimate is safe for the step 1/L)."""
    v = np.random.default_rng(0).normal(size=len(q))
    value = 1.0
    for _ in range(steps):
        w = q @ v
        value = np.linalg.norm(w)
        if value == 0:
            return 1.0
        v = w / value
    return 1.01 * value


def projected_gradient(kernel, y, c, tol=1e-3, max_iter=100_000):
    """Accelerated projected gradient (FISTA, adaptive restart) on the dual. Same returns as smo."""
    q = kernel * np.outer(y, y)
    step = 1.0 / largest_eigenvalue(q)
    alpha = np.zeros(len(y))
    z, momentum, gap = alpha.copy(), 1.0, np.inf
    for iteration in range(1, max_iter + 1):
        new = project(z - step * (q @ z - 1), y, c)
        if (z - new) @ (new - alpha) > 0:  # the momentum points uphill: restart it
            momentum, z = 1.0, new.copy()
        else:
            following = (1 + np.sqrt(1 + 4 * momentum**2)) / 2
            z = new + (momentum - 1) / following * (new - alpha)
            momentum = following
        alpha = new
        if iteration % KKT_EVERY == 0:
            gap, _, _ = kkt_gap(alpha, q @ alpha - 1, y, c)
            if gap < tol:
                return alpha, intercept(alpha, q @ alpha - 1, y, c), iteration, True, gap
    grad = q @ alpha - 1
    gap, _, _ = kkt_gap(alpha, grad, y, c)
    return alpha, intercept(alpha, grad, y, c), max_iter, gap < tol, gap


class KernelSVM:
    """The soft-margin kernel SVM of the course (chapter 18), trained in the dual; API as scikit-learn's SVC.

    Args:
        kernel: "linear", "poly" or "rbf".
        C: the box 0 ≤ α ≤ C: the price of a margin violation (large C: nearly hard margin).
        gamma: "scale" (1/(d·Var(x)), SVC's default), "auto" (1/d) or a number; for "poly" and "rbf".
        degree, coef0: the polynomial kernel (γ x·y + coef0)^degree.
        solver: "smo" (SMO with LIBSVM's working-set selection) or "projected_gradient".
        tol: the stopping tolerance on the KKT violation m(α) − M(α) (SVC's tol).
        max_iter: the most solver steps per binary machine (a ConvergenceWarning past it).

    After `fit`: classes_, support_ (training indices of the support vectors, grouped by class as
    SVC's), support_vectors_, n_support_, dual_coef_ (y_i α_i; [n_classes − 1, n_SV] in SVC's layout),
    intercept_ (one per machine), n_iter_, kkt_gap_, and pairs_ (the classes of each machine). Binary:
    decision_function(x) > 0 predicts classes_[1]. Several classes: one-vs-one; decision_function gives
    one column per pair (a, b), a < b, in SVC's "ovo" order, > 0 for a; predict takes the vote.

    Example:

    ```python
    import numpy as np
    from keras_models.kernels import KernelSVM

    x = np.random.default_rng(0).normal(size=(200, 2))
    y = (np.sum(x**2, axis=1) > 1.4).astype(int)   # a circle: no line separates it
    svm = KernelSVM(kernel="rbf", C=10.0).fit(x, y)
    print(svm.score(x, y), len(svm.support_))
    ```
    """

    def __init__(self, kernel="rbf", C=1.0, gamma="scale", degree=3, coef0=0.0, solver="smo",  # noqa: N803
                 tol=1e-3, max_iter=100_000):  # fmt: skip
        if solver not in SOLVERS:
            raise ValueError(f"solver must be one of {SOLVERS}, got {solver!r}")
        if C <= 0:
            raise ValueError(f"C must be positive, got {C}")
        self.kernel, self.C, self.gamma, self.degree, self.coef0 = kernel, float(C), gamma, degree, coef0
        self.solver, self.tol, self.max_iter = solver, float(tol), int(max_iter)

    def get_config(self):
        names = ("kernel", "C", "gamma", "degree", "coef0", "solver", "tol", "max_iter")
        return {name: getattr(self, name) for name in names}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def gram(self, x, y=None):
        """The kernel matrix with this machine's kernel and γ (after fit: the fitted γ)."""
        return pairwise_kernel(x, y, self.kernel, degree=self.degree, gamma=self._gamma, coef0=self.coef0)

    def fit(self, x, y):
        x = np.asarray(x, "float64")
        y = np.asarray(y)
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise ValueError("fit needs at least two classes")
        self._gamma = resolve_gamma(self.gamma, x) if self.kernel != "linear" else None
        self.gamma_ = self._gamma
        full = self.gram(x)
        binary = len(self.classes_) == 2
        # binary: +1 is classes_[1] (SVC's public sign); one-vs-one pair (a, b): +1 is a (LIBSVM's)
        self.pairs_ = [(1, 0)] if binary else list(itertools.combinations(range(len(self.classes_)), 2))
        solve = smo if self.solver == "smo" else projected_gradient
        machines = []
        for positive, negative in self.pairs_:
            rows = np.flatnonzero((y == self.classes_[positive]) | (y == self.classes_[negative]))
            sign = np.where(y[rows] == self.classes_[positive], 1.0, -1.0)
            alpha, b, iterations, converged, gap = solve(full[np.ix_(rows, rows)], sign, self.C, self.tol,
                                                         self.max_iter)  # fmt: skip
            if not converged:
                warnings.warn(f"{self.solver} stopped after {iterations} steps with KKT violation {gap:.2g} "
                              f"> tol {self.tol:g}", ConvergenceWarning, stacklevel=2)  # fmt: skip
            keep = alpha > 0
            machines.append((rows[keep], sign[keep] * alpha[keep], b, iterations, gap))
        self._set_attributes(x, y, machines)
        return self

    def _set_attributes(self, x, y, machines):
        label = np.searchsorted(self.classes_, y)
        union = np.unique(np.concatenate([m[0] for m in machines]))
        self.support_ = union[np.argsort(label[union], kind="stable")]  # by class, then index (as SVC)
        self.support_vectors_ = x[self.support_]
        self.n_support_ = np.bincount(label[self.support_], minlength=len(self.classes_)).astype("int32")
        column = {index: k for k, index in enumerate(self.support_)}
        self._columns = [np.array([column[i] for i in m[0]], dtype=int) for m in machines]
        self._coefficients = [m[1] for m in machines]
        self.intercept_ = np.array([m[2] for m in machines])
        self.n_iter_ = np.array([m[3] for m in machines])
        self.kkt_gap_ = np.array([m[4] for m in machines])
        # SVC's dual_coef_ layout: machine (a, b)'s coefficient of a support vector of class a sits in
        # row b − 1, that of one of class b in row a
        self.dual_coef_ = np.zeros((len(self.classes_) - 1, len(self.support_)))
        for (a, b), cols, coef in zip(self.pairs_, self._columns, self._coefficients):
            own = label[self.support_[cols]]
            self.dual_coef_[np.where(own == min(a, b), max(a, b) - 1, min(a, b)), cols] = coef

    def decision_function(self, x):
        """Σ y_i α_i k(x_i, x) + b: [m] for two classes, [m, pairs] one-vs-one otherwise."""
        k = self.gram(np.asarray(x, "float64"), self.support_vectors_)
        scores = np.stack([k[:, cols] @ coef + b for cols, coef, b in
                           zip(self._columns, self._coefficients, self.intercept_)], axis=1)  # fmt: skip
        return scores[:, 0] if len(self.classes_) == 2 else scores

    def predict(self, x):
        scores = self.decision_function(x)
        if len(self.classes_) == 2:
            return self.classes_[(scores > 0).astype(int)]
        votes = np.zeros((len(scores), len(self.classes_)), dtype=int)
        for p, (a, b) in enumerate(self.pairs_):
            winner = np.where(scores[:, p] > 0, a, b)
            votes[np.arange(len(scores)), winner] += 1
        return self.classes_[np.argmax(votes, axis=1)]

    def score(self, x, y):
        """Accuracy on (x, y)."""
        return float(np.mean(self.predict(x) == np.asarray(y)))
