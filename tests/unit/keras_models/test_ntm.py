"""The Neural Turing Machine: addressing and memory against NumPy, gradients, the RNN cell, the harness."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_models.memory import algorithmic
from keras_models.memory import ntm_addressing as addressing
from keras_models.memory.ntm import NTM, NTMCell
from tests.keras_harness import check_model

B, H, N, M = 2, 3, 7, 5


def _np(x):
    return keras.ops.convert_to_numpy(x)


def _rng(seed=0):
    return np.random.default_rng(seed)


def _distribution(rng, shape):
    w = rng.uniform(size=shape).astype("float32")
    return w / w.sum(axis=-1, keepdims=True)


def test_content_weights_are_a_softmax_of_scaled_cosine_similarity():
    rng = _rng()
    keys, memory = rng.normal(size=(B, H, M)).astype("float32"), rng.normal(size=(B, N, M)).astype("float32")
    beta = rng.uniform(0.5, 5, size=(B, H)).astype("float32")
    expected = np.zeros((B, H, N))
    for b in range(B):
        for h in range(H):
            cos = [keys[b, h] @ row / np.linalg.norm(keys[b, h]) / np.linalg.norm(row) for row in memory[b]]
            e = np.exp(beta[b, h] * np.array(cos))
            expected[b, h] = e / e.sum()
    np.testing.assert_allclose(_np(addressing.content_weights(keys, beta, memory)), expected, atol=1e-5)
    # the key itself, stored at location 4, is found with a large strength
    memory[:, 4] = keys[:, 0]
    sharp = _np(addressing.content_weights(keys[:, :1], np.full((B, 1), 50.0, "float32"), memory))
    assert (sharp[:, 0].argmax(axis=-1) == 4).all()


def test_circular_shift_is_the_papers_circular_convolution():
    rng = _rng(1)
    w, s = _distribution(rng, (B, H, N)), _distribution(rng, (B, H, 5))  # shifts -2..2
    expected = np.zeros_like(w)
    for i in range(N):
        for j, shift in enumerate(range(-2, 3)):
            expected[..., i] += w[..., (i - shift) % N] * s[..., j]
    got = _np(addressing.circular_shift(w, s))
    np.testing.assert_allclose(got, expected, atol=1e-6)
    np.testing.assert_allclose(got.sum(axis=-1), 1.0, atol=1e-6)
    one_hot = np.eye(N, dtype="float32")[[N - 1]][None]  # focus on the last location
    forward = np.array([[[0, 0, 1]]], "float32")  # shift +1
    np.testing.assert_array_equal(_np(addressing.circular_shift(one_hot, forward))[0, 0], np.eye(N)[0])


def test_sharpening_and_the_full_addressing_give_distributions():
    rng = _rng(2)
    w, gamma = _distribution(rng, (B, H, N)), rng.uniform(1, 4, size=(B, H)).astype("float32")
    expected = w ** gamma[..., None] / (w ** gamma[..., None]).sum(axis=-1, keepdims=True)
    np.testing.assert_allclose(_np(addressing.sharpen(w, gamma)), expected, rtol=1e-4)
    memory = rng.normal(size=(B, N, M)).astype("float32")
    weights = addressing.address(
        memory,
        w,
        rng.normal(size=(B, H, M)).astype("float32"),
        rng.uniform(0, 5, size=(B, H)).astype("float32"),
        rng.uniform(size=(B, H)).astype("float32"),
        _distribution(rng, (B, H, 3)),
        gamma,
    )
    weights = _np(weights)
    assert (weights >= 0).all()
    np.testing.assert_allclose(weights.sum(axis=-1), 1.0, atol=1e-5)
    # gate 0, shift "stay", gamma 1: the previous weighting comes back unchanged
    stay = np.tile(np.array([0, 1, 0], "float32"), (B, H, 1))
    kept = addressing.address(memory, w, w[..., :M], np.ones((B, H), "float32"), np.zeros((B, H), "float32"),
                              stay, np.ones((B, H), "float32"))  # fmt: skip
    np.testing.assert_allclose(_np(kept), w, atol=1e-5)


def test_erase_add_write_and_read_match_numpy():
    rng = _rng(3)
    memory = rng.normal(size=(B, N, M)).astype("float32")
    w = _distribution(rng, (B, 2, N))
    erase, add = rng.uniform(size=(B, 2, M)).astype("float32"), rng.normal(size=(B, 2, M)).astype("float32")
    expected = memory.copy()
    for h in range(2):
        expected = expected * (1 - np.einsum("bn,bm->bnm", w[:, h], erase[:, h]))
    for h in range(2):
        expected = expected + np.einsum("bn,bm->bnm", w[:, h], add[:, h])
    np.testing.assert_allclose(_np(addressing.write(memory, w, erase, add)), expected, atol=1e-5)
    np.testing.assert_allclose(
        _np(addressing.read(memory, w)), np.einsum("bhn,bnm->bhm", w, memory), atol=1e-5
    )
    # a full erase at a one-hot location, then an add, leaves exactly the add vector there
    one_hot = np.eye(N, dtype="float32")[[2, 5]][:, None]
    written = _np(addressing.write(memory, one_hot, np.ones((B, 1, M), "float32"), add[:, :1]))
    np.testing.assert_allclose(written[[0, 1], [2, 5]], add[:, 0], atol=1e-6)


def _small_model(**kwargs):
    keras.utils.set_random_seed(0)
    return NTM(input_dim=9, output_dim=8, units=16, memory_size=12, memory_width=6, **kwargs)


def test_every_weight_gets_a_gradient():
    x, y, mask = algorithmic.copy(_rng(4), 3, (1, 4))
    model = _small_model(read_heads=2, write_heads=2)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.nn.sigmoid_cross_entropy_with_logits(y, model(x)) * mask[..., None])
    grads = tape.gradient(loss, model.trainable_variables)
    assert len(grads) == 9
    for variable, grad in zip(model.trainable_variables, grads):
        assert grad is not None, variable.path
        assert np.isfinite(grad).all() and np.abs(grad).max() > 0, variable.path


@pytest.mark.parametrize("controller", ["lstm", "dense"])
def test_rnn_layer_matches_a_python_loop_over_the_cell(controller):
    keras.utils.set_random_seed(1)
    cell = NTMCell(
        8, memory_size=6, memory_width=4, read_heads=2, controller=controller, return_weightings=True
    )
    layer = keras.layers.RNN(cell, return_sequences=True)
    x = _rng(5).normal(size=(2, 5, 3)).astype("float32")
    outputs = _np(layer(x))
    states = cell.get_initial_state(batch_size=2)
    for t in range(5):
        step, states = cell(x[:, t], states)
        np.testing.assert_allclose(outputs[:, t], _np(step), atol=1e-5)
    weightings = outputs[..., 8 + 2 * 4 :].reshape(2, 5, 3, 6)
    np.testing.assert_allclose(weightings.sum(axis=-1), 1.0, atol=1e-5)
    _, memory, reads, _ = cell.unpack_state(states)
    assert memory.shape == (2, 6, 4) and reads.shape == (2, 2, 4)


def test_initial_state_memory_is_the_small_constant_and_weightings_are_learned_distributions():
    cell = NTMCell(8, memory_size=6, memory_width=4)
    keras.layers.RNN(cell).build((None, None, 3))
    _, memory, reads, weightings = cell.unpack_state(cell.get_initial_state(batch_size=2))
    np.testing.assert_allclose(_np(memory), 1e-6)
    np.testing.assert_allclose(_np(weightings).sum(axis=-1), 1.0, atol=1e-6)
    assert np.abs(_np(reads)).max() < 1


def test_trace_gives_the_heads_weightings():
    x, _, _ = algorithmic.copy(_rng(6), 2, 4)
    model = _small_model()
    trace = model.trace(x)
    assert trace["read_weights"].shape == trace["write_weights"].shape == (2, 9, 1, 12)
    np.testing.assert_allclose(_np(trace["write_weights"]).sum(axis=-1), 1.0, atol=1e-5)
    np.testing.assert_allclose(_np(trace["logits"]), _np(model(x)), atol=1e-6)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="controller"):
        NTMCell(8, controller="gru")
    with pytest.raises(ValueError):
        NTMCell(8, read_heads=0)


def test_harness(tmp_path):
    x, y, _ = algorithmic.copy(_rng(7), 2, 3)
    check_model(_small_model, x, y.shape, tmp_path)
