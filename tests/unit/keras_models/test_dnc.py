"""The reduced DNC: allocation, usage and temporal links against NumPy, invariants, harness, training."""

import keras
import numpy as np
import tensorflow as tf

from keras_models.memory import algorithmic
from keras_models.memory import dnc_memory as mem
from keras_models.memory.dnc import DNC, DNCCell
from tests.keras_harness import check_model

N = 6


def _np(x):
    return keras.ops.convert_to_numpy(x)


def _rng(seed=0):
    return np.random.default_rng(seed)


def _allocation_reference(usage):
    usage = mem.USAGE_EPSILON + (1 - mem.USAGE_EPSILON) * usage.astype("float64")
    a = np.zeros_like(usage)
    for b in range(len(usage)):
        product = 1.0
        for j in np.argsort(usage[b], kind="stable"):
            a[b, j] = (1 - usage[b, j]) * product
            product *= usage[b, j]
    return a


def test_allocation_matches_numpy_and_prefers_the_least_used_location():
    usage = _rng().uniform(size=(4, N)).astype("float32")
    np.testing.assert_allclose(_np(mem.allocation(usage)), _allocation_reference(usage), atol=1e-6)
    usage = np.array([[1.0, 1.0, 0.0, 1.0, 1.0, 1.0], [0.9, 0.2, 0.5, 0.99, 0.3, 0.95]], "float32")
    a = _np(mem.allocation(usage))
    np.testing.assert_allclose(a[0], np.eye(N)[2], atol=1e-5)  # the one free location
    assert a[1].argmax() == 1 and a[1].sum() <= 1 + 1e-6
    assert _np(mem.allocation(np.ones((1, N), "float32"))).sum() < 1e-4  # nothing free


def test_usage_grows_with_writes_and_shrinks_with_freed_reads():
    rng = _rng(1)
    usage, write = rng.uniform(size=(2, N)).astype("float32"), rng.uniform(size=(2, N)).astype("float32") / N
    free, reads = (
        rng.uniform(size=(2, 3)).astype("float32"),
        rng.uniform(size=(2, 3, N)).astype("float32") / N,
    )
    psi = np.prod(1 - free[..., None] * reads, axis=1)
    expected = (usage + write - usage * write) * psi
    np.testing.assert_allclose(_np(mem.update_usage(usage, write, free, reads)), expected, atol=1e-6)
    no_free = _np(mem.update_usage(usage, write, np.zeros_like(free), reads))
    assert (no_free >= usage - 1e-7).all() and (no_free <= 1).all()


def test_link_matrix_matches_numpy_and_keeps_its_invariants():
    rng = _rng(2)
    links, precedence = np.zeros((3, N, N), "float32"), np.zeros((3, N), "float32")
    for _ in range(12):
        w = rng.dirichlet(np.ones(N), size=3).astype("float32") * rng.uniform(size=(3, 1)).astype("float32")
        expected = (1 - w[:, :, None] - w[:, None, :]) * links + w[:, :, None] * precedence[:, None, :]
        expected[:, np.arange(N), np.arange(N)] = 0
        links = _np(mem.update_links(links, precedence, w))
        np.testing.assert_allclose(links, expected, atol=1e-6)
        precedence = _np(mem.update_precedence(precedence, w))
        assert (np.diagonal(links, axis1=1, axis2=2) == 0).all()
        assert links.min() >= -1e-6 and links.max() <= 1 + 1e-6
        assert links.sum(axis=2).max() <= 1 + 1e-5 and links.sum(axis=1).max() <= 1 + 1e-5
        assert precedence.sum(axis=1).max() <= 1 + 1e-5


def test_links_follow_the_order_of_one_hot_writes():
    links, precedence = np.zeros((1, N, N), "float32"), np.zeros((1, N), "float32")
    for location in (3, 0, 4):
        w = np.eye(N, dtype="float32")[[location]]
        links = mem.update_links(links, precedence, w)
        precedence = mem.update_precedence(precedence, w)
    at = np.eye(N, dtype="float32")[[[0]]]  # a read head on location 0
    forward, backward = mem.directional_weights(links, at)
    np.testing.assert_allclose(_np(forward)[0, 0], np.eye(N)[4], atol=1e-6)  # written after 0: 4
    np.testing.assert_allclose(_np(backward)[0, 0], np.eye(N)[3], atol=1e-6)  # written before 0: 3


def test_cell_write_weights_sum_to_at_most_one_and_reads_are_mixtures():
    keras.utils.set_random_seed(3)
    cell = DNCCell(12, memory_size=N, memory_width=4, read_heads=2)
    x = _rng(3).normal(size=(2, 8, 5)).astype("float32") * 3
    layer = keras.layers.RNN(cell, return_sequences=True)
    outputs = _np(layer(x))
    states = cell.get_initial_state(batch_size=2)
    for t in range(8):
        step, states = cell(x[:, t], states)
        np.testing.assert_allclose(outputs[:, t], _np(step), atol=1e-5)
        write, usage = _np(states[5]), _np(states[6])
        assert write.min() >= 0 and write.sum(axis=1).max() <= 1 + 1e-5
        assert usage.min() >= 0 and usage.max() <= 1 + 1e-5
        read_weights = _np(states[4]).reshape(2, 2, N)
        assert read_weights.min() >= -1e-6 and read_weights.sum(axis=-1).max() <= 1 + 1e-5


def test_every_weight_gets_a_gradient():
    x, y, mask = algorithmic.copy(_rng(4), 3, (1, 4))
    model = DNC(9, 8, units=12, memory_size=N, memory_width=4)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.nn.sigmoid_cross_entropy_with_logits(y, model(x)) * mask[..., None])
    for variable, grad in zip(model.trainable_variables, tape.gradient(loss, model.trainable_variables)):
        assert grad is not None and np.isfinite(grad).all() and np.abs(grad).max() > 0, variable.path


def test_harness(tmp_path):
    x, y, _ = algorithmic.copy(_rng(5), 2, 3)
    check_model(lambda: DNC(9, 8, units=12, memory_size=N, memory_width=4), x, y.shape, tmp_path)


def test_loss_goes_down_on_copy():
    keras.utils.set_random_seed(6)
    model = DNC(9, 8, units=32, memory_size=8, memory_width=8, read_heads=1)
    optimizer = keras.optimizers.Adam(1e-2)
    x, y, mask = algorithmic.copy(_rng(6), 16, 4)

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            cost = tf.nn.sigmoid_cross_entropy_with_logits(y, model(x, training=True)) * mask[..., None]
            loss = tf.reduce_sum(cost) / mask.sum()
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(tf.clip_by_global_norm(grads, 10.0)[0], model.trainable_variables))
        return loss

    losses = [float(step()) for _ in range(40)]
    assert np.mean(losses[-5:]) < 0.8 * np.mean(losses[:5])
