"""Kernel functions of the course's chapter 18 (kernel methods), with scikit-learn's parameter names.

A kernel k(x, y) = φ(x)·φ(y) is an inner product in a feature space one never builds (the kernel trick):

- linear:      k(x, y) = x·y
- polynomial:  k(x, y) = (γ x·y + coef0)^degree   (all monomials of the inputs up to `degree`)
- RBF:         k(x, y) = exp(−γ ‖x − y‖²)         (Gaussian; an infinite-dimensional φ)

Each function takes x [n, d] and y [m, d] (y = x when omitted) and returns the Gram matrix [n, m].
NumPy in, NumPy out (computed in float64, as scikit-learn's `sklearn.metrics.pairwise`); a TensorFlow
tensor in, a tensor out (in its dtype, differentiable), so the same functions serve the SVM solvers
and Keras models. γ = None means 1/d, as in scikit-learn's pairwise functions.
"""

import numpy as np
import tensorflow as tf

KERNELS = ("linear", "poly", "rbf")  # scikit-learn's names (SVC's `kernel=`)


def _is_tensor(*arrays):
    return any(isinstance(a, tf.Tensor | tf.Variable) for a in arrays)


def _operands(x, y):
    """(x, y, tf?) as 2-D float arrays of one kind: tensors if either is a tensor, else float64 NumPy."""
    if y is None:
        y = x
    if _is_tensor(x, y):
        x = tf.convert_to_tensor(x)
        dtype = x.dtype if x.dtype.is_floating else tf.float32
        return tf.cast(x, dtype), tf.cast(tf.convert_to_tensor(y), dtype), True
    return np.atleast_2d(np.asarray(x, "float64")), np.atleast_2d(np.asarray(y, "float64")), False


def _gamma(gamma, x):
    return 1.0 / x.shape[-1] if gamma is None else float(gamma)


def linear_kernel(x, y=None):
    """k(x, y) = x·y: [n, d] × [m, d] → [n, m]."""
    x, y, is_tf = _operands(x, y)
    return tf.matmul(x, y, transpose_b=True) if is_tf else x @ y.T


def polynomial_kernel(x, y=None, degree=3, gamma=None, coef0=1.0):
    """k(x, y) = (γ x·y + coef0)^degree, γ = 1/d when None (scikit-learn's defaults)."""
    x, y, is_tf = _operands(x, y)
    base = _gamma(gamma, x) * (tf.matmul(x, y, transpose_b=True) if is_tf else x @ y.T) + coef0
    return base**degree


def squared_distances(x, y=None):
    """‖x_i − y_j‖² for every pair, [n, m], as ‖x‖² + ‖y‖² − 2 x·y clipped at 0 (rounding)."""
    x, y, is_tf = _operands(x, y)
    if is_tf:
        xx = tf.reduce_sum(x * x, axis=1, keepdims=True)
        yy = tf.reduce_sum(y * y, axis=1, keepdims=True)
        return tf.maximum(xx + tf.transpose(yy) - 2 * tf.matmul(x, y, transpose_b=True), 0)
    xx, yy = np.sum(x * x, axis=1)[:, None], np.sum(y * y, axis=1)[None, :]
    return np.maximum(xx + yy - 2 * x @ y.T, 0)


def rbf_kernel(x, y=None, gamma=None):
    """k(x, y) = exp(−γ ‖x − y‖²), γ = 1/d when None (scikit-learn's default)."""
    x, y, is_tf = _operands(x, y)
    d2 = squared_distances(x, y)
    return tf.exp(-_gamma(gamma, x) * d2) if is_tf else np.exp(-_gamma(gamma, x) * d2)


def pairwise_kernel(x, y=None, kernel="rbf", *, degree=3, gamma=None, coef0=0.0):
    """The Gram matrix of kernel "linear", "poly" (or "polynomial") or "rbf", parameters as SVC's."""
    if kernel == "linear":
        return linear_kernel(x, y)
    if kernel in ("poly", "polynomial"):
        return polynomial_kernel(x, y, degree=degree, gamma=gamma, coef0=coef0)
    if kernel == "rbf":
        return rbf_kernel(x, y, gamma=gamma)
    raise ValueError(f"kernel must be one of {KERNELS}, got {kernel!r}")


def resolve_gamma(gamma, x):
    """SVC's γ: "scale" → 1/(d · Var(x)) (all entries' variance), "auto" → 1/d, a number as it is."""
    x = np.asarray(x, "float64")
    if gamma == "scale":
        variance = x.var()
        return 1.0 / (x.shape[1] * variance) if variance > 0 else 1.0
    if gamma == "auto":
        return 1.0 / x.shape[1]
    if isinstance(gamma, str):
        raise ValueError(f'gamma must be "scale", "auto" or a positive number, got {gamma!r}')
    if gamma <= 0:
        raise ValueError(f"gamma must be positive, got {gamma}")
    return float(gamma)
