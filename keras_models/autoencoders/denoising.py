"""The denoising autoencoder (Vincent et al., 2008): reconstruct clean images from corrupted ones."""

import keras
import tensorflow as tf
from keras import ops

from keras_models.autoencoders.autoencoder import Autoencoder

DEFAULT_NOISE_LEVELS = {"gaussian": 0.3, "masking": 0.3, "salt_and_pepper": 0.1}


def _seed_pair(seed, stream):
    """A [2] int64 seed for `tf.random.stateless_*` from an int or a scalar tensor `seed`."""
    return tf.stack([tf.cast(seed, tf.int64), tf.constant(stream, tf.int64)])


@keras.saving.register_keras_serializable(package="keras_models")
class DenoisingAutoencoder(Autoencoder):
    """An `Autoencoder` trained to map corrupted images to the clean ones.

    In training (`fit`) each batch is corrupted afresh (from the model's
    `keras.random.SeedGenerator`) and the loss compares the reconstruction of
    the corrupted batch with the clean batch. Evaluation and `call` do not
    corrupt: `model(x)` reconstructs (denoises) the images it is given, so
    `evaluate` numbers compare with the other autoencoders'; measure denoising
    with `model(model.corrupt(x, seed))` against `x`.

    Noises (`noise_level` in parentheses), all clipped to [0, 1]:

    - `"gaussian"`: adds N(0, noise_level^2) to every pixel (std, default 0.3).
    - `"masking"`: sets each pixel value to 0 with probability noise_level (default 0.3).
    - `"salt_and_pepper"`: sets each pixel value to 0 or 1 (equally likely)
      with probability noise_level (default 0.1).

    Args:
        noise: str. `"gaussian"`, `"masking"` or `"salt_and_pepper"`.
        noise_level: float or None. See above; None takes the noise's default.
        seed: int or None. Seed of the training noise.
        **kwargs: the `Autoencoder`'s arguments (`input_shape`, `latent_dim`,
            `architecture`, `hidden_units`, `filters`, `activation`, `loss`).

    Example:

    ```python
    import numpy as np
    from keras_models.autoencoders import DenoisingAutoencoder

    images = np.random.default_rng(0).random((64, 28, 28, 1), dtype=np.float32)
    model = DenoisingAutoencoder(noise="masking", latent_dim=8, hidden_units=(32,))
    model.compile(optimizer="adam")
    model.fit(images, epochs=1, batch_size=32, verbose=0)
    noisy = model.corrupt(images, seed=1)  # the same for the same seed
    denoised = model(noisy)
    assert denoised.shape == (64, 28, 28, 1)
    ```
    """

    def __init__(self, noise="gaussian", noise_level=None, seed=None, **kwargs):
        if noise not in DEFAULT_NOISE_LEVELS:
            raise ValueError(f"noise must be one of {tuple(DEFAULT_NOISE_LEVELS)}, got {noise!r}.")
        noise_level = DEFAULT_NOISE_LEVELS[noise] if noise_level is None else float(noise_level)
        if noise_level < 0 or (noise != "gaussian" and noise_level > 1):
            kind = "a std >= 0" if noise == "gaussian" else "a fraction of pixels in [0, 1]"
            raise ValueError(f"noise_level for {noise!r} noise is {kind}, got {noise_level}.")
        super().__init__(**kwargs)
        self.noise = noise
        self.noise_level = noise_level
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def corrupt(self, images, seed):
        """Corrupted copies of images [N, H, W, C], clipped to [0, 1].

        Deterministic for a given `seed` (a Python int or a scalar integer tensor,
        so it can be an argument of a `tf.function`): stateless random ops.
        """
        images = ops.convert_to_tensor(images, "float32")
        shape = ops.shape(images)
        if self.noise == "gaussian":
            noisy = images + self.noise_level * tf.random.stateless_normal(shape, _seed_pair(seed, 0))
        else:
            hit = tf.random.stateless_uniform(shape, _seed_pair(seed, 0)) < self.noise_level
            if self.noise == "masking":
                value = ops.zeros_like(images)
            else:
                value = ops.cast(tf.random.stateless_uniform(shape, _seed_pair(seed, 1)) < 0.5, "float32")
            noisy = ops.where(hit, value, images)
        return ops.clip(noisy, 0.0, 1.0)

    def _model_inputs(self, images, training):
        if not training:
            return images
        return self.corrupt(images, keras.random.randint((), 0, 2**31 - 1, seed=self.seed_generator))

    def get_config(self):
        return {
            **super().get_config(),
            "noise": self.noise,
            "noise_level": self.noise_level,
            "seed": self.seed,
        }
