"""Local Response Normalization (Krizhevsky et al., 2012, section 3.3)."""

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="keras_models")
class LocalResponseNormalization(keras.layers.Layer):
    """AlexNet's "brightness normalization" across neighbouring channels.

    Each activation `a[..., i]` of channel `i` (of `N`) is divided by the summed squares of the
    activations at the same position in the `size` channels around it:

        b[..., i] = a[..., i] / (bias + alpha * sum_{j = max(0, i - size // 2)}^{min(N - 1, i + size // 2)}
                                 a[..., j] ** 2) ** beta

    The paper's hyper-parameters are `k = bias = 2`, `n = size = 5`, `alpha = 1e-4`, `beta = 0.75`.
    `alpha` multiplies the sum itself, as in the paper and `tf.nn.local_response_normalization`;
    Caffe and PyTorch divide their `alpha` by `size` first (their `alpha=1e-4` is this layer's 2e-5).

    Channels are the last axis. The layer has no weights. It computes in float32 whatever its dtype
    policy (squares of float16 activations overflow beyond 256) and returns its compute dtype. It runs
    on the TensorFlow backend.

    Args:
        size: int. Odd number of channels in the sum (`n`).
        bias: float. `k`.
        alpha: float. Scale of the sum.
        beta: float. Exponent.

    Example:

    ```python
    import numpy as np
    from keras_models.layers import LocalResponseNormalization

    lrn = LocalResponseNormalization()
    y = lrn(np.ones((1, 4, 4, 8), "float32"))
    assert y.shape == (1, 4, 4, 8)
    ```
    """

    def __init__(self, size=5, bias=2.0, alpha=1e-4, beta=0.75, **kwargs):
        super().__init__(**kwargs)
        if int(size) < 1 or int(size) % 2 == 0:
            raise ValueError(f"size is the odd number of channels summed over, got {size}.")
        self.size, self.bias, self.alpha, self.beta = int(size), float(bias), float(alpha), float(beta)

    def call(self, inputs):
        outputs = tf.nn.local_response_normalization(
            tf.cast(inputs, tf.float32),
            depth_radius=self.size // 2,
            bias=self.bias,
            alpha=self.alpha,
            beta=self.beta,
        )
        return tf.cast(outputs, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "size": self.size,
            "bias": self.bias,
            "alpha": self.alpha,
            "beta": self.beta,
        }
