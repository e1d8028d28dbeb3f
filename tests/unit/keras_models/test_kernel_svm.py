"""Kernels against scikit-learn's, the dual SVM's KKT conditions and agreement with SVC, random features."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from sklearn.metrics import pairwise
from sklearn.svm import SVC

from keras_models.kernels import (
    KernelSVM,
    RandomFourierFeatures,
    linear_kernel,
    pairwise_kernel,
    polynomial_kernel,
    rbf_kernel,
)
from keras_models.kernels.kernel_svm import project

RNG = np.random.default_rng(0)
X, Y = RNG.normal(size=(7, 4)), RNG.normal(size=(5, 4))


@pytest.mark.parametrize("ours, theirs, params", [
    (linear_kernel, pairwise.linear_kernel, {}),
    (polynomial_kernel, pairwise.polynomial_kernel, {}),
    (polynomial_kernel, pairwise.polynomial_kernel, {"degree": 2, "gamma": 0.3, "coef0": 0.5}),
    (rbf_kernel, pairwise.rbf_kernel, {}),
    (rbf_kernel, pairwise.rbf_kernel, {"gamma": 0.7}),
])  # fmt: skip
def test_kernels_match_scikit_learn_in_numpy_and_tensorflow(ours, theirs, params):
    expected = theirs(X, Y, **params)
    np.testing.assert_allclose(ours(X, Y, **params), expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours(X, **params), theirs(X, **params), rtol=1e-10, atol=1e-12)
    tensor = ours(tf.constant(X, tf.float32), tf.constant(Y, tf.float32), **params)
    assert isinstance(tensor, tf.Tensor) and tensor.dtype == tf.float32
    np.testing.assert_allclose(tensor.numpy(), expected, rtol=1e-4, atol=1e-5)


def test_pairwise_kernel_uses_svc_names():
    np.testing.assert_allclose(pairwise_kernel(X, Y, "poly", degree=2, gamma=0.5, coef0=1.0),
                               (0.5 * X @ Y.T + 1) ** 2)  # fmt: skip
    with pytest.raises(ValueError, match="kernel must be one of"):
        pairwise_kernel(X, Y, "sigmoid")


def _blobs(rows=60, classes=2, spread=1.2, seed=1):
    """Overlapping Gaussian blobs: some points inside the margin, so some α = C (bounded)."""
    rng = np.random.default_rng(seed)
    y = np.arange(rows) % classes
    centres = rng.normal(scale=2.0, size=(classes, 3))
    return centres[y] + spread * rng.normal(size=(rows, 3)), y


def _alpha(svm, n):
    alpha = np.zeros(n)
    alpha[svm.support_] = np.abs(svm.dual_coef_[0])
    return alpha


@pytest.mark.parametrize("solver", ["smo", "projected_gradient"])
def test_dual_solution_satisfies_kkt_within_tol(solver):
    x, y = _blobs()
    c, tol = 1.0, 1e-3
    svm = KernelSVM(kernel="rbf", C=c, solver=solver, tol=tol).fit(x, y)
    sign = np.where(y == 1, 1.0, -1.0)
    alpha = _alpha(svm, len(y))
    margin = sign * svm.decision_function(x)  # y_i f(x_i)
    free, bounded, zero = (alpha > 0) & (alpha < c), alpha == c, alpha == 0
    assert free.any() and bounded.any() and zero.any()  # all three KKT cases are exercised
    assert np.all((alpha >= 0) & (alpha <= c)) and abs(sign @ alpha) < 1e-8
    assert np.all(margin[zero] >= 1 - tol)  # outside the margin
    assert np.all(np.abs(margin[free] - 1) <= tol)  # on it
    assert np.all(margin[bounded] <= 1 + tol)  # inside it (or misclassified)
    assert svm.kkt_gap_[0] < tol


@pytest.mark.parametrize("kernel, params", [("rbf", {}), ("linear", {}),
                                            ("poly", {"degree": 2, "coef0": 1.0, "gamma": 0.2})])  # fmt: skip
def test_binary_svm_agrees_with_svc(kernel, params):
    x, y = _blobs(80)
    x_test, _ = _blobs(40, seed=2)
    ours = KernelSVM(kernel=kernel, C=2.0, tol=1e-6, **params).fit(x, y)
    svc = SVC(kernel=kernel, C=2.0, tol=1e-6, **params).fit(x, y)
    assert set(ours.support_) == set(svc.support_)
    np.testing.assert_array_equal(ours.support_, svc.support_)  # grouped by class as SVC
    np.testing.assert_allclose(ours.dual_coef_, svc.dual_coef_, atol=1e-4)
    np.testing.assert_allclose(ours.decision_function(x_test), svc.decision_function(x_test), atol=1e-4)
    np.testing.assert_array_equal(ours.predict(x_test), svc.predict(x_test))
    np.testing.assert_array_equal(ours.n_support_, svc.n_support_)


def test_projected_gradient_reaches_the_smo_solution():
    x, y = _blobs(80)
    smo = KernelSVM(C=2.0, tol=1e-5).fit(x, y)
    pg = KernelSVM(C=2.0, tol=1e-5, solver="projected_gradient").fit(x, y)
    np.testing.assert_allclose(pg.decision_function(x), smo.decision_function(x), atol=1e-3)
    assert set(pg.support_) == set(smo.support_)


def test_one_vs_one_agrees_with_svc_on_three_classes():
    x, y = _blobs(90, classes=3)
    x_test, _ = _blobs(60, classes=3, seed=3)
    labels = np.array(["a", "b", "c"])
    ours = KernelSVM(C=1.0, tol=1e-6).fit(x, labels[y])
    svc = SVC(C=1.0, tol=1e-6, decision_function_shape="ovo").fit(x, labels[y])
    assert ours.pairs_ == [(0, 1), (0, 2), (1, 2)]
    np.testing.assert_array_equal(ours.support_, svc.support_)
    np.testing.assert_allclose(ours.dual_coef_, svc.dual_coef_, atol=1e-4)
    np.testing.assert_allclose(ours.decision_function(x_test), svc.decision_function(x_test), atol=1e-4)
    np.testing.assert_array_equal(ours.predict(x_test), svc.predict(x_test))


def test_projection_is_feasible_and_closest():
    rng = np.random.default_rng(4)
    v, y, c = rng.normal(size=12), np.where(rng.random(12) > 0.5, 1.0, -1.0), 0.8
    p = project(v, y, c)
    assert np.all((p >= 0) & (p <= c)) and abs(y @ p) < 1e-9
    for _ in range(50):  # no feasible point nearer to v: compare with feasible moves along pairs
        i, j = rng.choice(12, 2, replace=False)
        step = rng.normal(scale=0.05)
        q = p.copy()
        q[i] += y[i] * step
        q[j] -= y[j] * step
        if np.all((q >= 0) & (q <= c)):
            assert np.sum((q - v) ** 2) >= np.sum((p - v) ** 2) - 1e-12


def test_gamma_scale_and_config_round_trip():
    x, y = _blobs()
    svm = KernelSVM(C=3.0, gamma="scale", degree=2).fit(x, y)
    assert svm.gamma_ == pytest.approx(1 / (x.shape[1] * x.var()))
    clone = KernelSVM.from_config(svm.get_config())
    assert clone.get_config() == svm.get_config()
    with pytest.raises(ValueError, match="solver"):
        KernelSVM(solver="newton")


def test_random_fourier_features_approximate_rbf_better_with_more_features():
    x = np.random.default_rng(5).normal(size=(40, 6)).astype("float32")
    gamma = 0.1
    exact = rbf_kernel(x, gamma=gamma)
    errors = []
    for dim in (64, 4096):
        z = RandomFourierFeatures(dim, gamma=gamma, seed=0)(x).numpy()
        assert z.shape == (40, dim)
        errors.append(np.mean(np.abs(z @ z.T - exact)))
    assert errors[1] < errors[0] / 4  # the error falls like 1/√D: 8× here
    assert errors[1] < 0.03


def test_random_fourier_features_are_fixed_and_serialisable():
    layer = RandomFourierFeatures(16, gamma=0.5, seed=3)
    x = np.ones((2, 5), "float32")
    y = layer(x)
    assert not layer.trainable_weights and len(layer.non_trainable_weights) == 2
    clone = RandomFourierFeatures.from_config(layer.get_config())
    np.testing.assert_allclose(clone(x), y)  # the same seed draws the same features
    model = keras.Sequential([keras.Input((5,)), layer, keras.layers.Dense(1)])
    assert len(model.trainable_weights) == 2  # only the linear model on top learns
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(layer))
    assert isinstance(restored, RandomFourierFeatures) and restored.gamma == 0.5
