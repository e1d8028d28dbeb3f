"""Residual networks (He et al. 2015, 2016): v1 post-activation and v2 pre-activation units, and the
plain networks they were compared with."""

import keras
from keras import layers

from keras_models.vision.image_batches import ImageBatchChecks, check_classifier_arguments

SMALL_IMAGE_DEPTHS = (20, 32, 44, 56, 110)  # 6n + 2, the CIFAR-10 networks of the paper's section 4.2


@keras.saving.register_keras_serializable(package="keras_models")
class _ZeroPadShortcut(layers.Layer):
    """The paper's option A: an identity shortcut that subsamples by `strides` and zero-pads the new
    channels, so it adds no parameters."""

    def __init__(self, filters, strides, **kwargs):
        super().__init__(**kwargs)
        self.filters, self.strides = filters, strides

    def call(self, x):
        x = x[:, :: self.strides, :: self.strides, :]
        extra = self.filters - x.shape[-1]
        return keras.ops.pad(x, [[0, 0], [0, 0], [0, 0], [extra // 2, extra - extra // 2]])

    def compute_output_shape(self, input_shape):
        batch, height, width, _ = input_shape
        shrink = lambda n: None if n is None else -(-n // self.strides)  # noqa: E731
        return (batch, shrink(height), shrink(width), self.filters)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "strides": self.strides}


@keras.saving.register_keras_serializable(package="keras_models")
class ResNet(ImageBatchChecks, keras.Model):
    """ResNet for small images: 6n + 2 weighted layers in three stages of 16, 32, 64 filters.

    He et al. 2015 (section 4.2): a 3x3 convolution, then three stages of n residual units of two 3x3
    convolutions each (16, 32 and 64 filters; the second and third stages start with stride 2),
    global average pooling and a softmax layer. ResNet-20/32/44/56/110 have n = 3/5/7/9/18 and
    0.27/0.46/0.66/0.85/1.7 M parameters with the parameter-free shortcuts (option A).

    - `version=1`: conv-BN-ReLU-conv-BN, add, ReLU (the 2015 unit).
    - `version=2`: BN-ReLU-conv-BN-ReLU-conv, add (the 2016 pre-activation unit; the identity path
      stays clean), with a final BN-ReLU before pooling.
    - `residual=False`: the same layers without shortcuts: the *plain* network of the paper's
      degradation experiment.
    - `shortcut`: where the shape changes, `"identity"` (option A: subsample and zero-pad channels, no
      parameters) or `"projection"` (option B: a strided 1x1 convolution and BN).

    Images of 64x64 and more get ImageNet's stem (7x7 convolution with stride 2, 3x3 max pooling with
    stride 2) before the stages, so the same networks build for 224x224x3 inputs; smaller images keep
    the paper's 3x3 stem at full resolution.

    Args:
        depth: int. 6n + 2 (20, 32, 44, 56, 110, ...).
        num_classes: int. Number of output classes.
        input_shape: tuple. `(height, width, channels)`, at least 8x8.
        version: 1 or 2.
        residual: bool. False builds the plain network.
        shortcut: `"identity"` or `"projection"`.
        width: int. Filters of the first stage (16 in the paper); the others have 2x and 4x.
        weight_decay: float. L2 penalty on convolution and dense kernels added to the loss (0: none;
            or pass the optimizer's `weight_decay` instead).
        dtype: optional dtype policy, e.g. `"mixed_float16"`. The probabilities are always float32.

    Example:

    ```python
    import numpy as np
    from keras_models.vision import ResNet

    model = ResNet(depth=20, num_classes=10, input_shape=(28, 28, 1))
    probs = model.predict(np.zeros((2, 28, 28, 1), "float32"), verbose=0)
    assert probs.shape == (2, 10) and model.count_params() < 280_000
    ```
    """

    def __init__(
        self,
        depth=20,
        num_classes=10,
        input_shape=(32, 32, 3),
        version=1,
        residual=True,
        shortcut="identity",
        width=16,
        weight_decay=0.0,
        dtype=None,
        **kwargs,
    ):
        if depth < 8 or (depth - 2) % 6:
            raise ValueError(f"ResNet depth must be 6n + 2 (20, 32, 44, 56, 110, ...), got {depth}.")
        if version not in (1, 2):
            raise ValueError(f"version must be 1 (post-activation) or 2 (pre-activation), got {version!r}.")
        if shortcut not in ("identity", "projection"):
            raise ValueError(f"shortcut must be 'identity' or 'projection', got {shortcut!r}.")
        check_classifier_arguments("ResNet", num_classes, input_shape, min_side=8)
        regularizer = keras.regularizers.L2(weight_decay) if weight_decay else None

        def conv(filters, kernel, strides=1, name=None):
            return layers.Conv2D(
                filters,
                kernel,
                strides=strides,
                padding="same",
                use_bias=False,
                kernel_initializer="he_normal",
                kernel_regularizer=regularizer,
                dtype=dtype,
                name=name,
            )

        def bn_relu(x, name):
            x = layers.BatchNormalization(dtype=dtype, name=f"{name}_bn")(x)
            return layers.ReLU(dtype=dtype, name=f"{name}_relu")(x)

        def unit(x, filters, strides, name):
            changes = strides != 1 or x.shape[-1] != filters
            if version == 1:
                y = bn_relu(conv(filters, 3, strides, f"{name}_conv1")(x), f"{name}_1")
                y = layers.BatchNormalization(dtype=dtype, name=f"{name}_2_bn")(
                    conv(filters, 3, 1, f"{name}_conv2")(y)
                )
            else:
                pre = bn_relu(x, f"{name}_pre")
                y = bn_relu(conv(filters, 3, strides, f"{name}_conv1")(pre), f"{name}_1")
                y = conv(filters, 3, 1, f"{name}_conv2")(y)
            if residual:
                if not changes:
                    skip = x
                elif shortcut == "identity":
                    skip = _ZeroPadShortcut(filters, strides, dtype=dtype, name=f"{name}_shortcut")(x)
                else:
                    skip = conv(filters, 1, strides, f"{name}_projection")(pre if version == 2 else x)
                    if version == 1:
                        skip = layers.BatchNormalization(dtype=dtype, name=f"{name}_projection_bn")(skip)
                y = layers.Add(dtype=dtype, name=f"{name}_add")([skip, y])
            return layers.ReLU(dtype=dtype, name=f"{name}_out")(y) if version == 1 else y

        # === Functional Model ===
        images = keras.Input(shape=tuple(input_shape), name="images")
        if min(input_shape[:2]) >= 64:
            x = conv(width, 7, 2, "stem_conv")(images)
            x = bn_relu(x, "stem")
            x = layers.MaxPooling2D(3, strides=2, padding="same", dtype=dtype, name="stem_pool")(x)
        else:
            x = conv(width, 3, 1, "stem_conv")(images)
            x = bn_relu(x, "stem") if version == 1 else x
        units = (depth - 2) // 6
        for stage, filters in enumerate((width, 2 * width, 4 * width), start=1):
            for i in range(units):
                strides = 2 if stage > 1 and i == 0 else 1
                x = unit(x, filters, strides, f"stage{stage}_unit{i + 1}")
        if version == 2:
            x = bn_relu(x, "final")
        x = layers.GlobalAveragePooling2D(dtype=dtype, name="pool")(x)
        x = layers.Dense(num_classes, kernel_regularizer=regularizer, dtype=dtype, name="logits")(x)
        # Softmax in float32 keeps mixed-precision training numerically stable.
        outputs = layers.Activation("softmax", dtype="float32", name="probabilities")(x)
        super().__init__(inputs=images, outputs=outputs, **kwargs)
        self.policy_name = self._use_policy(dtype)

        # === Config ===
        self.depth, self.num_classes, self.image_shape = depth, num_classes, tuple(input_shape)
        self.version, self.residual, self.shortcut = version, residual, shortcut
        self.width, self.weight_decay = width, weight_decay

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "depth": self.depth,
            "num_classes": self.num_classes,
            "input_shape": self.image_shape,
            "version": self.version,
            "residual": self.residual,
            "shortcut": self.shortcut,
            "width": self.width,
            "weight_decay": self.weight_decay,
            "dtype": self.policy_name,
        }
