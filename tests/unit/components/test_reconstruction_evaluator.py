"""ReconstructionEvaluator's measures against NumPy references."""

import numpy as np
import pytest

from components.reconstruction_evaluator import metrics


def test_psnr_of_per_image_mse():
    clean = np.zeros((2, 4, 4), np.uint8)
    noisy = clean.copy()
    noisy[0, 0, 0] = 255  # one pixel of 16 off by the full range: MSE 1/16
    noisy[1] = 51  # every pixel off by 0.2: MSE 0.04
    mse = metrics.per_image_mse(clean, noisy)
    np.testing.assert_allclose(mse, [1 / 16, 0.04])
    assert metrics.psnr(mse) == pytest.approx(np.mean([10 * np.log10(16), 10 * np.log10(25)]))


def test_pca_error_matches_a_numpy_svd():
    rng = np.random.default_rng(0)
    basis = rng.normal(size=(3, 64))
    train = np.clip(128 + 20 * rng.normal(size=(500, 3)) @ basis, 0, 255).astype(np.uint8).reshape(-1, 8, 8)
    test = np.clip(128 + 20 * rng.normal(size=(50, 3)) @ basis, 0, 255).astype(np.uint8).reshape(-1, 8, 8)

    errors = metrics.pca_errors(train, test, n_components=2)

    x = train.reshape(500, -1) / 255.0
    mean = x.mean(axis=0)
    components = np.linalg.svd(x - mean, full_matrices=False)[2][:2]
    t = test.reshape(50, -1) / 255.0 - mean
    expected = np.mean(np.square(t - t @ components.T @ components), axis=1)
    np.testing.assert_allclose(errors, expected, rtol=1e-3)
    assert np.all(metrics.pca_errors(train, test, n_components=3) < errors)  # a third axis explains more


def test_bernoulli_floor_is_the_pixels_entropy():
    images = np.array([[[0, 255], [255, 0]], [[128, 128], [0, 0]]], np.uint8)  # black/white; two greys
    p = 128 / 255
    expected = np.mean([0.0, 2 * -(p * np.log(p) + (1 - p) * np.log(1 - p))])
    assert metrics.bernoulli_nll_floor(images) == pytest.approx(expected, abs=1e-6)


def test_roc_auc_orders_scores():
    assert metrics.roc_auc([0.1, 0.2, 0.8, 0.9], np.array([False, False, True, True])) == 1.0
    assert metrics.roc_auc([0.9, 0.8, 0.2, 0.1], np.array([False, False, True, True])) == 0.0
