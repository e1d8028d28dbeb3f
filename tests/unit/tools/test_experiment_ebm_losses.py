"""`dlsuite experiment ebm_losses`: a quick run, the energy network and summaries, the verdict's logic."""

import numpy as np
import pytest

from keras_models.losses import LOSSES
from tests.experiment_checks import quick_run
from tools.experiments import ebm_losses as ebm


def test_quick_run(tmp_path):
    text, results = quick_run("ebm_losses", tmp_path)
    assert "| scorer | loss | test accuracy | E (correct), start → end |" in text
    keys = [f["key"] for f in results["findings"]]
    assert keys == ["energy loss collapses", "contrastive losses train", "perceptron has no margin"]
    config = ebm.QUICK
    assert len(results["runs"]) == len(config.scorers) * len(LOSSES)
    for run in results["runs"]:
        assert len(run["correct"]) == len(run["offending"]) == len(run["test_accuracy"]) == config.epochs + 1
    flat = {r["loss"]: r["flat_loss"] for r in results["runs"] if r["scorer"] == config.scorers[0]}
    assert flat["perceptron"] == flat["energy"] == 0 and flat["hinge"] == pytest.approx(ebm.MARGIN)
    assert flat["NLL"] == pytest.approx(np.log(10), rel=1e-5)
    assert set(results["plots"].values()) == {"energies.png", "accuracy.png"}


def test_energy_network_is_minus_a_score():
    model = ebm.energy_network("linear", 8, inputs=3, answers=4)
    x = np.random.default_rng(0).normal(size=(5, 3)).astype("float32")
    dense = model.layers[0]
    expected = -(x @ dense.kernel.numpy() + dense.bias.numpy())
    np.testing.assert_allclose(model(x).numpy(), expected, rtol=1e-5, atol=1e-6)
    assert len(ebm.energy_network("MLP", 8, inputs=3, answers=4).trainable_weights) == 4


def test_energies_summary():
    e = np.array([[0.0, 1.0, 3.0], [2.0, 1.5, -1.0]])
    s = ebm.energies_summary(e, np.array([0, 1]))
    assert s["correct"] == pytest.approx(0.75) and s["offending"] == pytest.approx(0.0)
    assert s["accuracy"] == 0.5
    np.testing.assert_allclose(s["gaps"], [1.0, -2.5])


def _runs(energy_end, energy_acc, contrastive_acc, perceptron_within, hinge_within=0.05):
    runs = {}
    for s in ("linear", "MLP"):
        runs[s, "energy"] = {"correct": [0.0, energy_end[0]], "offending": [0.0, energy_end[1]],
                             "test_accuracy_final": energy_acc, "test_accuracy": [0.1, energy_acc],
                             "flat_loss": 0.0}  # fmt: skip
        for n in ebm.CONTRASTIVE:
            runs[s, n] = {"test_accuracy_final": contrastive_acc, "within_margin": hinge_within,
                          "flat_loss": 0.0 if n == "perceptron" else 1.0}  # fmt: skip
        runs[s, "perceptron"]["within_margin"] = perceptron_within
    return runs


def test_verdict_follows_the_numbers():
    good = ebm.judge(_runs((-100.0, -95.0), 0.3, 0.95, 0.6), ("linear", "MLP"))
    assert [f.status for f in good] == ["reproduced"] * 3
    bad = ebm.judge(_runs((-1.0, 3.0), 0.95, 0.5, 0.01), ("linear", "MLP"))
    assert [f.status[:3] for f in bad] == ["not", "not", "par"]  # the flat-energy part still holds
    partly = ebm.judge(_runs((-100.0, -95.0), 0.94, 0.95, 0.6), ("linear", "MLP"))
    assert partly[0].status == "partly reproduced"  # energies collapse, accuracy does not


def test_the_collapse_is_judged_on_the_mlp_scorer():
    runs = _runs((-100.0, -95.0), 0.3, 0.95, 0.6)
    runs["linear", "energy"]["offending"][-1] = 5.0  # the linear scorer keeps its contrast: no matter
    runs["linear", "energy"]["test_accuracy_final"] = 0.9
    assert ebm.judge(runs, ("linear", "MLP"))[0].status == "reproduced"
    runs["MLP", "energy"]["offending"][-1] = 5.0
    assert ebm.judge(runs, ("linear", "MLP"))[0].status == "partly reproduced"
