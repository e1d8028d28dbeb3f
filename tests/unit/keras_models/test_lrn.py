import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_models.layers import LocalResponseNormalization
from tests.keras_harness import check_saved_model_file


def paper_lrn(a, size=5, k=2.0, alpha=1e-4, beta=0.75):
    """Krizhevsky et al. 2012, section 3.3, written out channel by channel (channels last)."""
    a = np.asarray(a, np.float64)
    channels = a.shape[-1]
    b = np.empty_like(a)
    for i in range(channels):
        lo, hi = max(0, i - size // 2), min(channels - 1, i + size // 2)
        b[..., i] = a[..., i] / (k + alpha * np.sum(a[..., lo : hi + 1] ** 2, axis=-1)) ** beta
    return b


def activations(shape=(2, 3, 4, 9), scale=40.0, seed=0):
    """ReLU-like activations large enough for the sum of squares to matter next to k."""
    return (np.random.default_rng(seed).random(shape) * scale).astype("float32")


@pytest.mark.parametrize(
    "params",
    [
        {},  # the paper's k=2, n=5, alpha=1e-4, beta=0.75
        {"size": 3, "bias": 1.0, "alpha": 1e-3, "beta": 0.5},
        {"size": 1, "bias": 0.5, "alpha": 0.01, "beta": 1.0},
    ],
)
def test_matches_the_papers_formula(params):
    a = activations()
    layer = LocalResponseNormalization(**params)
    expected = paper_lrn(
        a, params.get("size", 5), params.get("bias", 2.0), params.get("alpha", 1e-4), params.get("beta", 0.75)
    )
    got = keras.ops.convert_to_numpy(layer(a))
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    # The normalization really acts here: outputs are far from a / k ** beta.
    assert np.abs(got - a / params.get("bias", 2.0) ** params.get("beta", 0.75)).max() > 0.1


def test_edge_channels_sum_over_fewer_neighbours():
    a = np.zeros((1, 1, 1, 7), "float32")
    a[..., 0] = 100.0  # only channels 0, 1, 2 have channel 0 within their window of 5
    got = keras.ops.convert_to_numpy(LocalResponseNormalization()(a))[0, 0, 0]
    np.testing.assert_allclose(got[0], 100.0 / (2.0 + 1e-4 * 100.0**2) ** 0.75, rtol=1e-6)
    np.testing.assert_array_equal(got[1:], 0.0)


def test_gradient_matches_finite_differences_of_the_formula():
    a = activations(shape=(1, 2, 2, 6), scale=60.0, seed=1)
    weights = np.random.default_rng(2).normal(size=a.shape)
    x = tf.Variable(a)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(LocalResponseNormalization()(x) * weights)
    gradient = tape.gradient(loss, x).numpy()

    a64, eps = a.astype(np.float64), 1e-4
    numeric = np.zeros_like(a64)
    for index in np.ndindex(a.shape):
        up, down = a64.copy(), a64.copy()
        up[index] += eps
        down[index] -= eps
        numeric[index] = np.sum((paper_lrn(up) - paper_lrn(down)) * weights) / (2 * eps)
    np.testing.assert_allclose(gradient, numeric, rtol=1e-3, atol=1e-5)
    # Cross-channel terms are there: the Jacobian is not diagonal.
    assert np.abs(numeric - weights / (2.0 + 1e-4 * a64**2) ** 0.75).max() > 1e-3


def test_mixed_precision_computes_in_float32_without_overflow():
    a = activations(scale=300.0)  # squares reach 9e4, beyond float16's 65504
    layer = LocalResponseNormalization(dtype="mixed_float16")
    got = layer(a.astype("float16"))
    assert got.dtype == "float16"
    np.testing.assert_allclose(keras.ops.convert_to_numpy(got).astype(np.float64), paper_lrn(a), rtol=2e-3)


def test_config_and_saving(tmp_path):
    layer = LocalResponseNormalization(size=3, bias=1.0, alpha=1e-3, beta=0.5, name="lrn")
    assert LocalResponseNormalization.from_config(layer.get_config()).get_config() == layer.get_config()
    model = keras.Sequential([keras.Input((4, 4, 6)), layer])
    check_saved_model_file(model, activations((2, 4, 4, 6)), tmp_path)


@pytest.mark.parametrize("size", [0, 4, -1])
def test_rejects_even_or_empty_windows(size):
    with pytest.raises(ValueError, match="odd number of channels"):
        LocalResponseNormalization(size=size)
