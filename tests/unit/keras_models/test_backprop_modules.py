"""The course's chapter-3 modules: forwards against NumPy, hand-written backwards against finite
differences (the issue's acceptance point: ≤ 1e-6 relative error in float64) and against TensorFlow's
autodiff of the forward, configs, and a small net of modules that trains."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_models.layers.backprop import (
    Adder,
    Euclidean,
    Linear,
    ScaledTanh,
    SoftmaxTemperature,
    Switch,
    YConnector,
    gradient_check,
    scaled_tanh,
)

TOLERANCE = 1e-6  # the acceptance point for every module, in float64


def normal(*shape, seed=0, scale=1.0):
    return np.random.default_rng(seed).normal(scale=scale, size=shape)


def three(shape=(3, 4), seed=0):
    return [normal(*shape, seed=seed + k) for k in range(3)]


# (id, layer factory, inputs): every module, float64, weights not at their initial zeros.
MODULES = [
    ("linear", lambda: Linear(3, bias_initializer="random_normal", dtype="float64"), normal(4, 5)),
    ("linear_no_bias", lambda: Linear(2, use_bias=False, dtype="float64"), normal(3, 4)),
    ("euclidean", lambda: Euclidean(3, dtype="float64"), normal(4, 2)),
    ("y_connector", lambda: YConnector(3, dtype="float64"), normal(2, 3)),
    ("adder", lambda: Adder(dtype="float64"), three()),
    ("switch", lambda: Switch(dtype="float64"), three()),
    ("softmax_t0.5", lambda: SoftmaxTemperature(0.5, dtype="float64"), normal(3, 5, scale=2.0)),
    ("softmax_t3", lambda: SoftmaxTemperature(3.0, dtype="float64"), normal(3, 5, scale=2.0)),
    ("scaled_tanh", lambda: ScaledTanh(dtype="float64"), normal(3, 4, scale=2.0)),
]
IDS = [m[0] for m in MODULES]


@pytest.fixture(autouse=True)
def _seed():
    keras.utils.set_random_seed(0)


@pytest.mark.parametrize(("name", "make", "inputs"), MODULES, ids=IDS)
def test_gradient_matches_central_differences(name, make, inputs):
    layer = make()
    errors = gradient_check(layer, inputs)  # builds the layer: float64 already, so not copied
    expected = {f"input_{k}" for k in range(len(inputs))} if isinstance(inputs, list) else {"input"}
    assert layer.built and set(errors) == expected | {w.name for w in layer.trainable_weights}
    assert max(errors.values()) < TOLERANCE, errors


class _WrongLinear(Linear):
    def backward(self, x, y, dy, kernel, bias=None):  # ∂L/∂W off by a factor of 2
        dx, (dkernel, *rest) = super().backward(x, y, dy, kernel, bias)
        return dx, [2 * dkernel, *rest]


def test_gradient_check_catches_a_wrong_backward_and_keras_uses_the_hand_written_one():
    errors = gradient_check(_WrongLinear(3, dtype="float64"), normal(4, 5))
    assert errors["kernel"] > 0.1 and errors["input"] < TOLERANCE and errors["bias"] < TOLERANCE


def test_gradient_check_copies_a_float32_layer_to_float64():
    layer = Linear(3)
    layer(np.zeros((1, 4), "float32"))
    errors = gradient_check(layer, normal(2, 4))
    assert max(errors.values()) < TOLERANCE and layer.compute_dtype == "float32"


def _numpy_forward(name, inputs, weights):
    x = inputs
    if name.startswith("linear"):
        return x @ weights[0] + (weights[1] if len(weights) > 1 else 0)
    if name == "euclidean":
        return 0.5 * ((x[:, :, None] - weights[0][None]) ** 2).sum(axis=1)
    if name == "y_connector":
        return [x] * 3
    if name == "adder":
        return sum(x)
    if name == "switch":
        return np.maximum(np.maximum(x[0], x[1]), x[2])
    if name.startswith("softmax"):
        z = x / float(name.split("_t")[1])
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)
    return 1.7159 * np.tanh(2 * x / 3)


@pytest.mark.parametrize(("name", "make", "inputs"), MODULES, ids=IDS)
def test_forward_matches_numpy(name, make, inputs):
    layer = make()
    got = layer(inputs)
    expected = _numpy_forward(name, inputs, layer.get_weights())
    for g, e in zip(*(v if isinstance(v, list) else [v] for v in (got, expected))):
        assert g.dtype == tf.float64
        np.testing.assert_allclose(g.numpy(), e, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("name", "make", "inputs"), MODULES, ids=IDS)
def test_hand_written_backward_equals_autodiff_of_the_forward(name, make, inputs):
    layer = make()
    layer(inputs)
    xs = [tf.Variable(x) for x in (inputs if isinstance(inputs, list) else [inputs])]
    x = xs if isinstance(inputs, list) else xs[0]
    sources = xs + list(layer.trainable_weights)

    def gradients(function):
        with tf.GradientTape() as tape:
            ys = function()
            ys = ys if isinstance(ys, list) else [ys]
            loss = tf.add_n([tf.reduce_sum(tf.sin(3 * y + k)) for k, y in enumerate(ys)])
        return tape.gradient(loss, sources)

    hand = gradients(lambda: layer(x))  # through tf.custom_gradient: Module.backward
    auto = gradients(lambda: layer.forward(x, *[tf.convert_to_tensor(w) for w in layer.weights]))
    for h, a in zip(hand, auto):
        np.testing.assert_allclose(h.numpy(), a.numpy(), rtol=1e-10, atol=1e-12)


def test_keras_trains_with_the_hand_written_backward():
    x = tf.Variable(normal(4, 5))
    for layer, factor in ((Linear(3, dtype="float64"), 1.0), (_WrongLinear(3, dtype="float64"), 2.0)):
        layer(x)
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(layer(x))
        kernel = tape.gradient(loss, layer.kernel)
        expected = factor * x.numpy().sum(axis=0)[:, None] * np.ones((1, 3))
        np.testing.assert_allclose(kernel.numpy(), expected, rtol=1e-12)


def test_switch_routes_a_tie_to_the_first_maximal_input_and_adder_copies():
    xs = [tf.Variable([[1.0, 5.0, 2.0]]), tf.Variable([[1.0, 3.0, 2.0]]), tf.Variable([[0.0, 5.0, 2.0]])]
    with tf.GradientTape() as tape:
        y = Switch()(xs)
    grads = tape.gradient(y, xs, output_gradients=tf.constant([[10.0, 20.0, 30.0]]))
    np.testing.assert_array_equal([g.numpy()[0] for g in grads], [[10, 20, 30], [0, 0, 0], [0, 0, 0]])
    with tf.GradientTape() as tape:
        y = Adder()(xs)
    grads = tape.gradient(y, xs, output_gradients=tf.constant([[1.0, 2.0, 3.0]]))
    np.testing.assert_array_equal([g.numpy()[0] for g in grads], [[1, 2, 3]] * 3)


def test_y_connector_sums_the_branch_gradients_even_when_one_is_unused():
    x = tf.Variable([[1.0, 2.0]])
    with tf.GradientTape() as tape:
        a, b, _ = YConnector(3)(x)
        loss = tf.reduce_sum(2 * a + 5 * b)
    np.testing.assert_array_equal(tape.gradient(loss, x).numpy(), [[7.0, 7.0]])


def test_scaled_tanh_passes_through_plus_minus_one_and_temperature_flattens():
    np.testing.assert_allclose(scaled_tanh(np.array([-1.0, 0.0, 1.0])), [-1, 0, 1], atol=1e-4)
    x = normal(4, 3)
    np.testing.assert_allclose(ScaledTanh(dtype="float64")(x).numpy(), scaled_tanh(x), rtol=1e-12)
    logits = normal(6, 10, scale=3.0)

    def entropy(t):
        p = SoftmaxTemperature(t, dtype="float64")(logits).numpy()
        return -(p * np.log(p)).sum(axis=-1), p.argmax(axis=-1)

    (cold, argmax_cold), (hot, argmax_hot) = entropy(0.5), entropy(4.0)
    assert np.all(hot > cold) and np.all(hot < np.log(10)) and np.array_equal(argmax_cold, argmax_hot)


@pytest.mark.parametrize(("name", "make", "inputs"), MODULES, ids=IDS)
def test_config_round_trips(name, make, inputs):
    layer = make()
    y = layer(inputs)
    copy = keras.layers.deserialize(keras.layers.serialize(layer))
    assert type(copy) is type(layer) and copy.get_config() == layer.get_config()
    copy(inputs)
    copy.set_weights(layer.get_weights())
    for a, b in zip(*(v if isinstance(v, list) else [v] for v in (y, copy(inputs)))):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_scaled_tanh_is_a_serializable_activation():
    dense = keras.layers.Dense(2, activation=scaled_tanh)
    config = keras.layers.serialize(dense)
    assert keras.layers.deserialize(config).activation is scaled_tanh


def test_invalid_arguments_are_refused():
    for make in (
        lambda: Linear(0),
        lambda: Euclidean(-1),
        lambda: YConnector(0),
        lambda: SoftmaxTemperature(0),
    ):
        with pytest.raises(ValueError):
            make()


def test_a_net_of_modules_trains_and_saves(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(256, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("int64") + (x[:, 1] * x[:, 2] > 0)
    inputs = keras.Input((4,))
    left, right = YConnector(2)(inputs)
    hidden = ScaledTanh()(Switch()([Linear(16)(left), Linear(16)(right)]))
    rbf = keras.ops.exp(-Euclidean(8)(inputs))
    outputs = SoftmaxTemperature(1.0)(Adder()([Linear(3)(hidden), Linear(3)(rbf)]))
    model = keras.Model(inputs, outputs)
    model.compile(keras.optimizers.Adam(0.02), "sparse_categorical_crossentropy")
    losses = model.fit(x, y, batch_size=32, epochs=6, verbose=0).history["loss"]
    assert losses[-1] < 0.7 * losses[0]
    model.save(tmp_path / "modules.keras")
    loaded = keras.models.load_model(tmp_path / "modules.keras")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


def test_relative_error_floor_keeps_true_zeros_from_reading_as_errors():
    from keras_models.layers.backprop.gradient_check import relative_error

    assert relative_error([0.0, 1.0], [1e-11, 1.0], floor=1e-3) < 1e-7  # rounding noise on a zero
    assert relative_error([0.0, 1.0], [1e-11, 1.0], floor=1e-300) == pytest.approx(1.0)
    assert relative_error([2.0, 1.0], [1.0, 1.0], floor=1e-3) == pytest.approx(1 / 3)
