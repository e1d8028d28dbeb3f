"""Value iteration, policy iteration and Q-learning on a maze (course chapter 22; Bellman 1957; Howard
1960; Watkins & Dayan 1992; Sutton & Barto 2018, ch. 4 and 6).

A perfect maze (one path between any two cells), −1 per move until the goal, γ = 0.9, as a known MDP
(P[a, s, s'], R[a, s]), deterministic and slippery (the move goes sideways with probability `slip`):
- value iteration repeats the Bellman optimality backup from V = 0 until max |ΔV| < tol;
- policy iteration evaluates the policy exactly (a linear solve) and improves it greedily, from the
  uniform random policy, until it no longer changes;
both should land on V* (the Bellman optimality equation holds) and the same greedy policy, policy
iteration in fewer iterations. Then tabular ε-greedy Q-learning, which sees only sampled transitions,
should learn the same policy in the deterministic maze.
"""

import dataclasses

import numpy as np
from tqdm import tqdm

from components import plots
from keras_models.rl import (
    GridWorld,
    agreement,
    bellman_residual,
    maze,
    policy_iteration,
    q_learning,
    q_values,
    value_iteration,
)
from tools.experiments.report import Finding, Report, plot_panels, status

CLAIM = (
    "Value iteration and policy iteration both solve the Bellman optimality equation of a known MDP and "
    "give the same optimal policy, policy iteration in far fewer iterations; tabular Q-learning learns "
    "that policy from sampled transitions alone, without the model."
)
VALUE_TOL = 1e-6  # the two methods' V* agree to this (value iteration stops at max |ΔV| < 1e-10)
BELLMAN_TOL = 1e-6  # max |V − max_a Q| of a solution: float error and the stopping rule only
FEWER = 3  # "far fewer": policy iteration needs at most a third of value iteration's iterations
Q_AGREES = 0.95  # Q-learning's greedy policy optimal in at least 95 % of the states
Q_PARTLY = 0.8  # ... in 80 %: it has learnt most of the maze


@dataclasses.dataclass(frozen=True)
class Config:
    rows: int = 6  # maze cells; the grid is 2 rows + 1 by 2 cols + 1 with its walls
    cols: int = 8
    gamma: float = 0.9
    slip: float = 0.2
    tol: float = 1e-10
    episodes: int = 3000
    alpha: float = 0.5
    epsilon: float = 0.2
    max_steps: int = 300
    every: int = 50


FULL = Config()
QUICK = Config(rows=3, cols=4, episodes=150, every=25)


def summary(solution, world, config):
    """The JSON-able numbers of one method's solution."""
    return {
        "iterations": solution.iterations,
        "bellman_residual": bellman_residual(world.P, world.R, config.gamma, solution.values),
        "deltas": solution.deltas,
        "changes": solution.changes,
    }


def solve(world, config):
    """Value and policy iteration on one world, with the numbers the report compares."""
    vi = value_iteration(world.P, world.R, config.gamma, tol=config.tol)
    pi = policy_iteration(world.P, world.R, config.gamma)
    q_star = q_values(world.P, world.R, config.gamma, vi.values)
    states = world.nonterminal
    # vi.changes[k]: states whose greedy action changed from V_(k-1) to V_k; the last change is final.
    stable = max(k for k, c in enumerate(vi.changes) if c)
    return {
        "vi": vi,
        "pi": pi,
        "q_star": q_star,
        "value_iteration": {**summary(vi, world, config), "policy_stable_after": stable},
        "policy_iteration": summary(pi, world, config),
        "value_difference": float(np.max(np.abs(vi.values - pi.values))),
        "policy_agreement": min(agreement(pi.policy, q_star, states), agreement(vi.policy, q_star, states)),
        "same_actions": float(np.mean(vi.policy[states] == pi.policy[states])),
        "longest_path": float(world.distances().max()),
    }


def judge(mdps, q_agreement):
    """The findings from each MDP's numbers ({name: solve(...)}) and Q-learning's final agreement."""
    names = list(mdps)
    same = [mdps[n]["policy_agreement"] == 1.0 and mdps[n]["value_difference"] <= VALUE_TOL for n in names]
    policy = Finding(
        "same policy",
        "value and policy iteration give the same optimal policy",
        status(*same),
        "; ".join(f"{n}: both policies optimal in {mdps[n]['policy_agreement']:.0%} of the states, same "
                  f"action in {mdps[n]['same_actions']:.0%}, max |V_VI − V_PI| "
                  f"{mdps[n]['value_difference']:.1e}" for n in names)
        + f" (same when all agree and |ΔV| ≤ {VALUE_TOL:g})",
    )  # fmt: skip
    residuals = {
        (n, m): mdps[n][m]["bellman_residual"] for n in names for m in ("value_iteration", "policy_iteration")
    }
    bellman = Finding(
        "Bellman",
        "the values solve the Bellman optimality equation",
        status(*(r <= BELLMAN_TOL for r in residuals.values())),
        "max |V − max_a Q|: " + ", ".join(f"{n} {m.split('_')[0]} {r:.1e}" for (n, m), r in residuals.items())
        + f" (solved at ≤ {BELLMAN_TOL:g})",
    )  # fmt: skip
    iterations = {n: (mdps[n]["value_iteration"]["iterations"], mdps[n]["policy_iteration"]["iterations"])
                  for n in names}  # fmt: skip
    fewer = Finding(
        "iterations",
        "policy iteration needs far fewer iterations",
        status(*(pi * FEWER <= vi for vi, pi in iterations.values())),
        "; ".join(f"{n}: value iteration {vi}, policy iteration {pi}" for n, (vi, pi) in iterations.items())
        + f" (far fewer: at most 1/{FEWER})",
    )
    learnt = Finding(
        "Q-learning",
        "Q-learning learns value iteration's policy from experience",
        status(q_agreement >= Q_AGREES, q_agreement >= Q_PARTLY),
        f"its greedy policy is optimal in {q_agreement:.1%} of the deterministic maze's states "
        f"(reproduced from {Q_AGREES:.0%}, partly from {Q_PARTLY:.0%})",
    )
    return [policy, bellman, fewer, learnt]


def value_plot(path, worlds, mdps):
    """V* as a heat map, walls black, an arrow for the greedy action of each non-terminal state."""
    plt = plots.pyplot()
    fig, axes = plt.subplots(1, len(worlds), figsize=(4.6 * len(worlds), 3.8), squeeze=False)
    arrows = np.array([(0, 1), (1, 0), (0, -1), (-1, 0)])  # (dx, dy) up on screen: y points up
    for ax, (name, world) in zip(axes[0], worlds.items()):
        vi = mdps[name]["vi"]
        cmap = plt.get_cmap("viridis").copy()
        cmap.set_bad("black")
        image = ax.imshow(world.on_grid(vi.values), cmap=cmap)
        fig.colorbar(image, ax=ax, shrink=0.8, label="V*(s)")
        states = world.nonterminal
        rows, cols = np.array([world.cells[s] for s in states]).T
        dx, dy = arrows[vi.policy[states]].T
        ax.quiver(cols, rows, dx, dy, color="white", scale=28, width=0.006, pivot="middle")
        for goal in world.goals:
            ax.plot(world.cells[goal][1], world.cells[goal][0], "r*", markersize=12)
        ax.set_title(f"{name} (γ = {world.gamma}, slip = {world.slip})", fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    plots.save(fig, path)
    return path.rsplit("/", 1)[-1]


def run(output_dir, quick=False, seed=0):
    config = QUICK if quick else FULL
    layout = maze(config.rows, config.cols, seed=seed)
    worlds = {
        "deterministic": GridWorld(layout, slip=0.0, gamma=config.gamma),
        "slippery": GridWorld(layout, slip=config.slip, gamma=config.gamma),
    }
    mdps = {name: solve(world, config) for name, world in worlds.items()}

    world, q_star = worlds["deterministic"], mdps["deterministic"]["q_star"]
    evaluations = config.episodes // config.every + 1 + bool(config.episodes % config.every)
    with tqdm(total=evaluations, unit="evaluation", desc="reinforcement", disable=quick) as bar:

        def evaluate(q):
            bar.update()
            return agreement(np.argmax(q, axis=1), q_star, world.nonterminal)

        learnt = q_learning(world, config.episodes, alpha=config.alpha, epsilon=config.epsilon, seed=seed,
                            max_steps=config.max_steps, evaluate=evaluate, every=config.every)  # fmt: skip
    q_agreement = agreement(learnt.policy, q_star, world.nonterminal)
    q_error = float(np.max(np.abs(learnt.q.max(axis=1) - q_star.max(axis=1))))
    # The first checkpoint from which the greedy policy stays optimal everywhere.
    perfect = [e for i, e in enumerate(learnt.checkpoints) if min(learnt.evaluations[i:]) == 1.0]

    headers = ["MDP", "method", "iterations", "greedy policy final after", "Bellman residual",
               "‖V − V*‖∞", "states with an optimal action"]  # fmt: skip
    rows = []
    for name, m in mdps.items():
        vi, pi = m["value_iteration"], m["policy_iteration"]
        rows.append([name, "value iteration", str(vi["iterations"]), f"{vi['policy_stable_after']} backups",
                     f"{vi['bellman_residual']:.1e}", "0 (reference)",
                     f"{agreement(m['vi'].policy, m['q_star'], worlds[name].nonterminal):.0%}"])  # fmt: skip
        rows.append([name, "policy iteration", str(pi["iterations"]), f"{pi['iterations'] - 1} evaluations",
                     f"{pi['bellman_residual']:.1e}", f"{m['value_difference']:.1e}",
                     f"{agreement(m['pi'].policy, m['q_star'], worlds[name].nonterminal):.0%}"])  # fmt: skip
    rows.append(["deterministic", "Q-learning", f"{config.episodes} episodes",
                 f"{perfect[0]} episodes" if perfect else "never", "—", f"{q_error:.2g}",
                 f"{q_agreement:.1%}"])  # fmt: skip

    values = value_plot(f"{output_dir}/values.png", worlds, mdps)
    convergence = plot_panels(
        f"{output_dir}/convergence.png",
        [(f"{name}: max |V_k − V_(k−1)|",
          {method.replace("_", " "): (np.arange(1, len(m[method]["deltas"]) + 1),
                                      np.maximum(m[method]["deltas"], 1e-17))
           for method in ("value_iteration", "policy_iteration")}) for name, m in mdps.items()],
        xlabel="iteration", ylabel="max |ΔV| (1e-17: none)",
    )  # fmt: skip
    window = max(1, config.episodes // 50)
    smoothed = np.convolve(learnt.steps, np.ones(window) / window, mode="valid")
    curves = plot_panels(
        f"{output_dir}/q_learning.png",
        [("states where Q-learning's greedy action is optimal",
          {"Q-learning": (learnt.checkpoints, learnt.evaluations)}),
         (f"moves per episode (mean of {window})",
          {"Q-learning": (np.arange(window, len(learnt.steps) + 1), smoothed)})],
        xlabel="episode", ylabel="fraction / moves", logy=False,
    )  # fmt: skip
    return Report(
        name="reinforcement",
        claim=CLAIM,
        setup=[
            f"A perfect maze of {config.rows} × {config.cols} cells (depth-first search, seed {seed}): "
            f"{world.n_states} states on a {world.shape[0]} × {world.shape[1]} grid, longest shortest "
            f"path {mdps['deterministic']['longest_path']:.0f} moves; −1 per move, the goal absorbing.",
            f"γ = {config.gamma}; deterministic moves, and slippery ones (sideways with probability "
            f"{config.slip}, half each way).",
            f"Value iteration from V = 0 until max |ΔV| < {config.tol:g}; policy iteration from the uniform "
            "random policy, exact evaluation (linear solve), until the greedy policy is stable.",
            f"Q-learning (deterministic maze): {config.episodes} episodes from random start states, "
            f"α = {config.alpha}, ε = {config.epsilon}, Q₀ = 0, at most {config.max_steps} moves; "
            f"seed {seed}.",
        ],
        headers=headers,
        rows=rows,
        plots=[
            (
                "V* (value iteration) as a heat map with the greedy policy's arrows; the goal is the star",
                values,
            ),
            (
                "Convergence: max |ΔV| per iteration (policy iteration: between successive evaluations)",
                convergence,
            ),
            (
                "Q-learning's learning curve: states with an optimal greedy action, and moves per episode",
                curves,
            ),
        ],
        findings=judge(mdps, q_agreement),
        results={
            "config": dataclasses.asdict(config),
            "layout": list(layout),
            "mdps": {
                name: {k: v for k, v in m.items() if k not in ("vi", "pi", "q_star")}
                | {"values": m["vi"].values.tolist(), "policy": m["vi"].policy.tolist()}
                for name, m in mdps.items()
            },
            "q_learning": {
                "checkpoints": learnt.checkpoints,
                "agreement": learnt.evaluations,
                "steps": learnt.steps,
                "final_agreement": q_agreement,
                "max_value_error": q_error,
            },
        },
    )
