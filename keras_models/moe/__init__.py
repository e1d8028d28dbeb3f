"""Mixtures of experts (course chapter 16): a gating network weighs expert networks, flat
(MixtureOfExperts, with dense or sparse top-k gating and a load-balancing loss) or as a tree
(HierarchicalMoE, Jordan & Jacobs 1994)."""

from keras_models.moe.hierarchical_moe import HierarchicalMoE
from keras_models.moe.mixture_of_experts import MixtureOfExperts, importance_loss, route, switch_loss

__all__ = ["HierarchicalMoE", "MixtureOfExperts", "importance_loss", "route", "switch_loss"]
