"""What GanEvaluator measures, as plain functions of NumPy feature arrays.

Features are a classifier's penultimate-layer activations (the course's image classifier, LeNet-5,
trained on the same data): the Fréchet distance compares the Gaussians fitted to real and generated
features (Heusel et al., 2017, with a small in-domain network in place of Inception); precision and
recall are the k-nearest-neighbour manifold estimates of Kynkäänniemi et al. (2019).
"""

import numpy as np
from scipy import linalg


def frechet_distance(real, generated):
    """||mu_r - mu_g||^2 + Tr(S_r + S_g - 2 (S_r S_g)^(1/2)) of two feature sets [N, D]."""
    mu_r, mu_g = real.mean(axis=0), generated.mean(axis=0)
    cov_r, cov_g = np.cov(real, rowvar=False), np.cov(generated, rowvar=False)
    root, _ = linalg.sqrtm(cov_r @ cov_g, disp=False)
    if not np.all(np.isfinite(root)):  # a near-singular product: regularise as the FID reference does
        offset = np.eye(len(cov_r)) * 1e-6
        root = linalg.sqrtm((cov_r + offset) @ (cov_g + offset))
    root = root.real
    return float(np.sum(np.square(mu_r - mu_g)) + np.trace(cov_r + cov_g - 2.0 * root))


def _radii(features, k):
    """Distance of each point to its k-th nearest neighbour in the same set (itself excluded)."""
    distances = _pairwise(features, features)
    return np.sort(distances, axis=1)[:, k]  # column 0 is the point itself


def _pairwise(a, b):
    squared = np.sum(a**2, axis=1)[:, None] + np.sum(b**2, axis=1)[None, :] - 2.0 * a @ b.T
    return np.sqrt(np.maximum(squared, 0.0))


def precision_recall(real, generated, k=3):
    """(precision, recall): the fraction of generated points inside the real manifold (union of k-NN
    balls around real points), and of real points inside the generated one."""
    real_radii, generated_radii = _radii(real, k), _radii(generated, k)
    distances = _pairwise(generated, real)  # [generated, real]
    precision = np.mean(np.any(distances <= real_radii[None, :], axis=1))
    recall = np.mean(np.any(distances.T <= generated_radii[None, :], axis=1))
    return float(precision), float(recall)


def class_histogram(predicted, num_classes):
    """Fraction of the samples the classifier puts in each class."""
    return np.bincount(predicted, minlength=num_classes) / max(len(predicted), 1)
