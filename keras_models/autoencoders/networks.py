"""Building blocks shared by the autoencoders: encoder/decoder networks and the training loop.

Decoders return *logits*: the models apply the sigmoid (`decode`) or use the
logits directly in a numerically stable binary cross-entropy.
"""

import math

import keras
import tensorflow as tf
from keras import layers, ops

from keras_models.vision.image_batches import ImageBatchChecks

LOSSES = ("bce", "mse")


def check_image_shape(input_shape, divisor=1, model_name="model"):
    """`input_shape` as a tuple of 3 ints, or a ValueError (H and W must be multiples of `divisor`)."""
    if len(input_shape) != 3 or min(input_shape) < 1:
        raise ValueError(f"input_shape is (height, width, channels), got {input_shape}.")
    input_shape = tuple(int(d) for d in input_shape)
    if input_shape[0] % divisor or input_shape[1] % divisor:
        raise ValueError(
            f"{model_name} needs height and width divisible by {divisor}, got input_shape={input_shape}."
        )
    return input_shape


def check_units(name, units, allow_empty=True):
    """A tuple of positive ints, or a ValueError."""
    units = tuple(int(u) for u in units)
    if (not units and not allow_empty) or any(u < 1 for u in units):
        raise ValueError(f"{name} must be a tuple of positive ints, got {units}.")
    return units


def check_architecture(model_name, input_shape, latent_dim, architecture, hidden_units, filters):
    """Validated `(input_shape, hidden_units, filters)` as tuples of ints, or a ValueError."""
    if architecture not in ("dense", "conv"):
        raise ValueError(f"architecture must be 'dense' or 'conv', got {architecture!r}.")
    if int(latent_dim) < 1:
        raise ValueError(f"latent_dim must be a positive int, got {latent_dim}.")
    hidden_units = check_units("hidden_units", hidden_units)
    filters = check_units("filters", filters, allow_empty=architecture == "dense")
    divisor = 2 ** len(filters) if architecture == "conv" else 1
    return check_image_shape(input_shape, divisor, model_name), hidden_units, filters


def encoder_decoder(architecture, input_shape, hidden_units, filters, encoder_units, latent_dim, activation):
    """(encoder, decoder): images -> [N, encoder_units] and its mirror [N, latent_dim] -> pixel logits."""
    if architecture == "dense":
        return (
            dense_encoder(input_shape, hidden_units, encoder_units, activation),
            dense_decoder(latent_dim, hidden_units[::-1], input_shape, activation),
        )
    return (
        conv_encoder(input_shape, filters, encoder_units, activation),
        conv_decoder(latent_dim, filters[::-1], input_shape, activation),
    )


def dense_encoder(
    input_shape,
    hidden_units,
    code_units,
    activation="relu",
    code_activation=None,
    kernel_regularizer=None,
    code_bias_initializer="zeros",
    name="encoder",
):
    """Flatten, dense `hidden_units`, then a dense code layer: [N, H, W, C] -> [N, code_units]."""
    images = keras.Input(shape=tuple(input_shape), name="images")
    x = layers.Flatten(name=f"{name}_flatten")(images)
    for i, units in enumerate(hidden_units):
        x = layers.Dense(units, activation, kernel_regularizer=kernel_regularizer, name=f"{name}_{i}")(x)
    codes = layers.Dense(
        code_units,
        code_activation,
        kernel_regularizer=kernel_regularizer,
        bias_initializer=code_bias_initializer,
        name=f"{name}_code",
    )(x)
    return keras.Model(images, codes, name=name)


def dense_decoder(
    code_units, hidden_units, output_shape, activation="relu", kernel_regularizer=None, name="decoder"
):
    """Dense `hidden_units` (in the order applied), then pixel logits: [N, code_units] -> [N, H, W, C]."""
    codes = keras.Input(shape=(code_units,), name="codes")
    x = codes
    for i, units in enumerate(hidden_units):
        x = layers.Dense(units, activation, kernel_regularizer=kernel_regularizer, name=f"{name}_{i}")(x)
    x = layers.Dense(math.prod(output_shape), kernel_regularizer=kernel_regularizer, name=f"{name}_pixels")(x)
    logits = layers.Reshape(tuple(output_shape), name=f"{name}_logits")(x)
    return keras.Model(codes, logits, name=name)


def conv_encoder(input_shape, filters, code_units, activation="relu", name="encoder"):
    """3x3 convolutions of stride 2 (each halves H and W), flatten, dense code: -> [N, code_units]."""
    images = keras.Input(shape=tuple(input_shape), name="images")
    x = images
    for i, f in enumerate(filters):
        x = layers.Conv2D(f, 3, strides=2, padding="same", activation=activation, name=f"{name}_conv_{i}")(x)
    x = layers.Flatten(name=f"{name}_flatten")(x)
    codes = layers.Dense(code_units, name=f"{name}_code")(x)
    return keras.Model(images, codes, name=name)


def conv_decoder(code_units, filters, output_shape, activation="relu", name="decoder"):
    """Mirror of `conv_encoder`: dense to a [H/2^k, W/2^k, filters[0]] map, k strided 3x3 transposed
    convolutions (`filters` in the order applied), then a 3x3 convolution to pixel logits."""
    height, width, channels = output_shape
    scale = 2 ** len(filters)
    codes = keras.Input(shape=(code_units,), name="codes")
    top = (height // scale, width // scale, filters[0])
    x = layers.Dense(math.prod(top), activation, name=f"{name}_dense")(codes)
    x = layers.Reshape(top, name=f"{name}_reshape")(x)
    for i, f in enumerate(filters):
        x = layers.Conv2DTranspose(
            f, 3, strides=2, padding="same", activation=activation, name=f"{name}_deconv_{i}"
        )(x)
    logits = layers.Conv2D(channels, 3, padding="same", name=f"{name}_logits")(x)
    return keras.Model(codes, logits, name=name)


def reconstruction_loss(images, logits, loss="bce"):
    """Per-image loss summed over pixels, averaged over the batch.

    `"bce"`: binary cross-entropy of the images against sigmoid(logits) (from
    the logits, numerically stable); `"mse"`: squared error of sigmoid(logits).
    """
    images, logits = ops.cast(images, "float32"), ops.cast(logits, "float32")
    if loss == "bce":
        per_pixel = tf.nn.sigmoid_cross_entropy_with_logits(labels=images, logits=logits)
    else:
        per_pixel = ops.square(images - ops.sigmoid(logits))
    return ops.mean(ops.sum(ops.reshape(per_pixel, (ops.shape(per_pixel)[0], -1)), axis=1))


def pixel_mse(images, reconstructions):
    """Mean squared error over pixels and batch: comparable across models and image sizes."""
    return ops.mean(ops.square(ops.cast(images, "float32") - ops.cast(reconstructions, "float32")))


class ReconstructionModel(ImageBatchChecks, keras.Model):
    """Base class of the autoencoders: a training loop on images alone.

    `fit` and `evaluate` take images (arrays or datasets of batches) or datasets
    of `(images, labels)` tuples, whose labels are ignored. Subclasses set
    `tracked` (the metric names, `"loss"` first) and implement `_loss_terms(images,
    training)`, returning a dict with a scalar per tracked name; its `"loss"`
    entry, plus the regularisation losses `self.losses`, is minimised.
    `_after_update()` runs after each optimizer step (e.g. to renormalise weights).
    Compile with an optimizer only, e.g. `model.compile(optimizer="adam")`: the
    models compute their own losses.

    Subclasses also define `encode(images) -> [N, code_size]` and
    `decode(codes) -> [N, H, W, C]` in [0, 1]; `call` is `decode(encode(x))`.
    They set `self.built = True` once their networks exist.

    Args:
        input_shape: tuple. Shape of one image, `(height, width, channels)`.
        loss: str or None. Reconstruction loss, `"bce"` (binary cross-entropy)
            or `"mse"` (squared error), summed over pixels and averaged over the
            batch; None for models that define their own.
    """

    tracked = ("loss", "reconstruction_loss", "mse")

    def __init__(self, input_shape=(28, 28, 1), loss="bce", **kwargs):
        super().__init__(**kwargs)
        if loss is not None and loss not in LOSSES:
            raise ValueError(f"loss must be 'bce' or 'mse', got {loss!r}.")
        self.image_shape = tuple(int(d) for d in input_shape)
        self.loss_type = loss
        self.trackers = [keras.metrics.Mean(name=name) for name in self.tracked]

    @property
    def metrics(self):
        return self.trackers

    def call(self, images, training=False):
        return self.decode(self.encode(images))

    def _loss_terms(self, images, training):
        raise NotImplementedError

    def _after_update(self):
        pass

    def _total_loss_terms(self, data, training):
        """(loss terms, batch size) of one batch."""
        images, _, _ = keras.utils.unpack_x_y_sample_weight(data)
        terms = self._loss_terms(ops.cast(images, "float32"), training)
        if self.losses:
            terms["loss"] = terms["loss"] + ops.sum(ops.stack([ops.cast(x, "float32") for x in self.losses]))
        return terms, ops.cast(ops.shape(images)[0], "float32")

    def _update_metrics(self, terms, batch_size):
        # Weighted by the batch size: exact means over uneven batches, and the empty batch Keras's
        # graph-mode loop may run at the end of a dataset of unknown cardinality counts for nothing.
        for tracker in self.trackers:
            tracker.update_state(terms[tracker.name], sample_weight=batch_size)
        return {tracker.name: tracker.result() for tracker in self.trackers}

    def train_step(self, data):
        with tf.GradientTape() as tape:
            terms, batch_size = self._total_loss_terms(data, training=True)
            # Under mixed_float16, compile() wraps the optimizer in a LossScaleOptimizer: the loss is
            # scaled here and the gradients unscaled in apply_gradients (identity otherwise).
            scaled_loss = self.optimizer.scale_loss(terms["loss"])
        gradients = tape.gradient(scaled_loss, self.trainable_weights)
        self.optimizer.apply_gradients(zip(gradients, self.trainable_weights))
        self._after_update()
        return self._update_metrics(terms, batch_size)

    def test_step(self, data):
        return self._update_metrics(*self._total_loss_terms(data, training=False))

    def get_config(self):
        return {"name": self.name, "trainable": self.trainable, "input_shape": self.image_shape}
