"""SegmentationEvaluator's measures against hand-computed references, and its plots."""

import numpy as np
import pytest

from components.segmentation_evaluator import measures, plots

NAMES = ("background", "T-shirt/top", "Trouser", "Bag")

# Two 2x4 masks, flattened: true 0 0 1 1 | 0 2 2 1, predicted 0 1 1 1 | 0 2 0 1; class 3 in neither.
TRUE = np.array([[[0, 0, 1, 1], [0, 2, 2, 1]]])
PREDICTED = np.array([[[0, 1, 1, 1], [0, 2, 0, 1]]])


def test_confusion_matrix_counts_pixels_by_true_and_predicted_class():
    matrix = measures.confusion_matrix(TRUE, PREDICTED, 4)
    expected = np.array(
        [
            [2, 1, 0, 0],  # true background: 2 right, 1 taken for class 1
            [0, 3, 0, 0],
            [1, 0, 1, 0],  # true class 2: 1 right, 1 taken for background
            [0, 0, 0, 0],
        ]
    )
    np.testing.assert_array_equal(matrix, expected)


def test_iou_per_class_and_means_match_the_hand_computed_figures():
    metrics, _, iou = measures.segmentation_metrics(TRUE, PREDICTED, NAMES)
    # background: TP 2, FP 1, FN 1 -> 2/4; class 1: TP 3, FP 1 -> 3/4; class 2: TP 1, FN 1 -> 1/2.
    np.testing.assert_allclose(iou[:3], [0.5, 0.75, 0.5])
    assert np.isnan(iou[3])  # absent from truth and prediction: no IoU, not 0 and not 1
    assert metrics["mean_iou"] == pytest.approx((0.5 + 0.75 + 0.5) / 3)
    assert metrics["mean_iou_items"] == pytest.approx((0.75 + 0.5) / 2)
    assert metrics["pixel_accuracy"] == pytest.approx(6 / 8)
    assert metrics["pixels"] == 8
    assert metrics["iou_background"] == 0.5 and metrics["iou_t_shirt_top"] == 0.75
    assert "iou_bag" not in metrics


def test_a_class_predicted_but_absent_from_the_truth_counts_as_zero():
    predicted = PREDICTED.copy()
    predicted[0, 0, 0] = 3  # one background pixel taken for a bag: bag IoU 0 / 1
    metrics, _, iou = measures.segmentation_metrics(TRUE, predicted, NAMES)
    # background now: TP 1, FP 1, FN 2 -> 1/4.
    np.testing.assert_allclose(iou, [0.25, 0.75, 0.5, 0.0])
    assert metrics["mean_iou"] == pytest.approx((0.25 + 0.75 + 0.5 + 0.0) / 4)
    assert metrics["iou_bag"] == 0.0


def test_a_perfect_prediction_has_iou_one():
    metrics, _, _ = measures.segmentation_metrics(TRUE, TRUE, NAMES)
    assert metrics["mean_iou"] == metrics["mean_iou_items"] == metrics["pixel_accuracy"] == 1.0


@pytest.mark.parametrize(
    "true, predicted, message",
    [
        (np.zeros((1, 2, 2)), np.zeros((1, 2, 3)), "4 true pixels but 6 predicted"),
        (np.full((1, 2), 4), np.zeros((1, 2)), "true class ids must be in 0..3, got 4..4"),
        (np.zeros((1, 2)), np.array([[0, -1]]), "predicted class ids must be in 0..3, got -1..0"),
    ],
)
def test_masks_that_do_not_match_are_refused(true, predicted, message):
    with pytest.raises(ValueError, match=message):
        measures.confusion_matrix(true, predicted, 4)


def test_class_names_become_metric_names():
    assert [measures.slug(n) for n in ("T-shirt/top", "Ankle boot", "background")] == [
        "t_shirt_top",
        "ankle_boot",
        "background",
    ]


def test_plots_are_pngs(tmp_path):
    rng = np.random.default_rng(0)
    masks = rng.integers(0, 4, (3, 16, 16))
    plots.mask_grid(rng.integers(0, 256, (3, 16, 16)), masks, masks[::-1], NAMES, tmp_path / "m.png", "t")
    plots.iou_bars(
        {"candidate": [0.9, 0.5, np.nan, 0.1], "latest blessed": [0.8, 0.6, 0.2, 0.0]},
        NAMES,
        tmp_path / "b.png",
        "t",
    )
    for name in ("m.png", "b.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
