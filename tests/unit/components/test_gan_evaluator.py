"""GanEvaluator's measures against closed forms and hand-made cases."""

import numpy as np
import pytest

from components.gan_evaluator import measures


def test_frechet_distance_of_gaussians_matches_the_closed_form():
    rng = np.random.default_rng(0)
    real = rng.normal(0.0, 1.0, size=(20_000, 2))
    generated = rng.normal(0.0, 1.0, size=(20_000, 2)) * [2.0, 1.0] + [3.0, 0.0]
    # ||mu_r - mu_g||^2 + sum over the diagonal of (sigma_r - sigma_g)^2 = 9 + (1 - 2)^2 = 10.
    assert measures.frechet_distance(real, generated) == pytest.approx(10.0, rel=0.03)
    assert measures.frechet_distance(real, real) == pytest.approx(0.0, abs=1e-6)
    assert measures.frechet_distance(real, generated) == pytest.approx(
        measures.frechet_distance(generated, real)
    )


def test_precision_and_recall_tell_a_collapsed_generator_apart():
    rng = np.random.default_rng(1)
    real = rng.normal(size=(600, 2))
    same = rng.normal(size=(600, 2))
    collapsed = rng.normal(size=(600, 2)) * 0.05  # every sample near one mode
    far = rng.normal(size=(600, 2)) + 50.0

    precision, recall = measures.precision_recall(real, same)
    assert precision > 0.9 and recall > 0.9
    precision, recall = measures.precision_recall(real, collapsed)
    assert precision > 0.9 and recall < 0.2  # realistic but not diverse
    assert measures.precision_recall(real, far) == (0.0, 0.0)


def test_class_histogram():
    np.testing.assert_allclose(measures.class_histogram(np.array([0, 0, 2, 3]), 4), [0.5, 0, 0.25, 0.25])
