"""Training options: schedules with warm-up, optimizers, label smoothing, augmentation."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from pipelines import training
from pipelines.image_classification import augmentation


def _rates(schedule, epochs):
    return [float(schedule.at_epoch(epoch)) for epoch in epochs]


def test_cosine_schedule_warms_up_linearly_then_decays_to_zero():
    schedule = training.WarmupSchedule(0.1, epochs=10, steps_per_epoch=100, warmup_epochs=2)
    # Step s of the warm-up trains at peak * (s + 1) / warm-up steps: never at 0.
    assert float(schedule(0)) == pytest.approx(0.1 / 200)
    assert float(schedule(99)) == pytest.approx(0.05)
    assert float(schedule(199)) == pytest.approx(0.1)
    # After the warm-up: half a cosine over the remaining 8 epochs.
    assert _rates(schedule, [2, 6, 10]) == pytest.approx([0.1, 0.05, 0.0], abs=1e-7)
    assert float(schedule(1000)) == pytest.approx(0.0, abs=1e-9)


def test_step_schedule_divides_by_ten_at_half_and_three_quarters():
    schedule = training.WarmupSchedule(0.1, epochs=8, steps_per_epoch=10, kind="step")
    assert _rates(schedule, [0, 3.9, 4, 5.9, 6, 7.9]) == pytest.approx([0.1, 0.1, 0.01, 0.01, 0.001, 0.001])


def test_constant_schedule_and_bad_kind():
    assert _rates(training.WarmupSchedule(0.3, 5, 10, kind="constant"), [0, 4]) == pytest.approx([0.3, 0.3])
    with pytest.raises(ValueError, match="schedule must be one of cosine, step, constant"):
        training.WarmupSchedule(0.1, 5, 10, kind="linear")


def test_the_optimizer_follows_the_schedule_step_by_step():
    schedule = training.WarmupSchedule(0.2, epochs=4, steps_per_epoch=2, warmup_epochs=1)
    optimizer = training.make_optimizer("sgd", schedule, momentum=0.0)
    weight = keras.Variable(1.0)
    seen = []
    for _ in range(3):
        seen.append(float(optimizer.learning_rate))
        optimizer.apply_gradients([(tf.constant(1.0), weight)])
    assert seen == pytest.approx([0.1, 0.2, 0.2])
    assert float(weight.numpy()) == pytest.approx(1.0 - 0.5)


def test_optimizers_and_decoupled_weight_decay():
    sgd = training.make_optimizer("sgd", 0.1, momentum=0.9, weight_decay=5e-4)
    assert (sgd.momentum, sgd.weight_decay) == (0.9, 5e-4)
    assert isinstance(training.make_optimizer("adamw", 1e-3, weight_decay=0.05), keras.optimizers.AdamW)
    # Decoupled decay: one step with a zero gradient shrinks the weight by lr * decay.
    weight = keras.Variable(2.0)
    training.make_optimizer("sgd", 0.1, momentum=0.0, weight_decay=0.5).apply_gradients(
        [(tf.constant(0.0), weight)]
    )
    assert float(weight.numpy()) == pytest.approx(2.0 * (1 - 0.1 * 0.5))
    with pytest.raises(ValueError, match="use adamw"):
        training.make_optimizer("adam", 1e-3, weight_decay=1e-4)
    with pytest.raises(ValueError, match="sgd, adam or adamw"):
        training.make_optimizer("rmsprop", 1e-3)


def test_label_smoothing_matches_its_definition():
    probabilities = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]], "float32")
    labels = np.array([0, 2])
    loss = training.classification_loss(0.3)
    smoothed = np.array([[0.8, 0.1, 0.1], [0.1, 0.1, 0.8]])  # (1 - 0.3) * one_hot + 0.3 / 3
    expected = -(smoothed * np.log(probabilities)).sum(-1)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(loss(labels, probabilities)), expected, rtol=1e-5)
    assert training.classification_loss(0.0) == "sparse_categorical_crossentropy"


def test_shift_and_flip_moves_the_picture_and_keeps_its_pixels():
    image = np.zeros((8, 8, 1), "float32")
    image[2:5, 3:6] = np.arange(1, 10, dtype="float32").reshape(3, 3, 1)
    augment = augmentation.shift_and_flip(max_shift=2, seed=0)
    outcomes = set()
    for _ in range(40):
        out, label = augment(tf.constant(image), tf.constant(7))
        out = out.numpy()
        assert out.shape == image.shape and int(label) == 7
        # A shift of at most 2 keeps the 3x3 patch inside: the same nine values, maybe mirrored.
        ys, xs = np.nonzero(out[..., 0])
        patch = out[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1, 0]
        original = image[2:5, 3:6, 0]
        flipped = not np.array_equal(patch, original)
        assert not flipped or np.array_equal(patch, original[:, ::-1])
        # Mirrored, the patch starts at column 8 - 6 = 2 before the shift.
        outcomes.add((ys.min() - 2, xs.min() - (2 if flipped else 3), flipped))
    shifts = {(dy, dx) for dy, dx, _ in outcomes}
    assert all(abs(dy) <= 2 and abs(dx) <= 2 for dy, dx in shifts) and len(shifts) > 5
    assert {flipped for *_, flipped in outcomes} == {True, False}
