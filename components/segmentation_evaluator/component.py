"""SegmentationEvaluator: a segmentation model's figures on the eval canvases, and a blessing.

The candidate's own `segment` signature (what a client of the served model gets) segments the eval
split's canvases, in canvas index order. Writes into `evaluation`: metrics.json ({"metrics", "rules",
"failures", "blessed", "plots"}) and PNGs (canvases with their true and predicted masks; IoU per
class, beside the latest blessed model's); into `blessing`: BLESSED or NOT_BLESSED and the custom
properties TFX's Evaluator sets, so Pusher and the latest-blessed-model resolver treat it as theirs.

Metrics (components/segmentation_evaluator/measures.py): pixel_accuracy; mean_iou over the classes
present in truth or prediction, background included (11 classes for Fashion-MNIST canvases);
mean_iou_items (the same, without the background); iou_<class>; canvases, pixels; parameters; and,
with a baseline, baseline_mean_iou. The blessing asks mean_iou >= min_mean_iou and no regression
against the latest blessed model on the same canvases.
"""

import os

import numpy as np
from absl import logging
from tfx.dsl.component.experimental.annotations import InputArtifact, OutputArtifact, Parameter
from tfx.dsl.component.experimental.decorators import component
from tfx.types.standard_artifacts import Examples, Model, ModelBlessing, ModelEvaluation

from components import model_blessing, model_info
from components.canvas_example_gen.examples import read_canvases
from components.segmentation_evaluator import measures, plots
from components.served_model import ServedModel

SIGNATURE = "segment"
SHOWN = 8  # canvases in masks.png


def predict_masks(model, canvases):
    """The `segment` signature's masks of uint8 canvases [N, H, W]."""
    return model(SIGNATURE, canvases.astype(np.float32))["mask"]


def _baseline_figures(baseline_model, info, canvases, true, class_names):
    """(metrics, per-class IoU) of the latest blessed model, or (None, None) when it is not comparable."""
    baseline_info = model_info.read(baseline_model.uri)
    baseline = ServedModel.of(baseline_model)
    if SIGNATURE not in baseline.signatures or baseline_info.get("class_names") != info.get("class_names"):
        logging.warning(
            "SegmentationEvaluator: the latest blessed model (%s) has no %r signature over the same "
            "classes: not compared",
            baseline_info.get("model"),
            SIGNATURE,
        )
        return None, None
    metrics, _, iou = measures.segmentation_metrics(true, predict_masks(baseline, canvases), class_names)
    return metrics, iou


@component
def SegmentationEvaluator(  # noqa: N802 (TFX naming)
    examples: InputArtifact[Examples],
    model: InputArtifact[Model],
    evaluation: OutputArtifact[ModelEvaluation],
    blessing: OutputArtifact[ModelBlessing],
    baseline_model: InputArtifact[Model] = None,
    min_mean_iou: Parameter[float] = 0.5,
    max_regression: Parameter[float] = 1e-10,
    eval_limit: Parameter[int] = 0,
) -> None:
    """Measures the candidate (and the latest blessed model) on the eval canvases; blesses the candidate
    when its mean IoU is >= min_mean_iou and no worse than the baseline's by more than max_regression."""
    info = model_info.read(model.uri)
    class_names = info["class_names"]
    canvases, true, _ = read_canvases(examples, "eval", eval_limit)
    candidate = ServedModel.of(model)
    predicted = predict_masks(candidate, canvases)
    metrics, matrix, iou = measures.segmentation_metrics(true, predicted, class_names)
    metrics.update(canvases=len(canvases), parameters=info.get("parameters", 0))

    series = {"candidate": iou}
    if baseline_model is not None:
        baseline_metrics, baseline_iou = _baseline_figures(baseline_model, info, canvases, true, class_names)
        if baseline_metrics is not None:
            metrics["baseline_mean_iou"] = baseline_metrics["mean_iou"]
            series["latest blessed"] = baseline_iou
    blessed, rules, failures = model_blessing.judge(
        "mean_iou", metrics["mean_iou"], min_mean_iou, True, metrics.get("baseline_mean_iou"), max_regression
    )

    shown = slice(0, SHOWN)
    plots.mask_grid(
        canvases[shown], true[shown], predicted[shown], class_names,
        os.path.join(evaluation.uri, "masks.png"),
        f"Eval canvases: mean IoU {metrics['mean_iou']:.3f}, pixel accuracy {metrics['pixel_accuracy']:.3f}",
    )  # fmt: skip
    plots.iou_bars(
        series, class_names, os.path.join(evaluation.uri, "iou_per_class.png"),
        f"IoU per class on {len(canvases):,} eval canvases (mean {metrics['mean_iou']:.3f})",
    )  # fmt: skip
    np.savetxt(os.path.join(evaluation.uri, "confusion_matrix.csv"), matrix, fmt="%d", delimiter=",")
    model_blessing.record(
        evaluation, blessing, model, metrics=metrics, rules=rules, failures=failures,
        plots=["masks.png", "iou_per_class.png"], baseline_model=baseline_model,
    )  # fmt: skip
    logging.info("SegmentationEvaluator: %s; %s", metrics, "blessed" if blessed else "; ".join(failures))
