"""AlexNet (Krizhevsky, Sutskever and Hinton, 2012) as a Keras 3 functional model."""

import keras
from keras import layers

from keras_models.layers.lrn import LocalResponseNormalization
from keras_models.vision.image_batches import ImageBatchChecks, check_classifier_arguments

LARGE_IMAGES = 64  # from this height and width on, the paper's 11x11 stride-4 stem


@keras.saving.register_keras_serializable(package="keras_models")
class AlexNet(ImageBatchChecks, keras.Model):
    """AlexNet: five convolutions and three fully connected layers, ReLU, LRN, overlapping pooling.

    The ImageNet network of the paper (section 3.5 and figure 2):

    - conv1: 96 kernels of 11x11, stride 4 (224x224 -> 55x55), ReLU, LRN, max pool 3x3 / 2
    - conv2: 256 kernels of 5x5, ReLU, LRN, max pool 3x3 / 2
    - conv3, conv4, conv5: 384, 384, 256 kernels of 3x3, ReLU; max pool 3x3 / 2 (6x6x256)
    - fc6, fc7: 4096 units, ReLU, each followed by dropout 0.5
    - output: `num_classes` softmax probabilities

    LRN is `LocalResponseNormalization` with the paper's k=2, n=5, alpha=1e-4, beta=0.75. Pooling
    windows of 3 with stride 2 overlap (the paper's "overlapping pooling"). Weights start He-normal and
    biases at 0: the paper's biases of 1 (in conv2, conv4, conv5, fc6, fc7) went with its N(0, 0.01)
    weights; with He-normal weights they would start the softmax saturated (loss 8 to 18, not ln 10
    or ln 1000).

    `towers=1` (the default) is the single-tower network most re-implementations use: 62.4 M
    parameters at 224x224x3 and 1000 classes. `towers=2` reproduces the paper's split over two GPUs:
    conv2, conv4 and conv5 only see the maps of their own tower (grouped convolutions), which gives the
    paper's "60 million parameters" (61.0 M).

    Images of 64x64 and more take the paper's stem; the 11x11 stride-4 convolution is preceded by 2
    pixels of zero padding, so 224x224 and 227x227 inputs both give the paper's 55x55 and 6x6x256
    maps. Smaller images (28x28, 32x32) take the stem of cuda-convnet's CIFAR-10 networks: a 5x5
    convolution with stride 1, and "same" pooling (28 -> 14 -> 7 -> 4, 32 -> 16 -> 8 -> 4); the
    layers and their widths stay the paper's. At 28x28x1 and 10 classes that is 37.3 M parameters
    (fc6 sees 4x4x256 maps) and about 0.3 G multiply-adds per image: on 2 CPU cores a training step
    takes about 8 times as long as ResNet-20's. `fc_units` shrinks fc6 and fc7.

    Args:
        num_classes: int. Number of output classes.
        input_shape: tuple. `(height, width, channels)`, at least 8x8.
        towers: 1 or 2. Two gives the paper's two-GPU grouped convolutions.
        fc_units: int. Units of fc6 and fc7 (4096 in the paper).
        dropout: float. Dropout rate after fc6 and fc7 (0.5 in the paper; 0 disables).
        dtype: optional dtype policy, e.g. `"mixed_float16"`. The probabilities are always float32.

    Example:

    ```python
    import numpy as np
    from keras_models.vision import AlexNet

    model = AlexNet(num_classes=10, input_shape=(32, 32, 3), fc_units=256)
    probs = model.predict(np.zeros((2, 32, 32, 3), "float32"), verbose=0)
    assert probs.shape == (2, 10)
    ```
    """

    def __init__(
        self,
        num_classes=1000,
        input_shape=(224, 224, 3),
        towers=1,
        fc_units=4096,
        dropout=0.5,
        dtype=None,
        **kwargs,
    ):
        check_classifier_arguments("AlexNet", num_classes, input_shape, min_side=8)
        if towers not in (1, 2):
            raise ValueError(f"towers must be 1 (one tower) or 2 (the paper's two GPUs), got {towers!r}.")
        large = min(input_shape[:2]) >= LARGE_IMAGES
        pool_padding = "valid" if large else "same"

        def conv(filters, kernel, name, strides=1, groups=1, padding="same"):
            return layers.Conv2D(
                filters,
                kernel,
                strides=strides,
                padding=padding,
                groups=groups,
                activation="relu",
                kernel_initializer="he_normal",
                dtype=dtype,
                name=name,
            )

        def pool(name):
            return layers.MaxPooling2D(3, strides=2, padding=pool_padding, dtype=dtype, name=name)

        def lrn(name):
            return LocalResponseNormalization(size=5, bias=2.0, alpha=1e-4, beta=0.75, dtype=dtype, name=name)

        # === Layers ===
        if large:
            stem = [
                layers.ZeroPadding2D(2, dtype=dtype, name="conv1_pad"),
                conv(96, 11, "conv1", strides=4, padding="valid"),
            ]
        else:
            stem = [conv(96, 5, "conv1")]
        features = [
            *stem,
            lrn("lrn1"),
            pool("pool1"),
            conv(256, 5, "conv2", groups=towers),
            lrn("lrn2"),
            pool("pool2"),
            conv(384, 3, "conv3"),
            conv(384, 3, "conv4", groups=towers),
            conv(256, 3, "conv5", groups=towers),
            pool("pool5"),
            layers.Flatten(dtype=dtype, name="flatten"),
        ]
        classifier = []
        for name in ("fc6", "fc7"):
            classifier.append(
                layers.Dense(
                    fc_units,
                    activation="relu",
                    kernel_initializer="he_normal",
                    dtype=dtype,
                    name=name,
                )
            )
            if dropout:
                classifier.append(layers.Dropout(dropout, dtype=dtype, name=f"{name}_dropout"))
        logits = layers.Dense(num_classes, dtype=dtype, name="logits")
        # Softmax in float32 keeps mixed-precision training numerically stable.
        softmax = layers.Activation("softmax", dtype="float32", name="probabilities")

        # === Functional Model ===
        images = keras.Input(shape=tuple(input_shape), name="images")
        x = images
        for layer in features + classifier:
            x = layer(x)
        outputs = softmax(logits(x))
        super().__init__(inputs=images, outputs=outputs, **kwargs)
        self.policy_name = self._use_policy(dtype)

        # === Config ===
        self.num_classes, self.image_shape = num_classes, tuple(input_shape)
        self.towers, self.fc_units, self.dropout = towers, fc_units, dropout

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "num_classes": self.num_classes,
            "input_shape": self.image_shape,
            "towers": self.towers,
            "fc_units": self.fc_units,
            "dropout": self.dropout,
            "dtype": self.policy_name,
        }
