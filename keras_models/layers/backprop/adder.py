"""The course's adder module: the sum of its inputs."""

import keras
import tensorflow as tf

from keras_models.layers.backprop.module import Module


@keras.saving.register_keras_serializable(package="dlsuite")
class Adder(Module):
    """The course's *adder* (sum module; Torch's "CAddTable"): y = Σ_k x_k over a list of inputs of one shape.

    fprop:  y = x_1 + x_2 + … + x_K
    bprop:  ∂L/∂x_k = ∂L/∂y for every k — the gradient is copied back to each input

    The Y-connector and the adder are each other's transpose: what one does forward the other
    does backward.

    Example:

    ```python
    import numpy as np
    from keras_models.layers.backprop import Adder

    y = Adder()([np.ones((2, 3), "float32"), np.full((2, 3), 2.0, "float32")])  # all 3
    ```
    """

    def forward(self, x):
        return tf.add_n(x)

    def backward(self, x, y, dy):
        return [tf.identity(dy) for _ in x], []

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0])
