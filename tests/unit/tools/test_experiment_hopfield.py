"""`dlsuite experiment hopfield`: a quick run's files and numbers, the capacity crossing and the verdict."""

import numpy as np
import pytest

from tests.experiment_checks import quick_run
from tools.experiments import hopfield


def test_quick_run(tmp_path):
    text, results = quick_run("hopfield", tmp_path)
    assert "| N | load P/N | patterns P | fixed points | recovered (m ≥ 0.9) | mean overlap m |" in text
    config = hopfield.QUICK
    assert set(results["capacity_curves"]) == set(results["measured_capacity"]) == {"60"}
    curve = results["capacity_curves"]["60"]
    assert len(curve["load"]) == len(curve["recovered"]) == len(curve["fixed_points"]) == len(config.loads)
    assert all(0 <= v <= 1 for key in ("recovered", "fixed_points") for v in curve[key])
    assert curve["patterns"] == [round(a * 60) for a in config.loads]
    images = results["images"]
    assert images["units"] == 784 and len(images["image_overlap"]) == config.images * config.image_trials
    assert list(results["plots"].values()) == ["capacity.png", "images.png"]
    keys = [f["key"] for f in results["findings"]]
    assert keys == ["low load", "capacity ≈ 0.138 N", "correlated patterns"]


def test_corrupt_flips_the_asked_fraction():
    patterns = np.ones((5, 50), "float32")
    noisy = hopfield.corrupt(patterns, 0.1, np.random.default_rng(0))
    assert np.all(np.sum(noisy == -1, axis=1) == 5)


def test_crossing_interpolates():
    loads = [0.1, 0.12, 0.14, 0.16]
    assert hopfield.crossing(loads, [1.0, 0.9, 0.7, 0.3]) == pytest.approx(0.15)
    assert hopfield.crossing(loads, [1.0, 0.9, 0.8, 0.7]) is None
    assert hopfield.crossing(loads, [0.2, 0.1, 0.0, 0.0]) == 0.1


def _curve(recovered):
    loads = [round(0.02 * i, 2) for i in range(1, 16)]
    return {"load": loads, "recovered": recovered, "fixed_points": recovered, "overlap": recovered}


def _images(image_recovered, random_recovered=1.0):
    return {"load": 0.013, "image_recovered": image_recovered, "random_recovered": random_recovered,
            "mean_abs_overlap_between_images": 0.5, "random_pattern_overlap_scale": 0.036}  # fmt: skip


def test_verdict_follows_the_numbers():
    small = _curve([1.0] * 8 + [0.8, 0.4] + [0.0] * 5)  # the smaller network does not decide
    good = _curve([1.0] * 6 + [0.9, 0.4, 0.1] + [0.0] * 6)  # crosses 0.5 at 0.156
    findings, capacities = hopfield.judge({100: small, 400: good}, _images(0.2))
    assert capacities[400] == pytest.approx(0.156) and capacities[100] == pytest.approx(0.195)
    assert [f.status for f in findings] == ["reproduced"] * 3
    early = _curve([0.9, 0.8, 0.3] + [0.0] * 12)  # a capacity of ~0.05, and failures at low load
    findings, _ = hopfield.judge({400: early}, _images(0.9))
    assert [f.status for f in findings] == ["not reproduced", "partly reproduced", "not reproduced"]
    findings, capacities = hopfield.judge({400: _curve([1.0] * 15)}, _images(0.2))
    assert capacities[400] is None and findings[1].status == "not reproduced"
