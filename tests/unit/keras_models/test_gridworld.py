"""The maze MDP, value and policy iteration, and tabular Q-learning (keras_models.rl)."""

import numpy as np
import pytest

from keras_models.rl import (
    GridWorld,
    agreement,
    bellman_residual,
    corridor,
    maze,
    policy_evaluation,
    policy_iteration,
    q_learning,
    q_values,
    value_iteration,
)

GAMMA = 0.9


@pytest.fixture(params=[0.0, 0.2], ids=["deterministic", "slippery"])
def world(request):
    return GridWorld(maze(3, 4, seed=1), slip=request.param, gamma=GAMMA)


def test_maze_is_a_perfect_maze():
    layout = maze(4, 5, seed=3)
    assert len(layout) == 9 and {len(row) for row in layout} == {11}
    world = GridWorld(layout)
    # A spanning tree of 20 cells: 20 cells and 19 open walls between them, all reachable.
    assert world.n_states == 20 + 19
    assert np.all(np.isfinite(world.distances()))
    assert maze(4, 5, seed=3) == layout and maze(4, 5, seed=4) != layout


def test_transition_model(world):
    assert world.P.shape == (4, world.n_states, world.n_states) and world.R.shape == (4, world.n_states)
    np.testing.assert_allclose(world.P.sum(axis=2), 1.0)
    goal = world.goals[0]
    assert np.all(world.P[:, goal, goal] == 1) and np.all(world.R[:, goal] == 0)
    assert np.all(world.R[:, world.nonterminal] == -1)
    # From the top-left cell (1, 1), "up" hits the outer wall: the agent stays (or slips sideways).
    s = world.index[(1, 1)]
    assert world.P[0, s, s] >= 1 - world.slip
    moved = {world.cells[t] for t in np.flatnonzero(world.P[:, s].sum(axis=0))}
    assert all(abs(r - 1) + abs(c - 1) <= 1 for r, c in moved)


def test_step_samples_the_model():
    world = GridWorld(["G...", "...."], slip=0.4)
    rng = np.random.default_rng(0)
    s, a = world.index[(1, 2)], 0  # "up": up with 0.6, left or right with 0.2 each
    counts = np.bincount([world.step(s, a, rng)[0] for _ in range(4000)], minlength=world.n_states)
    np.testing.assert_allclose(counts / 4000, world.P[a, s], atol=0.03)
    still = GridWorld(["G...", "...."])
    beside_goal = still.index[(0, 1)]
    assert still.step(beside_goal, 3, rng) == (still.goals[0], -1.0, True)  # left, into the goal
    assert still.step(beside_goal, 0, rng) == (beside_goal, -1.0, False)  # up, into the edge


def test_corridor_value_has_the_closed_form():
    world = GridWorld(corridor(12), gamma=GAMMA)
    d = np.array([c for _, c in world.cells])
    expected = -(1 - GAMMA**d) / (1 - GAMMA)
    vi = value_iteration(world.P, world.R, GAMMA, tol=1e-12)
    np.testing.assert_allclose(vi.values, expected, atol=1e-9)
    np.testing.assert_allclose(policy_iteration(world.P, world.R, GAMMA).values, expected, atol=1e-9)
    # The policy goes left everywhere but at the goal.
    assert np.all(vi.policy[1:] == 3)


def test_value_iteration_and_policy_iteration_give_the_same_optimal_policy(world):
    vi = value_iteration(world.P, world.R, GAMMA, tol=1e-10)
    pi = policy_iteration(world.P, world.R, GAMMA)
    states = world.nonterminal
    np.testing.assert_array_equal(vi.policy[states], pi.policy[states])
    np.testing.assert_allclose(vi.values, pi.values, atol=1e-8)
    # Both satisfy the Bellman optimality equation; the policy's own value is V* (it is optimal).
    assert bellman_residual(world.P, world.R, GAMMA, vi.values) < 1e-9
    assert bellman_residual(world.P, world.R, GAMMA, pi.values) < 1e-9
    np.testing.assert_allclose(policy_evaluation(world.P, world.R, GAMMA, vi.policy), vi.values, atol=1e-8)
    assert pi.iterations < vi.iterations and pi.changes[-1] == 0


def test_bellman_residual_detects_a_wrong_value_function(world):
    vi = value_iteration(world.P, world.R, GAMMA, tol=1e-10)
    wrong = vi.values.copy()
    wrong[world.nonterminal[0]] -= 0.5
    assert bellman_residual(world.P, world.R, GAMMA, wrong) >= 0.5 * (1 - GAMMA)
    # The uniformly random policy is worse than the optimal one in every non-terminal state.
    random = policy_evaluation(world.P, world.R, GAMMA, np.full((world.n_states, 4), 0.25))
    assert np.all(random[world.nonterminal] < vi.values[world.nonterminal] - 1e-6)


def test_deterministic_value_iteration_follows_the_shortest_paths():
    world = GridWorld(maze(4, 4, seed=2), gamma=GAMMA)
    d = world.distances()
    vi = value_iteration(world.P, world.R, GAMMA, tol=1e-12)
    np.testing.assert_allclose(vi.values, -(1 - GAMMA**d) / (1 - GAMMA), atol=1e-9)
    # V_k is exact on states at most k moves away: after max(d) + 1 backups nothing changes.
    assert vi.iterations == d.max() + 1
    greedy_next = [world.step(s, vi.policy[s], np.random.default_rng(0))[0] for s in world.nonterminal]
    np.testing.assert_array_equal(d[greedy_next], d[world.nonterminal] - 1)


def test_agreement_counts_optimal_actions_and_ties():
    q = np.array([[0.0, -1.0], [-2.0, -2.0], [-3.0, -1.0]])
    assert agreement(np.array([0, 1, 1]), q) == 1.0
    assert agreement(np.array([1, 0, 0]), q) == pytest.approx(1 / 3)
    assert agreement(np.array([1, 0, 0]), q, states=[1]) == 1.0


def test_q_learning_learns_value_iterations_policy():
    world = GridWorld(maze(3, 3, seed=0), gamma=GAMMA)
    q_star = q_values(world.P, world.R, GAMMA, value_iteration(world.P, world.R, GAMMA).values)
    optimal = lambda q: agreement(np.argmax(q, axis=1), q_star, world.nonterminal)  # noqa: E731
    result = q_learning(world, episodes=400, alpha=0.5, epsilon=0.3, seed=0, every=100, evaluate=optimal)
    assert result.checkpoints == [0, 100, 200, 300, 400]
    assert result.evaluations[0] < 1.0 and result.evaluations[-1] == 1.0
    assert agreement(result.policy, q_star, world.nonterminal) == 1.0
    np.testing.assert_allclose(result.q.max(axis=1), q_star.max(axis=1), atol=0.05)
    assert len(result.steps) == 400 and max(result.steps) <= 200
