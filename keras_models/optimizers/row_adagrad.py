"""Row-wise Adagrad: one accumulator per embedding row, as StarSpace trains its tables."""

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="keras_models")
class RowAdagrad(keras.optimizers.Optimizer):
    """Adagrad with one squared-gradient accumulator per row of a table.

    StarSpace's update (`EmbedModel::backward`, `adagrad=true`): a row's
    accumulator grows by the mean square of the row's gradient, and the row
    moves by `lr * gradient / sqrt(accumulator + epsilon)`. One scalar per row
    instead of Keras Adagrad's one per weight keeps the state small, and with a
    `tf.IndexedSlices` gradient (an embedding lookup's) only the rows a batch
    touched are read and written: a step costs the same for a 10-row table as
    for a 2M-row one. Weights of rank 0 or 1 get one accumulator per value.

    Args:
        learning_rate: float or a `keras.optimizers.schedules.LearningRateSchedule`.
        epsilon: float. StarSpace's 1e-6.

    Example:

    ```python
    import keras
    from keras_models.optimizers import RowAdagrad

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile(optimizer=RowAdagrad(0.1), loss="mse")
    ```
    """

    def __init__(self, learning_rate=0.01, epsilon=1e-6, name="row_adagrad", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.epsilon = float(epsilon)

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self._accumulators = [
            self.add_variable(shape=tuple(v.shape[:1]), initializer="zeros", name="accumulator")
            for v in variables
        ]

    def update_step(self, gradient, variable, learning_rate):
        accumulator = self._accumulators[self._get_variable_index(variable)]
        learning_rate = tf.cast(learning_rate, variable.dtype)
        if isinstance(gradient, tf.IndexedSlices):
            # A row looked up several times appears once, with its summed gradient.
            rows, position = tf.unique(gradient.indices)
            gradient = tf.math.unsorted_segment_sum(gradient.values, position, tf.size(rows))
            self.assign_add(accumulator, tf.IndexedSlices(self._mean_square(gradient), rows))
            scale = learning_rate / tf.sqrt(tf.gather(accumulator.value, rows) + self.epsilon)
            self.assign_sub(variable, tf.IndexedSlices(gradient * self._per_row(scale, gradient), rows))
            return
        self.assign_add(accumulator, self._mean_square(gradient))
        scale = learning_rate / tf.sqrt(accumulator.value + self.epsilon)
        self.assign_sub(variable, gradient * self._per_row(scale, gradient))

    @staticmethod
    def _mean_square(gradient):
        """Per row: the mean of the squared gradient over the row's other axes."""
        if gradient.shape.rank <= 1:
            return tf.square(gradient)
        return tf.reduce_mean(tf.square(gradient), axis=list(range(1, gradient.shape.rank)))

    @staticmethod
    def _per_row(scale, gradient):
        """`scale` [rows] broadcast against `gradient` [rows, ...]."""
        return tf.reshape(scale, [-1] + [1] * (gradient.shape.rank - 1)) if gradient.shape.rank else scale

    def get_config(self):
        config = super().get_config()
        config.update({"epsilon": self.epsilon})
        return config
