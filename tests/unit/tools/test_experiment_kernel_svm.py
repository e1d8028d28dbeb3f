"""`dlsuite experiment kernel_svm`: a quick run, the generated data, and the verdict's logic."""

import numpy as np

from tests.experiment_checks import quick_run
from tools.experiments import kernel_svm as ks


def test_quick_run(tmp_path):
    text, results = quick_run("kernel_svm", tmp_path)
    assert "| data | kernel | model | test accuracy | support vectors |" in text
    assert [f["key"] for f in results["findings"]] == ["matches SVC", "kernel trick", "random features"]
    comparison = results["comparison"]
    # breast cancer: linear and RBF, ours and SVC, plus the projected gradient on RBF; digits: 2 × 2
    assert len(comparison) == 9
    assert {r["model"] for r in comparison} == {"ours (SMO)", "SVC", "ours (projected gradient)"}
    assert all(0 <= r["test_accuracy"] <= 1 and r["support_vectors"] > 0 for r in comparison)
    assert set(results["toys"]) == {"XOR", "circles"}
    assert all(set(t["accuracy"]) == set(ks.TOY_KERNELS) for t in results["toys"].values())
    rff = results["random_features"]
    assert rff["features"] == list(ks.QUICK.features)
    assert len(rff["kernel_error"]) == len(rff["test_accuracy"]) == len(ks.QUICK.features)
    assert len(results["table"]["rows"]) == 9 + 6 + len(ks.QUICK.features)
    assert set(results["plots"].values()) == {"decision_boundaries.png", "random_features.png"}


def test_generated_data_need_a_kernel():
    rng = np.random.default_rng(0)
    x, y = ks.xor(rng, 200, 0.0)
    assert np.array_equal(y, (x[:, 0] * x[:, 1] > 0).astype(int))
    x, y = ks.circles(rng, 200, 0.0)
    radius = np.linalg.norm(x, axis=1)
    np.testing.assert_allclose(radius[y == 0], 1.0)  # the outer circle
    np.testing.assert_allclose(radius[y == 1], 0.5)


def _comparison(ours_acc, svc_acc, ours_sv, svc_sv):
    return [{"data": "d", "kernel": "rbf", "model": "ours (SMO)", "test_accuracy": ours_acc,
             "support_vectors": ours_sv},
            {"data": "d", "kernel": "rbf", "model": "SVC", "test_accuracy": svc_acc,
             "support_vectors": svc_sv}]  # fmt: skip


def _toys(linear, kernel):
    accuracy = {"linear": linear, "poly (degree 2)": kernel, "RBF": kernel}
    return {"XOR": {"accuracy": accuracy}, "circles": {"accuracy": accuracy}}


def _rff(errors, accuracy):
    features = [8, 128, 2048][: len(errors)]
    slope = float(np.polyfit(np.log(features), np.log(errors), 1)[0])
    return {"features": features, "kernel_error": errors, "test_accuracy": accuracy, "error_slope": slope}


def test_verdict_follows_the_numbers():
    good = ks.judge(_comparison(0.965, 0.972, 100, 102), _toys(0.5, 0.97),
                    _rff([0.16, 0.04, 0.01], [0.7, 0.95, 0.975]), exact_rbf=0.98)  # fmt: skip
    assert [f.status for f in good] == ["reproduced"] * 3

    bad = ks.judge(_comparison(0.90, 0.97, 150, 100), _toys(0.95, 0.6),
                   _rff([0.1, 0.1, 0.1], [0.8, 0.7, 0.6]), exact_rbf=0.98)  # fmt: skip
    assert [f.status for f in bad] == ["not reproduced"] * 3

    partly = ks.judge(_comparison(0.97, 0.972, 150, 100), _toys(0.5, 0.6),
                      _rff([0.16, 0.04, 0.01], [0.7, 0.8, 0.85]), exact_rbf=0.98)  # fmt: skip
    assert [f.status for f in partly] == ["partly reproduced"] * 3
