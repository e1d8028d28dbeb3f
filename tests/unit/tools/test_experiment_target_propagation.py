"""`dlsuite experiment target_propagation`: a quick run's files and numbers, and the verdict's logic."""

import numpy as np
import pytest

from tests.experiment_checks import quick_run
from tools.experiments import target_propagation


def test_quick_run(tmp_path):
    text, results = quick_run("target_propagation", tmp_path)
    assert "| method | hidden layers learn from | final test acc. | test error |" in text
    assert len(results["findings"]) == 2

    epochs = target_propagation.QUICK.epochs
    runs = results["runs"]
    assert set(runs) == set(target_propagation.METHODS)
    for kind, r in runs.items():
        assert len(r["test_accuracy"]) == len(r["test_loss"]) == epochs + 1
        assert len(r["train_accuracy"]) == epochs and r["final_accuracy"] == r["test_accuracy"][-1]
        assert all(0 <= a <= 1 for a in r["test_accuracy"]) and r["seconds"] > 0
        assert ("inverse_loss" in r) == (kind == "dtp")
    assert len({r["test_accuracy"][0] for r in runs.values()}) == 1  # the same initial weights
    assert len(runs["dtp"]["inverse_loss"]) == len(runs["dtp"]["layer_loss"]) == epochs
    assert all(v > 0 for v in runs["dtp"]["inverse_loss"])

    assert list(results["plots"].values()) == ["learning_curves.png"]


@pytest.mark.parametrize(
    ("dtp", "backprop", "readout", "statuses"),
    [
        (0.848, 0.852, 0.77, ("reproduced", "reproduced")),
        (0.82, 0.85, 0.77, ("reproduced", "partly reproduced")),  # 62 % of backprop's gain
        (0.775, 0.85, 0.77, ("not reproduced", "not reproduced")),
    ],
    ids=["close", "halfway", "hidden-layers-idle"],
)
def test_verdict_follows_the_numbers(dtp, backprop, readout, statuses):
    runs = {k: {"final_accuracy": a} for k, a in (("dtp", dtp), ("backprop", backprop), ("readout", readout))}
    findings = target_propagation.judge(runs, n_test=10_000)
    assert tuple(f.status for f in findings) == statuses
    assert f"DTP {dtp:.4f}" in findings[1].why and f"backprop {backprop:.4f}" in findings[1].why


def test_the_three_methods_start_from_the_same_weights_and_train_what_they_claim():
    config = target_propagation.QUICK
    models = {kind: target_propagation.build(kind, config, seed=0) for kind in target_propagation.METHODS}
    dtp_weights = models["dtp"].as_sequential().get_weights()
    for kind in ("backprop", "readout"):
        for a, b in zip(models[kind].get_weights(), dtp_weights):
            np.testing.assert_array_equal(a, b)
    assert len(models["backprop"].trainable_weights) == 2 * (len(config.hidden) + 1)
    assert len(models["readout"].trainable_weights) == 2  # the output layer only
