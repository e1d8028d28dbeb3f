"""TargetPropagation: the targets against NumPy, exact targets through exact inverses, local-only learning."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_models.optimizers.target_propagation import TargetPropagation

WIDTH = 6


def _model(hidden=(WIDTH,) * 3, classes=3, inputs=WIDTH, **kwargs):
    keras.utils.set_random_seed(0)
    model = TargetPropagation(hidden=hidden, classes=classes, seed=0, **kwargs)
    model.build((None, inputs))
    model.compile(optimizer=keras.optimizers.SGD(0.1), metrics=["accuracy"])
    return model


def _blobs(n=300, classes=3, dims=WIDTH, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=2.0, size=(classes, dims))
    y = rng.integers(0, classes, n)
    return (centres[y] + rng.normal(size=(n, dims))).astype("float32"), y


def _dense(x, layer, activation=np.tanh):
    kernel, bias = layer.get_weights()
    return activation(x @ kernel + bias)


def test_targets_match_a_numpy_reference():
    """ĥ_k = h_k − η̂ W_outᵀ(softmax − onehot) per example; ĥ_{i−1} = h_{i−1} + g_i(ĥ_i) − g_i(h_i)."""
    model = _model(target_step=0.7)
    x, y = _blobs(8)
    hs = [x.astype(np.float64)]
    for f in model.forward_layers:
        hs.append(_dense(hs[-1], f))
    logits = _dense(hs[-1], model.output_layer, activation=lambda a: a)
    softmax = np.exp(logits - logits.max(axis=1, keepdims=True))
    softmax /= softmax.sum(axis=1, keepdims=True)
    targets = [hs[-1] - 0.7 * (softmax - np.eye(3)[y]) @ model.output_layer.get_weights()[0].T]
    for i in (2, 1):  # g_{i+1} = inverse_layers[i - 1]
        g = model.inverse_layers[i - 1]
        targets.insert(0, hs[i] + _dense(targets[0], g) - _dense(hs[i + 1], g))

    got = model.targets(model.activations(x), y)
    for mine, reference in zip(got, targets):
        np.testing.assert_allclose(mine, reference, rtol=1e-4, atol=1e-5)
    plain = TargetPropagation.from_config({**model.get_config(), "difference": False})
    plain.build((None, WIDTH))
    plain.set_weights(model.get_weights())
    np.testing.assert_allclose(
        plain.targets(plain.activations(x), y)[1], _dense(got[2], model.inverse_layers[1]), rtol=1e-5
    )


def _exact_linear_inverses(model, offset=0.0):
    """Invertible f_i(h) = h W_i + b_i; g_i(h) = (h − b_i) W_i⁻¹ + offset, exact when offset = 0."""
    rng = np.random.default_rng(1)
    for i, g in enumerate(model.inverse_layers, start=1):  # g = g_{i+1}, the inverse of f_{i+1}
        f = model.forward_layers[i]
        kernel = np.linalg.qr(rng.normal(size=(WIDTH, WIDTH)))[0] + 0.5 * np.eye(WIDTH)
        bias = rng.normal(size=WIDTH)
        f.set_weights([kernel.astype("float32"), bias.astype("float32")])
        inverse = np.linalg.inv(kernel)
        g.set_weights([inverse.astype("float32"), (offset - bias @ inverse).astype("float32")])


@pytest.mark.parametrize("offset", [0.0, 0.8], ids=["exact-inverse", "biased-inverse"])
def test_difference_targets_are_exact_through_an_invertible_linear_net(offset):
    """With f_i(g_i(·)) affine-invertible, f_i(ĥ_{i−1}) = ĥ_i: the lower targets reproduce the top one.
    The difference correction cancels a constant error of g; plain target propagation does not."""
    model = _model(activation="linear", target_step=0.5)
    _exact_linear_inverses(model, offset)
    x, y = _blobs(10)
    hs = model.activations(x)
    targets = model.targets(hs, y)
    for i in range(1, len(targets)):
        np.testing.assert_allclose(model.forward_layers[i](targets[i - 1]), targets[i], rtol=1e-4, atol=1e-4)
    assert not np.allclose(targets[-1], hs[-1], atol=1e-3)  # a real step, not a fixed point

    model.difference = False
    plain = model.targets(hs, y)
    mismatch = np.max(np.abs(model.forward_layers[1](plain[0]) - plain[1]))
    assert mismatch < 1e-4 if offset == 0 else mismatch > 0.1


def test_no_gradient_of_the_loss_reaches_the_hidden_layers():
    """η̂ = 0: every target is the layer's own output, so the hidden layers do not move while the output
    layer and the inverses learn; with η̂ > 0 the hidden layers move."""
    x, y = _blobs(64)
    model = _model(target_step=0.0)
    hidden = [layer.get_weights() for layer in model.forward_layers]
    output, inverses = model.output_layer.get_weights(), [g.get_weights() for g in model.inverse_layers]
    logs = model.train_on_batch(x, y, return_dict=True)
    assert logs["layer_loss"] == 0.0 and logs["inverse_loss"] > 0
    for layer, before in zip(model.forward_layers, hidden):
        for now, then in zip(layer.get_weights(), before):
            np.testing.assert_array_equal(now, then)
    assert not np.allclose(model.output_layer.get_weights()[0], output[0])
    assert all(not np.allclose(g.get_weights()[0], w[0]) for g, w in zip(model.inverse_layers, inverses))

    moving = _model(target_step=1.0)
    moving.train_on_batch(x, y)
    assert all(not np.allclose(f.get_weights()[0], w[0]) for f, w in zip(moving.forward_layers, hidden))


def test_hidden_updates_are_the_local_losses_gradients():
    """One SGD step moves f_i by −lr ∂‖f_i(h_{i−1}) − ĥ_i‖²/∂θ_i, computed here from the targets alone."""
    model = _model(target_step=1.0)
    x, y = _blobs(32)
    hs = model.activations(x)
    targets = model.targets(hs, y)
    expected = []
    for f, h, t in zip(model.forward_layers, hs[:-1], targets):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.reduce_sum(tf.square(f(h) - t), axis=-1))
        expected.append(
            [w - 0.1 * g for w, g in zip(f.get_weights(), tape.gradient(loss, f.trainable_weights))]
        )
    model.train_on_batch(x, y)
    for f, weights in zip(model.forward_layers, expected):
        for now, reference in zip(f.get_weights(), weights):
            np.testing.assert_allclose(now, reference, rtol=1e-5, atol=1e-6)


def test_training_lowers_the_inverse_loss_and_beats_chance():
    x, y = _blobs(600, classes=4, dims=10, seed=2)
    keras.utils.set_random_seed(0)
    model = TargetPropagation(hidden=(16, 16, 16), classes=4, target_step=1.0, noise=0.1, seed=0)
    model.compile(optimizer=keras.optimizers.Adam(3e-3), metrics=["accuracy"])
    history = model.fit(
        x[:400], y[:400], epochs=4, batch_size=32, validation_data=(x[400:], y[400:]), verbose=0
    )
    assert history.history["inverse_loss"][-1] < 0.7 * history.history["inverse_loss"][0]
    assert history.history["val_accuracy"][-1] > 0.6  # chance: 0.25
    loss, accuracy = model.evaluate(x[400:], y[400:], verbose=0)[:2]
    exported = model.as_sequential()
    np.testing.assert_allclose(exported.predict(x[:5], verbose=0), model.predict(x[:5], verbose=0), rtol=1e-5)


def test_config_round_trip_and_save(tmp_path):
    model = _model(hidden=(5, 4), classes=2, activation="relu", target_step=0.3, noise=0.2, difference=False)
    again = TargetPropagation.from_config(model.get_config())
    for key in ("hidden", "classes", "activation", "target_step", "noise", "difference", "seed"):
        assert getattr(again, key) == getattr(model, key)
    model.save(tmp_path / "tp.keras")
    loaded = keras.models.load_model(tmp_path / "tp.keras")
    x = np.random.default_rng(0).normal(size=(3, WIDTH)).astype("float32")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
    assert loaded.compiled and loaded.inverse_optimizer.get_config() == model.inverse_optimizer.get_config()
    with pytest.raises(ValueError, match="hidden layer"):
        TargetPropagation(hidden=())
