"""The orthogonal RNN cell (chapter 11): an Elman cell whose recurrent matrix stays orthogonal."""

import contextlib

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_models")
class OrthogonalRNNCell(keras.layers.Layer):
    """h_t = activation(x_t W_in + h_{t-1} W + b), with W orthogonal at every training step.

    An orthogonal W has every singular value equal to 1, so the recurrence itself neither
    shrinks nor grows the gradient that flows back through time (the activation's
    derivative still can). W is never trained directly: it is the Cayley transform
    W = (I + A)^-1 (I - A) of a skew-symmetric A = S - S^T, and S is the trained
    variable, so every gradient step lands on another orthogonal matrix (Helfrich
    et al. 2018, "Orthogonal recurrent neural networks with scaled Cayley transform").

    Use it as `OrthogonalRNN(OrthogonalRNNCell(units))` (below), which computes W once per
    sequence; `keras.layers.RNN(OrthogonalRNNCell(units))` works too but recomputes it (a
    units x units inverse) at every step.

    Args:
        units: int. Size of the state.
        activation: str. `"tanh"` (default) or any Keras activation; `"linear"` keeps
            the gradient norm exactly.
        skew_stddev: float. Standard deviation of S at initialisation; 0 starts from W = I.
        dropout: float. Dropout on the inputs while training.

    Example:

    ```python
    import numpy as np, keras
    from keras_models.sequence import OrthogonalRNNCell

    layer = keras.layers.RNN(OrthogonalRNNCell(16), return_sequences=True)
    assert layer(np.zeros((2, 5, 3), "float32")).shape == (2, 5, 16)
    ```
    """

    def __init__(self, units, activation="tanh", skew_stddev=0.1, dropout=0.0, **kwargs):
        super().__init__(**kwargs)
        if int(units) < 1:
            raise ValueError(f"units must be positive, got {units}.")
        self.units = int(units)
        self.activation = keras.activations.get(activation)
        self.skew_stddev = float(skew_stddev)
        self.dropout = float(dropout)
        self.state_size = self.units
        self.output_size = self.units
        self._fixed_kernel = None  # set by fixed_recurrent_kernel()

    def build(self, input_shape):
        self.kernel = self.add_weight(
            shape=(input_shape[-1], self.units), initializer="glorot_uniform", name="kernel"
        )
        self.skew = self.add_weight(
            shape=(self.units, self.units),
            initializer=keras.initializers.RandomNormal(stddev=self.skew_stddev),
            # Read in float32 even under mixed_float16: a float16 Cayley transform is not orthogonal.
            autocast=False,
            name="skew",
        )
        self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")

    def recurrent_kernel(self):
        """The orthogonal W = (I + A)^-1 (I - A), A = S - S^T (in the variables' dtype)."""
        skew = self.skew - ops.transpose(self.skew)
        eye = ops.eye(self.units, dtype=skew.dtype)
        # I + A is always invertible and well conditioned: its eigenvalues are 1 + i*lambda.
        return ops.matmul(ops.linalg.inv(eye + skew), eye - skew)

    @contextlib.contextmanager
    def fixed_recurrent_kernel(self):
        """Within it, every step uses the W computed on entry: the weights do not change during one
        sequence, so the inverse is computed once rather than once per step."""
        object.__setattr__(self, "_fixed_kernel", self.recurrent_kernel())  # a tensor, not a weight
        try:
            yield
        finally:
            object.__setattr__(self, "_fixed_kernel", None)

    def call(self, inputs, states, training=False):
        previous = states[0] if isinstance(states, (list, tuple)) else states
        if training and self.dropout > 0:
            inputs = keras.random.dropout(inputs, self.dropout)
        recurrent = self._fixed_kernel if self._fixed_kernel is not None else self.recurrent_kernel()
        recurrent = ops.cast(recurrent, previous.dtype)
        state = self.activation(
            ops.matmul(inputs, ops.cast(self.kernel, inputs.dtype))
            + ops.matmul(previous, recurrent)
            + ops.cast(self.bias, inputs.dtype)
        )
        return state, [state]

    def get_initial_state(self, batch_size=None):
        return [ops.zeros((batch_size, self.units), dtype=self.compute_dtype)]

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "activation": keras.activations.serialize(self.activation),
            "skew_stddev": self.skew_stddev,
            "dropout": self.dropout,
        }


@keras.saving.register_keras_serializable(package="keras_models")
class OrthogonalRNN(keras.layers.RNN):
    """`keras.layers.RNN` over an `OrthogonalRNNCell` that computes the cell's W once per call.

    Example:

    ```python
    import numpy as np
    from keras_models.sequence import OrthogonalRNN, OrthogonalRNNCell

    layer = OrthogonalRNN(OrthogonalRNNCell(16), return_sequences=True)
    assert layer(np.zeros((2, 5, 3), "float32")).shape == (2, 5, 16)
    ```
    """

    def call(self, sequences, initial_state=None, mask=None, training=False):
        with self.cell.fixed_recurrent_kernel():
            return super().call(sequences, initial_state=initial_state, mask=mask, training=training)
