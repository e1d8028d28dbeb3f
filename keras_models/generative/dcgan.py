"""DCGAN (Radford et al., 2016): the GAN game with deep convolutional networks."""

import keras
from keras import layers

from keras_models.generative import blocks, networks


@keras.saving.register_keras_serializable(package="keras_models")
class DCGAN(networks.NoiseGAN):
    """A deep convolutional GAN, following the DCGAN paper's rules.

    Strided convolutions instead of pooling, transposed convolutions to
    up-sample in the generator, batch norm everywhere except the generator's
    output and the discriminator's input, ReLU then tanh in the generator,
    LeakyReLU(0.2) in the discriminator, weights from N(0, 0.02):

    - Generator: z -> dense to [H/4, W/4, 2 filters], BN, ReLU -> 4x4
      transposed conv of stride 2 (`filters`), BN, ReLU -> 4x4 transposed conv
      of stride 2 (C channels), tanh.
    - Discriminator: 4x4 conv of stride 2 (`filters`), LeakyReLU -> 4x4 conv
      of stride 2 (2 filters), BN, LeakyReLU -> flatten -> dense logit.

    H and W must be divisible by 4 (28x28x1 and 32x32x3 work). Batch norm has
    momentum 0.9 and epsilon 1e-5 (the reference implementations'); `model(noise)`
    and `generate` use its moving statistics. Losses, training and tracked
    metrics as in `GAN`; `compile()` without optimizers gives both players
    Adam(2e-4, beta_1=0.5), the paper's setting.

    Args:
        image_shape: tuple. Shape of one image, `(height, width, channels)`, values in [0, 1].
        latent_dim: int. Dimension of the noise z.
        filters: int. Filters of the discriminator's first (the generator's last hidden) convolution;
            the other one has twice as many.
        seed: int or None. Seed of the training noise.

    Example:

    ```python
    import numpy as np
    from keras_models.generative import DCGAN

    images = np.random.default_rng(0).random((64, 28, 28, 1), dtype=np.float32)
    model = DCGAN(latent_dim=16, filters=8)
    model.compile()  # Adam(2e-4, beta_1=0.5)
    model.fit(images, epochs=1, batch_size=32, verbose=0)
    samples = model.generate(5, seed=0)  # [5, 28, 28, 1] in [0, 1]
    assert samples.shape == (5, 28, 28, 1)
    ```
    """

    def __init__(self, image_shape=(28, 28, 1), latent_dim=100, filters=64, seed=None, **kwargs):
        image_shape = networks.check_image_shape(image_shape, 4, type(self).__name__)
        filters = networks.check_positive("filters", filters)
        super().__init__(image_shape, latent_dim, seed, **kwargs)
        dtype = self.dtype_policy

        # === Networks ===
        self.generator = blocks.dcgan_generator(image_shape, self.latent_dim, filters, dtype)
        images = keras.Input(shape=image_shape, name="images")
        x = layers.Flatten(dtype=dtype)(blocks.dcgan_downsampler(images, filters, dtype, "discriminator"))
        logits = layers.Dense(1, kernel_initializer=blocks.weight_init(), dtype=dtype, name="logit")(x)
        self.discriminator = keras.Model(images, logits, name="discriminator")

        # === Config ===
        self.filters = filters
        self.built = True

    def get_config(self):
        return {**super().get_config(), "filters": self.filters}
