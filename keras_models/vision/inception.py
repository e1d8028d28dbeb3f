"""GoogLeNet (Szegedy et al., 2014) and its Inception module, as a Keras 3 functional model."""

import keras
from keras import layers

from keras_models.layers.lrn import LocalResponseNormalization
from keras_models.vision.image_batches import ImageBatchChecks, check_classifier_arguments

LARGE_IMAGES = 64  # from this height and width on, the paper's stem (7x7 stride-2 conv and two pools)

# Table 1 of the paper: #1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj; a 3x3 / 2 max pool
# follows 3b and 4e.
MODULES = {
    "3a": (64, 96, 128, 16, 32, 32),
    "3b": (128, 128, 192, 32, 96, 64),
    "4a": (192, 96, 208, 16, 48, 64),
    "4b": (160, 112, 224, 24, 64, 64),
    "4c": (128, 128, 256, 24, 64, 64),
    "4d": (112, 144, 288, 32, 64, 64),
    "4e": (256, 160, 320, 32, 128, 128),
    "5a": (256, 160, 320, 32, 128, 128),
    "5b": (384, 192, 384, 48, 128, 128),
}
POOL_AFTER = ("3b", "4e")


def _conv(x, filters, kernel, name, strides=1, batch_norm=False, dtype=None):
    """A "same" convolution and ReLU (with batch normalization between them if asked)."""
    x = layers.Conv2D(
        filters,
        kernel,
        strides=strides,
        padding="same",
        use_bias=not batch_norm,
        kernel_initializer="he_normal",
        dtype=dtype,
        name=name,
    )(x)
    if batch_norm:
        x = layers.BatchNormalization(dtype=dtype, name=f"{name}_bn")(x)
    return layers.ReLU(dtype=dtype, name=f"{name}_relu")(x)


def inception_module(x, filters, name, batch_norm=False, dtype=None):
    """The Inception module (figure 2b of the paper): four branches concatenated along channels.

    `filters` is `(n1x1, n3x3_reduce, n3x3, n5x5_reduce, n5x5, pool_proj)`: a 1x1 convolution; a 1x1
    reduction then a 3x3 convolution; a 1x1 reduction then a 5x5 convolution; a 3x3 max pool (stride 1)
    then a 1x1 projection. Every convolution has ReLU. The output has `n1x1 + n3x3 + n5x5 + pool_proj`
    channels at the input's resolution.
    """
    n1x1, n3x3_reduce, n3x3, n5x5_reduce, n5x5, pool_proj = filters
    conv = lambda y, n, k, label: _conv(y, n, k, f"{name}_{label}", batch_norm=batch_norm, dtype=dtype)  # noqa: E731
    branch1 = conv(x, n1x1, 1, "1x1")
    branch3 = conv(conv(x, n3x3_reduce, 1, "3x3_reduce"), n3x3, 3, "3x3")
    branch5 = conv(conv(x, n5x5_reduce, 1, "5x5_reduce"), n5x5, 5, "5x5")
    pooled = layers.MaxPooling2D(3, strides=1, padding="same", dtype=dtype, name=f"{name}_pool")(x)
    branch_pool = conv(pooled, pool_proj, 1, "pool_proj")
    return layers.Concatenate(dtype=dtype, name=f"{name}_output")([branch1, branch3, branch5, branch_pool])


@keras.saving.register_keras_serializable(package="keras_models")
class GoogLeNet(ImageBatchChecks, keras.Model):
    """GoogLeNet: nine Inception modules (22 layers with weights), global average pooling, softmax.

    Table 1 of the paper, without the two auxiliary classifiers (which only serve training):

    - stem: 7x7 conv 64 / 2, 3x3 max pool / 2, LRN, 1x1 conv 64, 3x3 conv 192, LRN, 3x3 max pool / 2
      (224x224 -> 28x28x192)
    - Inception 3a, 3b; 3x3 max pool / 2; 4a, 4b, 4c, 4d, 4e; 3x3 max pool / 2; 5a, 5b (7x7x1024)
    - global average pooling, dropout 0.4, a dense layer to `num_classes` logits, softmax

    7.0 M parameters at 224x224x3 and 1000 classes (6,998,552 with every convolution's bias; the
    paper's table 1 rounds its layers' weights to 6.8 M) and 1.6 G multiply-adds per image.
    `batch_norm=True` adds batch normalization after every convolution (and drops their biases and the
    LRN layers), as torchvision's GoogLeNet does; the paper has none.

    Images smaller than 64x64 take the stem of the usual CIFAR-10 GoogLeNet (kuangliu's pytorch-cifar):
    one 3x3 convolution to 192 maps with stride 1 and no pooling, so Inception 3 runs at the input's
    resolution, 4 at half and 5 at a quarter (28 -> 14 -> 7). That is nearly the ImageNet network's
    cost: 1.1 G multiply-adds per 28x28 image (1.4 G at 32x32), and on 2 CPU cores a training step
    takes about 12 times as long as ResNet-20's (over an hour per Fashion-MNIST epoch).

    Args:
        num_classes: int. Number of output classes.
        input_shape: tuple. `(height, width, channels)`, at least 8x8.
        batch_norm: bool. Batch normalization after each convolution instead of LRN.
        dropout: float. Dropout rate before the last dense layer (0.4 in the paper; 0 disables).
        dtype: optional dtype policy, e.g. `"mixed_float16"`. The probabilities are always float32.

    Example:

    ```python
    import numpy as np
    from keras_models.vision import GoogLeNet

    model = GoogLeNet(num_classes=10, input_shape=(28, 28, 1))
    probs = model.predict(np.zeros((1, 28, 28, 1), "float32"), verbose=0)
    assert probs.shape == (1, 10)
    ```
    """

    def __init__(
        self,
        num_classes=1000,
        input_shape=(224, 224, 3),
        batch_norm=False,
        dropout=0.4,
        dtype=None,
        **kwargs,
    ):
        check_classifier_arguments("GoogLeNet", num_classes, input_shape, min_side=8)

        def conv(x, filters, kernel, name, strides=1):
            return _conv(x, filters, kernel, name, strides, batch_norm=batch_norm, dtype=dtype)

        def pool(x, name):
            return layers.MaxPooling2D(3, strides=2, padding="same", dtype=dtype, name=name)(x)

        def lrn(x, name):
            return x if batch_norm else LocalResponseNormalization(dtype=dtype, name=name)(x)

        # === Functional Model ===
        images = keras.Input(shape=tuple(input_shape), name="images")
        if min(input_shape[:2]) >= LARGE_IMAGES:
            x = pool(conv(images, 64, 7, "stem_conv1", strides=2), "stem_pool1")
            x = lrn(x, "stem_lrn1")
            x = conv(conv(x, 64, 1, "stem_conv2_reduce"), 192, 3, "stem_conv2")
            x = pool(lrn(x, "stem_lrn2"), "stem_pool2")
        else:
            x = conv(images, 192, 3, "stem_conv")
        for name, filters in MODULES.items():
            x = inception_module(x, filters, f"inception{name}", batch_norm=batch_norm, dtype=dtype)
            if name in POOL_AFTER:
                x = pool(x, f"pool{name[0]}")
        x = layers.GlobalAveragePooling2D(dtype=dtype, name="avg_pool")(x)
        if dropout:
            x = layers.Dropout(dropout, dtype=dtype, name="dropout")(x)
        x = layers.Dense(num_classes, dtype=dtype, name="logits")(x)
        # Softmax in float32 keeps mixed-precision training numerically stable.
        outputs = layers.Activation("softmax", dtype="float32", name="probabilities")(x)
        super().__init__(inputs=images, outputs=outputs, **kwargs)
        self.policy_name = self._use_policy(dtype)

        # === Config ===
        self.num_classes, self.image_shape = num_classes, tuple(input_shape)
        self.batch_norm, self.dropout = batch_norm, dropout

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "num_classes": self.num_classes,
            "input_shape": self.image_shape,
            "batch_norm": self.batch_norm,
            "dropout": self.dropout,
            "dtype": self.policy_name,
        }
