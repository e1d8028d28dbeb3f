"""Mixture of experts (course chapter 16; Jacobs, Jordan, Nowlan & Hinton 1991, "Adaptive Mixtures of
Local Experts"; Shazeer et al. 2017, "Outrageously Large Neural Networks: The Sparsely-Gated
Mixture-of-Experts Layer"; Fedus, Zoph & Shazeer 2021, "Switch Transformers").

A gating network g(x) = softmax(x W_g + b_g) decides, for each input, how much each of E expert
networks E_i (small MLPs) contributes: y = Σ_i g_i(x) E_i(x). Trained end to end, the gate learns to
send each kind of input to the expert that handles it best, and each expert specialises.

Sparse gating (Shazeer et al. 2017): keep the k largest gate logits, set the others to -∞ and
renormalise with the softmax, so each input uses k experts; noisy gating adds
N(0, 1)·softplus(x W_noise) to the logits while training, which breaks ties and spreads the load.
A gate left to itself tends to collapse onto a few experts (they train faster, so they get chosen
more): an auxiliary load-balancing loss, added with `add_loss`, pushes the routing to spread out.
"""

import keras
from keras import ops

BALANCE_LOSSES = ("importance", "switch")
EPSILON = 1e-10  # keeps the squared coefficient of variation finite when every gate is 0
MASKED = -1e9  # the logit of an expert outside the top k: exp(MASKED - max) is exactly 0 in float32


def route(logits, top_k=None, renormalize=True):
    """Gate values from gate logits [..., E]: (probabilities, gates, mask).

    probabilities: softmax over all E experts. gates: the values that weight the experts: the
    probabilities when top_k is None; otherwise only the top_k largest logits survive, renormalised to
    sum to 1 (Shazeer et al.) or, with renormalize=False, the kept probabilities as they are (Switch
    Transformer). mask: 1 for the experts an input is dispatched to (its top_k, or its argmax when
    top_k is None), the "fraction routed" of the Switch loss.
    """
    logits = ops.convert_to_tensor(logits, "float32")
    experts = logits.shape[-1]
    probabilities = ops.softmax(logits, axis=-1)
    _, indices = ops.top_k(logits, min(top_k or 1, experts), sorted=False)
    mask = ops.sum(ops.one_hot(indices, experts, dtype="float32"), axis=-2)
    if top_k is None or top_k >= experts:
        return probabilities, probabilities, mask
    if renormalize:
        gates = ops.softmax(ops.where(mask > 0, logits, ops.full_like(logits, MASKED)), axis=-1)
    else:
        gates = probabilities * mask
    return probabilities, gates, mask


def importance_loss(gates):
    """Shazeer et al.'s importance loss: CV(importance)², the squared coefficient of variation (deviation
    over mean) of each expert's importance Σ_x g_i(x) over the batch. 0 when every expert gets the same
    total gate; E - 1 when a single expert gets everything."""
    importance = ops.sum(ops.reshape(gates, (-1, gates.shape[-1])), axis=0)
    return ops.var(importance) / (ops.square(ops.mean(importance)) + EPSILON)


def switch_loss(probabilities, mask):
    """Switch Transformer's load-balancing loss: E · Σ_i f_i · P_i, with f_i the fraction of the batch's
    dispatches that go to expert i and P_i its mean gate probability. 1 under uniform routing (its
    minimum); E when a single expert gets everything."""
    experts = probabilities.shape[-1]
    mask = ops.reshape(mask, (-1, experts))
    fraction = ops.sum(mask, axis=0) / ops.sum(mask)
    probability = ops.mean(ops.reshape(probabilities, (-1, experts)), axis=0)
    return experts * ops.sum(fraction * probability)


def weighted_sum(gates, outputs):
    """Σ_i g_i · outputs_i: gates [..., E], outputs [..., E, units] -> [..., units]."""
    return ops.sum(ops.expand_dims(ops.cast(gates, outputs.dtype), -1) * outputs, axis=-2)


def balance_loss(kind, probabilities, gates, mask):
    return importance_loss(gates) if kind == "importance" else switch_loss(probabilities, mask)


class Gating(keras.layers.Layer):
    """The gate's settings and weights, shared by MixtureOfExperts and HierarchicalMoE: linear logits
    x W_g + b_g over `choices` experts (or groups), optional noise, top-k and the balance loss."""

    def __init__(self, top_k=None, noisy_gating=False, renormalize=True, load_balance=0.01,
                 balance_loss="importance", gate_initializer="glorot_uniform", seed=None,
                 **kwargs):  # fmt: skip
        super().__init__(**kwargs)
        if top_k is not None and int(top_k) < 1:
            raise ValueError(f"top_k is the number of experts kept per input (≥ 1) or None, got {top_k}.")
        if balance_loss not in BALANCE_LOSSES:
            raise ValueError(f"balance_loss must be one of {BALANCE_LOSSES}, got {balance_loss!r}.")
        self.top_k = None if top_k is None else int(top_k)
        self.noisy_gating, self.renormalize = bool(noisy_gating), bool(renormalize)
        self.load_balance, self.balance_loss = float(load_balance), balance_loss
        self.gate_initializer = keras.initializers.get(gate_initializer)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed) if noisy_gating else None

    def build_gate(self, features, choices):
        self.gate_kernel = self.add_weight(
            name="gate_kernel", shape=(features, choices), initializer=self.gate_initializer
        )
        self.gate_bias = self.add_weight(name="gate_bias", shape=(choices,), initializer="zeros")
        if self.noisy_gating:  # zeros, as Shazeer et al.: the noise starts at softplus(0) ≈ 0.69
            self.noise_kernel = self.add_weight(name="noise_kernel", shape=(features, choices),
                                                initializer="zeros")  # fmt: skip

    def gate_logits(self, x, training=False):
        x = ops.cast(x, "float32")  # the softmax and the -1e9 mask in float32 whatever the dtype policy
        logits = ops.matmul(x, ops.cast(self.gate_kernel, "float32")) + ops.cast(self.gate_bias, "float32")
        if self.noisy_gating and training:
            scale = ops.softplus(ops.matmul(x, ops.cast(self.noise_kernel, "float32")))
            logits = logits + keras.random.normal(ops.shape(logits), seed=self.seed_generator) * scale
        return logits

    def gate(self, x, training=False):
        """(probabilities, gates, mask) of `x`; adds the weighted balance loss when training."""
        probabilities, gates, mask = route(self.gate_logits(x, training), self.top_k, self.renormalize)
        if self.load_balance and training:
            self.add_loss(self.load_balance * balance_loss(self.balance_loss, probabilities, gates, mask))
        return probabilities, gates, mask

    def get_config(self):
        return {
            **super().get_config(),
            "top_k": self.top_k,
            "noisy_gating": self.noisy_gating,
            "renormalize": self.renormalize,
            "load_balance": self.load_balance,
            "balance_loss": self.balance_loss,
            "gate_initializer": keras.initializers.serialize(self.gate_initializer),
            "seed": self.seed,
        }


@keras.saving.register_keras_serializable(package="dlsuite")
class MixtureOfExperts(Gating):
    """The course's *mixture of experts*: y = Σ_i g_i(x) E_i(x), a softmax gating network over experts.

    Each expert E_i is a small MLP: features → expert_hidden... → units, with `expert_activation`
    between layers and a linear output. The gate is linear: g(x) = softmax(x W_g + b_g) (Jacobs et al.
    1991); with `top_k` only the k largest gate logits are kept and renormalised (Shazeer et al. 2017).
    With top_k=1 and renormalize=True every kept gate is exactly 1 and the gating network learns only
    from the balance loss: use k ≥ 2, or renormalize=False (the Switch Transformer's gate, g_i = p_i).

    All the experts run on every input (their weights are stacked, [E, fan-in, fan-out], and applied as
    broadcast batched matmuls): sparse gating here chooses the experts' contributions, not the compute
    saved.

    The load-balancing loss (added with `add_loss` while training, times `load_balance`; 0 turns it
    off) is either "importance", Shazeer et al.'s CV(Σ_batch g(x))², or "switch", the Switch
    Transformer's E · Σ_i f_i P_i (see `importance_loss`, `switch_loss`). `gate_values(x)` returns the
    gates for inspection.

    Args:
        num_experts: int. E.
        units: int. Output size of every expert, so of the layer.
        expert_hidden: tuple of ints. Hidden layer widths of each expert; () makes them linear.
        expert_activation: activation between an expert's layers.
        top_k: int or None. Experts kept per input; None: dense softmax gating.
        noisy_gating: bool. Shazeer et al.'s tunable Gaussian noise on the gate logits while training.
        renormalize: bool. Renormalise the top-k gates to sum to 1.
        load_balance: float. Weight of the balance loss.
        balance_loss: "importance" or "switch".
        kernel_initializer: initializer of the experts' kernels (biases start at 0).
        gate_initializer: initializer of W_g (small random values break the ties top-k would meet).
        seed: int or None. Seeds the gating noise.

    Example:

    ```python
    import numpy as np
    import keras
    from keras_models.moe import MixtureOfExperts

    moe = MixtureOfExperts(num_experts=4, units=1, expert_hidden=(8,), top_k=2, load_balance=0.01)
    model = keras.Sequential([keras.Input((3,)), moe])
    model.compile("adam", "mse")
    model.fit(np.random.rand(64, 3), np.random.rand(64, 1), verbose=0)  # loss includes the balance loss
    gates = moe.gate_values(np.random.rand(5, 3))  # [5, 4]: two non-zero gates a row, summing to 1
    ```
    """

    def __init__(self, num_experts, units, expert_hidden=(), expert_activation="relu", top_k=None,
                 noisy_gating=False, renormalize=True, load_balance=0.01, balance_loss="importance",
                 kernel_initializer="glorot_uniform", gate_initializer="glorot_uniform", seed=None,
                 **kwargs):  # fmt: skip
        super().__init__(top_k, noisy_gating, renormalize, load_balance, balance_loss, gate_initializer,
                         seed, **kwargs)  # fmt: skip
        if int(num_experts) < 1 or int(units) < 1:
            raise ValueError(f"num_experts and units must be positive, got {num_experts} and {units}.")
        self.num_experts, self.units = int(num_experts), int(units)
        self.expert_hidden = tuple(int(w) for w in expert_hidden)
        self.expert_activation = keras.activations.get(expert_activation)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)

    def build(self, input_shape):
        features = input_shape[-1]
        widths = (features, *self.expert_hidden, self.units)
        self.expert_kernels, self.expert_biases = [], []
        for layer, (fan_in, fan_out) in enumerate(zip(widths[:-1], widths[1:])):
            self.expert_kernels.append(self.add_weight(
                name=f"expert_kernel_{layer}", shape=(self.num_experts, fan_in, fan_out),
                initializer=self.kernel_initializer,
            ))  # fmt: skip
            self.expert_biases.append(self.add_weight(
                name=f"expert_bias_{layer}", shape=(self.num_experts, fan_out), initializer="zeros"
            ))  # fmt: skip
        self.build_gate(features, self.num_experts)

    def expert_outputs(self, inputs):
        """Every expert's output, [..., E, units]: the E MLPs as broadcast batched matmuls,
        [..., 1, 1, fan-in] @ [E, fan-in, fan-out] (tf.einsum with "..." gives wrong sums in TF 2.16)."""
        h = ops.expand_dims(ops.expand_dims(ops.cast(inputs, self.compute_dtype), -2), -2)
        for layer, (kernel, bias) in enumerate(zip(self.expert_kernels, self.expert_biases)):
            h = self.expert_activation(h) if layer else h
            h = ops.matmul(h, kernel) + ops.expand_dims(bias, -2)  # [..., E, 1, fan-out]
        return ops.squeeze(h, -2)

    def gate_values(self, inputs, training=False):
        """The gates g(x), [..., E]: non-negative, k non-zero with top_k, summing to 1 when renormalised."""
        return route(self.gate_logits(inputs, training), self.top_k, self.renormalize)[1]

    def call(self, inputs, training=False):
        _, gates, _ = self.gate(inputs, training)
        return weighted_sum(gates, self.expert_outputs(inputs))

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def get_config(self):
        return {
            **super().get_config(),
            "num_experts": self.num_experts,
            "units": self.units,
            "expert_hidden": list(self.expert_hidden),
            "expert_activation": keras.activations.serialize(self.expert_activation),
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
        }
