"""`dlsuite experiment initialization`: a quick run, the per-layer measurements, and the verdict's logic."""

import numpy as np
import pytest

from tests.experiment_checks import quick_run
from tools.experiments import initialization as init


def test_quick_run(tmp_path):
    text, results = quick_run("initialization", tmp_path)
    assert "| activation | initialisation | activation deviation, layer 1 → last |" in text
    config = init.QUICK
    assert len(results["runs"]) == len(config.activations) * len(init.INITIALIZERS)
    for run in results["runs"]:
        assert len(run["deviation"]) == len(run["gradient_norm"]) == config.depth
        assert len(run["test_accuracy"]) == config.epochs + 1
    zeros = [r for r in results["runs"] if r["initialization"] == "zeros"]
    assert all(r["unit_spread"] == 0 and max(r["deviation"]) == 0 for r in zeros)


@pytest.mark.parametrize("name, std", [("1/√fan-in (LeCun)", 1 / np.sqrt(64)), ("He", np.sqrt(2 / 64))])
def test_initializers_have_the_textbook_scale(name, std):
    config = init.Config(depth=2, width=64)
    model = init.build(config, "relu", name, seed=0)
    kernel = model.layers[1].kernel.numpy()  # 64 -> 64
    assert kernel.std() == pytest.approx(std, rel=0.1)


def test_signal_measures_each_hidden_layer():
    config = init.Config(depth=3, width=16)
    model = init.build(config, "tanh", "Xavier (Glorot)", seed=0)
    x = np.random.default_rng(0).normal(size=(64, 784)).astype("float32")
    deviation, gradient = init.signal(model, x, np.zeros(64, "int64"))
    h = x
    for layer, expected in zip(model.layers, deviation):
        h = np.tanh(h @ layer.kernel.numpy() + layer.bias.numpy())
        assert h.std() == pytest.approx(expected, rel=1e-4)
    assert len(gradient) == 3 and all(g > 0 for g in gradient)


def _run(deviation, accuracy, spread=0.1):
    return {"deviation": deviation, "test_accuracy": [0.1, accuracy], "unit_spread": spread}


def test_verdict_follows_the_numbers():
    config = init.Config(activations=("tanh", "relu"))
    runs = {}
    for a in config.activations:
        runs[a, "zeros"] = _run([0, 0], 0.1, spread=0.0)
        runs[a, "small random N(0, 0.01²)"] = _run([0.1, 1e-6], 0.1)
        for name in ("1/√fan-in (LeCun)", "Xavier (Glorot)", "He"):
            runs[a, name] = _run([0.6, 0.5], 0.85)
    assert [f.status for f in init.judge(runs, config)] == ["reproduced"] * 3

    runs["tanh", "zeros"] = _run([0, 0], 0.1, spread=0.2)  # symmetry broken: not what the claim says
    runs["relu", "zeros"]["unit_spread"] = 0.3
    runs["tanh", "zeros"]["test_accuracy"][-1] = runs["relu", "zeros"]["test_accuracy"][-1] = 0.8
    runs["relu", "He"] = _run([0.6, 0.01], 0.85)  # trains, but its scale is not kept
    statuses = [f.status for f in init.judge(runs, config)]
    assert statuses == ["not reproduced", "reproduced", "partly reproduced"]
