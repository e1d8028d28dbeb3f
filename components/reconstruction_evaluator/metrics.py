"""What ReconstructionEvaluator measures, as plain functions of NumPy arrays and a loaded SavedModel."""

import os

import numpy as np
import tensorflow as tf
from tfx.types import artifact_utils

from components.idx_example_gen.executor import IMAGE_KEY, LABEL_KEY

BATCH = 500


def load_split(examples, split, image_shape, limit=0):
    """(uint8 images [N, H, W], int64 labels [N]) of an Examples artifact's split (its first `limit`
    examples when limit > 0)."""
    files = sorted(tf.io.gfile.glob(os.path.join(artifact_utils.get_split_uri([examples], split), "*")))
    dataset = tf.data.TFRecordDataset(files, compression_type="GZIP")
    if limit:
        dataset = dataset.take(limit)
    spec = {IMAGE_KEY: tf.io.FixedLenFeature([], tf.string), LABEL_KEY: tf.io.FixedLenFeature([], tf.int64)}
    images, labels = [], []
    for batch in dataset.batch(4096).map(lambda r: tf.io.parse_example(r, spec)):
        images.append(tf.io.decode_raw(batch[IMAGE_KEY], tf.uint8).numpy().reshape(-1, *image_shape))
        labels.append(batch[LABEL_KEY].numpy())
    return np.concatenate(images), np.concatenate(labels)


class ServedModel:
    """A pushed-layout autoencoder SavedModel, called by signature in batches."""

    def __init__(self, path):
        self._model = tf.saved_model.load(path)
        self.signatures = set(self._model.signatures)
        spec = self._model.signatures["reconstruct"].structured_input_signature[1]["images"]
        self.image_shape = tuple(spec.shape[1:])  # (height, width)

    def __call__(self, signature, images=None, **scalars):
        function = self._model.signatures[signature]
        if images is None:
            return {
                k: v.numpy() for k, v in function(**{k: tf.constant(v) for k, v in scalars.items()}).items()
            }
        parts = [
            function(
                images=tf.constant(images[i : i + BATCH], tf.float32),
                **{k: tf.constant(v) for k, v in scalars.items()},
            )
            for i in range(0, len(images), BATCH)
        ]
        return {key: np.concatenate([part[key].numpy() for part in parts]) for key in parts[0]}


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


def judge(metrics, metric, higher_is_better, bar, baseline=None, max_regression=0.0):
    """(blessed, rules, failures): the metric against its bar, and against the baseline's value if given."""
    sign, word = (1, "≥") if higher_is_better else (-1, "≤")
    rules = [f"{metric} {word} {bar:g}"]
    failures = []
    if sign * (metrics[metric] - bar) < 0:
        failures.append(f"{metric} {metrics[metric]:.5g} is not {word} {bar:g}")
    if baseline is not None:
        rules.append(f"{metric} no more than {max_regression:g} worse than the latest blessed model's")
        if sign * (metrics[metric] - baseline) < -max_regression:
            failures.append(
                f"{metric} {metrics[metric]:.5g} is worse than the latest blessed model's {baseline:.5g}"
            )
    return not failures, rules, failures
