"""The course's Y-connector (fan-out) module: one input copied to several outputs."""

import keras
import tensorflow as tf

from keras_models.layers.backprop.module import Module


@keras.saving.register_keras_serializable(package="dlsuite")
class YConnector(Module):
    """The course's *Y-connector* (branch, fan-out): the same x sent to `branches` modules.

    fprop:  y_k = x for k = 1..branches (a list)
    bprop:  ∂L/∂x = Σ_k ∂L/∂y_k — a variable used in several places gets the sum of their gradients
            (the reason weight sharing works: each use adds its gradient)

    Args:
        branches: int ≥ 1. Number of copies.

    Example:

    ```python
    import numpy as np
    from keras_models.layers.backprop import Adder, YConnector

    a, b = YConnector(2)(np.ones((2, 3), "float32"))
    total = Adder()([a, b])  # 2 x; ∂total/∂x = 2
    ```
    """

    def __init__(self, branches=2, **kwargs):
        super().__init__(**kwargs)
        if int(branches) < 1:
            raise ValueError(f"branches must be a positive integer, got {branches}.")
        self.branches = int(branches)

    def forward(self, x):
        return [tf.identity(x) for _ in range(self.branches)]

    def backward(self, x, y, dy):
        return tf.add_n(dy), []

    def compute_output_shape(self, input_shape):
        return [tuple(input_shape)] * self.branches

    def get_config(self):
        return {**super().get_config(), "branches": self.branches}
