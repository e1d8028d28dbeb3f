"""`dlsuite experiment pose`: a quick run's files and numbers, and the verdict's logic."""

import numpy as np
import pytest

from keras_models.vision import stick_figures as figures
from tests.experiment_checks import quick_run
from tools.experiments import pose


def test_quick_run(tmp_path):
    text, results = quick_run("pose", tmp_path)
    assert "| model | output | parameters | PCK@0.1 | PCK@0.2 | PCK@0.5 | mean error (px) |" in text
    assert list(results["plots"].values()) == ["pck.png", "examples.png"]
    assert results["alphas"][0] == 0 and results["alphas"][-1] == 0.5
    assert set(results["models"]) == set(pose.MODELS)
    for m in results["models"].values():
        assert len(m["pck"]) == len(results["alphas"]) and m["pck"] == sorted(m["pck"])
        assert set(m["per_joint"]) == set(figures.JOINTS) and m["parameters"] > 0
        assert m["pck_at_alpha"] == pytest.approx(m["pck"][results["alphas"].index(pose.ALPHA)])
    for h in results["training"].values():
        assert h["epoch"] == list(range(pose.QUICK.epochs + 1)) and len(h["test_pck"]) == len(h["epoch"])


def _scores(heat_curve, direct_curve, heat_error=1.0, direct_error=3.0):
    def score(curve, error):
        curve = np.clip(curve, 0, 1)
        return {"pck": curve.tolist(), "pck_at_alpha": float(curve[pose.ALPHAS == pose.ALPHA][0]),
                "mean_error_px": error}  # fmt: skip

    return {"heat maps": score(heat_curve, heat_error),
            "direct regression": score(direct_curve, direct_error)}  # fmt: skip


@pytest.mark.parametrize(
    ("heat", "direct", "statuses"),
    [
        (5 * pose.ALPHAS, 3 * pose.ALPHAS, ["reproduced", "reproduced"]),  # 100 % against 60 % at 0.2
        (3 * pose.ALPHAS, 5 * pose.ALPHAS, ["partly reproduced", "not reproduced"]),  # 60 % against 100 %
        (2 * pose.ALPHAS, 1.9 * pose.ALPHAS, ["not reproduced", "partly reproduced"]),  # 40 % vs 38 %
        (
            np.where(pose.ALPHAS < 0.3, 5, 0.5) * pose.ALPHAS,
            3 * pose.ALPHAS,
            ["reproduced", "partly reproduced"],
        ),  # better at 0.2 but below for α ≥ 0.3
    ],
)
def test_verdict_follows_the_numbers(heat, direct, statuses):
    assert [f.status for f in pose.judge(_scores(heat, direct))] == statuses


def test_coordinate_regressor_outputs_joints():
    model = pose.coordinate_regressor(pose.QUICK, 14)
    assert model.output_shape == (None, 14, 2)
