"""The loss functionals of energy-based learning (course chapter 19; LeCun, Chopra, Hadsell, Ranzato &
Huang 2006, "A Tutorial on Energy-Based Learning", section 2 and table 1).

An energy-based model gives each answer y of an input x an energy E(W, y, x) (low: compatible) and
infers the answer of lowest energy. For a batch, `energies` is [batch, answers] and `y_true` the index of
the correct answer Yⁱ. With E = E(W, Yⁱ, Xⁱ) the correct answer's energy and Ē = min_{y ≠ Yⁱ} E(W, y, Xⁱ)
the most offending incorrect answer's (the tutorial's Ȳⁱ):

    energy loss                 E                                    (2.2.1; no contrast: may collapse)
    generalized perceptron      E − min_y E(W, y, Xⁱ)               (2.2.2; no margin)
    hinge                       max(0, m + E − Ē)                    (2.2.3, margin m)
    log (soft hinge)            log(1 + exp(E − Ē))                  (2.2.3)
    square-square               E² + max(0, m − Ē)²                  (2.2.3; energies ≥ 0)
    square-exponential          E² + γ exp(−Ē)                       (2.2.3; energies ≥ 0)
    negative log-likelihood     E + (1/β) log Σ_y exp(−β E(W, y, Xⁱ)) (2.2.4; Gibbs at inverse temperature β)

The energy loss only pushes the correct answer's energy down; every other loss also pulls the most
offending (or, for NLL, every) incorrect answer up — the contrast that prevents the energy surface from
going flat. Each loss is a registered function (per-example values) and a keras.losses.Loss class.
"""

import keras
import tensorflow as tf


def _split(y_true, energies):
    """(E of the correct answer [batch], mask of the correct answer [batch, answers], energies)."""
    energies = tf.convert_to_tensor(energies)
    if not energies.dtype.is_floating:
        energies = tf.cast(energies, tf.float32)
    index = tf.reshape(tf.cast(y_true, tf.int32), [-1])
    correct = tf.one_hot(index, tf.shape(energies)[-1], on_value=True, off_value=False)
    return tf.reduce_sum(tf.where(correct, energies, tf.zeros_like(energies)), axis=-1), correct, energies


def correct_energy(y_true, energies):
    """E(W, Yⁱ, Xⁱ): the energy of the correct answer, [batch]."""
    return _split(y_true, energies)[0]


def most_offending_energy(y_true, energies):
    """Ē = min over the incorrect answers of their energy, [batch] (needs ≥ 2 answers)."""
    _, correct, energies = _split(y_true, energies)
    highest = tf.fill(tf.shape(energies), tf.constant(energies.dtype.max, energies.dtype))
    return tf.reduce_min(tf.where(correct, highest, energies), axis=-1)


@keras.saving.register_keras_serializable(package="dlsuite")
def energy_loss(y_true, energies):
    """L = E(W, Yⁱ, Xⁱ): pushes the correct answer's energy down and nothing up."""
    return correct_energy(y_true, energies)


@keras.saving.register_keras_serializable(package="dlsuite")
def generalized_perceptron_loss(y_true, energies):
    """L = E(W, Yⁱ, Xⁱ) − min_y E(W, y, Xⁱ) ≥ 0: zero once the correct answer is (one of) the lowest."""
    e, _, energies = _split(y_true, energies)
    return e - tf.reduce_min(energies, axis=-1)


@keras.saving.register_keras_serializable(package="dlsuite")
def hinge_energy_loss(y_true, energies, margin=1.0):
    """L = max(0, m + E − Ē): zero once the most offending incorrect answer is m above the correct one."""
    return tf.nn.relu(margin + correct_energy(y_true, energies) - most_offending_energy(y_true, energies))


@keras.saving.register_keras_serializable(package="dlsuite")
def log_energy_loss(y_true, energies):
    """L = log(1 + exp(E − Ē)): the hinge made smooth (an "infinite margin")."""
    return tf.nn.softplus(correct_energy(y_true, energies) - most_offending_energy(y_true, energies))


@keras.saving.register_keras_serializable(package="dlsuite")
def square_square_loss(y_true, energies, margin=1.0):
    """L = E² + max(0, m − Ē)²: the correct energy towards 0, the most offending one above m."""
    e, e_bar = correct_energy(y_true, energies), most_offending_energy(y_true, energies)
    return tf.square(e) + tf.square(tf.nn.relu(margin - e_bar))


@keras.saving.register_keras_serializable(package="dlsuite")
def square_exponential_loss(y_true, energies, gamma=1.0):
    """L = E² + γ exp(−Ē): the correct energy towards 0, the most offending one pushed up for ever."""
    e, e_bar = correct_energy(y_true, energies), most_offending_energy(y_true, energies)
    return tf.square(e) + gamma * tf.exp(-e_bar)


@keras.saving.register_keras_serializable(package="dlsuite")
def nll_energy_loss(y_true, energies, beta=1.0):
    """L = E + (1/β) log Σ_y exp(−β E(W, y, Xⁱ)): the negative log-likelihood of the Gibbs distribution
    P(y | x) ∝ exp(−β E); every answer is pulled up, in proportion to its probability."""
    e, _, energies = _split(y_true, energies)
    return e + tf.reduce_logsumexp(-beta * energies, axis=-1) / beta


class _EnergyLoss(keras.losses.Loss):
    """Base: calls `fn(y_true, y_pred, **params)`, y_pred the energies [batch, answers]."""

    fn = None
    params = ()

    def __init__(self, reduction="sum_over_batch_size", name=None, dtype=None, **params):
        super().__init__(name=name or type(self).fn.__name__, reduction=reduction, dtype=dtype)
        unknown = set(params) - {key for key, _ in self.params}
        if unknown:
            raise TypeError(f"{type(self).__name__} got unexpected arguments {sorted(unknown)}")
        self._params = {key: float(params.get(key, default)) for key, default in self.params}
        for key, value in self._params.items():
            setattr(self, key, value)  # loss.margin, loss.beta, ...

    def call(self, y_true, y_pred):
        return type(self).fn(y_true, y_pred, **self._params)

    def get_config(self):
        return {**super().get_config(), **self._params}


@keras.saving.register_keras_serializable(package="dlsuite")
class EnergyLoss(_EnergyLoss):
    """The course's energy loss L = E(W, Yⁱ, Xⁱ) on energies [batch, answers] (LeCun et al. 2006, 2.2.1).

    Example: `model.compile("adam", loss=EnergyLoss())` for a model whose outputs are energies.
    """

    fn = energy_loss


@keras.saving.register_keras_serializable(package="dlsuite")
class GeneralizedPerceptronLoss(_EnergyLoss):
    """The generalized perceptron loss E − min_y E(y) (2.2.2). Example: `loss=GeneralizedPerceptronLoss()`."""

    fn = generalized_perceptron_loss


@keras.saving.register_keras_serializable(package="dlsuite")
class HingeEnergyLoss(_EnergyLoss):
    """The hinge loss max(0, m + E − Ē) (2.2.3). Example: `loss=HingeEnergyLoss(margin=1.0)`."""

    fn = hinge_energy_loss
    params = (("margin", 1.0),)


@keras.saving.register_keras_serializable(package="dlsuite")
class LogEnergyLoss(_EnergyLoss):
    """The log loss log(1 + exp(E − Ē)) (2.2.3). Example: `loss=LogEnergyLoss()`."""

    fn = log_energy_loss


@keras.saving.register_keras_serializable(package="dlsuite")
class SquareSquareLoss(_EnergyLoss):
    """The square-square loss E² + max(0, m − Ē)² (2.2.3). Example: `loss=SquareSquareLoss(margin=1.0)`."""

    fn = square_square_loss
    params = (("margin", 1.0),)


@keras.saving.register_keras_serializable(package="dlsuite")
class SquareExponentialLoss(_EnergyLoss):
    """The square-exponential loss E² + γ exp(−Ē) (2.2.3).

    Example: `loss=SquareExponentialLoss(gamma=1.0)`.
    """

    fn = square_exponential_loss
    params = (("gamma", 1.0),)


@keras.saving.register_keras_serializable(package="dlsuite")
class NegativeLogLikelihoodEnergyLoss(_EnergyLoss):
    """The negative log-likelihood loss E + (1/β) log Σ_y exp(−βE(y)) (2.2.4).

    Example: `loss=NegativeLogLikelihoodEnergyLoss(beta=1.0)`.
    """

    fn = nll_energy_loss
    params = (("beta", 1.0),)


LOSSES = {  # the tutorial's names, in its order
    "energy": EnergyLoss,
    "perceptron": GeneralizedPerceptronLoss,
    "hinge": HingeEnergyLoss,
    "log": LogEnergyLoss,
    "square-square": SquareSquareLoss,
    "square-exponential": SquareExponentialLoss,
    "NLL": NegativeLogLikelihoodEnergyLoss,
}
