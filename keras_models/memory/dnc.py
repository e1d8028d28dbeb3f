"""A reduced Differentiable Neural Computer (Graves et al. 2016) as a Keras RNN cell, and a model.

The DNC keeps the NTM's controller + memory design but replaces location-based addressing by
two mechanisms (`dnc_memory`): a write goes to the least-used free location (dynamic allocation)
or to a location found by content, and a temporal link matrix records the order of the writes,
so a read head can step forwards or backwards through what was written. "Reduced": one write
head, an LSTM controller, no sparse links and no memory-allocation tricks beyond the paper's.
"""

import keras
from keras import ops

from keras_models.memory import dnc_memory as mem
from keras_models.memory import ntm_addressing


@keras.saving.register_keras_serializable(package="keras_models")
class DNCCell(keras.layers.Layer):
    """One step of a DNC, for `keras.layers.RNN(DNCCell(...))`.

    Each step, in the order of the paper's Methods: controller(x_t, r_{t-1}) -> h_t; a linear
    layer gives the interface (read keys and strengths, write key and strength, erase and write
    vectors, free gates, allocation and write gates, read modes); usage is updated from the
    previous weightings and the free gates; the write weighting mixes allocation and content
    lookup; the memory is erased and written; the link matrix and precedence are updated; each read
    head mixes backward, content and forward weightings by its read modes and reads. The output is
    [h_t, r_t] (`units + read_heads * memory_width` numbers).

    The state is a flat list: controller h and c, memory (N * M), read vectors (R * M), read
    weightings (R * N), write weighting (N), usage (N), precedence (N), links (N * N).

    Args:
        units: int. Size of the LSTM controller.
        memory_size: int. N, the number of locations.
        memory_width: int. M, the size of each location.
        read_heads: int. R.
        clip_value: float. The interface is clipped to [-clip_value, clip_value].

    Example:

    ```python
    import numpy as np, keras
    from keras_models.memory.dnc import DNCCell

    layer = keras.layers.RNN(DNCCell(16, memory_size=10, memory_width=4, read_heads=2), return_sequences=True)
    assert layer(np.zeros((2, 5, 3), "float32")).shape == (2, 5, 16 + 2 * 4)
    ```
    """

    def __init__(self, units=64, memory_size=32, memory_width=16, read_heads=2, clip_value=20.0, **kwargs):
        super().__init__(**kwargs)
        if min(units, memory_size, memory_width, read_heads) < 1:
            raise ValueError("units, memory_size, memory_width and read_heads must be positive.")
        self.units = int(units)
        self.memory_size = int(memory_size)
        self.memory_width = int(memory_width)
        self.read_heads = int(read_heads)
        self.clip_value = float(clip_value)
        n, m, r = self.memory_size, self.memory_width, self.read_heads
        self.state_size = [self.units, self.units, n * m, r * m, r * n, n, n, n, n * n]
        self.output_size = self.units + r * m
        # read keys + strengths, write key + strength, erase, write vector, free gates, 2 gates, modes
        self.interface_size = r * m + r + m + 1 + 2 * m + r + 2 + 3 * r
        self.controller = keras.layers.LSTMCell(self.units, name="controller")
        self.interface = keras.layers.Dense(self.interface_size, name="interface")

    def build(self, input_shape):
        self.controller.build((None, input_shape[-1] + self.read_heads * self.memory_width))
        self.interface.build((None, self.units))

    def get_initial_state(self, batch_size=None):
        """Everything zero: an empty memory, unused locations, no links."""
        return [ops.zeros((batch_size, size), self.compute_dtype) for size in self.state_size]

    def split_interface(self, interface):
        """The clipped interface vector -> named parameters, squashed to their ranges."""
        r, m = self.read_heads, self.memory_width
        sizes = {
            "read_keys": r * m,
            "read_strengths": r,
            "write_key": m,
            "write_strength": 1,
            "erase": m,
            "write_vector": m,
            "free_gates": r,
            "allocation_gate": 1,
            "write_gate": 1,
            "read_modes": 3 * r,
        }
        parts, start = {}, 0
        for name, size in sizes.items():
            parts[name] = interface[:, start : start + size]
            start += size
        oneplus = lambda x: 1.0 + ops.softplus(x)  # noqa: E731  strengths >= 1, as in the paper
        return {
            "read_keys": ops.reshape(parts["read_keys"], (-1, r, m)),
            "read_strengths": oneplus(parts["read_strengths"]),
            "write_key": parts["write_key"][:, None, :],
            "write_strength": oneplus(parts["write_strength"]),
            "erase": ops.sigmoid(parts["erase"]),
            "write_vector": parts["write_vector"],
            "free_gates": ops.sigmoid(parts["free_gates"]),
            "allocation_gate": ops.sigmoid(parts["allocation_gate"][:, 0]),
            "write_gate": ops.sigmoid(parts["write_gate"][:, 0]),
            "read_modes": ops.softmax(ops.reshape(parts["read_modes"], (-1, r, 3)), axis=-1),
        }

    def call(self, inputs, states, training=False):
        n, m, r = self.memory_size, self.memory_width, self.read_heads
        h, c, memory, reads, read_weights, write_weights, usage, precedence, links = states
        memory = ops.reshape(memory, (-1, n, m))
        read_weights = ops.reshape(read_weights, (-1, r, n))
        links = ops.reshape(links, (-1, n, n))

        hidden, (h, c) = self.controller(ops.concatenate([inputs, reads], -1), [h, c], training=training)
        p = self.split_interface(ops.clip(self.interface(hidden), -self.clip_value, self.clip_value))

        usage = mem.update_usage(usage, write_weights, p["free_gates"], read_weights)
        write_content = ntm_addressing.content_weights(p["write_key"], p["write_strength"], memory)[:, 0]
        write_weights = mem.write_weighting(
            mem.allocation(usage), write_content, p["allocation_gate"], p["write_gate"]
        )
        memory = mem.erase_and_write(memory, write_weights, p["erase"], p["write_vector"])
        links = mem.update_links(links, precedence, write_weights)
        precedence = mem.update_precedence(precedence, write_weights)

        forward, backward = mem.directional_weights(links, read_weights)
        read_content = ntm_addressing.content_weights(p["read_keys"], p["read_strengths"], memory)
        read_weights = mem.read_weighting(backward, read_content, forward, p["read_modes"])
        reads = ops.reshape(ntm_addressing.read(memory, read_weights), (-1, r * m))

        output = ops.concatenate([hidden, reads], axis=-1)
        flat = [ops.reshape(memory, (-1, n * m)), reads, ops.reshape(read_weights, (-1, r * n))]
        return output, [h, c, *flat, write_weights, usage, precedence, ops.reshape(links, (-1, n * n))]

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "memory_size": self.memory_size,
            "memory_width": self.memory_width,
            "read_heads": self.read_heads,
            "clip_value": self.clip_value,
        }


@keras.saving.register_keras_serializable(package="keras_models")
class DNC(keras.Model):
    """A DNC over sequences: `RNN(DNCCell)` then a linear layer to logits [B, T, output_dim].

    Example:

    ```python
    import numpy as np
    from keras_models.memory import algorithmic
    from keras_models.memory.dnc import DNC

    x, y, mask = algorithmic.copy(np.random.default_rng(0), batch_size=2, length=5)
    model = DNC(input_dim=9, output_dim=8, units=32, memory_size=16, memory_width=8)
    assert model(x).shape == y.shape
    ```
    """

    def __init__(
        self, input_dim, output_dim, units=64, memory_size=32, memory_width=16, read_heads=2, **kwargs
    ):
        clip_value = kwargs.pop("clip_value", 20.0)
        super().__init__(**kwargs)
        self.input_dim = int(input_dim)
        self.output_dim = int(output_dim)
        self.cell_config = {
            "units": units,
            "memory_size": memory_size,
            "memory_width": memory_width,
            "read_heads": read_heads,
            "clip_value": clip_value,
        }
        self.cell = DNCCell(**self.cell_config, name="dnc_cell")
        self.rnn = keras.layers.RNN(self.cell, return_sequences=True, name="rnn")
        self.head = keras.layers.Dense(self.output_dim, name="output")
        self.build((None, None, self.input_dim))

    def build(self, input_shape=None):
        if self.head.built:  # built in __init__; a .keras load calls build again
            return
        self.rnn.build((None, None, self.input_dim))
        self.head.build((None, None, self.cell.output_size))
        self.built = True

    def call(self, inputs, training=False):
        return self.head(self.rnn(inputs, training=training))

    def get_config(self):
        return {
            **super().get_config(),
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            **self.cell_config,
        }
