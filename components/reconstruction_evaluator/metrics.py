"""What ReconstructionEvaluator measures, as plain functions of NumPy arrays and a loaded SavedModel."""

import numpy as np


def per_image_mse(clean, other):
    """Mean squared error per image, pixels scaled to [0, 1]."""
    difference = (other.astype(np.float64) - clean.astype(np.float64)) / 255.0
    return np.mean(np.square(difference.reshape(len(clean), -1)), axis=1)


def psnr(mse):
    """Peak signal-to-noise ratio in dB of per-image MSEs (peak 1), averaged over images."""
    return float(np.mean(10.0 * np.log10(1.0 / np.maximum(mse, 1e-10))))


def pca_errors(train_images, eval_images, n_components, seed=0):
    """Per-image reconstruction MSE of PCA with `n_components`, fitted on the train images."""
    from sklearn.decomposition import PCA

    flat = lambda images: images.reshape(len(images), -1).astype(np.float32) / 255.0  # noqa: E731
    pca = PCA(n_components=n_components, svd_solver="randomized", random_state=seed).fit(flat(train_images))
    eval_flat = flat(eval_images)
    reconstruction = pca.inverse_transform(pca.transform(eval_flat))
    return np.mean(np.square(reconstruction - eval_flat), axis=1)


def bernoulli_nll_floor(images):
    """Mean over images of sum_pixels H(x): the least reconstruction NLL a Bernoulli decoder can reach on
    grey-level pixels x in [0, 1] (nats per image); 0 only for black-and-white images."""
    x = np.clip(images.reshape(len(images), -1).astype(np.float64) / 255.0, 1e-12, 1 - 1e-12)
    entropy = -(x * np.log(x) + (1 - x) * np.log(1 - x))
    return float(np.mean(np.sum(entropy, axis=1)))


def roc_auc(scores, is_anomaly):
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(is_anomaly, scores))


def measure(model, info, images, labels):
    """Metrics of `model` (a ServedModel) on eval images; returns (metrics, arrays for the plots)."""
    normal = np.isin(labels, info["normal_classes"]) if info["normal_classes"] else np.ones(len(labels), bool)
    scores = model("anomaly_score", images)
    metrics = {
        "mse": float(np.mean(scores["score"][normal])),
        "psnr": psnr(scores["score"][normal]),
        "examples": int(normal.sum()),
    }
    arrays = {"scores": scores["score"], "normal": normal}
    if "elbo" in scores:
        metrics.update(
            {key: float(np.mean(scores[key][normal])) for key in ("elbo", "kl", "reconstruction_nll")}
        )
        if info.get("likelihood") == "bernoulli":
            metrics["bernoulli_nll_floor"] = bernoulli_nll_floor(images[normal])
    if "corrupt" in model.signatures:
        noisy = model("corrupt", images[normal], seed=np.int32(0))["images"]
        denoised = model("reconstruct", noisy)["images"]
        metrics["noisy_psnr"] = psnr(per_image_mse(images[normal], noisy))
        metrics["denoised_psnr"] = psnr(per_image_mse(images[normal], denoised))
        arrays["noisy"], arrays["denoised"] = noisy, denoised
    if "target_activation" in info:
        metrics["mean_activation"] = float(np.mean(model("encode", images[normal])["code"]))
        metrics["target_activation"] = info["target_activation"]
    if not normal.all():
        metrics["roc_auc"] = roc_auc(scores["score"], ~normal)
    return metrics, arrays


def headline(model):
    """(metric, higher_is_better) that blesses the model: the ELBO for a VAE, else the MSE."""
    return ("elbo", True) if "sample" in model.signatures else ("mse", False)
