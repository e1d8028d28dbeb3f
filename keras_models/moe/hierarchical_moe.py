"""Hierarchical mixture of experts (course chapter 16; Jordan & Jacobs 1994, "Hierarchical Mixtures of
Experts and the EM Algorithm").

A tree of gates: a top gating network g_j(x) chooses among G groups, and each group j is itself a
mixture of experts with its own gate g_{i|j}(x). The output is

    y = Σ_j g_j(x) Σ_i g_{i|j}(x) E_ij(x),

so the weight of leaf expert (j, i) is the product of the gates on its path, g_j(x) · g_{i|j}(x); the
products sum to 1 over the leaves. The top gate splits the input space coarsely, the group gates
finely. (Jordan & Jacobs fit the tree with EM; here it is trained end to end by gradient descent.)
"""

import keras
from keras import ops

from keras_models.moe.mixture_of_experts import Gating, MixtureOfExperts, route, weighted_sum


@keras.saving.register_keras_serializable(package="dlsuite")
class HierarchicalMoE(Gating):
    """Jordan & Jacobs' *hierarchical mixture of experts*: a top gate over groups of MixtureOfExperts.

    Every gate is linear-softmax on the layer's input x. The top gate has its own optional sparsity
    (`group_top_k`), noise and balance loss (over groups); `top_k`, noise and the balance loss of the
    groups' gates are the same for every group and act within each group. `gate_values(x)` returns the
    leaf experts' path products g_j · g_{i|j}, [..., G · experts_per_group], group by group.

    Args:
        num_groups: int. G, the top gate's choices.
        experts_per_group: int. Experts in each group's MixtureOfExperts.
        units: int. Output size.
        expert_hidden, expert_activation, kernel_initializer: each expert's MLP, as in MixtureOfExperts.
        top_k: int or None. Experts kept per input inside each group.
        group_top_k: int or None. Groups kept per input by the top gate.
        noisy_gating, renormalize, load_balance, balance_loss, gate_initializer, seed: as in
            MixtureOfExperts, for the top gate and (seed + 1 + j) for group j.

    Example:

    ```python
    import numpy as np
    from keras_models.moe import HierarchicalMoE

    hme = HierarchicalMoE(num_groups=2, experts_per_group=2, units=1, expert_hidden=(8,))
    y = hme(np.random.rand(5, 3).astype("float32"))  # [5, 1]
    gates = hme.gate_values(np.random.rand(5, 3))  # [5, 4]: g_j · g_{i|j}, each row summing to 1
    ```
    """

    def __init__(self, num_groups, experts_per_group, units, expert_hidden=(), expert_activation="relu",
                 top_k=None, group_top_k=None, noisy_gating=False, renormalize=True, load_balance=0.01,
                 balance_loss="importance", kernel_initializer="glorot_uniform",
                 gate_initializer="glorot_uniform", seed=None, **kwargs):  # fmt: skip
        super().__init__(group_top_k, noisy_gating, renormalize, load_balance, balance_loss, gate_initializer,
                         seed, **kwargs)  # fmt: skip
        if int(num_groups) < 1:
            raise ValueError(f"num_groups must be positive, got {num_groups}.")
        self.num_groups, self.experts_per_group, self.units = (
            int(num_groups),
            int(experts_per_group),
            int(units),
        )
        self.groups = [
            MixtureOfExperts(
                experts_per_group, units, expert_hidden, expert_activation, top_k, noisy_gating, renormalize,
                load_balance, balance_loss, kernel_initializer, gate_initializer,
                seed=None if seed is None else seed + 1 + j, name=f"group_{j}", dtype=self.dtype_policy,
            )
            for j in range(self.num_groups)
        ]  # fmt: skip

    def build(self, input_shape):
        for group in self.groups:
            group.build(input_shape)
        self.build_gate(input_shape[-1], self.num_groups)

    def gate_values(self, inputs, training=False):
        """The leaf experts' gates g_j(x) · g_{i|j}(x), [..., G · experts_per_group]."""
        top = route(self.gate_logits(inputs, training), self.top_k, self.renormalize)[1]
        within = ops.stack([group.gate_values(inputs, training) for group in self.groups], axis=-2)
        leaves = ops.expand_dims(top, -1) * within  # [..., G, E]
        return ops.reshape(leaves, (*ops.shape(leaves)[:-2], self.num_groups * self.experts_per_group))

    def call(self, inputs, training=False):
        _, gates, _ = self.gate(inputs, training)
        outputs = ops.stack([group(inputs, training=training) for group in self.groups], axis=-2)
        return weighted_sum(gates, outputs)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def get_config(self):
        first = self.groups[0]
        config = {**super().get_config(), "group_top_k": self.top_k, "top_k": first.top_k}
        return {
            **config,
            "num_groups": self.num_groups,
            "experts_per_group": self.experts_per_group,
            "units": self.units,
            "expert_hidden": list(first.expert_hidden),
            "expert_activation": keras.activations.serialize(first.expert_activation),
            "kernel_initializer": keras.initializers.serialize(first.kernel_initializer),
        }
