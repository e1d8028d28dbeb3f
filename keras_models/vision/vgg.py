"""VGG networks (Simonyan and Zisserman, 2014): configurations A to E as a Keras 3 functional model."""

import keras
from keras import layers

from keras_models.layers.lrn import LocalResponseNormalization
from keras_models.vision.image_batches import ImageBatchChecks, check_classifier_arguments

# Table 1 of the paper: each block's convolutions, as (kernel size, filters); a 2x2 max pool ends each
# block. "A-LRN" is A with LRN after its first layer; C's extra layers are 1x1 convolutions.
CONFIGURATIONS = {
    "A": [[(3, 64)], [(3, 128)], [(3, 256)] * 2, [(3, 512)] * 2, [(3, 512)] * 2],
    "A-LRN": [[(3, 64)], [(3, 128)], [(3, 256)] * 2, [(3, 512)] * 2, [(3, 512)] * 2],
    "B": [[(3, 64)] * 2, [(3, 128)] * 2, [(3, 256)] * 2, [(3, 512)] * 2, [(3, 512)] * 2],
    "C": [
        [(3, 64)] * 2,
        [(3, 128)] * 2,
        [(3, 256), (3, 256), (1, 256)],
        [(3, 512), (3, 512), (1, 512)],
        [(3, 512), (3, 512), (1, 512)],
    ],
    "D": [[(3, 64)] * 2, [(3, 128)] * 2, [(3, 256)] * 3, [(3, 512)] * 3, [(3, 512)] * 3],
    "E": [[(3, 64)] * 2, [(3, 128)] * 2, [(3, 256)] * 4, [(3, 512)] * 4, [(3, 512)] * 4],
}
SMALLEST = 32  # five 2x2 pools: smaller images are zero-padded to 32x32


@keras.saving.register_keras_serializable(package="keras_models")
class VGG(ImageBatchChecks, keras.Model):
    """VGG: stacks of 3x3 convolutions, five 2x2 max pools, three fully connected layers.

    The paper's table 1, by `configuration`:

    | configuration | weight layers | parameters (224x224x3, 1000 classes) |
    |---------------|---------------|--------------------------------------|
    | A, A-LRN      | 11            | 132.9 M                              |
    | B             | 13            | 133.0 M                              |
    | C             | 16 (three of them 1x1) | 133.6 M                     |
    | D (VGG-16)    | 16            | 138.4 M (138,357,544)                |
    | E (VGG-19)    | 19            | 143.7 M                              |

    Every convolution has stride 1, "same" padding and ReLU; each of the five blocks ends with a 2x2
    max pool of stride 2; then fc6 and fc7 of `fc_units` (4096) units with ReLU, each followed by
    dropout 0.5, and the `num_classes` softmax. A-LRN has `LocalResponseNormalization` (AlexNet's)
    after its first layer. `batch_norm=True` puts batch normalization between each convolution and
    its ReLU (the modern VGG-BN, not in the paper).

    Five pools need 32x32 images: smaller ones (28x28) are zero-padded, centred, to 32x32, which leaves
    1x1x512 maps for fc6. At 28x28x1 or 32x32x3 with 10 classes the convolutions cost 0.17 to 0.42 G
    multiply-adds per image (A to E) and the 4096-unit dense layers hold 19 M of VGG-16's 34 M
    parameters: on 2 CPU cores a training step takes about 2 (A) to 6 (D) times as long as
    ResNet-20's. A small `fc_units` (e.g. 512) cuts the parameters, hardly the time.

    Args:
        configuration: `"A"`, `"A-LRN"`, `"B"`, `"C"`, `"D"` or `"E"`.
        num_classes: int. Number of output classes.
        input_shape: tuple. `(height, width, channels)`; smaller than 32x32 is padded to 32x32.
        batch_norm: bool. Batch normalization after each convolution.
        fc_units: int. Units of fc6 and fc7 (4096 in the paper).
        dropout: float. Dropout rate after fc6 and fc7 (0.5 in the paper; 0 disables).
        dtype: optional dtype policy, e.g. `"mixed_float16"`. The probabilities are always float32.

    Example:

    ```python
    import numpy as np
    from keras_models.vision import VGG

    model = VGG("A", num_classes=10, input_shape=(28, 28, 1), fc_units=64)
    probs = model.predict(np.zeros((2, 28, 28, 1), "float32"), verbose=0)
    assert probs.shape == (2, 10)
    ```
    """

    def __init__(
        self,
        configuration="D",
        num_classes=1000,
        input_shape=(224, 224, 3),
        batch_norm=False,
        fc_units=4096,
        dropout=0.5,
        dtype=None,
        **kwargs,
    ):
        if configuration not in CONFIGURATIONS:
            choices = ", ".join(CONFIGURATIONS)
            raise ValueError(f"configuration must be one of {choices}; got {configuration!r}.")
        check_classifier_arguments("VGG", num_classes, input_shape)
        height, width = input_shape[0], input_shape[1]

        # === Layers ===
        block_layers = []
        if height < SMALLEST or width < SMALLEST:
            pad_h, pad_w = max(SMALLEST - height, 0), max(SMALLEST - width, 0)
            padding = ((pad_h // 2, pad_h - pad_h // 2), (pad_w // 2, pad_w - pad_w // 2))
            block_layers.append(layers.ZeroPadding2D(padding, dtype=dtype, name="pad_to_32"))
        for block, convolutions in enumerate(CONFIGURATIONS[configuration], start=1):
            for i, (kernel, filters) in enumerate(convolutions, start=1):
                name = f"block{block}_conv{i}"
                block_layers.append(
                    layers.Conv2D(
                        filters,
                        kernel,
                        padding="same",
                        activation=None if batch_norm else "relu",
                        kernel_initializer="he_normal",
                        dtype=dtype,
                        name=name,
                    )
                )
                if batch_norm:
                    block_layers.append(layers.BatchNormalization(dtype=dtype, name=f"{name}_bn"))
                    block_layers.append(layers.ReLU(dtype=dtype, name=f"{name}_relu"))
                if configuration == "A-LRN" and block == 1 and i == 1:
                    block_layers.append(LocalResponseNormalization(dtype=dtype, name="lrn"))
            block_layers.append(layers.MaxPooling2D(2, dtype=dtype, name=f"block{block}_pool"))
        block_layers.append(layers.Flatten(dtype=dtype, name="flatten"))
        for name in ("fc6", "fc7"):
            block_layers.append(
                layers.Dense(
                    fc_units, activation="relu", kernel_initializer="he_normal", dtype=dtype, name=name
                )
            )
            if dropout:
                block_layers.append(layers.Dropout(dropout, dtype=dtype, name=f"{name}_dropout"))
        logits = layers.Dense(num_classes, dtype=dtype, name="logits")
        # Softmax in float32 keeps mixed-precision training numerically stable.
        softmax = layers.Activation("softmax", dtype="float32", name="probabilities")

        # === Functional Model ===
        images = keras.Input(shape=tuple(input_shape), name="images")
        x = images
        for layer in block_layers:
            x = layer(x)
        outputs = softmax(logits(x))
        super().__init__(inputs=images, outputs=outputs, **kwargs)
        self.policy_name = self._use_policy(dtype)

        # === Config ===
        self.configuration, self.num_classes = configuration, num_classes
        self.image_shape = tuple(input_shape)
        self.batch_norm, self.fc_units, self.dropout = batch_norm, fc_units, dropout

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "configuration": self.configuration,
            "num_classes": self.num_classes,
            "input_shape": self.image_shape,
            "batch_norm": self.batch_norm,
            "fc_units": self.fc_units,
            "dropout": self.dropout,
            "dtype": self.policy_name,
        }
