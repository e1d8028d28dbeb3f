"""`dlsuite experiment rbm`: a quick run's files and numbers, the nearest-image distance and the verdict."""

import numpy as np

from tests.experiment_checks import quick_run
from tools.experiments import rbm


def test_quick_run(tmp_path):
    text, results = quick_run("rbm", tmp_path)
    assert "| model | hidden | epoch | test reconstruction error | test pseudo-log-likelihood |" in text
    config = rbm.QUICK
    for runs in (results["runs"], results["small_runs"]):
        assert set(runs) == set(rbm.METHODS)
        for r in runs.values():
            assert len(r["reconstruction_error"]) == len(r["pll"]) == config.epochs + 1
            assert all(p <= 0 for p in r["pll"])
    for r in results["small_runs"].values():
        assert len(r["log_likelihood"]) == config.epochs + 1 and r["log_likelihood"][-1] < 0
    names = {"test images", "noise", "CD-1 from noise", "PCD-1 from noise"}
    assert set(results["sample_statistics"]) == names
    assert all(0 <= v <= 1 for st in results["sample_statistics"].values() for v in st.values())
    assert set(results["binary_sample_nearest_distance"]) == set(rbm.METHODS)
    assert list(results["plots"].values()) == ["training.png", "samples.png", "filters.png"]
    assert [f["key"] for f in results["findings"]] == [
        "reconstruction error", "pseudo-log-likelihood", "samples", "PCD vs CD-1"]  # fmt: skip


def test_nearest_distance_is_the_hamming_fraction():
    train = np.array([[1, 1, 0, 0], [0, 0, 0, 0]], "float32")
    images = np.array([[1, 1, 0, 0], [1, 1, 1, 0], [1, 1, 1, 1]], "float32")
    np.testing.assert_allclose(rbm.nearest_distance(images, train), [0.0, 0.25, 0.5])
    assert rbm.spread(images) == 0.25  # pairwise distances 0.25, 0.5, 0.25


def _run(reconstruction, pll):
    return {"reconstruction_error": reconstruction, "pll": pll, "pll_se": [1.0] * len(pll)}


def test_verdict_follows_the_numbers():
    runs = {"cd": _run([0.2, 0.05, 0.03], [-300.0, -120.0, -100.0])}
    statistics = {
        "test images": {"nearest": 0.06, "spread": 0.3},
        "noise": {"nearest": 0.4, "spread": 0.5},
        "CD-1 from noise": {"nearest": 0.08, "spread": 0.2},
        "PCD-1 from noise": {"nearest": 0.07, "spread": 0.25},
    }
    per_image = {"cd": np.full(100, -120.0), "pcd": np.full(100, -110.0) + np.linspace(-1, 1, 100)}
    assert [f.status for f in rbm.judge(runs, statistics, per_image)] == ["reproduced"] * 4

    runs = {"cd": _run([0.2, 0.05, 0.049], [-300.0, -120.0, -125.0])}  # barely falls, PLL drops
    statistics["CD-1 from noise"]["spread"] = 0.05  # CD-1's chains all in one mode
    per_image["pcd"] = np.full(100, -130.0)
    statuses = [f.status for f in rbm.judge(runs, statistics, per_image)]
    assert statuses == ["partly reproduced", "partly reproduced", "partly reproduced", "not reproduced"]
