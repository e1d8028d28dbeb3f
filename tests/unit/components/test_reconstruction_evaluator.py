"""ReconstructionEvaluator's measures against NumPy references, and its blessing rules."""

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


@pytest.mark.parametrize(
    "value, higher, bar, baseline, blessed, failure",
    [
        (0.02, False, 0.03, None, True, None),
        (0.04, False, 0.03, None, False, "mse 0.04 is not ≤ 0.03"),
        (0.02, False, 0.03, 0.019, False, "worse than the latest blessed model's 0.019"),
        (0.02, False, 0.03, 0.021, True, None),
        (-250.0, True, -300.0, -260.0, True, None),
        (-250.0, True, -300.0, -240.0, False, "worse than the latest blessed model's -240"),
        (-350.0, True, -300.0, None, False, "elbo -350 is not ≥ -300"),
    ],
)
def test_judge(value, higher, bar, baseline, blessed, failure):
    name = "elbo" if higher else "mse"
    ok, rules, failures = metrics.judge({name: value}, name, higher, bar, baseline, max_regression=1e-10)
    assert ok is blessed
    assert len(rules) == (1 if baseline is None else 2)
    assert (failure is None and not failures) or any(failure in f for f in failures)
