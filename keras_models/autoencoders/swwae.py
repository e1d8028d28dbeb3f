"""The stacked what-where autoencoder (Zhao, Mathieu, Goroshin & LeCun, 2015)."""

import keras
from keras import layers, ops

from keras_models.autoencoders import networks


def max_pool_with_switches(x):
    """2x2 max pooling that also returns the switches ("where").

    Returns `(pooled, mask)`: pooled [N, H/2, W/2, C] ("what") and a 0/1 mask
    [N, H, W, C] with a single 1 per 2x2 window and channel, at the window's
    maximum. Ties go to the first maximum in row-major order (top-left first),
    so a window of equal values (e.g. all zeros after a ReLU) keeps its top-left.
    """
    height, width, channels = x.shape[1:]
    h, w = height // 2, width // 2
    windows = ops.reshape(x, (-1, h, 2, w, 2, channels))
    windows = ops.reshape(ops.transpose(windows, (0, 1, 3, 5, 2, 4)), (-1, h, w, channels, 4))
    pooled = ops.max(windows, axis=-1)
    is_max = ops.cast(ops.equal(windows, ops.expand_dims(pooled, -1)), x.dtype)
    first = is_max * ops.cast(ops.equal(ops.cumsum(is_max, axis=-1), 1.0), x.dtype)
    mask = ops.transpose(ops.reshape(first, (-1, h, w, channels, 2, 2)), (0, 1, 4, 2, 5, 3))
    return pooled, ops.reshape(mask, (-1, height, width, channels))


def unpool(x, mask):
    """Places x [N, h, w, C] at the switch positions of mask [N, 2h, 2w, C], zeros elsewhere.

    A mask of ones gives nearest-neighbour upsampling.
    """
    return ops.repeat(ops.repeat(x, 2, axis=1), 2, axis=2) * ops.cast(mask, x.dtype)


@keras.saving.register_keras_serializable(package="keras_models")
class SWWAE(networks.ReconstructionModel):
    """Stacked what-where autoencoder: max-pooling's "what" goes up, its switches ("where") go across.

    Encoder stage l: 3x3 convolution (`filters[l]`, ReLU), then 2x2 max pooling
    whose output ("what", p_l) feeds the next stage and whose switches
    (`max_pool_with_switches`; ties go to the top-left maximum) go to the
    decoder. A 3x3 convolution maps the last "what" to the code, a
    [H / 2^k, W / 2^k, code_channels] map. The decoder mirrors the encoder:
    a 3x3 convolution (ReLU) gives d_k, the reconstruction of p_k; each stage
    unpools (`unpool`: places d_l at its switch positions) and convolves to
    d_{l-1}; a final 3x3 convolution gives the pixel logits.

    Loss: the input reconstruction loss (`"bce"` or `"mse"`, summed over pixels)
    plus `lambda_mid` times the "middle" L2 terms sum_l ||p_l - d_l||^2 (summed
    per image; gradients reach both sides). Tracked: `loss`,
    `reconstruction_loss`, `middle_loss`, `mse`.

    `encode(x)` is the flattened code ("what" only, length `code_size`);
    `model(x)` decodes it *with* the encoder's switches; `decode(code)` has no
    switches and unpools by nearest-neighbour upsampling (the "what" alone; it
    was not trained for that, so expect blurrier images than `model(x)`).
    Height and width must be divisible by 2 ** len(filters).

    Args:
        input_shape: tuple. Shape of one image, `(height, width, channels)`, values in [0, 1].
        filters: tuple of int. Convolution filters per stage (one pooling each).
        code_channels: int. Channels of the top "what" map (the code).
        lambda_mid: float. Weight of the intermediate reconstruction terms.
        loss: str. `"bce"` or `"mse"` input reconstruction loss.

    Example:

    ```python
    import numpy as np
    from keras_models.autoencoders import SWWAE

    images = np.random.default_rng(0).random((64, 28, 28, 1), dtype=np.float32)
    model = SWWAE(filters=(4, 8))
    model.compile(optimizer="adam")
    model.fit(images, epochs=1, batch_size=32, verbose=0)
    codes = model.encode(images)  # [64, 49]: the 7x7x1 top "what"
    assert model(images).shape == model.decode(codes).shape == (64, 28, 28, 1)
    ```
    """

    tracked = ("loss", "reconstruction_loss", "middle_loss", "mse")

    def __init__(
        self, input_shape=(28, 28, 1), filters=(32, 64), code_channels=1, lambda_mid=0.1, loss="bce", **kwargs
    ):
        filters = networks.check_units("filters", filters, allow_empty=False)
        input_shape = networks.check_image_shape(input_shape, 2 ** len(filters), type(self).__name__)
        if int(code_channels) < 1 or float(lambda_mid) < 0:
            raise ValueError(f"need code_channels >= 1, lambda_mid >= 0; got {code_channels}, {lambda_mid}.")
        super().__init__(input_shape=input_shape, loss=loss, **kwargs)
        height, width, channels = input_shape
        code_shape = (height // 2 ** len(filters), width // 2 ** len(filters), int(code_channels))

        # === Encoder: images -> [code, whats, masks] ===
        images = keras.Input(shape=input_shape, name="images")
        x, whats, masks = images, [], []
        for i, f in enumerate(filters):
            x = layers.Conv2D(f, 3, padding="same", activation="relu", name=f"encoder_conv_{i}")(x)
            x, mask = max_pool_with_switches(x)
            whats.append(x)
            masks.append(mask)
        code = layers.Conv2D(code_shape[-1], 3, padding="same", name="encoder_code")(x)
        self.encoder = keras.Model(images, [code, whats, masks], name="encoder")

        # === Decoder: [code, masks] -> [logits, reconstructed whats] ===
        code_input = keras.Input(shape=code_shape, name="code")
        mask_inputs = [keras.Input(shape=m.shape[1:], name=f"mask_{i}") for i, m in enumerate(masks)]
        x, decoded = code_input, []
        for i in reversed(range(len(filters))):
            x = layers.Conv2D(filters[i], 3, padding="same", activation="relu", name=f"decoder_conv_{i}")(x)
            decoded.insert(0, x)
            x = unpool(x, mask_inputs[i])
        logits = layers.Conv2D(channels, 3, padding="same", name="decoder_logits")(x)
        self.decoder = keras.Model([code_input, mask_inputs], [logits, decoded], name="decoder")

        # === Config ===
        self.filters = filters
        self.code_shape = code_shape
        self.code_channels = int(code_channels)
        self.code_size = code_shape[0] * code_shape[1] * code_shape[2]
        self.lambda_mid = float(lambda_mid)
        self.built = True

    def encode(self, images):
        """The flattened top "what" [N, code_size]."""
        code = self.encoder(images)[0]
        return ops.reshape(ops.cast(code, "float32"), (-1, self.code_size))

    def _decode_logits(self, code, masks):
        return self.decoder([ops.reshape(code, (-1, *self.code_shape)), masks])

    def decode(self, codes):
        """Images [N, H, W, C] in [0, 1] from codes alone: unpooling is nearest-neighbour upsampling."""
        codes = ops.convert_to_tensor(codes, "float32")
        batch, (height, width, _) = ops.shape(codes)[0], self.image_shape
        masks = [ops.ones((batch, height // 2**i, width // 2**i, f)) for i, f in enumerate(self.filters)]
        return ops.sigmoid(ops.cast(self._decode_logits(codes, masks)[0], "float32"))

    def call(self, images, training=False):
        """Reconstructions [N, H, W, C] in [0, 1], unpooling at the encoder's switches."""
        code, _, masks = self.encoder(images)
        return ops.sigmoid(ops.cast(self._decode_logits(code, masks)[0], "float32"))

    def _loss_terms(self, images, training):
        code, whats, masks = self.encoder(images)
        logits, decoded = self._decode_logits(code, masks)
        reconstruction = networks.reconstruction_loss(images, logits, self.loss_type)
        middle = sum(  # in float32 whatever the compute dtype (mixed precision)
            ops.mean(
                ops.sum(ops.reshape(ops.square(ops.cast(p - d, "float32")), (ops.shape(p)[0], -1)), axis=1)
            )
            for p, d in zip(whats, decoded)
        )
        return {
            "loss": reconstruction + self.lambda_mid * middle,
            "reconstruction_loss": reconstruction,
            "middle_loss": middle,
            "mse": networks.pixel_mse(images, ops.sigmoid(logits)),
        }

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "code_channels": self.code_channels,
            "lambda_mid": self.lambda_mid,
            "loss": self.loss_type,
        }
