"""The energy-based losses against a NumPy transcription of LeCun et al. 2006, and their gradients."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_models import losses
from keras_models.losses import LOSSES

RNG = np.random.default_rng(0)
ENERGIES = RNG.normal(size=(6, 5)).astype("float32")
LABELS = np.array([0, 1, 4, 2, 2, 3])
MARGIN, BETA, GAMMA = 0.7, 2.0, 0.5


def _numpy(name, e, y):
    """The tutorial's formulas, one example at a time."""
    out = []
    for row, k in zip(e.astype("float64"), y):
        correct, offending = row[k], np.min(np.delete(row, k))
        out.append({
            "energy": correct,
            "perceptron": correct - row.min(),
            "hinge": max(0.0, MARGIN + correct - offending),
            "log": np.log1p(np.exp(correct - offending)),
            "square-square": correct**2 + max(0.0, MARGIN - offending) ** 2,
            "square-exponential": correct**2 + GAMMA * np.exp(-offending),
            "NLL": correct + np.log(np.sum(np.exp(-BETA * row))) / BETA,
        }[name])  # fmt: skip
    return np.array(out)


PARAMS = {"hinge": {"margin": MARGIN}, "square-square": {"margin": MARGIN},
          "square-exponential": {"gamma": GAMMA}, "NLL": {"beta": BETA}}  # fmt: skip


@pytest.mark.parametrize("name", list(LOSSES))
def test_each_loss_matches_the_tutorial(name):
    loss = LOSSES[name](**PARAMS.get(name, {}))
    expected = _numpy(name, ENERGIES, LABELS)
    np.testing.assert_allclose(loss.call(LABELS, ENERGIES), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(float(loss(LABELS, ENERGIES)), expected.mean(), rtol=1e-5)
    np.testing.assert_allclose(float(loss(LABELS[:, None].astype("float32"), ENERGIES)), expected.mean(),
                               rtol=1e-5)  # fmt: skip
    clone = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(loss))
    assert type(clone) is type(loss) and clone.get_config() == loss.get_config()


def _gradient(fn, energies, labels, **params):
    e = tf.constant(energies)
    with tf.GradientTape() as tape:
        tape.watch(e)
        total = tf.reduce_sum(fn(labels, e, **params))
    return tape.gradient(total, e).numpy()


def test_energy_loss_pushes_only_the_correct_answer_down():
    grad = _gradient(losses.energy_loss, ENERGIES, LABELS)
    np.testing.assert_array_equal(grad, np.eye(5)[LABELS])  # descent lowers E(Yⁱ), leaves the rest


def test_hinge_pushes_the_correct_down_and_the_most_offending_up_until_the_margin_is_met():
    e = np.array([[0.0, 0.5, 2.0], [0.0, 3.0, 2.0]], "float32")  # row 1: margin 1 not met; row 2: met
    y = np.array([0, 0])
    np.testing.assert_allclose(losses.hinge_energy_loss(y, e, margin=1.0), [0.5, 0.0])
    grad = _gradient(losses.hinge_energy_loss, e, y, margin=1.0)
    np.testing.assert_array_equal(grad, [[1, -1, 0], [0, 0, 0]])


def test_perceptron_has_no_margin_and_is_zero_on_a_flat_energy():
    flat = np.zeros((3, 4), "float32")
    y = np.array([0, 1, 2])
    np.testing.assert_array_equal(losses.generalized_perceptron_loss(y, flat), 0)
    np.testing.assert_array_equal(losses.generalized_perceptron_loss(y, flat - np.eye(4)[y] * 1e-3), 0)
    assert np.all(losses.hinge_energy_loss(y, flat).numpy() == 1.0)  # the hinge still wants its margin
    grad = _gradient(losses.generalized_perceptron_loss, np.array([[1.0, 0.0, 2.0]], "float32"),
                     np.array([0]))  # fmt: skip
    np.testing.assert_array_equal(grad, [[1, -1, 0]])  # wrong: up the winner, down the correct one


def test_log_loss_is_a_soft_hinge():
    e = np.array([[0.2, 1.0, 3.0]], "float32")
    sigma = 1 / (1 + np.exp(-(0.2 - 1.0)))
    np.testing.assert_allclose(_gradient(losses.log_energy_loss, e, np.array([0])), [[sigma, -sigma, 0]],
                               rtol=1e-5)  # fmt: skip


def test_square_losses_pull_the_correct_energy_to_zero():
    e = np.array([[0.5, 2.0, 3.0], [-0.5, 0.2, 3.0]], "float32")
    y = np.array([0, 0])
    grad = _gradient(losses.square_square_loss, e, y, margin=1.0)
    np.testing.assert_allclose(grad, [[1.0, 0, 0], [-1.0, -1.6, 0]], rtol=1e-5)  # Ē = 0.2 < m: pushed up
    grad = _gradient(losses.square_exponential_loss, e, y, gamma=1.0)
    np.testing.assert_allclose(grad, [[1.0, -np.exp(-2.0), 0], [-1.0, -np.exp(-0.2), 0]], rtol=1e-5)


def test_nll_pulls_every_answer_up_by_its_probability():
    grad = _gradient(losses.nll_energy_loss, ENERGIES, LABELS, beta=BETA)
    p = np.exp(-BETA * ENERGIES) / np.exp(-BETA * ENERGIES).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(grad, np.eye(5)[LABELS] - p, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(grad.sum(axis=1), 0, atol=1e-5)


def test_most_offending_is_the_lowest_incorrect_energy():
    e = np.array([[-5.0, 1.0, 0.5], [2.0, 2.0, 3.0]], "float32")
    np.testing.assert_allclose(losses.most_offending_energy(np.array([0, 1]), e), [0.5, 2.0])
    np.testing.assert_allclose(losses.correct_energy(np.array([0, 1]), e), [-5.0, 2.0])


def test_a_loss_trains_a_keras_model():
    keras.utils.set_random_seed(0)
    x = RNG.normal(size=(64, 3)).astype("float32")
    y = (x[:, 0] > 0).astype("int64")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2), keras.layers.Rescaling(-1.0)])
    model.compile(keras.optimizers.SGD(0.5), loss=losses.HingeEnergyLoss(margin=1.0))
    before = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=20, batch_size=64, verbose=0)
    assert model.evaluate(x, y, verbose=0) < before / 2
    with pytest.raises(TypeError, match="unexpected"):
        losses.HingeEnergyLoss(beta=1.0)
