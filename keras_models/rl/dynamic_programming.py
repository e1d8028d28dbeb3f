"""Dynamic programming on a known MDP: value iteration and policy iteration (course chapter 22;
Bellman 1957; Howard 1960; Sutton & Barto 2018, ch. 4).

Both solve the Bellman optimality equation

    V*(s) = max_a [ R(a, s) + γ Σ_s' P(a, s, s') V*(s') ]

and return the greedy policy π(s) = argmax_a Q(s, a) of the values they find.

- Value iteration applies the right-hand side (the Bellman backup) to V again and again: it is a
  γ-contraction, so V_k → V* geometrically, many cheap iterations.
- Policy iteration alternates exact policy evaluation (solve the Bellman expectation equation
  V = R_π + γ P_π V, a linear system) with greedy improvement, and stops when the policy no longer
  changes: few iterations, each costlier. It starts, as in Sutton & Barto, from the uniform random
  policy.

P is [A, S, S] (P[a, s, s']), R is [A, S]; Q and policies are indexed [s, a] and [s].

    solution = value_iteration(world.P, world.R, world.gamma)
    solution.values, solution.policy, solution.iterations
"""

# ruff: noqa: N803, N806 -- P and R, as in the course and Sutton & Barto
import dataclasses

import numpy as np

TIE = 1e-9  # Q values closer than this count as equal: ties go to the lowest action, or stay put


@dataclasses.dataclass
class Solution:
    values: np.ndarray  # [S] V of the returned policy (value iteration: the last iterate)
    policy: np.ndarray  # [S] int, the greedy action in each state
    iterations: int  # Bellman backups (value iteration) or evaluations (policy iteration)
    deltas: list  # per iteration: max |V_k - V_{k-1}|
    changes: list  # per iteration: states whose greedy action changed


def q_values(P, R, gamma, values):
    """[S, A] Q(s, a) = R(a, s) + γ Σ_s' P(a, s, s') V(s'): the one-step look-ahead."""
    return (R + gamma * P @ values).T


def greedy(q, previous=None, tie=TIE):
    """[S] best action of each state; among actions within `tie` of the best, `previous`'s action if it
    is one of them (so policy iteration stops instead of cycling between equally good actions), else the
    lowest-numbered one."""
    best = q >= q.max(axis=1, keepdims=True) - tie
    policy = np.argmax(best, axis=1)
    if previous is not None:
        keep = best[np.arange(len(q)), previous]
        policy = np.where(keep, previous, policy)
    return policy


def bellman_residual(P, R, gamma, values):
    """max_s |V(s) - max_a Q(s, a)|: 0 exactly when V solves the Bellman optimality equation."""
    return float(np.max(np.abs(values - q_values(P, R, gamma, values).max(axis=1))))


def agreement(policy, q_star, states=None, tie=1e-6):
    """Fraction of `states` (default: all) where `policy` picks an optimal action of q_star (ties count)."""
    states = np.arange(len(q_star)) if states is None else np.asarray(states)
    chosen = q_star[states, np.asarray(policy)[states]]
    return float(np.mean(chosen >= q_star[states].max(axis=1) - tie))


def value_iteration(P, R, gamma, tol=1e-8, max_iterations=10_000):
    """V_{k+1} = max_a Q_k from V_0 = 0 until max |V_{k+1} - V_k| < tol (then ‖V - V*‖ ≤ tol γ / (1 - γ))."""
    values = np.zeros(P.shape[1])
    policy, deltas, changes = None, [], []
    for _ in range(max_iterations):
        q = q_values(P, R, gamma, values)
        new_policy = greedy(q)
        changes.append(int(len(new_policy) if policy is None else np.sum(new_policy != policy)))
        policy, new_values = new_policy, q.max(axis=1)
        deltas.append(float(np.max(np.abs(new_values - values))))
        values = new_values
        if deltas[-1] < tol:
            break
    return Solution(values, greedy(q_values(P, R, gamma, values)), len(deltas), deltas, changes)


def policy_evaluation(P, R, gamma, policy):
    """[S] exact V_π: solves (I - γ P_π) V = R_π. policy: [S] actions, or [S, A] action probabilities."""
    n_actions, n_states = R.shape
    probabilities = np.asarray(policy)
    if probabilities.ndim == 1:
        probabilities = np.eye(n_actions)[probabilities]
    p_pi = np.einsum("sa,ast->st", probabilities, P)
    r_pi = np.einsum("sa,as->s", probabilities, R)
    return np.linalg.solve(np.eye(n_states) - gamma * p_pi, r_pi)


def policy_iteration(P, R, gamma, policy=None, max_iterations=1000):
    """Evaluate, improve greedily, repeat until the policy is stable; starts from the uniform random
    policy unless given `policy` ([S] actions or [S, A] probabilities)."""
    n_actions, n_states = R.shape
    policy = np.full((n_states, n_actions), 1 / n_actions) if policy is None else np.asarray(policy)
    values, deltas, changes = np.zeros(n_states), [], []
    for _ in range(max_iterations):
        new_values = policy_evaluation(P, R, gamma, policy)
        deltas.append(float(np.max(np.abs(new_values - values))))
        values = new_values
        previous = policy if policy.ndim == 1 else None
        improved = greedy(q_values(P, R, gamma, values), previous)
        changes.append(int(n_states if previous is None else np.sum(improved != previous)))
        policy = improved
        if changes[-1] == 0:
            break
    return Solution(values, policy, len(deltas), deltas, changes)
