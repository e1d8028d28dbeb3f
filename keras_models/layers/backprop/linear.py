"""The course's linear module: y = W x + b, with its fprop and bprop written out."""

import keras
import tensorflow as tf

from keras_models.layers.backprop.module import Module


@keras.saving.register_keras_serializable(package="dlsuite")
class Linear(Module):
    """The course's *linear module* ("Linear" in Torch, a fully connected layer): y = W x (+ b).

    Keras stores a batch as rows, so the layer computes y = x W + b with W of shape [inputs, units].

    fprop:  y = x W + b
    bprop:  ∂L/∂x = ∂L/∂y Wᵀ,   ∂L/∂W = xᵀ ∂L/∂y,   ∂L/∂b = Σ_batch ∂L/∂y

    Inputs of rank > 2 are treated as a batch of their last axis, like `keras.layers.Dense`.

    Args:
        units: int. Number of outputs.
        use_bias: bool. Add the bias b.
        kernel_initializer, bias_initializer: Keras initializers of W and b.

    Example:

    ```python
    import numpy as np
    from keras_models.layers.backprop import Linear

    layer = Linear(3)
    y = layer(np.ones((2, 4), "float32"))  # shape (2, 3); the gradient comes from Linear.backward
    ```
    """

    def __init__(self, units, use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 **kwargs):  # fmt: skip
        super().__init__(**kwargs)
        if int(units) < 1:
            raise ValueError(f"units must be a positive integer, got {units}.")
        self.units, self.use_bias = int(units), bool(use_bias)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)

    def build(self, input_shape):
        self.kernel = self.add_weight(
            name="kernel", shape=(input_shape[-1], self.units), initializer=self.kernel_initializer
        )
        if self.use_bias:
            self.bias = self.add_weight(name="bias", shape=(self.units,), initializer=self.bias_initializer)

    def forward(self, x, kernel, bias=None):
        y = tf.tensordot(x, kernel, axes=[[x.shape.rank - 1], [0]])
        return y if bias is None else y + bias

    def backward(self, x, y, dy, kernel, bias=None):
        dx = tf.tensordot(dy, kernel, axes=[[dy.shape.rank - 1], [1]])
        rows_x = tf.reshape(x, [-1, tf.shape(x)[-1]])
        rows_dy = tf.reshape(dy, [-1, self.units])
        dkernel = tf.matmul(rows_x, rows_dy, transpose_a=True)
        return dx, [dkernel] if bias is None else [dkernel, tf.reduce_sum(rows_dy, axis=0)]

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "use_bias": self.use_bias,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "bias_initializer": keras.initializers.serialize(self.bias_initializer),
        }
