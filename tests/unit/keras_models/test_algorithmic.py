"""The algorithmic tasks of the NTM paper: layouts, seeding, and the bit-error metrics."""

import numpy as np
import pytest

from keras_models.memory import algorithmic


def _rng(seed=0):
    return np.random.default_rng(seed)


def test_copy_layout_target_is_the_input_after_the_delimiter():
    x, y, mask = algorithmic.copy(_rng(), 16, (1, 7), bits=5)
    assert x.shape[2] == 6 and y.shape[2] == 5 and x.shape[:2] == y.shape[:2] == mask.shape
    for i in range(16):
        length = int(x[i, :, 5].argmax())  # the delimiter's step
        assert x[i, :, 5].sum() == 1 and mask[i].sum() == length
        np.testing.assert_array_equal(y[i, length + 1 : 2 * length + 1], x[i, :length, :5])
        assert mask[i, length + 1 : 2 * length + 1].all() and not mask[i, : length + 1].any()
        assert not x[i, length + 1 :].any()  # nothing to read while writing
    assert x.shape[1] == 2 * int(mask.sum(axis=1).max()) + 1


def test_generators_are_seeded():
    for name, task in algorithmic.TASKS.items():
        args = {"copy": ((1, 4),), "repeat_copy": ((1, 4), (1, 3))}.get(name, ())
        a, b = task(_rng(3), 4, *args), task(_rng(3), 4, *args)
        for left, right in zip(a, b):
            np.testing.assert_array_equal(left, right)
        assert all(array.dtype == np.float32 for array in a)


def test_repeat_copy_repeats_then_ends():
    x, y, mask = algorithmic.repeat_copy(_rng(1), 8, (2, 4), (1, 3), bits=4, max_repeats=3)
    for i in range(8):
        length = int(x[i, :, 4].argmax())
        repeats = round(x[i, length, 5] * 3)
        sequence = x[i, :length, :4]
        end = length + 1 + length * repeats
        np.testing.assert_array_equal(y[i, length + 1 : end, :4], np.tile(sequence, (repeats, 1)))
        assert y[i, :, 4].sum() == 1 and y[i, end, 4] == 1
        assert mask[i].sum() == length * repeats + 1


def test_associative_recall_answer_is_the_item_after_the_query():
    x, y, mask = algorithmic.associative_recall(_rng(2), 8, items=(2, 5), bits=6, item_length=3)
    for i in range(8):
        starts = np.flatnonzero(x[i, :, 6])
        items = [x[i, s + 1 : s + 4, :6] for s in starts]
        query_start, query_end = np.flatnonzero(x[i, :, 7])
        query = x[i, query_start + 1 : query_end, :6]
        (position,) = [k for k, item in enumerate(items) if np.array_equal(item, query)]
        answer = np.flatnonzero(mask[i])
        assert len(answer) == 3 and answer[0] == query_end + 1
        np.testing.assert_array_equal(y[i, answer], items[position + 1])
    with pytest.raises(ValueError):
        algorithmic.associative_recall(_rng(), 2, items=1)


def test_priority_sort_outputs_the_top_vectors_highest_first():
    x, y, mask = algorithmic.priority_sort(_rng(4), 6, length=10, outputs=4, bits=5)
    assert x.shape == (6, 15, 7) and mask[:, 11:].all() and not mask[:, :11].any()
    for i in range(6):
        priorities = x[i, :10, 5]
        top = np.argsort(priorities)[::-1][:4]
        np.testing.assert_array_equal(y[i, 11:], x[i, top, :5])
        assert x[i, 10, 6] == 1


def test_bit_errors_count_wrong_bits_on_scored_steps_only():
    targets = np.zeros((2, 3, 4), "float32")
    mask = np.array([[0, 1, 1], [1, 1, 1]], "float32")
    outputs = np.full((2, 3, 4), 0.2, "float32")
    outputs[0, 0] = 0.9  # an unscored step: not counted
    outputs[0, 1, :3] = 0.7  # 3 wrong bits
    outputs[1, 2, 0] = 0.51  # 1 wrong bit
    np.testing.assert_array_equal(algorithmic.bit_errors(outputs, targets, mask), [3, 1])
    assert algorithmic.bit_error_per_sequence(outputs, targets, mask) == 2.0
    assert algorithmic.error_per_bit(outputs, targets, mask) == pytest.approx(4 / (5 * 4))
    logits = np.where(outputs > 0.5, 1.0, -1.0)
    assert algorithmic.error_per_bit(logits, targets, mask, threshold=0.0) == pytest.approx(0.2)


def test_guessing_scores_about_one_half():
    x, y, mask = algorithmic.copy(_rng(5), 64, 20)
    coin = _rng(6).uniform(size=y.shape)
    assert abs(algorithmic.error_per_bit(coin, y, mask) - 0.5) < 0.02


def test_bad_lengths_are_refused():
    with pytest.raises(ValueError):
        algorithmic.copy(_rng(), 2, (5, 3))
    with pytest.raises(ValueError):
        algorithmic.copy(_rng(), 2, 0)
