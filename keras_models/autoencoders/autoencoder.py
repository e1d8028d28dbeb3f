"""The plain (undercomplete) autoencoder: a dense or convolutional encoder and its mirror decoder."""

import keras
from keras import ops

from keras_models.autoencoders import networks


@keras.saving.register_keras_serializable(package="keras_models")
class Autoencoder(networks.ReconstructionModel):
    """An autoencoder trained to reconstruct its input through a `latent_dim` code.

    - `"dense"`: flatten, dense layers of `hidden_units`, a linear code layer;
      the decoder mirrors them (`hidden_units` reversed) to per-pixel logits.
    - `"conv"`: 3x3 convolutions of stride 2 with `filters` (28 -> 14 -> 7 for
      two stages), flatten, a linear code layer; the decoder mirrors them with
      transposed convolutions. Height and width must be divisible by
      `2 ** len(filters)` (28x28x1 and 32x32x3 work with the default).

    Outputs are sigmoid probabilities in [0, 1] (float32). Train with
    `model.fit(images)`, a dataset of image batches or of `(images, labels)`.

    Args:
        input_shape: tuple. Shape of one image, `(height, width, channels)`, values in [0, 1].
        latent_dim: int. Length of the code.
        architecture: str. `"dense"` or `"conv"`.
        hidden_units: tuple of int. Dense encoder layers (`"dense"` only).
        filters: tuple of int. Convolution filters per stage (`"conv"` only).
        activation: str. Hidden activation.
        loss: str. `"bce"` (binary cross-entropy) or `"mse"`, summed over
            pixels, averaged over the batch. `mse` (per pixel) is tracked too.

    Example:

    ```python
    import numpy as np
    from keras_models.autoencoders import Autoencoder

    images = np.random.default_rng(0).random((64, 28, 28, 1), dtype=np.float32)
    model = Autoencoder(latent_dim=8, hidden_units=(32,))
    model.compile(optimizer="adam")
    model.fit(images, epochs=1, batch_size=32, verbose=0)
    codes = model.encode(images)  # [64, 8]
    assert model.decode(codes).shape == (64, 28, 28, 1)
    ```
    """

    def __init__(
        self,
        input_shape=(28, 28, 1),
        latent_dim=32,
        architecture="dense",
        hidden_units=(512, 256),
        filters=(32, 64),
        activation="relu",
        loss="bce",
        **kwargs,
    ):
        input_shape, hidden_units, filters = networks.check_architecture(
            type(self).__name__, input_shape, latent_dim, architecture, hidden_units, filters
        )
        super().__init__(input_shape=input_shape, loss=loss, **kwargs)

        # === Networks ===
        self.encoder, self.decoder = networks.encoder_decoder(
            architecture, input_shape, hidden_units, filters, int(latent_dim), int(latent_dim), activation
        )

        # === Config ===
        self.latent_dim = int(latent_dim)
        self.code_size = self.latent_dim
        self.architecture = architecture
        self.hidden_units = hidden_units
        self.filters = filters
        self.activation = activation
        self.built = True  # every network is built

    def encode(self, images):
        """Codes [N, latent_dim] of images [N, H, W, C]."""
        return ops.cast(self.encoder(images), "float32")

    def decode(self, codes):
        """Images [N, H, W, C] in [0, 1] from codes [N, latent_dim]."""
        return ops.cast(ops.sigmoid(self.decoder(codes)), "float32")

    def _model_inputs(self, images, training):
        """What the encoder sees in training (the denoising autoencoder corrupts it)."""
        return images

    def _loss_terms(self, images, training):
        logits = self.decoder(self.encoder(self._model_inputs(images, training)))
        loss = networks.reconstruction_loss(images, logits, self.loss_type)
        mse = networks.pixel_mse(images, ops.sigmoid(logits))
        return {"loss": loss, "reconstruction_loss": loss, "mse": mse}

    def get_config(self):
        return {
            **super().get_config(),
            "latent_dim": self.latent_dim,
            "architecture": self.architecture,
            "hidden_units": self.hidden_units,
            "filters": self.filters,
            "activation": self.activation,
            "loss": self.loss_type,
        }
