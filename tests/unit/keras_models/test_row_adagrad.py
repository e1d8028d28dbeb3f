"""RowAdagrad: StarSpace's row-wise Adagrad, on dense and sparse (tf.IndexedSlices) gradients."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_models.optimizers import RowAdagrad

EPSILON = 1e-6  # StarSpace's


def _reference_step(weights, accumulator, rows, gradients, learning_rate):
    """StarSpace's update in NumPy: each row's gradient summed over its repeats, then
    accumulator += mean(grad_row^2); row -= lr * grad_row / sqrt(accumulator + 1e-6)."""
    weights, accumulator = weights.astype(np.float64).copy(), accumulator.astype(np.float64).copy()
    summed = {}
    for row, gradient in zip(rows, gradients.astype(np.float64)):
        summed[row] = summed.get(row, 0.0) + gradient
    for row, gradient in summed.items():
        accumulator[row] += np.mean(gradient**2)
        weights[row] -= learning_rate * gradient / np.sqrt(accumulator[row] + EPSILON)
    return weights, accumulator


def _accumulator(optimizer):
    (accumulator,) = [v for v in optimizer.variables if "accumulator" in v.path]
    return keras.ops.convert_to_numpy(accumulator)


def test_dense_then_sparse_steps_match_starspace_update():
    rng = np.random.default_rng(0)
    start = rng.normal(size=(6, 4)).astype(np.float32)
    variable = keras.Variable(start)
    optimizer = RowAdagrad(learning_rate=0.1)
    optimizer.build([variable])

    # Dense step: every row moves, each by its own accumulator.
    dense = rng.normal(size=(6, 4)).astype(np.float32)
    optimizer.apply([tf.constant(dense)], [variable])
    weights, accumulator = _reference_step(start, np.zeros(6), range(6), dense, 0.1)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(variable), weights, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(_accumulator(optimizer), accumulator, rtol=1e-5)

    # Sparse step: row 4 appears twice (its gradients add up before the update), row 1 once.
    after_dense = keras.ops.convert_to_numpy(variable).copy()
    rows = [4, 1, 4]
    values = rng.normal(size=(3, 4)).astype(np.float32)
    slices = tf.IndexedSlices(tf.constant(values), tf.constant(rows, tf.int64), tf.constant([6, 4], tf.int64))
    optimizer.apply([slices], [variable])
    weights, accumulator = _reference_step(after_dense, accumulator, rows, values, 0.1)
    result = keras.ops.convert_to_numpy(variable)
    np.testing.assert_allclose(result, weights, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(_accumulator(optimizer), accumulator, rtol=1e-5)
    untouched = [0, 2, 3, 5]
    np.testing.assert_array_equal(result[untouched], after_dense[untouched])
    # Applying row 4's two gradients one after the other would land elsewhere: the data tell them apart.
    _, dense_accumulator = _reference_step(start, np.zeros(6), range(6), dense, 0.1)
    one_by_one, partial = _reference_step(after_dense, dense_accumulator, [4], values[:1], 0.1)
    one_by_one, _ = _reference_step(one_by_one, partial, [4], values[2:], 0.1)
    assert not np.allclose(one_by_one[4], weights[4], atol=1e-3)


def test_vector_weights_get_one_accumulator_per_value():
    rng = np.random.default_rng(1)
    start = rng.normal(size=5).astype(np.float32)
    gradient = rng.normal(size=5).astype(np.float32)
    variable = keras.Variable(start)
    optimizer = RowAdagrad(learning_rate=0.5)
    optimizer.apply([tf.constant(gradient)], [variable])
    expected = start - 0.5 * gradient / np.sqrt(gradient.astype(np.float64) ** 2 + EPSILON)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(variable), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(_accumulator(optimizer), gradient**2, rtol=1e-5)


def test_trains_a_small_keras_model():
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(256, 4)).astype(np.float32)
    y = x @ np.array([[1.0], [-2.0], [0.5], [3.0]], np.float32) + 1.0
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile(optimizer=RowAdagrad(0.3), loss="mse")
    history = model.fit(x, y, batch_size=32, epochs=8, verbose=0)
    losses = history.history["loss"]
    assert np.all(np.isfinite(losses))
    assert losses[-1] < 0.1 * losses[0], losses


def test_config_round_trip():
    optimizer = RowAdagrad(learning_rate=0.05, epsilon=1e-4, name="rows")
    config = optimizer.get_config()
    assert config["epsilon"] == pytest.approx(1e-4) and config["learning_rate"] == pytest.approx(0.05)
    clone = RowAdagrad.from_config(config)
    assert clone.get_config() == config and clone.epsilon == pytest.approx(1e-4)
    # Registered: a saved model's optimizer comes back as a RowAdagrad, its schedule too.
    schedule = keras.optimizers.schedules.PolynomialDecay(0.1, 100, end_learning_rate=0.0)
    scheduled = RowAdagrad(schedule, epsilon=1e-5)
    restored = keras.optimizers.deserialize(keras.optimizers.serialize(scheduled))
    assert type(restored) is RowAdagrad and restored.epsilon == pytest.approx(1e-5)
    assert restored.get_config() == scheduled.get_config()
    assert restored.get_config()["learning_rate"]["class_name"] == "PolynomialDecay"
