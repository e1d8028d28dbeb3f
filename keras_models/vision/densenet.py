"""DenseNet (Huang, Liu, van der Maaten and Weinberger, 2017) as a Keras 3 functional model."""

import keras
from keras import layers

from keras_models.vision.image_batches import ImageBatchChecks, check_classifier_arguments

LARGE_IMAGES = 64  # from this height and width on, ImageNet's stem (7x7 stride-2 conv, 3x3 stride-2 pool)


@keras.saving.register_keras_serializable(package="keras_models")
class DenseNet(ImageBatchChecks, keras.Model):
    """DenseNet: dense blocks, where each layer sees the feature maps of all the layers before it.

    - composite function H: batch normalization, ReLU, 3x3 convolution to `growth_rate` (k) maps;
      `bottleneck=True` puts BN-ReLU-1x1 convolution to 4k maps first (DenseNet-B)
    - dense block: each layer's k new maps are concatenated to its input
    - transition between blocks: BN-ReLU-1x1 convolution to `compression` x the maps it gets, 2x2
      average pool / 2 (`compression=0.5` with a bottleneck is DenseNet-BC)
    - after the last block: BN-ReLU, global average pooling, a dense layer to `num_classes`, softmax

    `blocks` gives the number of layers of each dense block. The paper's networks:

    - CIFAR (section 3): three blocks of (L - 4) / 6 bottleneck layers for depth L, e.g. DenseNet-BC-100
      with k = 12: `blocks=(16, 16, 16)`, 0.77 M weights (769,162 trainable; 793,150 with the batch
      normalization statistics Keras counts too).
    - ImageNet (table 1): DenseNet-121 is `blocks=(6, 12, 24, 16)`, k = 32: 7.98 M weights (8.06 M with
      the statistics; 2.9 G multiply-adds per 224x224 image).

    The stem follows the image size. From 64x64 on it is ImageNet's: a 7x7 convolution with stride 2 to
    2k maps, BN-ReLU, 3x3 max pool with stride 2 (224 -> 56). Smaller images take the paper's CIFAR
    stem: a 3x3 convolution with stride 1, to 2k maps for DenseNet-BC and 16 otherwise; each
    transition then halves the resolution (28 -> 14 -> 7 for three blocks). DenseNet-BC-100 at 28x28x1
    costs 0.22 G multiply-adds per image, but its 300 thin layers make a training step on 2 CPU cores
    take about 7 times as long as ResNet-20's. DenseNet-121 keeps the CIFAR stem there too
    (28 -> 14 -> 7 -> 3; 0.67 G, about 12 times ResNet-20's step).

    Args:
        blocks: tuple of ints. Layers per dense block.
        growth_rate: int. k, the maps each layer adds.
        bottleneck: bool. A 1x1 convolution to 4k maps before each 3x3 convolution.
        compression: float in (0, 1]. The fraction of maps a transition keeps.
        num_classes: int. Number of output classes.
        input_shape: tuple. `(height, width, channels)`; the transitions need at least
            2 ** (len(blocks) - 1) pixels (times 4 with the ImageNet stem).
        dropout: float. Dropout rate after each convolution (0.2 in the paper's runs without data
            augmentation; 0 disables).
        dtype: optional dtype policy, e.g. `"mixed_float16"`. The probabilities are always float32.

    Example:

    ```python
    import numpy as np
    from keras_models.vision import DenseNet

    model = DenseNet(blocks=(4, 4, 4), growth_rate=12, num_classes=10, input_shape=(28, 28, 1))
    probs = model.predict(np.zeros((2, 28, 28, 1), "float32"), verbose=0)
    assert probs.shape == (2, 10)
    ```
    """

    def __init__(
        self,
        blocks=(16, 16, 16),
        growth_rate=12,
        bottleneck=True,
        compression=0.5,
        num_classes=10,
        input_shape=(32, 32, 3),
        dropout=0.0,
        dtype=None,
        **kwargs,
    ):
        blocks = tuple(int(n) for n in blocks)
        if not blocks or min(blocks) < 1:
            raise ValueError(f"blocks needs at least one dense block of at least one layer, got {blocks}.")
        if not 0 < compression <= 1:
            raise ValueError(
                f"compression is the fraction of maps a transition keeps, in (0, 1]; got {compression}."
            )
        large = len(input_shape) == 3 and min(input_shape[:2]) >= LARGE_IMAGES
        smallest = 2 ** (len(blocks) - 1) * (4 if large else 1)
        check_classifier_arguments(
            "DenseNet", num_classes, input_shape, min_side=smallest, why=f" for {len(blocks)} dense blocks"
        )
        k = growth_rate

        def conv(x, filters, kernel, name, strides=1):
            return layers.Conv2D(
                filters,
                kernel,
                strides=strides,
                padding="same",
                use_bias=False,
                kernel_initializer="he_normal",
                dtype=dtype,
                name=name,
            )(x)

        def bn_relu(x, name):
            x = layers.BatchNormalization(epsilon=1.001e-5, dtype=dtype, name=f"{name}_bn")(x)
            return layers.ReLU(dtype=dtype, name=f"{name}_relu")(x)

        def drop(x, name):
            return layers.Dropout(dropout, dtype=dtype, name=f"{name}_dropout")(x) if dropout else x

        def dense_layer(x, name):
            y = x
            if bottleneck:
                y = drop(conv(bn_relu(y, f"{name}_1"), 4 * k, 1, f"{name}_1_conv"), f"{name}_1")
            y = drop(conv(bn_relu(y, f"{name}_2"), k, 3, f"{name}_2_conv"), f"{name}_2")
            return layers.Concatenate(dtype=dtype, name=f"{name}_concat")([x, y])

        def transition(x, name):
            filters = int(x.shape[-1] * compression)
            x = drop(conv(bn_relu(x, name), filters, 1, f"{name}_conv"), name)
            return layers.AveragePooling2D(2, dtype=dtype, name=f"{name}_pool")(x)

        # === Functional Model ===
        images = keras.Input(shape=tuple(input_shape), name="images")
        if large:
            x = bn_relu(conv(images, 2 * k, 7, "stem_conv", strides=2), "stem")
            x = layers.MaxPooling2D(3, strides=2, padding="same", dtype=dtype, name="stem_pool")(x)
        else:
            x = conv(images, 2 * k if bottleneck and compression < 1 else 16, 3, "stem_conv")
        for block, size in enumerate(blocks, start=1):
            for i in range(1, size + 1):
                x = dense_layer(x, f"block{block}_layer{i}")
            if block < len(blocks):
                x = transition(x, f"transition{block}")
        x = bn_relu(x, "final")
        x = layers.GlobalAveragePooling2D(dtype=dtype, name="avg_pool")(x)
        x = layers.Dense(num_classes, dtype=dtype, name="logits")(x)
        # Softmax in float32 keeps mixed-precision training numerically stable.
        outputs = layers.Activation("softmax", dtype="float32", name="probabilities")(x)
        super().__init__(inputs=images, outputs=outputs, **kwargs)
        self.policy_name = self._use_policy(dtype)

        # === Config ===
        self.blocks, self.growth_rate, self.bottleneck, self.compression = blocks, k, bottleneck, compression
        self.num_classes, self.image_shape, self.dropout = num_classes, tuple(input_shape), dropout

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "blocks": self.blocks,
            "growth_rate": self.growth_rate,
            "bottleneck": self.bottleneck,
            "compression": self.compression,
            "num_classes": self.num_classes,
            "input_shape": self.image_shape,
            "dropout": self.dropout,
            "dtype": self.policy_name,
        }
