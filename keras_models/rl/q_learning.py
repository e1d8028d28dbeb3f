"""Tabular Q-learning (course chapter 22; Watkins 1989; Watkins & Dayan 1992).

The agent does not know P or R: it only sees transitions (s, a, r, s') by acting, and moves its table
Q towards the Bellman optimality target after each one,

    Q(s, a) ← Q(s, a) + α [ r + γ max_a' Q(s', a') - Q(s, a) ],

choosing its moves ε-greedily (a random action with probability ε, else the best one). The update is
off-policy: whatever the exploration, Q converges to Q* as long as every (s, a) keeps being tried
(with α decreasing; in a deterministic world a constant α converges too, there being no noise to
average away). Its greedy policy is then the one value iteration computes from the model.

    result = q_learning(world, episodes=2000, alpha=0.5, epsilon=0.2, seed=0)
    result.q, result.policy, result.steps
"""

import dataclasses

import numpy as np


@dataclasses.dataclass
class QLearningResult:
    q: np.ndarray  # [S, A] the learnt action values
    steps: list  # moves of each episode (until the goal, or max_steps)
    checkpoints: list  # episodes after which `evaluate` was called
    evaluations: list  # what it returned

    @property
    def policy(self):
        """[S] greedy action of each state (the lowest-numbered one among equal values)."""
        return np.argmax(self.q, axis=1)


def epsilon_greedy(q_row, epsilon, rng):
    """A random action with probability epsilon, else one of the best (ties broken at random)."""
    if rng.random() < epsilon:
        return int(rng.integers(len(q_row)))
    best = np.flatnonzero(q_row == q_row.max())
    return int(best[0] if len(best) == 1 else rng.choice(best))


def q_learning(world, episodes, alpha=0.5, epsilon=0.2, seed=0, max_steps=200, evaluate=None, every=100):
    """Runs `episodes` episodes of ε-greedy Q-learning in `world` (a GridWorld: `step`, `gamma`).

    Each episode starts in a uniformly random non-terminal state (exploring starts, so every state
    keeps being visited) and ends at a goal or after max_steps moves. Q starts at 0, above every true
    value when rewards are negative, which makes untried actions look good: optimism explores too.
    evaluate: optional function of Q, called every `every` episodes (and before the first) for a
    learning curve.
    """
    rng = np.random.default_rng(seed)
    q = np.zeros((world.n_states, world.n_actions))
    starts = world.nonterminal
    steps, checkpoints, evaluations = [], [], []

    def checkpoint(episode):
        if evaluate is not None:
            checkpoints.append(episode)
            evaluations.append(evaluate(q))

    checkpoint(0)
    for episode in range(1, episodes + 1):
        state, moves, done = int(rng.choice(starts)), 0, False
        while not done and moves < max_steps:
            moves += 1
            action = epsilon_greedy(q[state], epsilon, rng)
            next_state, reward, done = world.step(state, action, rng)
            target = reward + (0.0 if done else world.gamma * q[next_state].max())
            q[state, action] += alpha * (target - q[state, action])
            state = next_state
        steps.append(moves)
        if episode % every == 0 or episode == episodes:
            checkpoint(episode)
    return QLearningResult(q, steps, checkpoints, evaluations)
