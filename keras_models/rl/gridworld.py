"""A maze gridworld, the Markov decision process of course chapter 22 (Sutton & Barto 2018, ch. 3-4).

The agent stands on a free cell of a grid and moves up, right, down or left; walls and the grid's
edge block it (it stays put). Each move costs `step_reward` (-1) until it reaches a goal, which is
terminal: absorbing, with reward 0. With discount γ, the value of a cell d moves from the goal on a
deterministic shortest path is then -(1 - γ^d) / (1 - γ). `slip` makes the floor slippery: the intended
move happens with probability 1 - slip, and each of the two perpendicular moves with slip / 2.

    world = GridWorld(maze(5, 7, seed=0), slip=0.0, gamma=0.9)
    world.P   # [A, S, S] transition probabilities P[a, s, s'], each row sums to 1
    world.R   # [A, S] expected immediate reward of action a in state s
    next_state, reward, done = world.step(state, action, rng)   # a sampled transition

Layouts are strings, one per grid row: "#" a wall, "." a free cell, "G" a goal. States are the
non-wall cells, numbered row by row; `world.cells[s]` is the (row, column) of state s.
"""

# ruff: noqa: N806 -- P and R, as in the course and Sutton & Barto
import collections

import numpy as np

ACTIONS = ("up", "right", "down", "left")
MOVES = ((-1, 0), (0, 1), (1, 0), (0, -1))  # (row, column) steps of each action
WALL, GOAL = "#", "G"


class GridWorld:
    """A gridworld MDP with its model (P, R) and a sampler of transitions (`step`) for learning agents.

    Args:
        layout: strings of equal length, one per row ("#" wall, "." free, "G" goal).
        slip: probability that the move goes sideways instead (half each way); 0 is deterministic.
        step_reward: reward of every move made outside a goal.
        gamma: discount factor of the return.
    """

    def __init__(self, layout, slip=0.0, step_reward=-1.0, gamma=0.9):
        self.layout = tuple(layout)
        if len({len(row) for row in self.layout}) != 1:
            raise ValueError("every row of the layout must have the same length")
        if not 0 <= slip <= 1:
            raise ValueError(f"slip must be a probability, got {slip}")
        self.slip, self.step_reward, self.gamma = float(slip), float(step_reward), float(gamma)
        self.shape = (len(self.layout), len(self.layout[0]))
        self.cells = [(r, c) for r, row in enumerate(self.layout) for c, ch in enumerate(row) if ch != WALL]
        self.index = {cell: s for s, cell in enumerate(self.cells)}
        self.goals = [s for s, (r, c) in enumerate(self.cells) if self.layout[r][c] == GOAL]
        if not self.goals:
            raise ValueError("the layout has no goal 'G'")
        self.terminal = np.isin(np.arange(len(self.cells)), self.goals)
        self.P, self.R = self._model()
        # For `step`: each (state, action)'s possible next states and their cumulative probabilities.
        self._outcomes = [[(np.cumsum(self.P[a, s][self.P[a, s] > 0]), np.flatnonzero(self.P[a, s]))
                           for a in range(len(ACTIONS))] for s in range(len(self.cells))]  # fmt: skip

    @property
    def n_states(self):
        return len(self.cells)

    @property
    def n_actions(self):
        return len(ACTIONS)

    @property
    def nonterminal(self):
        """The states where the agent decides something (all but the goals)."""
        return np.flatnonzero(~self.terminal)

    def _moved(self, s, move):
        """The state reached from s by one (row, column) step: s itself into a wall or off the grid."""
        r, c = self.cells[s][0] + move[0], self.cells[s][1] + move[1]
        return self.index.get((r, c), s)

    def _model(self):
        n, a_count = self.n_states, self.n_actions
        P = np.zeros((a_count, n, n))
        R = np.full((a_count, n), self.step_reward)
        for s in range(n):
            if self.terminal[s]:
                P[:, s, s], R[:, s] = 1.0, 0.0
                continue
            for a in range(a_count):
                sideways = ((a + 1) % a_count, (a - 1) % a_count)
                for move, p in ((a, 1 - self.slip), *((b, self.slip / 2) for b in sideways)):
                    P[a, s, self._moved(s, MOVES[move])] += p
        return P, R

    def step(self, state, action, rng):
        """(next state, reward, done) of one move sampled from P with `rng` (a numpy Generator)."""
        cumulative, states = self._outcomes[state][action]
        pick = np.searchsorted(cumulative, rng.random(), side="right")  # the first cumulative above u
        next_state = int(states[min(pick, len(states) - 1)])
        return next_state, float(self.R[action, state]), bool(self.terminal[next_state])

    def distances(self):
        """[S] number of moves on the shortest path to a goal (breadth-first search; inf if none)."""
        distance = np.full(self.n_states, np.inf)
        queue = collections.deque(self.goals)
        distance[self.goals] = 0
        while queue:
            s = queue.popleft()
            for move in MOVES:
                t = self._moved(s, move)
                if distance[t] == np.inf:
                    distance[t] = distance[s] + 1
                    queue.append(t)
        return distance

    def on_grid(self, per_state, fill=np.nan):
        """[rows, columns] array of a per-state quantity (`fill` on walls), for heat maps."""
        grid = np.full(self.shape, fill, dtype="float64")
        for s, (r, c) in enumerate(self.cells):
            grid[r, c] = per_state[s]
        return grid


def maze(rows, cols, seed=0):
    """A perfect maze (one path between any two cells: a random spanning tree of the rows × cols cells,
    carved by depth-first search) as a layout of 2·rows + 1 by 2·cols + 1, the goal in the bottom-right
    cell. Its corridors are one cell wide, so most cells have a single best move."""
    rng = np.random.default_rng(seed)
    grid = [[WALL] * (2 * cols + 1) for _ in range(2 * rows + 1)]
    seen, stack = {(0, 0)}, [(0, 0)]
    grid[1][1] = "."
    while stack:
        r, c = stack[-1]
        fresh = [(r + dr, c + dc) for dr, dc in MOVES
                 if 0 <= r + dr < rows and 0 <= c + dc < cols and (r + dr, c + dc) not in seen]  # fmt: skip
        if not fresh:
            stack.pop()
            continue
        nr, nc = fresh[rng.integers(len(fresh))]
        grid[r + nr + 1][c + nc + 1] = "."  # the wall between the two cells
        grid[2 * nr + 1][2 * nc + 1] = "."
        seen.add((nr, nc))
        stack.append((nr, nc))
    grid[2 * rows - 1][2 * cols - 1] = GOAL
    return ["".join(row) for row in grid]


def corridor(length):
    """A one-row layout of `length` cells, the goal at the left end: cell d is d moves from it."""
    return [GOAL + "." * (length - 1)]
