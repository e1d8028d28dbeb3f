"""Reinforcement learning on small MDPs (course chapter 22), in NumPy: a maze gridworld, value and
policy iteration on its known model, and tabular Q-learning from its sampled transitions."""

from keras_models.rl.dynamic_programming import (
    Solution,
    agreement,
    bellman_residual,
    greedy,
    policy_evaluation,
    policy_iteration,
    q_values,
    value_iteration,
)
from keras_models.rl.gridworld import ACTIONS, GridWorld, corridor, maze
from keras_models.rl.q_learning import QLearningResult, q_learning

__all__ = [
    "ACTIONS",
    "GridWorld",
    "QLearningResult",
    "Solution",
    "agreement",
    "bellman_residual",
    "corridor",
    "greedy",
    "maze",
    "policy_evaluation",
    "policy_iteration",
    "q_learning",
    "q_values",
    "value_iteration",
]
