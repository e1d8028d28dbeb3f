"""EBGAN (Zhao, Mathieu & LeCun, 2017): the discriminator is an autoencoder whose energy is its
reconstruction error."""

import keras
from keras import layers, ops

from keras_models.generative import blocks, networks


def energy(images, reconstructions):
    """Per-image mean squared reconstruction error [N] (float32)."""
    squared = ops.square(ops.cast(images, "float32") - ops.cast(reconstructions, "float32"))
    return ops.mean(ops.reshape(squared, (ops.shape(squared)[0], -1)), axis=1)


def margin_loss(real_energies, fake_energies, margin):
    """The discriminator's loss: mean D(x) + mean max(0, margin - D(G(z)))."""
    return ops.mean(real_energies) + ops.mean(ops.relu(margin - fake_energies))


def pulling_away(codes):
    """The pulling-away term 1 / (N (N - 1)) sum over i != j of cos^2(s_i, s_j), codes [N, ...] (0 if N < 2).

    It is small when the codes of a batch point in different directions: it
    penalises a generator whose samples look alike to the discriminator's encoder.
    """
    codes = ops.cast(ops.reshape(codes, (ops.shape(codes)[0], -1)), "float32")
    unit = codes / ops.sqrt(ops.sum(ops.square(codes), axis=1, keepdims=True) + 1e-12)
    squared_cosines = ops.square(ops.matmul(unit, ops.transpose(unit)))
    count = ops.cast(ops.shape(codes)[0], "float32")
    off_diagonal = ops.sum(squared_cosines) - ops.sum(ops.diagonal(squared_cosines))
    return off_diagonal / ops.maximum(count * (count - 1.0), 1.0)


@keras.saving.register_keras_serializable(package="keras_models")
class EBGAN(networks.NoiseGAN):
    """An energy-based GAN with DCGAN-style networks and the pulling-away term.

    - Generator: as `DCGAN`'s (dense to [H/4, W/4, 2 filters], two strided
      transposed convolutions, batch norm and ReLU, tanh output).
    - Discriminator: a convolutional autoencoder. Encoder: `DCGAN`'s
      discriminator body (two 4x4 convolutions of stride 2, LeakyReLU(0.2),
      batch norm on the second); its [H/4, W/4, 2 filters] output, flattened,
      is the code s. Decoder: the generator's up-sampling (two strided
      transposed convolutions, tanh). The energy D(x) is the per-image mean
      squared error of the reconstruction, in [0, 4] for images in [-1, 1].

    Losses: the discriminator minimises D(x) + max(0, margin - D(G(z))), the
    generator D(G(z)) + pt_weight * PT(S), PT the pulling-away term on the
    codes S of the generated batch (`pulling_away`); batch means.

    The default `margin=0.2` is a few times the energy the autoencoder reaches
    on real images within the first epoch (≈ 0.1, falling). A margin far above
    that (1.0, an RMS error of half the pixel range) lets the discriminator win
    outright: measured on Fashion-MNIST after 300 steps, the generator's samples
    were near-uniform grey (per-pixel spread across samples 16 of 255, against
    58 with 0.2). Scale the margin with the energy if you change it (e.g. a sum
    over pixels).

    Tracked: `d_loss`, `g_loss`, `energy_real`, `energy_fake` (mean energies
    in the discriminator step) and `pull_away` (the PT term of the generator step).

    Args:
        image_shape: tuple. Shape of one image, `(height, width, channels)`, values in [0, 1];
            H and W divisible by 4.
        latent_dim: int. Dimension of the noise z.
        filters: int. Filters of the first encoder convolution (the other has twice as many).
        margin: float. The hinge's margin m on fake energies.
        pt_weight: float. Weight of the pulling-away term in the generator's loss (0.1 in the paper).
        seed: int or None. Seed of the training noise.

    Example:

    ```python
    import numpy as np
    from keras_models.generative import EBGAN

    images = np.random.default_rng(0).random((64, 28, 28, 1), dtype=np.float32)
    model = EBGAN(latent_dim=16, filters=8)
    model.compile()
    history = model.fit(images, epochs=1, batch_size=32, verbose=0).history
    assert {"energy_real", "energy_fake", "pull_away"} <= set(history)
    assert model.generate(5, seed=0).shape == (5, 28, 28, 1)
    ```
    """

    def __init__(
        self,
        image_shape=(28, 28, 1),
        latent_dim=100,
        filters=64,
        margin=0.2,
        pt_weight=0.1,
        seed=None,
        **kwargs,
    ):
        image_shape = networks.check_image_shape(image_shape, 4, type(self).__name__)
        filters = networks.check_positive("filters", filters)
        if margin <= 0:
            raise ValueError(f"margin must be positive, got {margin}.")
        if pt_weight < 0:
            raise ValueError(f"pt_weight must be non-negative, got {pt_weight}.")
        tracked = ("d_loss", "g_loss", "energy_real", "energy_fake", "pull_away")
        super().__init__(image_shape, latent_dim, seed, tracked=tracked, **kwargs)
        dtype = self.dtype_policy

        # === Networks ===
        self.generator = blocks.dcgan_generator(image_shape, self.latent_dim, filters, dtype)
        images = keras.Input(shape=image_shape, name="images")
        codes = blocks.dcgan_downsampler(images, filters, dtype, "encoder")
        reconstructions = blocks.dcgan_upsampler(codes, filters, image_shape[-1], dtype, "decoder")
        flat_codes = layers.Flatten(dtype=dtype, name="codes")(codes)
        self.discriminator = keras.Model(images, [reconstructions, flat_codes], name="discriminator")

        # === Config ===
        self.filters = filters
        self.margin = float(margin)
        self.pt_weight = float(pt_weight)
        self.built = True

    def energies(self, images, training=False):
        """(energies [N], codes [N, code_size]) of images in [-1, 1] under the discriminator."""
        reconstructions, codes = self.discriminator(images, training=training)
        return energy(images, reconstructions), ops.cast(codes, "float32")

    def discriminator_losses(self, real, fakes, training=False):
        real_energies, _ = self.energies(real, training)
        fake_energies, _ = self.energies(fakes, training)
        return {
            "d_loss": margin_loss(real_energies, fake_energies, self.margin),
            "energy_real": ops.mean(real_energies),
            "energy_fake": ops.mean(fake_energies),
        }

    def generator_losses(self, fakes, training=False):
        fake_energies, codes = self.energies(fakes, training)
        pull_away = pulling_away(codes)
        return {"g_loss": ops.mean(fake_energies) + self.pt_weight * pull_away, "pull_away": pull_away}

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "margin": self.margin,
            "pt_weight": self.pt_weight,
        }
