"""Predictive sparse decomposition (Kavukcuoglu, Ranzato & LeCun, 2008): sparse coding with a fast encoder."""

import math

import keras
from keras import layers, ops

from keras_models.autoencoders import networks


def soft_threshold(z, threshold):
    """sign(z) * max(|z| - threshold, 0), the proximal operator of threshold * |z|_1."""
    return ops.sign(z) * ops.maximum(ops.abs(z) - threshold, 0.0)


@keras.saving.register_keras_serializable(package="keras_models")
class PSD(networks.ReconstructionModel):
    """Predictive sparse decomposition: a sparse-coding dictionary and an encoder that predicts the codes.

    With x the flattened image (n pixels), a dictionary W_d of `latent_dim`
    unit-norm atoms (stored as the rows of `dictionary`, [latent_dim, n]) and
    the encoder F(x) = g * tanh(W_e x + b) (learned per-unit gain g), the
    energy of a code z is

        E(x, z) = ||x - W_d z||^2 + lambda |z|_1 + alpha ||z - F(x)||^2.

    A training step (1) infers the optimal codes Z* ~ argmin_z E(x, z) by
    `ista_steps` ISTA iterations started at F(x) (step 1/L, L = 2 (s^2 + alpha)
    with s the largest singular value of W_d from `power_iterations` power
    iterations; all under `stop_gradient`), then (2) takes one optimizer step on
    ||x - W_d Z*||^2 (which only moves the dictionary) plus alpha ||Z* - F(x)||^2
    (which only moves the encoder), and (3) renormalises the atoms to unit norm.

    `encode(x)` is the fast predictor F(x); `infer_codes(x)` runs ISTA (the
    sparse codes); `decode(z)` is W_d z reshaped to an image and clipped to
    [0, 1]; `model(x)` = `decode(encode(x))`. Tracked: `loss` (the energy
    E(x, Z*)), `reconstruction_loss` (||x - W_d Z*||^2), `prediction_loss`
    (||Z* - F(x)||^2), `sparsity` (fraction of entries of Z* with |z| < 1e-3),
    `mse` (per pixel, of `model(x)`); sums per image, averaged over the batch.

    Args:
        input_shape: tuple. Shape of one image, `(height, width, channels)`, values in [0, 1].
        latent_dim: int. Number of dictionary atoms (code length).
        sparsity_weight: float. lambda, the weight of |z|_1.
        alpha: float. Weight of the prediction term ||z - F(x)||^2.
        ista_steps: int. ISTA iterations of the code inference.
        power_iterations: int. Power iterations for the ISTA step size.

    Example:

    ```python
    import numpy as np
    from keras_models.autoencoders import PSD

    images = np.random.default_rng(0).random((64, 28, 28, 1), dtype=np.float32)
    model = PSD(latent_dim=32, ista_steps=5)
    model.compile(optimizer="adam")
    model.fit(images, epochs=1, batch_size=32, verbose=0)
    fast_codes = model.encode(images)  # [64, 32]
    sparse_codes = model.infer_codes(images)  # [64, 32], mostly zeros
    assert model.decode(sparse_codes).shape == (64, 28, 28, 1)
    ```
    """

    tracked = ("loss", "reconstruction_loss", "prediction_loss", "sparsity", "mse")

    def __init__(
        self,
        input_shape=(28, 28, 1),
        latent_dim=256,
        sparsity_weight=1.0,
        alpha=1.0,
        ista_steps=20,
        power_iterations=20,
        **kwargs,
    ):
        input_shape = networks.check_image_shape(input_shape, model_name=type(self).__name__)
        if int(latent_dim) < 1 or int(ista_steps) < 1 or int(power_iterations) < 1:
            raise ValueError(
                "latent_dim, ista_steps and power_iterations must be positive ints, got "
                f"{latent_dim}, {ista_steps} and {power_iterations}."
            )
        if float(sparsity_weight) < 0 or float(alpha) < 0:
            raise ValueError(f"sparsity_weight and alpha must be >= 0, got {sparsity_weight} and {alpha}.")
        super().__init__(input_shape=input_shape, loss=None, **kwargs)
        latent_dim, pixels = int(latent_dim), math.prod(input_shape)

        # === Weights ===
        images = keras.Input(shape=input_shape, name="images")
        flat = layers.Flatten(name="encoder_flatten")(images)
        self.encoder = keras.Model(
            images, layers.Dense(latent_dim, "tanh", name="encoder_dense")(flat), name="encoder"
        )
        self.gain = self.add_weight(shape=(latent_dim,), initializer="ones", name="gain")
        self.dictionary = self.add_weight(
            shape=(latent_dim, pixels), initializer="random_normal", name="dictionary"
        )
        self._normalize_dictionary()

        # === Config ===
        self.latent_dim = self.code_size = latent_dim
        self.sparsity_weight = float(sparsity_weight)
        self.alpha = float(alpha)
        self.ista_steps = int(ista_steps)
        self.power_iterations = int(power_iterations)
        self.built = True

    def _normalize_dictionary(self):
        self.dictionary.assign(self.dictionary / ops.norm(self.dictionary, axis=1, keepdims=True))

    def _after_update(self):
        self._normalize_dictionary()

    def encode(self, images):
        """The encoder's predicted codes F(x) [N, latent_dim]."""
        return ops.cast(self.encoder(images), "float32") * self.gain

    def decode(self, codes):
        """Images W_d z [N, H, W, C], clipped to [0, 1]."""
        pixels = ops.matmul(ops.convert_to_tensor(codes, "float32"), self.dictionary)
        return ops.clip(ops.reshape(pixels, (-1, *self.image_shape)), 0.0, 1.0)

    def lipschitz_constant(self):
        """L = 2 (s^2 + alpha): s^2, the largest eigenvalue of W_d^T W_d, by power iteration (no gradient)."""
        gram = ops.stop_gradient(ops.matmul(self.dictionary, ops.transpose(self.dictionary)))
        vector = ops.ones((self.latent_dim,)) / math.sqrt(self.latent_dim)

        def step(_, v):
            v = ops.matmul(gram, v)
            return v / ops.norm(v)

        vector = ops.fori_loop(0, self.power_iterations, step, vector)
        return 2.0 * (ops.sum(vector * ops.matmul(gram, vector)) + self.alpha)

    def energy(self, images, codes, predictions=None):
        """E(x, z) per image [N] (see the class docstring); `predictions` default to F(x)."""
        images = ops.convert_to_tensor(images, "float32")
        predictions = self.encode(images) if predictions is None else predictions
        flat = ops.reshape(images, (ops.shape(images)[0], -1))
        error = ops.sum(ops.square(flat - ops.matmul(codes, self.dictionary)), axis=1)
        return (
            error
            + self.sparsity_weight * ops.sum(ops.abs(codes), axis=1)
            + self.alpha * ops.sum(ops.square(codes - predictions), axis=1)
        )

    def infer_codes(self, images, steps=None, initial_codes=None):
        """Sparse codes Z* [N, latent_dim] minimising the energy: ISTA from `initial_codes` (default F(x)).

        `steps` defaults to `ista_steps`. Gradients do not flow through the result.
        """
        images = ops.convert_to_tensor(images, "float32")
        predictions = self.encode(images)
        return self._ista(images, predictions, predictions if initial_codes is None else initial_codes, steps)

    def _ista(self, images, predictions, codes, steps=None):
        predictions = ops.stop_gradient(predictions)
        codes = ops.stop_gradient(ops.convert_to_tensor(codes, "float32"))
        dictionary = ops.stop_gradient(self.dictionary)
        gram = ops.matmul(dictionary, ops.transpose(dictionary))
        correlations = ops.matmul(ops.reshape(images, (ops.shape(images)[0], -1)), ops.transpose(dictionary))
        step_size = 1.0 / self.lipschitz_constant()

        def ista_step(_, z):
            gradient = 2.0 * (ops.matmul(z, gram) - correlations) + 2.0 * self.alpha * (z - predictions)
            return soft_threshold(z - step_size * gradient, step_size * self.sparsity_weight)

        steps = self.ista_steps if steps is None else steps
        return ops.stop_gradient(ops.fori_loop(0, steps, ista_step, codes))

    def _loss_terms(self, images, training):
        predictions = self.encode(images)
        codes = self._ista(images, predictions, predictions)
        flat = ops.reshape(images, (ops.shape(images)[0], -1))
        reconstruction = ops.mean(ops.sum(ops.square(flat - ops.matmul(codes, self.dictionary)), axis=1))
        prediction = ops.mean(ops.sum(ops.square(codes - predictions), axis=1))
        l1 = ops.mean(ops.sum(ops.abs(codes), axis=1))
        return {
            "loss": reconstruction + self.sparsity_weight * l1 + self.alpha * prediction,
            "reconstruction_loss": reconstruction,
            "prediction_loss": prediction,
            "sparsity": ops.mean(ops.cast(ops.abs(codes) < 1e-3, "float32")),
            "mse": networks.pixel_mse(images, ops.stop_gradient(self.decode(predictions))),
        }

    def get_config(self):
        return {
            **super().get_config(),
            "latent_dim": self.latent_dim,
            "sparsity_weight": self.sparsity_weight,
            "alpha": self.alpha,
            "ista_steps": self.ista_steps,
            "power_iterations": self.power_iterations,
        }
