"""Network blocks of the GANs: DCGAN's initialisation, conv + norm + activation units, DCGAN's generator
and its up- and down-samplers."""

import math

import keras
from keras import layers

LEAKY_SLOPE = 0.2


def weight_init():
    """N(0, 0.02), the DCGAN paper's initialisation (a new instance per layer)."""
    return keras.initializers.RandomNormal(stddev=0.02)


def normalize_activate(x, norm, activation, dtype, name):
    """Optional norm (`"batch"`, `"instance"` or None), then an activation (`"leaky_relu"`, a Keras
    activation name or None)."""
    if norm == "batch":
        x = layers.BatchNormalization(momentum=0.9, epsilon=1e-5, dtype=dtype, name=f"{name}_bn")(x)
    elif norm == "instance":  # one group per channel: instance norm with a per-channel scale and offset
        x = layers.GroupNormalization(groups=-1, epsilon=1e-5, dtype=dtype, name=f"{name}_in")(x)
    if activation == "leaky_relu":
        return layers.LeakyReLU(LEAKY_SLOPE, dtype=dtype, name=f"{name}_lrelu")(x)
    if activation:
        return layers.Activation(activation, dtype=dtype, name=f"{name}_{activation}")(x)
    return x


def conv_block(x, filters, kernel, strides, norm, activation, dtype, name, transpose=False):
    """A 'same'-padded (transposed) convolution, no bias before a norm, then `normalize_activate`."""
    conv = layers.Conv2DTranspose if transpose else layers.Conv2D
    x = conv(
        filters,
        kernel,
        strides=strides,
        padding="same",
        use_bias=norm is None,
        kernel_initializer=weight_init(),
        dtype=dtype,
        name=f"{name}_conv",
    )(x)
    return normalize_activate(x, norm, activation, dtype, name)


def dcgan_upsampler(x, filters, channels, dtype, name):
    """DCGAN's top: a [H/4, W/4, ...] map -> 4x4 transposed conv of stride 2 (`filters`), BN, ReLU ->
    4x4 transposed conv of stride 2 (`channels`), tanh: [H, W, channels] in [-1, 1]."""
    x = conv_block(x, filters, 4, 2, "batch", "relu", dtype, f"{name}_up_0", transpose=True)
    return conv_block(x, channels, 4, 2, None, "tanh", dtype, f"{name}_up_1", transpose=True)


def dcgan_generator(image_shape, latent_dim, filters, dtype, name="generator"):
    """Noise [N, latent_dim] -> dense to [H/4, W/4, 2 filters], BN, ReLU -> `dcgan_upsampler`."""
    height, width, channels = image_shape
    top = (height // 4, width // 4, 2 * filters)
    noise = keras.Input(shape=(latent_dim,), name="noise")
    x = layers.Dense(
        math.prod(top), use_bias=False, kernel_initializer=weight_init(), dtype=dtype, name=f"{name}_dense"
    )(noise)
    x = layers.Reshape(top, dtype=dtype, name=f"{name}_reshape")(x)
    x = normalize_activate(x, "batch", "relu", dtype, f"{name}_top")
    return keras.Model(noise, dcgan_upsampler(x, filters, channels, dtype, name), name=name)


def dcgan_downsampler(x, filters, dtype, name):
    """DCGAN's discriminator body: 4x4 conv of stride 2 (`filters`), LeakyReLU (no BN on the input) ->
    4x4 conv of stride 2 (2 filters), BN, LeakyReLU: [H, W, C] -> [H/4, W/4, 2 filters]."""
    x = conv_block(x, filters, 4, 2, None, "leaky_relu", dtype, f"{name}_down_0")
    return conv_block(x, 2 * filters, 4, 2, "batch", "leaky_relu", dtype, f"{name}_down_1")
