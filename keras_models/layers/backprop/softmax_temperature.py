"""The course's softmax module with a temperature: y = softmax(x / T)."""

import keras
import tensorflow as tf

from keras_models.layers.backprop.module import Module


@keras.saving.register_keras_serializable(package="dlsuite")
class SoftmaxTemperature(Module):
    """The course's *softmax module* with temperature T (inverse temperature β = 1/T):
    y_i = exp(x_i / T) / Σ_k exp(x_k / T) over the last axis.

    A high T flattens the distribution towards uniform (more entropy); T → 0 tends to a one-hot
    argmax. The argmax, hence the predicted class, does not depend on T.

    fprop:  y = softmax(x / T)
    bprop:  ∂L/∂x = (1/T) · y ⊙ (∂L/∂y − ⟨∂L/∂y, y⟩) — the Jacobian (diag(y) − y yᵀ)/T times ∂L/∂y,
            without forming the matrix

    Args:
        temperature: float > 0.

    Example:

    ```python
    import numpy as np
    from keras_models.layers.backprop import SoftmaxTemperature

    p = SoftmaxTemperature(2.0)(np.array([[1.0, 2.0, 3.0]], "float32"))  # softer than T = 1
    ```
    """

    def __init__(self, temperature=1.0, **kwargs):
        super().__init__(**kwargs)
        if not float(temperature) > 0:
            raise ValueError(f"temperature must be > 0, got {temperature}.")
        self.temperature = float(temperature)

    def forward(self, x):
        return tf.nn.softmax(x / self.temperature, axis=-1)

    def backward(self, x, y, dy):
        inner = tf.reduce_sum(dy * y, axis=-1, keepdims=True)
        return y * (dy - inner) / self.temperature, []

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "temperature": self.temperature}
