"""The Neural Turing Machine (Graves, Wayne & Danihelka 2014) as a Keras RNN cell, and a model around it.

A controller network (an LSTM here) reads the input and what its read heads returned at the
previous step; a linear layer turns its output into the heads' parameters; the heads address an
N x M memory by content and by location (`ntm_addressing`), read from it, and erase and add to
it. Everything is differentiable, so the whole machine trains by backpropagation through time.

What makes it train reliably is taken from Collier & Beel 2018 ("Implementing Neural Turing
Machines"): the memory starts at a small constant (1e-6) rather than random values, the
initial read vectors and head weightings are learned, the head parameters are clipped to
[-20, 20], and training uses Adam with gradient clipping.
"""

import keras
from keras import ops

from keras_models.memory import ntm_addressing as addressing


@keras.saving.register_keras_serializable(package="keras_models")
class NTMCell(keras.layers.Layer):
    """One step of a Neural Turing Machine, for `keras.layers.RNN(NTMCell(...))`.

    At each step: controller(x_t, r_{t-1}) -> h_t; a linear layer gives every head its key k
    (tanh), key strength beta (softplus), interpolation gate g (sigmoid), shift distribution s over
    [-shift_range, shift_range] (softmax) and sharpening gamma (1 + softplus); write heads also get
    an erase vector e (sigmoid) and an add vector a (tanh). The heads address the memory (content,
    interpolation, circular shift, sharpening), the read heads read from it, then the write heads
    erase and add. The output is [h_t, r_t] (`units + read_heads * memory_width` numbers).

    The state is a flat list, as `keras.layers.RNN` wants: the controller's states, the memory
    (N * M), the read vectors (read_heads * M), and the weightings of the read heads then the write
    heads ((read_heads + write_heads) * N). `unpack_state` gives them their shapes back.

    Args:
        units: int. Size of the controller.
        memory_size: int. N, the number of memory locations.
        memory_width: int. M, the size of each location.
        read_heads, write_heads: int. How many heads of each kind.
        controller: `"lstm"` (default) or `"dense"` (a feedforward tanh layer, no state).
        shift_range: int. Shifts from -shift_range to +shift_range (1: the paper's [-1, 0, 1]).
        clip_value: float. The head parameters are clipped to [-clip_value, clip_value].
        memory_init: float. Every memory cell starts at this constant.
        return_weightings: bool. Also output the read then write weightings of this step
            (`(read_heads + write_heads) * memory_size` more numbers), for heat maps.

    Example:

    ```python
    import numpy as np, keras
    from keras_models.memory.ntm import NTMCell

    layer = keras.layers.RNN(NTMCell(16, memory_size=10, memory_width=4), return_sequences=True)
    assert layer(np.zeros((2, 5, 3), "float32")).shape == (2, 5, 16 + 4)
    ```
    """

    def __init__(
        self,
        units=100,
        memory_size=128,
        memory_width=20,
        read_heads=1,
        write_heads=1,
        controller="lstm",
        shift_range=1,
        clip_value=20.0,
        memory_init=1e-6,
        return_weightings=False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if controller not in ("lstm", "dense"):
            raise ValueError(f'controller must be "lstm" or "dense", got {controller!r}.')
        if min(units, memory_size, memory_width, read_heads, write_heads) < 1 or shift_range < 0:
            raise ValueError("sizes and head counts must be positive and shift_range >= 0.")
        self.units = int(units)
        self.memory_size = int(memory_size)
        self.memory_width = int(memory_width)
        self.read_heads = int(read_heads)
        self.write_heads = int(write_heads)
        self.controller_kind = controller
        self.shift_range = int(shift_range)
        self.clip_value = float(clip_value)
        self.memory_init = float(memory_init)
        self.return_weightings = bool(return_weightings)
        if controller == "lstm":
            self.controller = keras.layers.LSTMCell(self.units, name="controller")
            controller_states = [self.units, self.units]
        else:
            self.controller = keras.layers.Dense(self.units, activation="tanh", name="controller")
            controller_states = []
        self._controller_states = len(controller_states)
        n, m, heads = self.memory_size, self.memory_width, self.read_heads + self.write_heads
        self.state_size = controller_states + [n * m, self.read_heads * m, heads * n]
        self.output_size = self.units + self.read_heads * m
        if self.return_weightings:
            self.output_size += heads * n
        self.head_size = m + 3 + (2 * self.shift_range + 1)  # key, beta, g, gamma, shifts
        self.interface_size = heads * self.head_size + self.write_heads * 2 * m  # + erase, add
        self.interface = keras.layers.Dense(self.interface_size, name="interface")

    def build(self, input_shape):
        controller_input = input_shape[-1] + self.read_heads * self.memory_width
        self.controller.build((None, controller_input))
        self.interface.build((None, self.units))
        self.initial_reads = self.add_weight(
            shape=(self.read_heads, self.memory_width),
            initializer=keras.initializers.RandomNormal(stddev=0.5),
            name="initial_reads",
        )
        self.initial_weighting_logits = self.add_weight(
            shape=(self.read_heads + self.write_heads, self.memory_size),
            initializer=keras.initializers.RandomNormal(stddev=0.5),
            name="initial_weighting_logits",
        )

    def get_initial_state(self, batch_size=None):
        """Zero controller state, constant memory, the learned read vectors and weightings."""
        controller = [ops.zeros((batch_size, size), self.compute_dtype) for size in self.state_size[:-3]]
        memory = ops.full((batch_size, self.memory_size * self.memory_width), self.memory_init)
        reads = ops.reshape(ops.tanh(self.initial_reads), (1, -1))
        weightings = ops.reshape(ops.softmax(self.initial_weighting_logits, axis=-1), (1, -1))
        ones = ops.ones((batch_size, 1), self.compute_dtype)
        return controller + [ops.cast(memory, self.compute_dtype), ones * reads, ones * weightings]

    def unpack_state(self, states):
        """(controller states, memory [B, N, M], reads [B, R, M], weightings [B, R + W, N])."""
        controller, (memory, reads, weightings) = states[:-3], states[-3:]
        n, m = self.memory_size, self.memory_width
        return (
            list(controller),
            ops.reshape(memory, (-1, n, m)),
            ops.reshape(reads, (-1, self.read_heads, m)),
            ops.reshape(weightings, (-1, self.read_heads + self.write_heads, n)),
        )

    def split_interface(self, interface):
        """The controller's clipped linear output -> the heads' parameters, squashed to their ranges."""
        heads, m, s = self.read_heads + self.write_heads, self.memory_width, 2 * self.shift_range + 1
        per_head = ops.reshape(interface[:, : heads * self.head_size], (-1, heads, self.head_size))
        erase_add = ops.reshape(interface[:, heads * self.head_size :], (-1, self.write_heads, 2 * m))
        return {
            "keys": ops.tanh(per_head[..., :m]),
            "strengths": ops.softplus(per_head[..., m]),
            "gates": ops.sigmoid(per_head[..., m + 1]),
            "gammas": 1.0 + ops.softplus(per_head[..., m + 2]),
            "shifts": ops.softmax(per_head[..., m + 3 : m + 3 + s], axis=-1),
            "erase": ops.sigmoid(erase_add[..., :m]),
            "add": ops.tanh(erase_add[..., m:]),
        }

    def call(self, inputs, states, training=False):
        controller_states, memory, reads, weightings = self.unpack_state(states)
        controller_input = ops.concatenate(
            [inputs, ops.reshape(reads, (-1, self.read_heads * self.memory_width))], -1
        )
        if self.controller_kind == "lstm":
            hidden, controller_states = self.controller(
                controller_input, controller_states, training=training
            )
        else:
            hidden = self.controller(controller_input)
        interface = ops.clip(self.interface(hidden), -self.clip_value, self.clip_value)
        p = self.split_interface(interface)
        weightings = addressing.address(
            memory, weightings, p["keys"], p["strengths"], p["gates"], p["shifts"], p["gammas"]
        )
        read_weights, write_weights = weightings[:, : self.read_heads], weightings[:, self.read_heads :]
        reads = addressing.read(memory, read_weights)
        memory = addressing.write(memory, write_weights, p["erase"], p["add"])

        flat_reads = ops.reshape(reads, (-1, self.read_heads * self.memory_width))
        flat_weightings = ops.reshape(
            weightings, (-1, (self.read_heads + self.write_heads) * self.memory_size)
        )
        output = ops.concatenate([hidden, flat_reads], axis=-1)
        if self.return_weightings:
            output = ops.concatenate([output, flat_weightings], axis=-1)
        flat_memory = ops.reshape(memory, (-1, self.memory_size * self.memory_width))
        return output, list(controller_states) + [flat_memory, flat_reads, flat_weightings]

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "memory_size": self.memory_size,
            "memory_width": self.memory_width,
            "read_heads": self.read_heads,
            "write_heads": self.write_heads,
            "controller": self.controller_kind,
            "shift_range": self.shift_range,
            "clip_value": self.clip_value,
            "memory_init": self.memory_init,
            "return_weightings": self.return_weightings,
        }


@keras.saving.register_keras_serializable(package="keras_models")
class NTM(keras.Model):
    """A Neural Turing Machine over sequences: `RNN(NTMCell)` then a linear output layer.

    Maps inputs [B, T, input_dim] to logits [B, T, output_dim] (apply a sigmoid for the bit tasks
    of `keras_models.memory.algorithmic`; train with binary cross-entropy from logits).
    `trace(inputs)` also returns the heads' weightings at every step, for heat maps.

    Args:
        input_dim, output_dim: int. Channels in and out.
        units, memory_size, memory_width, read_heads, write_heads, controller, shift_range,
            clip_value, memory_init: as `NTMCell` (defaults: the copy task's 100-unit LSTM
            controller, 128 x 20 memory, one read and one write head).

    Example:

    ```python
    import numpy as np
    from keras_models.memory import algorithmic
    from keras_models.memory.ntm import NTM

    x, y, mask = algorithmic.copy(np.random.default_rng(0), batch_size=2, length=5)
    model = NTM(input_dim=9, output_dim=8, units=32, memory_size=16, memory_width=8)
    assert model(x).shape == y.shape
    trace = model.trace(x)
    assert trace["write_weights"].shape == (2, x.shape[1], 1, 16)
    ```
    """

    def __init__(
        self,
        input_dim,
        output_dim,
        units=100,
        memory_size=128,
        memory_width=20,
        read_heads=1,
        write_heads=1,
        controller="lstm",
        shift_range=1,
        clip_value=20.0,
        memory_init=1e-6,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.input_dim = int(input_dim)
        self.output_dim = int(output_dim)
        self.cell_config = {
            "units": units,
            "memory_size": memory_size,
            "memory_width": memory_width,
            "read_heads": read_heads,
            "write_heads": write_heads,
            "controller": controller,
            "shift_range": shift_range,
            "clip_value": clip_value,
            "memory_init": memory_init,
        }
        self.cell = NTMCell(**self.cell_config, return_weightings=True, name="ntm_cell")
        self.rnn = keras.layers.RNN(self.cell, return_sequences=True, name="rnn")
        self.head = keras.layers.Dense(self.output_dim, name="output")
        self.features = self.cell.units + self.cell.read_heads * self.cell.memory_width
        self.build((None, None, self.input_dim))

    def build(self, input_shape=None):
        if self.head.built:  # built in __init__; a .keras load calls build again
            return
        self.rnn.build((None, None, self.input_dim))
        self.head.build((None, None, self.features))
        self.built = True

    def trace(self, inputs, training=False):
        """{"logits": [B, T, output_dim], "read_weights": [B, T, R, N], "write_weights": [B, T, W, N]}."""
        outputs = self.rnn(inputs, training=training)
        n, r, w = self.cell.memory_size, self.cell.read_heads, self.cell.write_heads
        weightings = ops.reshape(outputs[..., self.features :], (*ops.shape(outputs)[:2], r + w, n))
        return {
            "logits": self.head(outputs[..., : self.features]),
            "read_weights": weightings[:, :, :r],
            "write_weights": weightings[:, :, r:],
        }

    def call(self, inputs, training=False):
        return self.trace(inputs, training=training)["logits"]

    def get_config(self):
        return {
            **super().get_config(),
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            **self.cell_config,
        }
