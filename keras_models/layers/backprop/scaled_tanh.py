"""LeCun's scaled hyperbolic tangent, f(x) = 1.7159 · tanh(2x/3) (LeCun, Bottou, Orr & Müller 1998,
"Efficient BackProp", section 4.4).

The constants make f(±1) = ±1, the points where f's second derivative is largest: with inputs of
unit variance the outputs have unit variance too, the gain is close to 1 over the useful range,
and targets at ±1 can be reached without driving the unit into saturation (its asymptotes are
±1.7159).
"""

import keras
import tensorflow as tf

from keras_models.layers.backprop.module import Module

AMPLITUDE = 1.7159  # A: f(1) = A tanh(2/3) = 1
SLOPE = 2.0 / 3.0  # S


@keras.saving.register_keras_serializable(package="dlsuite")
def scaled_tanh(x):
    """LeCun's scaled tanh 1.7159 · tanh(2x/3), a Keras activation: `Dense(64, activation=scaled_tanh)`."""
    return AMPLITUDE * keras.ops.tanh(SLOPE * x)


@keras.saving.register_keras_serializable(package="dlsuite")
class ScaledTanh(Module):
    """The course's *scaled tanh* (sigmoid) module: y = A tanh(S x), A = 1.7159, S = 2/3, elementwise.

    fprop:  y = A tanh(S x)
    bprop:  ∂L/∂x = ∂L/∂y · A S (1 − tanh²(S x)) = ∂L/∂y · (S / A)(A² − y²)

    Example:

    ```python
    import numpy as np
    from keras_models.layers.backprop import ScaledTanh

    y = ScaledTanh()(np.array([[-1.0, 0.0, 1.0]], "float32"))  # ≈ [[-1, 0, 1]]
    ```
    """

    def forward(self, x):
        return AMPLITUDE * tf.tanh(SLOPE * x)

    def backward(self, x, y, dy):
        return dy * (SLOPE / AMPLITUDE) * (AMPLITUDE**2 - tf.square(y)), []

    def compute_output_shape(self, input_shape):
        return input_shape
