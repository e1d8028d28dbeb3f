"""The GAN of Goodfellow et al. (2014): multilayer perceptrons playing the minimax game."""

import math

import keras
from keras import layers

from keras_models.generative import blocks, networks


def _check_units(name, units):
    units = tuple(units)
    if not units or any(int(u) != u or u < 1 for u in units):
        raise ValueError(f"{name} must be a non-empty tuple of positive ints, got {units}.")
    return tuple(int(u) for u in units)


@keras.saving.register_keras_serializable(package="keras_models")
class GAN(networks.NoiseGAN):
    """A GAN with a multilayer-perceptron generator and discriminator.

    - Generator: z ~ N(0, I) of `latent_dim` -> dense `generator_units` with
      LeakyReLU(0.2) -> a dense layer of H * W * C with tanh, reshaped to images
      in [-1, 1] (the model returns them in [0, 1]).
    - Discriminator: flattened images -> dense `discriminator_units` with
      LeakyReLU(0.2) and `dropout` -> one logit.

    Losses: the discriminator minimises BCE(real -> 1) + BCE(fake -> 0), the
    generator the non-saturating BCE(fake -> 1) = -log D(G(z)); one
    discriminator update, then one generator update per batch (`d_steps` in
    `compile`). Tracked: `d_loss`, `g_loss`, `d_real` and `d_fake` (the mean
    probability of "real" the discriminator gives real and fake images; 0.5
    each at the game's equilibrium).

    `model(noise)` maps noise [N, latent_dim] to images [N, H, W, C] in [0, 1];
    `generate(count, seed)` draws the noise itself, deterministically per seed.

    Args:
        image_shape: tuple. Shape of one image, `(height, width, channels)`, values in [0, 1].
        latent_dim: int. Dimension of the noise z.
        generator_units: tuple of int. Hidden layers of the generator.
        discriminator_units: tuple of int. Hidden layers of the discriminator.
        dropout: float. Dropout rate after each hidden layer of the discriminator.
        seed: int or None. Seed of the training noise.

    Example:

    ```python
    import numpy as np
    from keras_models.generative import GAN

    images = np.random.default_rng(0).random((64, 28, 28, 1), dtype=np.float32)
    model = GAN(latent_dim=8, generator_units=(32,), discriminator_units=(32,))
    model.compile()  # Adam(2e-4, beta_1=0.5) for both players
    history = model.fit(images, epochs=1, batch_size=32, verbose=0).history
    samples = model.generate(5, seed=0)  # [5, 28, 28, 1] in [0, 1]
    assert samples.shape == (5, 28, 28, 1) and set(history) == {"d_loss", "g_loss", "d_real", "d_fake"}
    ```
    """

    def __init__(
        self,
        image_shape=(28, 28, 1),
        latent_dim=64,
        generator_units=(256, 512),
        discriminator_units=(512, 256),
        dropout=0.3,
        seed=None,
        **kwargs,
    ):
        image_shape = networks.check_image_shape(image_shape, 1, type(self).__name__)
        generator_units = _check_units("generator_units", generator_units)
        discriminator_units = _check_units("discriminator_units", discriminator_units)
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout}.")
        super().__init__(image_shape, latent_dim, seed, **kwargs)
        dtype = self.dtype_policy

        # === Networks ===
        noise = keras.Input(shape=(self.latent_dim,), name="noise")
        x = noise
        for i, units in enumerate(generator_units):
            x = layers.Dense(units, dtype=dtype, name=f"generator_{i}")(x)
            x = layers.LeakyReLU(blocks.LEAKY_SLOPE, dtype=dtype, name=f"generator_{i}_lrelu")(x)
        x = layers.Dense(math.prod(image_shape), "tanh", dtype=dtype, name="generator_pixels")(x)
        self.generator = keras.Model(noise, layers.Reshape(image_shape, dtype=dtype)(x), name="generator")

        images = keras.Input(shape=image_shape, name="images")
        x = layers.Flatten(dtype=dtype)(images)
        for i, units in enumerate(discriminator_units):
            x = layers.Dense(units, dtype=dtype, name=f"discriminator_{i}")(x)
            x = layers.LeakyReLU(blocks.LEAKY_SLOPE, dtype=dtype, name=f"discriminator_{i}_lrelu")(x)
            x = layers.Dropout(dropout, dtype=dtype, name=f"discriminator_{i}_dropout")(x)
        logits = layers.Dense(1, dtype=dtype, name="discriminator_logit")(x)
        self.discriminator = keras.Model(images, logits, name="discriminator")

        # === Config ===
        self.generator_units = generator_units
        self.discriminator_units = discriminator_units
        self.dropout = float(dropout)
        self.built = True

    def get_config(self):
        return {
            **super().get_config(),
            "generator_units": self.generator_units,
            "discriminator_units": self.discriminator_units,
            "dropout": self.dropout,
        }
