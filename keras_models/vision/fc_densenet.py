"""FC-DenseNet, "The One Hundred Layers Tiramisu" (Jégou et al., 2017), as a Keras 3 functional model."""

import keras
from keras import layers

from keras_models.vision.image_batches import ImageBatchChecks

# The paper's named networks (Table 2 and section 4) and a small one that trains on a CPU in minutes.
PRESETS = {
    # 4 layers per dense block, growth rate 12, 5 pools: about 1.5 M parameters.
    "fc_densenet56": {"layers_per_block": 4, "growth_rate": 12, "pools": 5, "first_filters": 48},
    # 5 layers per dense block, growth rate 16: about 3.5 M parameters.
    "fc_densenet67": {"layers_per_block": 5, "growth_rate": 16, "pools": 5, "first_filters": 48},
    # 4, 5, 7, 10, 12 layers down, 15 in the bottleneck, mirrored up, growth rate 16: about 9.4 M.
    "fc_densenet103": {
        "layers_per_block": [4, 5, 7, 10, 12, 15, 12, 10, 7, 5, 4],
        "growth_rate": 16,
        "pools": 5,
        "first_filters": 48,
    },
    # The segmentation pipeline's CPU default for 64x64 canvases: one dense layer at full resolution on
    # each side, the depth at 8x8 and 4x4 (where a 28x28 item is recognised), growth rate 12, 4 pools;
    # about 0.48 M parameters, ~13 ms per canvas per training step on 2 CPU cores.
    "fc_densenet_small": {
        "layers_per_block": [1, 2, 3, 4, 6, 4, 3, 2, 1],
        "growth_rate": 12,
        "pools": 4,
        "first_filters": 16,
    },
}


def _block_sizes(layers_per_block, pools):
    """`layers_per_block` (an int, or 2 * pools + 1 ints) as a list of 2 * pools + 1 ints."""
    if isinstance(layers_per_block, int):
        sizes = [layers_per_block] * (2 * pools + 1)
    else:
        sizes = [int(n) for n in layers_per_block]
    if len(sizes) != 2 * pools + 1:
        raise ValueError(
            f"layers_per_block needs 2 * pools + 1 = {2 * pools + 1} entries (down blocks, bottleneck, "
            f"up blocks) for pools={pools}, got {len(sizes)}: {list(layers_per_block)}."
        )
    if any(n < 1 for n in sizes):
        raise ValueError(f"every dense block needs at least 1 layer, got layers_per_block={sizes}.")
    return sizes


@keras.saving.register_keras_serializable(package="keras_models")
class FCDenseNet(ImageBatchChecks, keras.Model):
    """FC-DenseNet (Tiramisu): a fully convolutional DenseNet for semantic segmentation.

    Per-pixel class probabilities from dense blocks on a down and an up path:

    - first layer: 3x3 convolution to `first_filters` feature maps
    - dense block: `n` layers of BN-ReLU-Conv3x3(`growth_rate`)-Dropout, each layer's output
      concatenated to the block's input and the layers before it
    - transition down: BN-ReLU-Conv1x1 (as many maps as it gets)-Dropout-MaxPool 2x2
    - bottleneck: a dense block at the lowest resolution
    - transition up: 3x3 transposed convolution, stride 2, of the previous block's new maps only
      (`growth_rate` x its layers), concatenated with the down path's block output at that resolution
      (the skip connection); the up path's dense blocks pass on only their new maps, which keeps the
      number of feature maps from exploding
    - output: 1x1 convolution to `num_classes`, softmax per pixel (float32)

    Named configurations: `FCDenseNet.from_preset(name, ...)` with `fc_densenet56` (4 layers per
    block, k = 12, about 1.5 M parameters), `fc_densenet67` (5, k = 16, about 3.5 M),
    `fc_densenet103` (4-5-7-10-12-15-12-10-7-5-4, k = 16, about 9.4 M) and `fc_densenet_small`
    (a small 4-pool network for 64x64 images on a CPU).

    Args:
        num_classes: int. Classes per pixel (background included, if it is one).
        input_shape: tuple. Shape of one image, `(height, width, channels)`; height and width must
            be divisible by 2 ** pools.
        layers_per_block: int, or a list of 2 * pools + 1 ints: the layers of each dense block on
            the down path, the bottleneck and the up path, in that order.
        growth_rate: int. Feature maps each dense layer adds (k).
        first_filters: int. Feature maps of the first 3x3 convolution (48 in the paper).
        pools: int. Transitions down (and up).
        dropout: float. Dropout rate after each convolution (0.2 in the paper; 0 disables).
        dtype: optional dtype policy, e.g. `"mixed_float16"`. The output probabilities are always
            float32.

    Example:

    ```python
    import numpy as np
    from keras_models.vision import FCDenseNet

    model = FCDenseNet(num_classes=11, input_shape=(64, 64, 1))
    probs = model.predict(np.zeros((2, 64, 64, 1), "float32"), verbose=0)
    assert probs.shape == (2, 64, 64, 11)
    tiramisu = FCDenseNet.from_preset("fc_densenet103", num_classes=12, input_shape=(224, 224, 3))
    ```
    """

    def __init__(
        self,
        num_classes=11,
        input_shape=(64, 64, 1),
        layers_per_block=(1, 2, 3, 4, 6, 4, 3, 2, 1),
        growth_rate=12,
        first_filters=16,
        pools=4,
        dropout=0.2,
        dtype=None,
        **kwargs,
    ):
        if int(num_classes) < 2:
            raise ValueError(f"FCDenseNet needs num_classes of at least 2, got {num_classes}.")
        if len(input_shape) != 3:
            raise ValueError(f"input_shape is (height, width, channels), got {input_shape}.")
        if int(pools) < 1:
            raise ValueError(f"pools must be at least 1, got {pools}.")
        scale = 2**pools
        if input_shape[0] % scale or input_shape[1] % scale:
            raise ValueError(
                f"FCDenseNet with pools={pools} takes heights and widths divisible by {scale}, got "
                f"input_shape={tuple(input_shape)}; pad or crop the images, or use fewer pools."
            )
        if not 0 <= dropout < 1:
            raise ValueError(f"dropout must be in [0, 1), got {dropout}.")
        sizes = _block_sizes(layers_per_block, pools)

        # === Layers === (created as the graph is wired: each dense layer is BN-ReLU-Conv-Dropout)
        def bn_relu_conv(x, filters, kernel_size, name):
            x = layers.BatchNormalization(momentum=0.9, epsilon=1e-4, dtype=dtype, name=f"{name}_bn")(x)
            x = layers.ReLU(dtype=dtype, name=f"{name}_relu")(x)
            x = layers.Conv2D(
                filters, kernel_size, padding="same", kernel_initializer="he_uniform", dtype=dtype,
                name=f"{name}_conv",
            )(x)  # fmt: skip
            if dropout:
                x = layers.Dropout(dropout, dtype=dtype, name=f"{name}_dropout")(x)
            return x

        def dense_block(x, num_layers, name):
            """(the block's input and every new map, concatenated; the new maps alone)."""
            new = []
            for j in range(num_layers):
                new.append(bn_relu_conv(x, growth_rate, 3, f"{name}_layer{j + 1}"))
                x = layers.Concatenate(dtype=dtype, name=f"{name}_concat{j + 1}")([x, new[-1]])
            return x, new

        def join(tensors, name):
            return tensors[0] if len(tensors) == 1 else layers.Concatenate(dtype=dtype, name=name)(tensors)

        # === Functional Model ===
        images = keras.Input(shape=tuple(input_shape), name="images")
        x = layers.Conv2D(
            first_filters, 3, padding="same", kernel_initializer="he_uniform", dtype=dtype, name="first_conv"
        )(images)
        skips = []
        for i in range(pools):
            x, _ = dense_block(x, sizes[i], f"down{i + 1}")
            skips.append(x)
            x = bn_relu_conv(x, x.shape[-1], 1, f"transition_down{i + 1}")
            x = layers.MaxPooling2D(2, dtype=dtype, name=f"transition_down{i + 1}_pool")(x)
        _, new = dense_block(x, sizes[pools], "bottleneck")
        for i in range(pools):
            upsampled = layers.Conv2DTranspose(
                growth_rate * sizes[pools + i], 3, strides=2, padding="same",
                kernel_initializer="he_uniform", dtype=dtype, name=f"transition_up{i + 1}",
            )(join(new, f"transition_up{i + 1}_input"))  # fmt: skip
            x = layers.Concatenate(dtype=dtype, name=f"skip{i + 1}")([upsampled, skips[-1 - i]])
            x, new = dense_block(x, sizes[pools + i + 1], f"up{i + 1}")
        logits = layers.Conv2D(num_classes, 1, dtype=dtype, name="logits")(x)
        # Softmax in float32 keeps mixed-precision training numerically stable.
        outputs = layers.Activation("softmax", dtype="float32", name="probabilities")(logits)
        super().__init__(inputs=images, outputs=outputs, **kwargs)
        self.policy_name = self._use_policy(dtype)

        # === Config ===
        self.num_classes = num_classes
        self.image_shape = tuple(input_shape)
        self.layers_per_block = layers_per_block if isinstance(layers_per_block, int) else sizes
        self.growth_rate = growth_rate
        self.first_filters = first_filters
        self.pools = pools
        self.dropout = dropout

    @classmethod
    def from_preset(cls, name, num_classes=11, input_shape=(64, 64, 1), **kwargs):
        """A named configuration (`PRESETS`: fc_densenet56, fc_densenet67, fc_densenet103,
        fc_densenet_small); `kwargs` (dropout, dtype, ...) override or complete it."""
        if name not in PRESETS:
            raise ValueError(f"unknown FC-DenseNet preset {name!r}; the presets are {', '.join(PRESETS)}.")
        return cls(num_classes=num_classes, input_shape=input_shape, **{**PRESETS[name], **kwargs})

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "num_classes": self.num_classes,
            "input_shape": self.image_shape,
            "layers_per_block": self.layers_per_block,
            "growth_rate": self.growth_rate,
            "first_filters": self.first_filters,
            "pools": self.pools,
            "dropout": self.dropout,
            "dtype": self.policy_name,
        }
