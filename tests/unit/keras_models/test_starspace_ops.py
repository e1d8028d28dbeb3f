"""StarSpace's similarities and losses against NumPy references, and their gradients."""

import numpy as np
import pytest
import tensorflow as tf

from keras_models.text.starspace_ops import hinge_loss, similarity, softmax_loss


def test_similarity_matches_numpy():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(6, 5)), rng.normal(size=(6, 5))
    a[2] = 0.0  # a zero vector: cosine 0
    dot = np.sum(a * b, axis=1)
    norms = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
    cosine = np.where(norms > 0, dot / np.where(norms > 0, norms, 1.0), 0.0)
    a32, b32 = tf.constant(a, tf.float32), tf.constant(b, tf.float32)
    np.testing.assert_allclose(similarity(a32, b32, "dot").numpy(), dot, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(similarity(a32, b32).numpy(), cosine, rtol=1e-5, atol=1e-6)
    assert similarity(a32, b32).numpy()[2] == 0.0
    with pytest.raises(ValueError, match="similarity must be one of"):
        similarity(a32, b32, "euclidean")


def _hinge_reference(positive, negatives, usable, margin, max_negatives):
    """StarSpace's rule, one example at a time: negatives in order, unusable ones skipped, violating
    ones taken until max_negatives are; the loss is the mean taken violation (0 if none)."""
    losses = []
    for pos, negs, ok in zip(positive, negatives, usable):
        taken = []
        for neg, use in zip(negs, ok):
            if len(taken) == max_negatives:
                break
            if use and margin - pos + neg > 0:
                taken.append(margin - pos + neg)
        losses.append(np.mean(taken) if taken else 0.0)
    return np.array(losses)


@pytest.mark.parametrize("max_negatives", [1, 3, 50])
def test_hinge_loss_matches_starspace_rule(max_negatives):
    rng = np.random.default_rng(max_negatives)
    positive = rng.uniform(-1, 1, size=40)
    negatives = rng.uniform(-1, 1, size=(40, 12))
    usable = rng.random((40, 12)) < 0.7
    usable[0] = False  # no usable negative: loss 0
    negatives[1] = positive[1] - 2.0  # none violates: loss 0
    margin = 0.2
    expected = _hinge_reference(positive, negatives, usable, margin, max_negatives)
    loss = hinge_loss(
        tf.constant(positive, tf.float32),
        tf.constant(negatives, tf.float32),
        tf.constant(usable),
        margin,
        max_negatives,
    )
    np.testing.assert_allclose(loss.numpy(), expected, rtol=1e-5, atol=1e-6)
    assert expected[0] == expected[1] == 0.0 and (expected > 0).sum() > 20
    uncapped = _hinge_reference(positive, negatives, usable, margin, 10**6)
    everything = _hinge_reference(positive, negatives, np.ones_like(usable), margin, max_negatives)
    assert not np.allclose(everything, expected)  # the data exercise the usable mask...
    if max_negatives < 12:
        assert not np.allclose(uncapped, expected)  # ... and the cap


def test_softmax_loss_matches_numpy():
    rng = np.random.default_rng(1)
    positive, negatives = rng.normal(size=20), rng.normal(size=(20, 7))
    usable = rng.random((20, 7)) < 0.6
    usable[0] = False  # only the positive: probability 1, loss 0
    expected = -np.log(np.exp(positive) / (np.exp(positive) + np.sum(np.exp(negatives) * usable, axis=1)))
    loss = softmax_loss(
        tf.constant(positive, tf.float32), tf.constant(negatives, tf.float32), tf.constant(usable)
    )
    np.testing.assert_allclose(loss.numpy(), expected, rtol=1e-5, atol=1e-6)
    assert abs(expected[0]) < 1e-12 and np.all(expected[1:][usable[1:].any(axis=1)] > 0)


@pytest.mark.parametrize("loss", ["hinge", "softmax"])
def test_unusable_negatives_get_no_gradient(loss):
    positive = tf.constant([0.1, 0.3, -0.2])
    negatives = tf.constant([[0.5, 0.4, 0.3, 0.9], [0.8, 0.4, 0.6, 0.7], [0.0, 0.1, 0.2, 0.3]])
    usable = tf.constant([[True, False, True, False], [False, True, True, False], [False] * 4])
    with tf.GradientTape() as tape:
        tape.watch(negatives)
        if loss == "hinge":
            losses = hinge_loss(positive, negatives, usable, margin=0.05, max_negatives=10)
        else:
            losses = softmax_loss(positive, negatives, usable)
        total = tf.reduce_sum(losses)
    gradient = tape.gradient(total, negatives).numpy()
    assert np.all(np.isfinite(gradient))
    np.testing.assert_array_equal(gradient[~usable.numpy()], 0.0)
    # Every usable negative here violates the margin: each pulls on the loss.
    assert np.all(gradient[usable.numpy()] > 0)
    if loss == "hinge":  # d mean(violations) / d negative = 1 / taken
        np.testing.assert_allclose(gradient[usable.numpy()], 0.5, rtol=1e-6)
