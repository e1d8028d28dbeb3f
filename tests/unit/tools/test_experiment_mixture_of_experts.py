"""`dlsuite experiment mixture_of_experts`: a quick run's files and numbers, the data, the matched sizes,
the routing score and the verdict's logic."""

import numpy as np
import pytest

from tests.experiment_checks import quick_run
from tools.experiments import mixture_of_experts as moe


def test_quick_run(tmp_path):
    text, results = quick_run("mixture_of_experts", tmp_path)
    assert "| model | parameters | test MSE / var(y) | train MSE / var(y) | routing (one-to-one) |" in text
    config, runs = moe.QUICK, results["runs"]
    assert list(runs) == [*moe.MIXTURES, *moe.DENSE] and len(results["findings"]) == 2
    for name, r in runs.items():
        assert len(r["test_nmse"]) == config.epochs + 1 and r["final_test_nmse"] == r["test_nmse"][-1]
        if name in moe.MIXTURES:
            routing = np.asarray(r["routing"])
            assert routing.shape == (moe.POPULATIONS, 4) and routing.sum() == config.test_size
            assert 0 <= r["routing_accuracy"] <= 1 and sum(r["usage"]) == pytest.approx(1)
    # The dense nets are sized to the dense-gating mixture: within a few percent of its parameters.
    target = runs[moe.MIXTURES[0]]["parameters"]
    assert all(abs(runs[n]["parameters"] - target) <= 0.05 * target for n in moe.DENSE)
    assert list(results["plots"].values()) == ["learning_curves.png", "routing.png"]


def test_populations_are_separate_and_follow_their_own_linear_rules():
    config = moe.Config(features=6, outputs=3, noise=0.0)
    rng = np.random.default_rng(0)
    centres, maps, offsets = the_world = moe.world(config, rng)
    x, y, population = moe.sample(400, config, the_world, rng)
    assert x.shape == (400, 6) and y.shape == (400, 3) and np.bincount(population).tolist() == [100] * 4
    np.testing.assert_allclose(centres @ centres.T, config.separation**2 * np.eye(4), atol=1e-6)
    nearest = np.argmin(((x[:, None] - centres[None]) ** 2).sum(-1), axis=1)
    assert (nearest == population).mean() > 0.99  # the sub-populations are clear
    for k in range(4):
        z = x[population == k] - centres[k]
        np.testing.assert_allclose(y[population == k], z @ maps[k] + offsets[k], rtol=1e-4, atol=1e-4)
    # One linear map for everybody fits badly: the rules really differ.
    design = np.c_[x, np.ones(len(x))]
    residual = y - design @ np.linalg.lstsq(design, y, rcond=None)[0]
    assert residual.var() > 0.2 * y.var()


def test_dense_width_matches_the_parameter_count():
    config = moe.Config(features=8, outputs=4)
    assert moe.dense_params(8, 10, 1, 4) == 8 * 10 + 10 + 10 * 4 + 4
    assert moe.dense_params(8, 10, 2, 4) == 8 * 10 + 10 + 10 * 10 + 10 + 10 * 4 + 4
    assert moe.matched_width(config, 1, 180) == 14 and moe.matched_width(config, 2, 180) == 8


def test_routing_scores_a_one_to_one_routing_as_1_and_a_collapsed_one_as_a_share():
    population = np.repeat(np.arange(4), 25)
    permuted = np.eye(4)[(population + 1) % 4]  # each population to its own (other-numbered) expert
    table, matched, nmi = moe.routing(permuted, population)
    assert matched == pytest.approx(1) and nmi == pytest.approx(1)
    assert table.tolist() == (25 * np.roll(np.eye(4), 1, axis=1)).tolist()
    _, matched, nmi = moe.routing(np.eye(4)[np.zeros(100, int)], population)
    assert matched == pytest.approx(0.25) and nmi == pytest.approx(0, abs=1e-9)
    _, matched, _ = moe.routing(np.eye(4)[np.where(population < 2, population, 2)], population)
    assert matched == pytest.approx(0.75)  # two populations share expert 2: one of them is off


def _runs(mixture_errors, dense_errors, routings):
    runs = {n: {"model": n, "parameters": 180, "final_test_nmse": e} for n, e in zip(moe.DENSE, dense_errors)}
    for n, error, routed in zip(moe.MIXTURES, mixture_errors, routings):
        runs[n] = {
            "model": n,
            "parameters": 180,
            "final_test_nmse": error,
            "routing_accuracy": routed,
            "nmi": 0.9,
        }
    return runs


@pytest.mark.parametrize(
    ("runs", "statuses"),
    [
        (_runs([0.01, 0.02, 0.015], [0.2, 0.1], [1.0, 0.97, 0.95]), ("reproduced", "reproduced")),
        (
            _runs([0.01, 0.08, 0.015], [0.2, 0.1], [1.0, 0.6, 0.95]),
            ("partly reproduced", "partly reproduced"),
        ),
        (_runs([0.09, 0.08, 0.12], [0.2, 0.1], [0.5, 0.6, 0.4]), ("not reproduced", "not reproduced")),
    ],
    ids=["clear", "top-k behind", "dense as good"],
)
def test_verdict_follows_the_numbers(runs, statuses):
    findings = moe.judge(runs)
    assert tuple(f.status for f in findings) == statuses
    assert "best dense net (dense MLP, 2 hidden layers, 180 parameters) 0.1000" in findings[0].why
