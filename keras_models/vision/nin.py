"""Network in Network (Lin, Chen and Yan, 2013) as a Keras 3 functional model."""

import keras
from keras import layers

from keras_models.vision.image_batches import ImageBatchChecks, check_classifier_arguments

# The paper's CIFAR-10 network (section 4.2, and the authors' released Caffe model): per mlpconv
# block, the k x k convolution and the two 1x1 convolutions' filters. The last 1x1 layer of the last
# block has `num_classes` filters: one confidence map per class.
CIFAR_BLOCKS = ((5, (192, 160, 96)), (5, (192, 192, 192)), (3, (192, 192, None)))


@keras.saving.register_keras_serializable(package="keras_models")
class NetworkInNetwork(ImageBatchChecks, keras.Model):
    """Network in Network: mlpconv blocks and global average pooling instead of dense layers.

    An mlpconv block is a k x k convolution followed by two 1x1 convolutions (a small multilayer
    perceptron slid over the image), all with ReLU. The paper's CIFAR-10 network:

    - mlpconv 1: 5x5 conv 192, 1x1 conv 160, 1x1 conv 96; 3x3 max pool / 2; dropout 0.5
    - mlpconv 2: 5x5 conv 192, 1x1 conv 192, 1x1 conv 192; 3x3 max pool / 2; dropout 0.5
    - mlpconv 3: 3x3 conv 192, 1x1 conv 192, 1x1 conv `num_classes`: one feature map per class
    - global average pooling of each class map, softmax: no fully connected layer

    966,986 parameters for 3-channel images and 10 classes, whatever their size. The class maps are
    left linear (logits); the authors' Caffe model puts a ReLU on them too, which clamps the logits at
    0 and can leave a class stuck at zero confidence.

    Small images need no adaptation: this is the network the paper trains on CIFAR-10 (32x32) and
    MNIST (28x28), with "same" padding and pooling (32 -> 16 -> 8, 28 -> 14 -> 7). At 28x28x1 it costs
    about 0.16 G multiply-adds per image; a training step takes about as long as ResNet-20's. Larger
    images run the same network at full resolution (224x224x3: about 11 G multiply-adds per image,
    56x56 class maps averaged); the ImageNet model the authors released separately is not reproduced.

    Args:
        num_classes: int. Number of output classes (filters of the last 1x1 convolution).
        input_shape: tuple. `(height, width, channels)`, at least 4x4.
        dropout: float. Dropout rate after the first two blocks (0.5 in the paper; 0 disables).
        dtype: optional dtype policy, e.g. `"mixed_float16"`. The probabilities are always float32.

    Example:

    ```python
    import numpy as np
    from keras_models.vision import NetworkInNetwork

    model = NetworkInNetwork(num_classes=10, input_shape=(32, 32, 3))
    probs = model.predict(np.zeros((2, 32, 32, 3), "float32"), verbose=0)
    assert probs.shape == (2, 10) and 960_000 < model.count_params() < 970_000
    ```
    """

    def __init__(self, num_classes=10, input_shape=(32, 32, 3), dropout=0.5, dtype=None, **kwargs):
        check_classifier_arguments("NetworkInNetwork", num_classes, input_shape, min_side=4)

        # === Layers ===
        network = []
        for block, (kernel, filters) in enumerate(CIFAR_BLOCKS, start=1):
            last_block = block == len(CIFAR_BLOCKS)
            for i, units in enumerate(filters):
                class_maps = last_block and i == len(filters) - 1
                name = "class_maps" if class_maps else f"mlpconv{block}_" + ("conv" if i == 0 else f"mlp{i}")
                network.append(
                    layers.Conv2D(
                        num_classes if class_maps else units,
                        kernel if i == 0 else 1,
                        padding="same",
                        activation=None if class_maps else "relu",
                        kernel_initializer="glorot_uniform" if class_maps else "he_normal",
                        dtype=dtype,
                        name=name,
                    )
                )
            if not last_block:
                pool = layers.MaxPooling2D(3, strides=2, padding="same", dtype=dtype, name=f"pool{block}")
                network.append(pool)
                if dropout:
                    network.append(layers.Dropout(dropout, dtype=dtype, name=f"dropout{block}"))
        network.append(layers.GlobalAveragePooling2D(dtype=dtype, name="logits"))
        # Softmax in float32 keeps mixed-precision training numerically stable.
        softmax = layers.Activation("softmax", dtype="float32", name="probabilities")

        # === Functional Model ===
        images = keras.Input(shape=tuple(input_shape), name="images")
        x = images
        for layer in network:
            x = layer(x)
        outputs = softmax(x)
        super().__init__(inputs=images, outputs=outputs, **kwargs)
        self.policy_name = self._use_policy(dtype)

        # === Config ===
        self.num_classes, self.image_shape, self.dropout = num_classes, tuple(input_shape), dropout

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "num_classes": self.num_classes,
            "input_shape": self.image_shape,
            "dropout": self.dropout,
            "dtype": self.policy_name,
        }
