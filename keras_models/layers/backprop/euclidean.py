"""The course's Euclidean distance module, the first half of an RBF unit: y_j = ½‖x − w_j‖²."""

import keras
import tensorflow as tf

from keras_models.layers.backprop.module import Module


@keras.saving.register_keras_serializable(package="dlsuite")
class Euclidean(Module):
    """The course's *Euclidean module* (Torch's "Euclidean"; the distance of an RBF unit):
    y_j = ½‖x − w_j‖², one output per prototype (centre) w_j.

    Followed by exp(−y) it is a radial-basis-function unit: a *local* unit, large only near its
    centre, where a sigmoid unit of a linear module is *global* (it answers on a whole half-space).
    The centres are the columns of `kernel` [inputs, units].

    fprop:  y_j = ½ Σ_i (x_i − w_ij)²
    bprop:  ∂L/∂x_i = Σ_j ∂L/∂y_j (x_i − w_ij),   ∂L/∂w_ij = −Σ_batch ∂L/∂y_j (x_i − w_ij)

    The forward forms every difference x − w_j, [batch, inputs, units] numbers: meant for small
    inputs (2-D points, 8×8 digits), exact even when x is next to a centre.

    Args:
        units: int. Number of centres.
        kernel_initializer: Keras initializer of the centres (or `set_weights` with chosen ones).

    Example:

    ```python
    import numpy as np
    import keras
    from keras_models.layers.backprop import Euclidean, Linear

    inputs = keras.Input((2,))
    rbf = keras.ops.exp(-Euclidean(8)(inputs))  # 8 Gaussian RBF units
    model = keras.Model(inputs, Linear(1)(rbf))
    ```
    """

    def __init__(self, units, kernel_initializer="random_normal", **kwargs):
        super().__init__(**kwargs)
        if int(units) < 1:
            raise ValueError(f"units must be a positive integer, got {units}.")
        self.units = int(units)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)

    def build(self, input_shape):
        self.kernel = self.add_weight(
            name="kernel", shape=(input_shape[-1], self.units), initializer=self.kernel_initializer
        )

    def forward(self, x, kernel):
        diff = x[:, :, None] - kernel[None]  # [batch, inputs, units]
        return 0.5 * tf.reduce_sum(tf.square(diff), axis=1)

    def backward(self, x, y, dy, kernel):
        diff = x[:, :, None] - kernel[None]
        weighted = diff * dy[:, None, :]  # ∂L/∂y_j (x − w_j)
        return tf.reduce_sum(weighted, axis=2), [-tf.reduce_sum(weighted, axis=0)]

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.units)

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
        }
