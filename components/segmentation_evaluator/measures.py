"""What SegmentationEvaluator measures, as plain functions of NumPy masks.

IoU of class c = TP / (TP + FP + FN) over all pixels of all eval canvases (one confusion matrix, not
an average of per-canvas figures). A class that is neither in the truth nor in the prediction has no
IoU (0 / 0): it is left out of the means, not counted as 0 or 1.
"""

import re

import numpy as np


def confusion_matrix(true, predicted, num_classes):
    """[num_classes, num_classes] pixel counts: rows the true class, columns the predicted one."""
    true, predicted = (
        np.asarray(true).ravel().astype(np.int64),
        np.asarray(predicted).ravel().astype(np.int64),
    )
    if true.shape != predicted.shape:
        raise ValueError(f"{true.size} true pixels but {predicted.size} predicted ones.")
    for name, values in (("true", true), ("predicted", predicted)):
        if values.size and (values.min() < 0 or values.max() >= num_classes):
            raise ValueError(
                f"{name} class ids must be in 0..{num_classes - 1}, got {values.min()}..{values.max()}."
            )
    return np.bincount(true * num_classes + predicted, minlength=num_classes**2).reshape(
        num_classes, num_classes
    )


def per_class_iou(matrix):
    """IoU of each class; NaN for a class absent from both truth and prediction."""
    hits = np.diag(matrix).astype(np.float64)
    union = matrix.sum(axis=0) + matrix.sum(axis=1) - hits
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, hits / union, np.nan)


def slug(name):
    """A metric-name-friendly class name: 'T-shirt/top' -> 't_shirt_top'."""
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def segmentation_metrics(true, predicted, class_names, background=0):
    """Flat {name: float}: pixel_accuracy, mean_iou (every class present in truth or prediction,
    background included), mean_iou_items (the same without the background), iou_<class> (present
    classes only), pixels, and the confusion matrix beside them."""
    num_classes = len(class_names)
    matrix = confusion_matrix(true, predicted, num_classes)
    iou = per_class_iou(matrix)
    items = np.arange(num_classes) != background
    metrics = {
        "pixel_accuracy": float(np.trace(matrix) / max(matrix.sum(), 1)),
        "mean_iou": float(np.nanmean(iou)) if np.isfinite(iou).any() else float("nan"),
        "mean_iou_items": float(np.nanmean(iou[items])) if np.isfinite(iou[items]).any() else float("nan"),
        "pixels": int(matrix.sum()),
    }
    for name, value in zip(class_names, iou):
        if np.isfinite(value):
            metrics[f"iou_{slug(name)}"] = float(value)
    return metrics, matrix, iou
