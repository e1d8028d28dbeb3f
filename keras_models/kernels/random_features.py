"""Random Fourier features (Rahimi & Recht 2007, "Random Features for Large-Scale Kernel Machines").

A shift-invariant kernel is the Fourier transform of a probability density (Bochner's theorem); for the
RBF kernel exp(−γ‖x − y‖²) that density is N(0, 2γ I). So, with D frequencies w_k ~ N(0, 2γ I) and
phases b_k ~ U[0, 2π),

    z(x) = √(2/D) · cos(W x + b)   gives   E[z(x)·z(y)] = exp(−γ‖x − y‖²),

with an error of order 1/√D. A linear model on z(x) then approximates the kernel machine at a cost
linear in the number of examples (the n × n kernel matrix is never formed): the scalable variant of
the kernel SVM. This is scikit-learn's RBFSampler(gamma, n_components) as a Keras layer.
"""

import math

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="dlsuite")
class RandomFourierFeatures(keras.layers.Layer):
    """The course's random features for the RBF kernel (chapter 18): z(x) = √(2/D) cos(Wx + b).

    The frequencies W [d, D] ~ N(0, 2γ) and phases b ~ U[0, 2π) are drawn once, from `seed`, and are not
    trained (unless `trainable=True`, which learns them as ordinary weights). z(x)·z(y) ≈ exp(−γ‖x − y‖²).

    Args:
        output_dim: D, the number of features.
        gamma: γ of the RBF kernel being approximated.
        seed: the seed of W and b (the same seed: the same features).

    Example:

    ```python
    import keras
    from keras_models.kernels import RandomFourierFeatures

    model = keras.Sequential([keras.Input((64,)), RandomFourierFeatures(1024, gamma=0.02, seed=0),
                              keras.layers.Dense(10)])    # a linear model on the features
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    ```
    """

    def __init__(self, output_dim, gamma=1.0, seed=None, trainable=False, **kwargs):
        super().__init__(trainable=trainable, **kwargs)
        if int(output_dim) < 1 or gamma <= 0:
            raise ValueError(f"need output_dim ≥ 1 and gamma > 0, got {output_dim} and {gamma}")
        self.output_dim, self.gamma, self.seed = int(output_dim), float(gamma), seed

    def build(self, input_shape):
        seed = None if self.seed is None else int(self.seed)
        self.frequencies = self.add_weight(
            name="frequencies",
            shape=(int(input_shape[-1]), self.output_dim),
            initializer=keras.initializers.RandomNormal(stddev=math.sqrt(2 * self.gamma), seed=seed),
        )
        self.phases = self.add_weight(
            name="phases",
            shape=(self.output_dim,),
            initializer=keras.initializers.RandomUniform(0.0, 2 * math.pi, seed=None if seed is None
                                                         else seed + 1),
        )  # fmt: skip

    def call(self, inputs):
        projected = tf.matmul(tf.cast(inputs, self.compute_dtype), self.frequencies) + self.phases
        return math.sqrt(2.0 / self.output_dim) * tf.cos(projected)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.output_dim)

    def get_config(self):
        return {**super().get_config(), "output_dim": self.output_dim, "gamma": self.gamma, "seed": self.seed}
