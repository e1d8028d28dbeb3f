"""ReconstructionEvaluator: an autoencoder's figures on the eval split, PCA beside them, and a blessing.

Writes into `evaluation`: metrics.json ({"metrics", "rules", "failures", "blessed"}) and PNGs
(reconstructions, VAE samples and latent traversal, a latent map coloured by class); into `blessing`:
BLESSED or NOT_BLESSED and the custom properties TFX's Evaluator sets, so Pusher and the
latest-blessed-model resolver treat it as theirs.

Metrics (pixels in [0, 1]; on the normal classes' eval images when the model was trained on some):
mse, psnr; pca_mse (PCA of the same code size, fitted on the same train images); the VAE's elbo,
kl and reconstruction_nll (nats per image), with a Bernoulli decoder bernoulli_nll_floor (the NLL no model
can go below on grey-level pixels); the denoising autoencoder's noisy_psnr and denoised_psnr;
the sparse autoencoder's mean_activation; with normal classes, roc_auc of anomaly_score (normal vs
the other classes) and pca_roc_auc of PCA's reconstruction error.
"""

import os

import numpy as np
from absl import logging
from tfx.dsl.component.experimental.annotations import InputArtifact, OutputArtifact, Parameter
from tfx.dsl.component.experimental.decorators import component
from tfx.types.standard_artifacts import Examples, Model, ModelBlessing, ModelEvaluation

from components import model_blessing, model_info
from components.idx_example_gen.examples import load_split
from components.reconstruction_evaluator import metrics as measures
from components.reconstruction_evaluator import plots
from components.served_model import ServedModel

PCA_TRAIN_LIMIT = 20_000  # train images PCA is fitted on (its error changes in the 4th digit beyond)
MAP_POINTS = 2_000


def _plots(model, info, images, labels, arrays, class_names, out_dir):
    """The PNGs; returns their file names."""
    written = []
    first = slice(0, 12)

    def grid(name, rows, titles, title):
        plots.image_grid(rows, titles, os.path.join(out_dir, name), title)
        written.append(name)

    reconstructions = model("reconstruct", images[first])["images"]
    if "noisy" in arrays:
        grid(
            "reconstructions.png",
            [images[first], arrays["noisy"][first], arrays["denoised"][first]],
            ["clean", "noisy input", "denoised"],
            "Denoising on eval images",
        )
    else:
        grid(
            "reconstructions.png",
            [images[first], reconstructions],
            ["input", "output"],
            "Reconstructions of eval images",
        )
    if "sample" in model.signatures:
        samples = model("sample", count=np.int32(24), seed=np.int32(0))["images"]
        grid(
            "samples.png", [samples[:12], samples[12:]], ["samples (seed 0)", ""], "VAE samples from N(0, I)"
        )
        steps = np.linspace(-3.0, 3.0, 9, dtype=np.float32)
        rows, titles = [], []
        for dim in range(min(6, info["code_size"])):
            code = np.zeros([len(steps), info["code_size"]], np.float32)
            code[:, dim] = steps
            rows.append(model("decode", code=code)["images"])
            titles.append(f"z[{dim}] from -3 to 3")
        grid("latent_traversal.png", rows, titles, "Latent traversal (other dimensions at 0)")
    shown = slice(0, MAP_POINTS)
    codes = model("encode", images[shown])["code"]
    plots.latent_map(codes, labels[shown], class_names, os.path.join(out_dir, "latent_map.png"))
    written.append("latent_map.png")
    return written


@component
def ReconstructionEvaluator(  # noqa: N802 (TFX naming)
    examples: InputArtifact[Examples],
    model: InputArtifact[Model],
    evaluation: OutputArtifact[ModelEvaluation],
    blessing: OutputArtifact[ModelBlessing],
    baseline_model: InputArtifact[Model] = None,
    max_mse: Parameter[float] = 0.03,
    min_elbo: Parameter[float] = -300.0,
    max_regression: Parameter[float] = 1e-10,
    eval_limit: Parameter[int] = 0,
    class_names: Parameter[str] = "",
) -> None:
    """Measures the candidate (and PCA, and the baseline of the same kind) on the eval split; blesses it.

    class_names: comma-separated names of the label ids, for the latent map's legend.
    """
    info = model_info.read(model.uri)
    candidate = ServedModel.of(model)
    image_shape = candidate.input_shape("reconstruct", "images")
    images, labels = load_split(examples, "eval", image_shape, eval_limit)
    metrics, arrays = measures.measure(candidate, info, images, labels)

    train_images, train_labels = load_split(examples, "train", image_shape, PCA_TRAIN_LIMIT)
    if info["normal_classes"]:
        train_images = train_images[np.isin(train_labels, info["normal_classes"])]
    components = min(info["code_size"], *train_images.shape[:1], int(np.prod(image_shape)))
    pca = measures.pca_errors(train_images, images, components)
    metrics["pca_mse"] = float(np.mean(pca[arrays["normal"]]))
    metrics["pca_components"] = components
    if "roc_auc" in metrics:
        metrics["pca_roc_auc"] = measures.roc_auc(pca, ~arrays["normal"])

    metric, higher_is_better = measures.headline(candidate)
    baseline_value = None
    if baseline_model is not None:
        baseline_info = model_info.read(baseline_model.uri)
        if baseline_info["model"] == info["model"]:
            baseline_metrics, _ = measures.measure(
                ServedModel.of(baseline_model), baseline_info, images, labels
            )
            baseline_value = metrics[f"baseline_{metric}"] = baseline_metrics[metric]
        else:
            logging.warning(
                "ReconstructionEvaluator: the latest blessed model is a %s, not a %s: not compared",
                baseline_info["model"],
                info["model"],
            )
    bar = min_elbo if higher_is_better else max_mse
    blessed, rules, failures = model_blessing.judge(
        metric, metrics[metric], bar, higher_is_better, baseline_value, max_regression
    )
    names = class_names.split(",") if class_names else []
    written = _plots(candidate, info, images, labels, arrays, names, evaluation.uri)

    model_blessing.record(
        evaluation, blessing, model, metrics=metrics, rules=rules, failures=failures, plots=written,
        baseline_model=baseline_model,
    )  # fmt: skip
    logging.info("ReconstructionEvaluator: %s; %s", metrics, "blessed" if blessed else "; ".join(failures))
