"""LeNet-5 (LeCun et al., 1998) as a Keras 3 functional model."""

import keras
from keras import layers

from keras_models.vision.image_batches import ImageBatchChecks, check_classifier_arguments


@keras.saving.register_keras_serializable(package="keras_models")
class LeNet5(ImageBatchChecks, keras.Model):
    """LeNet-5: two convolution/subsampling stages and three dense layers.

    The classic network takes 32x32 inputs; 28x28 images (MNIST, Fashion-MNIST)
    are zero-padded by 2 pixels on each side to reach that size:

    - C1: 6 feature maps of 28x28 (5x5 convolution)
    - S2: 6 maps of 14x14 (2x2 subsampling)
    - C3: 16 maps of 10x10 (5x5 convolution)
    - S4: 16 maps of 5x5 (2x2 subsampling)
    - C5: 120 units (5x5 convolution over the whole 5x5 map, i.e. fully connected)
    - F6: 84 units
    - output: `num_classes` softmax probabilities

    Args:
        num_classes: int. Number of output classes.
        input_shape: tuple. Shape of one image, `(height, width, channels)`.
            Images smaller than 32x32 are zero-padded (centered) to 32x32.
        activation: str. Hidden activation; `"tanh"` as in the paper, or
            `"relu"` for the common modern variant.
        pooling: str. `"avg"` (the paper's subsampling) or `"max"`.
        dropout: float. Dropout rate before F6 and the output (0 disables).
        dtype: optional dtype policy, e.g. `"mixed_float16"`. The output
            probabilities are always float32.

    Example:

    ```python
    import numpy as np
    from keras_models.vision import LeNet5

    model = LeNet5(num_classes=10)
    probs = model.predict(np.zeros((2, 28, 28, 1), "float32"), verbose=0)
    assert probs.shape == (2, 10)
    ```
    """

    def __init__(
        self,
        num_classes=10,
        input_shape=(28, 28, 1),
        activation="tanh",
        pooling="avg",
        dropout=0.0,
        dtype=None,
        **kwargs,
    ):
        check_classifier_arguments("LeNet5", num_classes, input_shape)
        height, width = input_shape[0], input_shape[1]
        if height > 32 or width > 32:
            raise ValueError(f"LeNet5 takes images up to 32x32, got input_shape={input_shape}.")
        if pooling not in ("avg", "max"):
            raise ValueError(f"pooling must be 'avg' or 'max', got {pooling!r}.")
        pool = layers.AveragePooling2D if pooling == "avg" else layers.MaxPooling2D

        # === Layers ===
        pad_h, pad_w = 32 - height, 32 - width
        pad = layers.ZeroPadding2D(
            ((pad_h // 2, pad_h - pad_h // 2), (pad_w // 2, pad_w - pad_w // 2)),
            dtype=dtype,
            name="pad_to_32",
        )
        c1 = layers.Conv2D(6, 5, activation=activation, dtype=dtype, name="c1")
        s2 = pool(2, dtype=dtype, name="s2")
        c3 = layers.Conv2D(16, 5, activation=activation, dtype=dtype, name="c3")
        s4 = pool(2, dtype=dtype, name="s4")
        c5 = layers.Conv2D(120, 5, activation=activation, dtype=dtype, name="c5")
        flatten = layers.Flatten(dtype=dtype, name="flatten")
        f6 = layers.Dense(84, activation=activation, dtype=dtype, name="f6")
        logits = layers.Dense(num_classes, dtype=dtype, name="logits")
        # Softmax in float32 keeps mixed-precision training numerically stable.
        softmax = layers.Activation("softmax", dtype="float32", name="probabilities")

        # === Functional Model ===
        images = keras.Input(shape=tuple(input_shape), name="images")
        x = s4(c3(s2(c1(pad(images)))))
        x = flatten(c5(x))
        if dropout:
            x = layers.Dropout(dropout, name="dropout_f6")(x)
        x = f6(x)
        if dropout:
            x = layers.Dropout(dropout, name="dropout_out")(x)
        outputs = softmax(logits(x))
        super().__init__(inputs=images, outputs=outputs, **kwargs)
        self.policy_name = self._use_policy(dtype)

        # === Config ===
        self.num_classes = num_classes
        self.image_shape = tuple(input_shape)
        self.activation = activation
        self.pooling = pooling
        self.dropout = dropout

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "num_classes": self.num_classes,
            "input_shape": self.image_shape,
            "activation": self.activation,
            "pooling": self.pooling,
            "dropout": self.dropout,
            "dtype": self.policy_name,
        }
