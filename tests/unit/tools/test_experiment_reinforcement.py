"""`dlsuite experiment reinforcement`: a quick run's files and numbers, and the verdict's logic."""

import copy

import pytest

from tests.experiment_checks import quick_run
from tools.experiments import reinforcement as rl


def test_quick_run(tmp_path):
    text, results = quick_run("reinforcement", tmp_path)
    header = "| MDP | method | iterations | greedy policy final after | Bellman residual | ‖V − V*‖∞ |"
    assert header in text
    table = [line for line in text.splitlines() if line.startswith("| ")]
    assert len(table) == 6 and {line.count("|") for line in table} == {header.count("|") + 1}
    assert list(results["plots"].values()) == ["values.png", "convergence.png", "q_learning.png"]
    config = rl.QUICK
    assert len(results["layout"]) == 2 * config.rows + 1 and len(results["layout"][0]) == 2 * config.cols + 1
    assert set(results["mdps"]) == {"deterministic", "slippery"}
    for m in results["mdps"].values():
        vi, pi = m["value_iteration"], m["policy_iteration"]
        assert len(vi["deltas"]) == len(vi["changes"]) == vi["iterations"]
        assert len(pi["deltas"]) == len(pi["changes"]) == pi["iterations"] and pi["changes"][-1] == 0
        assert len(m["values"]) == len(m["policy"])
    q = results["q_learning"]
    assert len(q["steps"]) == config.episodes
    assert q["checkpoints"] == list(range(0, config.episodes + 1, config.every))
    assert len(q["agreement"]) == len(q["checkpoints"]) and q["final_agreement"] == q["agreement"][-1]
    # Value and policy iteration solve the same small MDPs even in the quick run.
    assert [f["status"] for f in results["findings"][:2]] == ["reproduced", "reproduced"]


def _mdp(vi_iterations, pi_iterations, agreement=1.0, difference=1e-12, residual=1e-12):
    return {
        "policy_agreement": agreement,
        "same_actions": agreement,
        "value_difference": difference,
        "value_iteration": {"iterations": vi_iterations, "bellman_residual": residual},
        "policy_iteration": {"iterations": pi_iterations, "bellman_residual": residual},
    }


PARTLY = "partly reproduced"
GOOD = {"deterministic": _mdp(60, 3), "slippery": _mdp(200, 4)}


@pytest.mark.parametrize(
    ("change", "q_agreement", "statuses"),
    [
        ({}, 1.0, ["reproduced"] * 4),
        ({"policy_agreement": 0.9}, 0.85, [PARTLY, "reproduced", "reproduced", PARTLY]),
        ({"value_difference": 0.1}, 0.5, [PARTLY, "reproduced", "reproduced", "not reproduced"]),
    ],
)
def test_verdict_follows_the_numbers(change, q_agreement, statuses):
    mdps = copy.deepcopy(GOOD)
    mdps["slippery"].update(change)
    assert [f.status for f in rl.judge(mdps, q_agreement)] == statuses


def test_iterations_and_bellman_findings():
    mdps = {"deterministic": _mdp(30, 20, residual=1e-3), "slippery": _mdp(30, 40, residual=1e-3)}
    policy, bellman, fewer, _ = rl.judge(mdps, 1.0)
    assert policy.status == "reproduced" and bellman.status == "not reproduced"
    assert fewer.status == "not reproduced" and "value iteration 30, policy iteration 20" in fewer.why
