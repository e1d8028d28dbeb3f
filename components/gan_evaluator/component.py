"""GanEvaluator: a generator judged in a classifier's feature space, beside real and noise images.

Noise-driven models (gan, dcgan, ebgan), from `num_samples` images of `generate(seed 0)`:
- fid: Fréchet distance to the eval images' features; fid_real (train images: the floor a perfect
  generator would reach) and fid_noise (uniform noise images: the ceiling) beside it;
- class_fractions and min_class_fraction: the classifier's histogram of the samples (mode collapse
  shows as empty classes); precision and recall (k-NN manifolds, k = 3).
CycleGAN, on the eval images of its two classes (domains a, b):
- a_to_b_target_fraction, b_to_a_target_fraction: translated images the classifier labels as the
  other domain's class; a_to_b_cycle_mse, b_to_a_cycle_mse (pixels in [0, 1]); a_to_b_fid, b_to_a_fid.

Blessing: fid <= max_fid (CycleGAN: both target fractions >= min_target_fraction), and no worse than the
latest blessed model of the same kind, measured again in the same feature space. Writes metrics.json and
PNGs into `evaluation` and a ModelBlessing as TFX's Evaluator does.
"""

import os

import numpy as np
from absl import logging
from tfx.dsl.component.experimental.annotations import InputArtifact, OutputArtifact, Parameter
from tfx.dsl.component.experimental.decorators import component
from tfx.types.standard_artifacts import Examples, Model, ModelBlessing, ModelEvaluation

from components import model_blessing, model_info
from components.gan_evaluator import measures, plots
from components.gan_evaluator.features import FeatureClassifier
from components.idx_example_gen.examples import load_split
from components.served_model import ServedModel

NUM_CLASSES = 10
MANIFOLD_POINTS = 5_000  # precision/recall: O(N^2) distances


def _noise_model_metrics(model, classifier, real_features, train_features, num_samples):
    samples = model("generate", count=np.int32(num_samples), seed=np.int32(0))["images"]
    features, predicted = classifier(samples)
    fractions = measures.class_histogram(predicted, NUM_CLASSES)
    noise = np.random.default_rng(0).integers(0, 256, size=samples.shape, dtype=np.uint8)
    precision, recall = measures.precision_recall(real_features[:MANIFOLD_POINTS], features[:MANIFOLD_POINTS])
    metrics = {
        "fid": measures.frechet_distance(real_features, features),
        "fid_real": measures.frechet_distance(real_features, train_features),
        "fid_noise": measures.frechet_distance(real_features, classifier(noise)[0]),
        "class_fractions": [float(f) for f in fractions],
        "min_class_fraction": float(fractions.min()),
        "precision": precision,
        "recall": recall,
        "samples": len(samples),
    }
    return metrics, samples


def _cyclegan_metrics(model, classifier, images, labels, domains):
    metrics, rows = {}, []
    a, b = domains
    for source, target, direction, back_direction in ((a, b, "a_to_b", "b_to_a"), (b, a, "b_to_a", "a_to_b")):
        originals = images[labels == source]
        translated = model("translate", originals, direction=direction)["images"]
        back = model("translate", translated, direction=back_direction)["images"]
        features, predicted = classifier(translated)
        metrics[f"{direction}_target_fraction"] = float(np.mean(predicted == target))
        metrics[f"{direction}_cycle_mse"] = float(
            np.mean(np.square((back.astype(np.float64) - originals) / 255.0))
        )
        metrics[f"{direction}_fid"] = measures.frechet_distance(
            classifier(images[labels == target])[0], features
        )
        rows += [originals[:10], translated[:10], back[:10]]
    metrics["min_target_fraction"] = min(metrics["a_to_b_target_fraction"], metrics["b_to_a_target_fraction"])
    return metrics, rows


@component
def GanEvaluator(  # noqa: N802 (TFX naming)
    examples: InputArtifact[Examples],
    model: InputArtifact[Model],
    evaluation: OutputArtifact[ModelEvaluation],
    blessing: OutputArtifact[ModelBlessing],
    baseline_model: InputArtifact[Model] = None,
    max_fid: Parameter[float] = 5.0,
    min_target_fraction: Parameter[float] = 0.8,
    max_regression: Parameter[float] = 1e-10,
    num_samples: Parameter[int] = 10_000,
    cache_dir: Parameter[str] = "",
    class_names: Parameter[str] = "",
) -> None:
    """Measures the candidate (and the baseline of the same kind) in the feature classifier's space.

    cache_dir: where the feature classifier is kept between runs ("" trains it every time);
    class_names: comma-separated names of the label ids, for the plots.
    """
    info = model_info.read(model.uri)
    candidate = ServedModel.of(model)
    image_shape = info["image_shape"]
    images, labels = load_split(examples, "eval", image_shape)
    train_images, train_labels = load_split(examples, "train", image_shape)
    classifier = FeatureClassifier.trained(train_images, train_labels, NUM_CLASSES, cache_dir)
    names = class_names.split(",") if class_names else [str(i) for i in range(NUM_CLASSES)]

    def measure(served, served_info):
        if served_info["domains"]:
            return _cyclegan_metrics(served, classifier, images, labels, served_info["domains"])
        real = classifier(images)[0]
        train = classifier(train_images[:num_samples])[0]
        return _noise_model_metrics(served, classifier, real, train, num_samples)

    metrics, shown = measure(candidate, info)
    if info["domains"]:
        metric, bar, higher = "min_target_fraction", min_target_fraction, True
        a, b = (names[d] for d in info["domains"])
        rows = [f"{a}", f"→ {b}", f"→ back to {a}", f"{b}", f"→ {a}", f"→ back to {b}"]
        plots.image_grid(
            shown, rows, os.path.join(evaluation.uri, "translations.png"), "CycleGAN on eval images"
        )
        written = ["translations.png"]
    else:
        metric, bar, higher = "fid", max_fid, False
        rows = [shown[i * 10 : (i + 1) * 10] for i in range(6)]
        path = os.path.join(evaluation.uri, "samples.png")
        plots.image_grid(rows, [""] * 6, path, f"{info['model']} samples (seed 0)")
        plots.class_histogram(
            metrics["class_fractions"], names, os.path.join(evaluation.uri, "class_histogram.png")
        )
        written = ["samples.png", "class_histogram.png"]

    baseline_value = None
    if baseline_model is not None:
        baseline_info = model_info.read(baseline_model.uri)
        if baseline_info["model"] == info["model"] and baseline_info["domains"] == info["domains"]:
            baseline_metrics, _ = measure(ServedModel.of(baseline_model), baseline_info)
            baseline_value = metrics[f"baseline_{metric}"] = baseline_metrics[metric]
        else:
            logging.warning(
                "GanEvaluator: the latest blessed model is a %s: not compared", baseline_info["model"]
            )
    blessed, rules, failures = model_blessing.judge(
        metric, metrics[metric], bar, higher, baseline_value, max_regression
    )

    model_blessing.record(
        evaluation, blessing, model, metrics=metrics, rules=rules, failures=failures, plots=written,
        baseline_model=baseline_model,
    )  # fmt: skip
    logging.info("GanEvaluator: %s; %s", metrics, "blessed" if blessed else "; ".join(failures))
