"""The variational autoencoder (Kingma & Welling, 2014) with a Bernoulli or Gaussian decoder."""

import math

import keras
import tensorflow as tf
from keras import ops

from keras_models.autoencoders import networks

LOG_2PI = math.log(2.0 * math.pi)


def _seed_pair(seed):
    """A [2] int64 seed for `tf.random.stateless_*` from an int or a scalar tensor `seed`."""
    return tf.stack([tf.cast(seed, tf.int64), tf.constant(0, tf.int64)])


def gaussian_kl(mean, log_var):
    """KL(N(mean, exp(log_var)) || N(0, I)) per example, summed over the latent axis: [N]."""
    return 0.5 * ops.sum(ops.exp(log_var) + ops.square(mean) - 1.0 - log_var, axis=-1)


@keras.saving.register_keras_serializable(package="keras_models")
class VAE(networks.ReconstructionModel):
    """A VAE: q(z|x) = N(mean(x), diag(exp(log_var(x)))), p(z) = N(0, I), p(x|z) from the decoder.

    The encoder (dense or convolutional, as in `Autoencoder`) outputs the mean
    and log-variance of q(z|x); training samples z = mean + exp(log_var / 2) * eps
    (reparameterisation, eps from the model's `keras.random.SeedGenerator`).

    - `decoder="bernoulli"`: pixel logits; the negative log-likelihood is the
      sigmoid cross-entropy summed over pixels (images in [0, 1] are the
      Bernoulli means; the usual choice for MNIST-like data).
    - `decoder="gaussian"`: means sigmoid(logits) in [0, 1] and one learned
      log-sigma shared by all pixels (`log_sigma`, starting at `log_sigma_init`);
      the NLL is sum over pixels of 0.5 log(2 pi) + log sigma + (x - mu)^2 / (2 sigma^2).

    The loss is -ELBO = NLL + KL(q(z|x) || p(z)) per image (nats), averaged
    over the batch. Tracked: `loss`, `reconstruction_loss` (the NLL), `kl_loss`,
    `mse` (per pixel, of the deterministic reconstruction `model(x)`).

    `encode(x)` is the posterior mean, `decode(z)` the decoder's mean image, and
    `model(x)` = `decode(encode(x))`, all deterministic. `elbo(x, seed)` and
    `sample(count, seed)` are deterministic for a given seed (stateless random
    ops), which may be a Python int or a scalar integer tensor.

    Args:
        input_shape: tuple. Shape of one image, `(height, width, channels)`, values in [0, 1].
        latent_dim: int. Dimension of z.
        architecture: str. `"dense"` or `"conv"` (see `Autoencoder`).
        decoder: str. `"bernoulli"` or `"gaussian"`.
        hidden_units: tuple of int. Dense encoder layers (`"dense"` only).
        filters: tuple of int. Convolution filters per stage (`"conv"` only).
        activation: str. Hidden activation.
        log_sigma_init: float. Initial log-sigma of the Gaussian decoder.
        seed: int or None. Seed of the training samples of z.

    Example:

    ```python
    import numpy as np
    from keras_models.autoencoders import VAE

    images = np.random.default_rng(0).random((64, 28, 28, 1), dtype=np.float32)
    model = VAE(latent_dim=4, hidden_units=(32,))
    model.compile(optimizer="adam")
    model.fit(images, epochs=1, batch_size=32, verbose=0)
    elbo = model.elbo(images[:8], seed=0)["elbo"]  # [8], nats per image
    samples = model.sample(5, seed=0)  # [5, 28, 28, 1] in [0, 1]
    assert samples.shape == (5, 28, 28, 1)
    ```
    """

    tracked = ("loss", "reconstruction_loss", "kl_loss", "mse")

    def __init__(
        self,
        input_shape=(28, 28, 1),
        latent_dim=16,
        architecture="dense",
        decoder="bernoulli",
        hidden_units=(512, 256),
        filters=(32, 64),
        activation="relu",
        log_sigma_init=-2.0,
        seed=None,
        **kwargs,
    ):
        if decoder not in ("bernoulli", "gaussian"):
            raise ValueError(f"decoder must be 'bernoulli' or 'gaussian', got {decoder!r}.")
        input_shape, hidden_units, filters = networks.check_architecture(
            type(self).__name__, input_shape, latent_dim, architecture, hidden_units, filters
        )
        super().__init__(input_shape=input_shape, loss=None, **kwargs)

        # === Networks ===
        latent_dim = int(latent_dim)
        self.encoder, self.decoder = networks.encoder_decoder(
            architecture, input_shape, hidden_units, filters, 2 * latent_dim, latent_dim, activation
        )
        if decoder == "gaussian":
            self.log_sigma = self.add_weight(
                shape=(), initializer=keras.initializers.Constant(log_sigma_init), name="log_sigma"
            )
        self.seed_generator = keras.random.SeedGenerator(seed)

        # === Config ===
        self.latent_dim = self.code_size = latent_dim
        self.architecture = architecture
        self.likelihood = decoder
        self.hidden_units = hidden_units
        self.filters = filters
        self.activation = activation
        self.log_sigma_init = float(log_sigma_init)
        self.seed = seed
        self.built = True

    def posterior(self, images):
        """(mean, log_var) of q(z|x), each [N, latent_dim]."""
        mean, log_var = ops.split(ops.cast(self.encoder(images), "float32"), 2, axis=-1)
        return mean, log_var

    def encode(self, images):
        """The posterior means [N, latent_dim]."""
        return self.posterior(images)[0]

    def decode(self, codes):
        """Mean images [N, H, W, C] in [0, 1] of p(x|z) for codes z [N, latent_dim]."""
        return ops.sigmoid(ops.cast(self.decoder(codes), "float32"))

    def negative_log_likelihood(self, images, logits):
        """-log p(x|z) per image [N] (nats), from the decoder's logits."""
        images, logits = ops.cast(images, "float32"), ops.cast(logits, "float32")
        if self.likelihood == "bernoulli":
            per_pixel = tf.nn.sigmoid_cross_entropy_with_logits(labels=images, logits=logits)
        else:
            log_sigma = ops.cast(self.log_sigma, "float32")
            squared = ops.square(images - ops.sigmoid(logits))
            per_pixel = 0.5 * LOG_2PI + log_sigma + 0.5 * squared * ops.exp(-2.0 * log_sigma)
        return ops.sum(ops.reshape(per_pixel, (ops.shape(per_pixel)[0], -1)), axis=1)

    def _terms(self, images, noise):
        """Per-example NLL and KL with z = mean + sigma * noise."""
        mean, log_var = self.posterior(images)
        z = mean + ops.exp(0.5 * log_var) * noise
        return self.negative_log_likelihood(images, self.decoder(z)), gaussian_kl(mean, log_var), mean

    def elbo(self, images, seed):
        """Per-example `elbo`, `kl` and `reconstruction_nll` [N] (nats), one z sample drawn with `seed`.

        `elbo = -(reconstruction_nll + kl)`. Deterministic for a given seed (a
        Python int or a scalar integer tensor).
        """
        images = ops.convert_to_tensor(images, "float32")
        shape = (ops.shape(images)[0], self.latent_dim)
        nll, kl, _ = self._terms(images, tf.random.stateless_normal(shape, _seed_pair(seed)))
        return {"elbo": -(nll + kl), "kl": kl, "reconstruction_nll": nll}

    def sample(self, count, seed):
        """`count` images [count, H, W, C] in [0, 1]: decoder means at z ~ N(0, I) drawn with `seed`.

        `count` and `seed` may be Python ints or scalar integer tensors.
        Deterministic for a given seed.
        """
        shape = tf.stack([tf.cast(count, tf.int32), self.latent_dim])
        return self.decode(tf.random.stateless_normal(shape, _seed_pair(seed)))

    def _loss_terms(self, images, training):
        shape = (ops.shape(images)[0], self.latent_dim)
        noise = keras.random.normal(shape, seed=self.seed_generator)
        nll, kl, mean = self._terms(images, noise)
        nll, kl = ops.mean(nll), ops.mean(kl)
        mse = networks.pixel_mse(images, ops.stop_gradient(self.decode(mean)))
        return {"loss": nll + kl, "reconstruction_loss": nll, "kl_loss": kl, "mse": mse}

    def get_config(self):
        return {
            **super().get_config(),
            "latent_dim": self.latent_dim,
            "architecture": self.architecture,
            "decoder": self.likelihood,
            "hidden_units": self.hidden_units,
            "filters": self.filters,
            "activation": self.activation,
            "log_sigma_init": self.log_sigma_init,
            "seed": self.seed,
        }
