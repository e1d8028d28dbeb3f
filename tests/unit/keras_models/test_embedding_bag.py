"""EmbeddingBag: averaged rows, sparse gradients, and the per-row gradient mean."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_models.layers import EmbeddingBag

IDS = [[1, 2, 2], [], [7, 1]]


def _layer(**kwargs):
    layer = EmbeddingBag(10, 4, embeddings_initializer="random_normal", **kwargs)
    layer.build()
    return layer


def test_mean_of_rows_sparse_and_ragged_alike():
    layer = _layer()
    table = keras.ops.convert_to_numpy(layer.embeddings)
    expected = np.stack([table[[1, 2, 2]].mean(0), np.zeros(4), table[[7, 1]].mean(0)])
    ragged = tf.ragged.constant(IDS, dtype=tf.int64)
    np.testing.assert_allclose(layer(ragged).numpy(), expected, rtol=1e-6)
    np.testing.assert_allclose(layer(ragged.to_sparse()).numpy(), expected, rtol=1e-6)
    summed = EmbeddingBag(10, 4, combiner="sum")
    summed.build()
    summed.embeddings.assign(table)
    np.testing.assert_allclose(summed(ragged).numpy()[0], table[[1, 2, 2]].sum(0), rtol=1e-6)


@pytest.mark.parametrize("row_gradient", ["sum", "mean"])
def test_gradient_is_sparse_and_scaled_per_row(row_gradient):
    layer = _layer(row_gradient=row_gradient)
    ids = tf.ragged.constant(IDS, dtype=tf.int64).to_sparse()
    weights = tf.constant(np.random.default_rng(0).normal(size=(3, 4)), tf.float32)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(ids, training=True) * weights)
    (gradient,) = tape.gradient(loss, [layer.embeddings.value])
    assert isinstance(gradient, tf.IndexedSlices)  # only the rows looked up
    dense = tf.convert_to_tensor(gradient).numpy()
    # d loss / d row = sum over examples of weight * (uses in the example / example length).
    per_example = {1: [weights[0] / 3, weights[2] / 2], 2: [2 * weights[0] / 3], 7: [weights[2] / 2]}
    for row, grads in per_example.items():
        expected = np.sum(grads, axis=0) / (len(grads) if row_gradient == "mean" else 1)
        np.testing.assert_allclose(dense[row], expected, rtol=1e-5)
    assert not dense[[0, 3, 4, 5, 6, 8, 9]].any()


def test_training_flag_leaves_the_forward_pass_alone():
    layer = _layer()
    ids = tf.ragged.constant(IDS, dtype=tf.int64)
    np.testing.assert_allclose(layer(ids, training=True).numpy(), layer(ids).numpy(), rtol=1e-6)


def test_config_round_trip():
    layer = EmbeddingBag(10, 4, combiner="sum", row_gradient="sum", name="bag")
    assert EmbeddingBag.from_config(layer.get_config()).get_config() == layer.get_config()
    with pytest.raises(ValueError, match="combiner"):
        EmbeddingBag(10, 4, combiner="max")
