"""The Hopfield network (course 11.3; Hopfield 1982, "Neural networks and physical systems with emergent
collective computational abilities"; Amit, Gutfreund & Sompolinsky 1985).

N binary units s_i ∈ {−1, +1}, symmetric weights with a zero diagonal, and the energy

    E(s) = −½ sᵀWs = −½ Σ_{i≠j} W_ij s_i s_j.

Hebbian storage of P patterns ξ^μ: W = (1/N) Σ_μ ξ^μ ξ^μᵀ, diagonal set to 0. Asynchronous recall
updates one unit at a time, s_i ← sign(Σ_j W_ij s_j) (a zero field keeps s_i), visiting the units in a
random order each sweep, until a sweep changes nothing. Each update changes E by −|h_i|·|Δs_i| ≤ 0
(W symmetric, W_ii = 0), so the energy never increases and recall stops at a local minimum. With
random patterns the stored ones stay (near-)minima up to P ≈ 0.138 N (Amit et al.), then retrieval
collapses.
"""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="dlsuite")
class HopfieldNetwork(keras.layers.Layer):
    """A Hopfield network (the course's "Hopfield net"): Hebbian storage, asynchronous recall, energy.

    `store(patterns)` sets W = (1/N) ξᵀξ with a zero diagonal for ±1 patterns [P, units] (replacing
    what was stored). `layer(states)` recalls from ±1 states [B, units]: asynchronous sweeps in a
    random order (the same order for the whole batch, each state updated unit by unit) until no unit
    changes or `max_sweeps`; `recall(states)` also returns the sweeps it took. `energy(states)` [B],
    `update_unit(states, i)` (one asynchronous update) and `is_fixed_point(states)` [B] expose the
    dynamics step by step.

    Args:
        units: N, the number of ±1 units.
        max_sweeps: the most asynchronous sweeps of a recall.
        seed: seeds the update orders.

    Example:

    ```python
    import numpy as np
    from keras_models.energy import HopfieldNetwork

    rng = np.random.default_rng(0)
    patterns = rng.choice([-1.0, 1.0], size=(5, 100)).astype("float32")  # load 0.05 < 0.138
    net = HopfieldNetwork(100, seed=0)
    net.store(patterns)
    noisy = patterns * np.where(rng.random(patterns.shape) < 0.1, -1, 1)  # 10 % of the bits flipped
    recalled = net(noisy)  # the stored patterns again
    overlap = (recalled.numpy() * patterns).mean(axis=1)  # 1.0 each
    ```
    """

    def __init__(self, units, max_sweeps=100, seed=None, **kwargs):
        super().__init__(**kwargs)
        if int(units) < 2 or int(max_sweeps) < 1:
            raise ValueError(f"units must be ≥ 2 and max_sweeps ≥ 1, got {units} and {max_sweeps}.")
        self.units, self.max_sweeps, self.seed = int(units), int(max_sweeps), seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.kernel = self.add_weight(shape=(self.units, self.units), initializer="zeros", trainable=False,
                                      name="kernel")  # fmt: skip
        self.built = True

    @staticmethod
    def hebbian_weights(patterns):
        """W = (1/N) Σ_μ ξ^μ ξ^μᵀ with W_ii = 0, for ±1 patterns [P, N]."""
        patterns = ops.cast(patterns, "float32")
        n = ops.shape(patterns)[-1]
        weights = ops.matmul(ops.transpose(patterns), patterns) / ops.cast(n, "float32")
        return weights * (1.0 - ops.eye(n))

    def store(self, patterns):
        """Stores ±1 patterns [P, units] by the Hebbian rule (replacing the weights)."""
        if ops.shape(patterns)[-1] != self.units:
            raise ValueError(f"patterns have {ops.shape(patterns)[-1]} units, the network {self.units}.")
        self.kernel.assign(self.hebbian_weights(patterns))

    def local_fields(self, states):
        """h = W s for each state, [B, units]."""
        return ops.matmul(ops.cast(states, "float32"), self.kernel)  # W is symmetric

    def energy(self, states):
        """E(s) = −½ sᵀWs per state, [B]."""
        states = ops.cast(states, "float32")
        return -0.5 * ops.sum(states * self.local_fields(states), axis=-1)

    def is_fixed_point(self, states):
        """True where no single update would change the state (every s_i h_i > 0, or h_i = 0), [B]."""
        states = ops.cast(states, "float32")
        return ops.all(states * self.local_fields(states) >= 0, axis=-1)

    def update_unit(self, states, i):
        """One asynchronous update of unit i in every state: s_i ← sign(h_i), kept where h_i = 0."""
        states = ops.cast(states, "float32")
        field = ops.matmul(states, self.kernel[:, i])
        current = states[:, i]
        new = ops.where(field > 0, 1.0, ops.where(field < 0, -1.0, current))
        return states + ops.one_hot(i, self.units)[None, :] * (new - current)[:, None]

    def sweep(self, states, order=None):
        """One asynchronous sweep: every unit updated once, in `order` (default: a random permutation)."""
        if order is None:
            order = keras.random.shuffle(ops.arange(self.units), seed=self.seed_generator)
        return ops.fori_loop(0, self.units, lambda j, s: self.update_unit(s, order[j]),
                             ops.cast(states, "float32"))  # fmt: skip

    def recall(self, states, max_sweeps=None):
        """(final states [B, units], sweeps taken): sweeps until one changes nothing (that last sweep is
        counted) or `max_sweeps` (default: the layer's)."""
        limit = self.max_sweeps if max_sweeps is None else int(max_sweeps)

        def body(states, sweeps, changed):
            new = self.sweep(states)
            return new, sweeps + 1, ops.any(ops.not_equal(new, states))

        states, sweeps, _ = ops.while_loop(
            lambda states, sweeps, changed: ops.logical_and(changed, sweeps < limit),
            body, (ops.cast(states, "float32"), ops.convert_to_tensor(0), ops.convert_to_tensor(True)),
        )  # fmt: skip
        return states, sweeps

    def call(self, states):
        return self.recall(states)[0]

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(units=self.units, max_sweeps=self.max_sweeps, seed=self.seed)
        return config
