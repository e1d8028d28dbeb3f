"""The course's switch (max) module: the elementwise maximum of its inputs, routing the gradient."""

import keras
import tensorflow as tf

from keras_models.layers.backprop.module import Module


@keras.saving.register_keras_serializable(package="dlsuite")
class Switch(Module):
    """The course's *switch module* (max module; the heart of max-pooling and of ReLU = max(x, 0)):
    y = max_k x_k elementwise over a list of inputs of one shape.

    fprop:  y = max(x_1, …, x_K)
    bprop:  ∂L/∂x_k = ∂L/∂y where x_k was the maximum, 0 elsewhere — the module acts as a switch
            that connects the output to one input; on a tie the first maximal input gets it all

    Example:

    ```python
    import numpy as np
    from keras_models.layers.backprop import Switch

    relu = Switch()([np.array([[-1.0, 2.0]], "float32"), np.zeros((1, 2), "float32")])  # [[0, 2]]
    ```
    """

    def forward(self, x):
        return tf.reduce_max(tf.stack(x), axis=0)

    def backward(self, x, y, dy):
        stacked = tf.stack(x)
        is_max = tf.cast(tf.equal(stacked, y[None]), tf.int32)
        first = tf.logical_and(is_max > 0, tf.cumsum(is_max, axis=0) == 1)  # the first maximal input
        routed = tf.where(first, dy[None], tf.zeros_like(dy)[None])
        return tf.unstack(routed, num=len(x)), []

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0])
