"""OrthogonalRNNCell: W stays orthogonal through training, so gradients neither vanish nor explode."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_models.sequence import OrthogonalRNN, OrthogonalRNNCell
from tests.keras_harness import check_model, check_output_shape, check_saved_model_file


def _sequence_model(cell, features=3):
    inputs = keras.Input((None, features))
    return keras.Model(inputs, keras.layers.RNN(cell, return_sequences=True)(inputs))


def _orthogonality_error(cell):
    w = keras.ops.convert_to_numpy(cell.recurrent_kernel()).astype(np.float64)
    return np.abs(w @ w.T - np.eye(cell.units)).max()


def _gradient_ratio(cell, steps=100, units=8):
    """|d(v . h_T) / d h_0| / |v| over `steps` steps of zero input."""
    layer = keras.layers.RNN(cell)
    rng = np.random.default_rng(0)
    initial = tf.constant(rng.normal(size=(1, units)), tf.float32)
    direction = tf.constant(rng.normal(size=(1, units)), tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(initial)
        last = layer(tf.zeros((1, steps, 2)), initial_state=[initial])
        loss = tf.reduce_sum(last * direction)
    return float(tf.norm(tape.gradient(loss, initial)) / tf.norm(direction))


@keras.saving.register_keras_serializable(package="tests")
class OrthogonalSequence(keras.Model):
    """The smallest model around the cell: keras.layers.RNN(OrthogonalRNNCell(units)) over sequences.

    (A functional model cannot go through the harness's config check: Keras 3.6's
    `RNN.from_config` pops "cell" out of the config dict it is given.)
    """

    def __init__(self, units=8, skew_stddev=0.1, features=3, **kwargs):
        super().__init__(**kwargs)
        self.units, self.skew_stddev, self.features = units, skew_stddev, features
        self.rnn = keras.layers.RNN(OrthogonalRNNCell(units, skew_stddev=skew_stddev), return_sequences=True)
        self.rnn.build((None, None, features))

    def call(self, sequences):
        return self.rnn(sequences)

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "units": self.units,
            "skew_stddev": self.skew_stddev,
            "features": self.features,
        }


def test_harness(tmp_path):
    inputs = np.random.default_rng(0).normal(size=(2, 5, 3)).astype("float32")
    check_model(lambda: OrthogonalSequence(8, skew_stddev=0.3), inputs, (2, 5, 8), tmp_path)
    # A functional model saves and loads too.
    functional = _sequence_model(OrthogonalRNNCell(8, skew_stddev=0.3))
    check_output_shape(functional, inputs, (2, 5, 8))
    check_saved_model_file(functional, inputs, tmp_path)


def test_config_round_trip():
    cell = OrthogonalRNNCell(6, activation="linear", skew_stddev=0.0, dropout=0.2, name="cell")
    clone = OrthogonalRNNCell.from_config(cell.get_config())
    assert clone.get_config() == cell.get_config()
    assert (clone.units, clone.skew_stddev, clone.dropout) == (6, 0.0, 0.2)
    assert clone.activation is keras.activations.linear
    with pytest.raises(ValueError, match="units"):
        OrthogonalRNNCell(0)


def test_zero_skew_starts_from_the_identity():
    cell = OrthogonalRNNCell(5, skew_stddev=0.0)
    cell.build((None, 2))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(cell.recurrent_kernel()), np.eye(5), atol=1e-7)


def test_recurrent_kernel_stays_orthogonal_while_training():
    keras.utils.set_random_seed(0)
    cell = OrthogonalRNNCell(8)
    inputs = keras.Input((None, 3))
    outputs = keras.layers.Dense(1)(keras.layers.RNN(cell)(inputs))
    model = keras.Model(inputs, outputs)
    model.compile(keras.optimizers.Adam(0.05), "mse")
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(64, 12, 3)).astype("float32"), rng.normal(size=(64, 1)).astype("float32")
    skew_before = cell.skew.numpy().copy()
    model.fit(x, y, batch_size=16, epochs=3, verbose=0)
    assert np.abs(cell.skew.numpy() - skew_before).max() > 0.05, "training should move the skew matrix"
    assert _orthogonality_error(cell) < 1e-5


def test_gradient_norm_is_preserved_through_time():
    keras.utils.set_random_seed(0)
    orthogonal = OrthogonalRNNCell(8, activation="linear", skew_stddev=0.5)
    np.testing.assert_allclose(_gradient_ratio(orthogonal), 1.0, rtol=1e-3)
    small = keras.initializers.RandomNormal(stddev=0.05, seed=0)
    elman = keras.layers.SimpleRNNCell(8, kernel_initializer=small, recurrent_initializer=small)
    assert _gradient_ratio(elman) < 1e-3


def test_input_dropout_trains():
    keras.utils.set_random_seed(0)
    model = _sequence_model(OrthogonalRNNCell(4, dropout=0.5))
    model.compile("adam", "mse")
    x = np.ones((8, 5, 3), "float32")
    model.fit(x, np.zeros((8, 5, 4), "float32"), epochs=2, batch_size=4, verbose=0)
    outputs = [keras.ops.convert_to_numpy(model(x, training=True)) for _ in range(2)]
    assert not np.allclose(outputs[0], outputs[1]), "dropout draws new masks"
    np.testing.assert_array_equal(model(x), model(x))


def test_mixed_precision_keeps_the_recurrent_matrix_in_float32():
    cell = OrthogonalRNNCell(16, dtype="mixed_float16")
    layer = keras.layers.RNN(cell, return_sequences=True, dtype="mixed_float16")
    outputs = layer(np.random.default_rng(0).normal(size=(2, 5, 3)).astype("float16"))
    assert outputs.dtype == "float16" and np.isfinite(keras.ops.convert_to_numpy(outputs)).all()
    # The Cayley transform is computed in the variables' float32 (float16 loses orthogonality).
    captured = []
    original = cell.recurrent_kernel
    cell.recurrent_kernel = lambda: captured.append(original()) or captured[-1]
    layer(np.zeros((1, 2, 3), "float16"))
    assert captured and all(w.dtype == "float32" for w in captured)
    assert _orthogonality_error(cell) < 1e-5


def test_orthogonal_rnn_layer_computes_the_same_as_the_cell_in_a_plain_rnn():
    """OrthogonalRNN computes W once per sequence; outputs and gradients equal keras.layers.RNN's."""
    inputs = np.random.default_rng(0).normal(size=(3, 7, 4)).astype("float32")
    fast = OrthogonalRNN(OrthogonalRNNCell(6, skew_stddev=0.3), return_sequences=True)
    plain = keras.layers.RNN(OrthogonalRNNCell(6), return_sequences=True)
    fast(inputs), plain(inputs)
    plain.set_weights(fast.get_weights())
    results = []
    for layer in (fast, plain):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.square(layer(inputs)))
        results.append((layer(inputs).numpy(), [g.numpy() for g in tape.gradient(loss, layer.weights)]))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-5, atol=1e-6)
    for a, b in zip(results[0][1], results[1][1]):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    assert fast.cell._fixed_kernel is None  # nothing left behind for step-by-step use
