"""StarSpace's training examples (its sampling rules per trainMode, negatives that are never the
positive) and the evaluation protocol, on hand-made data."""

import collections

import numpy as np
import pytest
import tensorflow as tf

from keras_models.text import StarSpace, starspace_data

TEXTS = ["good fun film", "great cast", "dull plot", "boring and long", "fun fun film", "plot"]
LABELS = ["pos", "pos", "neg", "neg", "pos", "neg"]


def _rows(sparse):
    """A `tf.SparseTensor` [N, ids] as N tuples of ids."""
    return [tuple(row) for row in tf.RaggedTensor.from_sparse(sparse).to_list()]


def _batches(entities, train_mode, count, batch_size=4, neg_search_limit=6, seed=0):
    dataset, _ = starspace_data.training_batches(entities, train_mode, batch_size, neg_search_limit, seed)
    return list(dataset.take(count))


def _distinct_lines(sizes):
    """Entities [lines, entities, 1]: every entity a single id of its own (ids 0, 1, 2, ... in order)."""
    lines, next_id = [], 0
    for size in sizes:
        lines.append([[next_id + i] for i in range(size)])
        next_id += size
    return lines, tf.ragged.constant(lines, dtype=tf.int64, ragged_rank=2)


def _check_negative_mask(batch):
    """Where a negative's ids equal the example's RHS ids the mask is False, else True; returns the counts."""
    positives, negatives = _rows(batch["rhs"]), _rows(batch["negatives"])
    mask = starspace_data.negative_mask(batch["positive_keys"], batch["negative_keys"]).numpy()
    assert mask.shape == (len(positives), len(negatives))
    expected = np.array([[n != p for n in negatives] for p in positives])
    np.testing.assert_array_equal(mask, expected)
    return int((~expected).sum()), int(expected.sum())


def test_trainmode_0_negatives_equal_to_the_positive_are_masked():
    model = StarSpace.from_texts(TEXTS, LABELS, dim=4)
    entities = model.training_entities(TEXTS, LABELS)
    text_ids = {tuple(line[0]) for line in entities.to_list()}
    label_of = {tuple(line[0]): line[1][0] for line in entities.to_list()}
    equal = unequal = 0
    for batch in _batches(entities, 0, count=6):
        lhs, rhs = _rows(batch["lhs"]), _rows(batch["rhs"])
        for left, right in zip(lhs, rhs):  # fixed roles: the text, then its label's row
            assert left in text_ids and right == (label_of[left],)
        counts = _check_negative_mask(batch)
        equal, unequal = equal + counts[0], unequal + counts[1]
    # With 2 labels, negatives equal to the positive are common: both branches were checked.
    assert equal > 10 and unequal > 10, (equal, unequal)


def test_trainmode_3_lhs_and_rhs_are_two_different_sentences_of_one_line():
    lines, entities = _distinct_lines([3, 2, 3, 2])
    line_of = {item[0]: number for number, line in enumerate(lines) for item in line}
    pairs = collections.defaultdict(set)
    equal = 0
    for batch in _batches(entities, 3, count=60, batch_size=4):
        for left, right in zip(_rows(batch["lhs"]), _rows(batch["rhs"])):
            assert len(left) == len(right) == 1 and left != right
            assert line_of[left[0]] == line_of[right[0]]
            pairs[line_of[left[0]]].add((left[0], right[0]))
        equal += _check_negative_mask(batch)[0]
    # Every ordered pair of a line's sentences gets drawn: LHS and RHS are random, not fixed.
    for number, line in enumerate(lines):
        assert len(pairs[number]) == len(line) * (len(line) - 1), (number, pairs[number])
    assert equal > 0


def test_trainmode_1_lhs_is_every_other_item_of_the_line():
    lines, entities = _distinct_lines([3, 2, 5, 4, 2, 3, 2])
    items = [{item[0] for item in line} for line in lines]
    line_of = {item[0]: number for number, line in enumerate(lines) for item in line}
    dataset, steps = starspace_data.training_batches(entities, 1, 3, 6, seed=1)
    assert steps == 3  # 7 lines in batches of 3
    held_out = collections.defaultdict(set)
    batches = list(dataset.take(8 * steps))
    for epoch in range(8):
        seen = []
        for batch in batches[epoch * steps : (epoch + 1) * steps]:
            for left, right in zip(_rows(batch["lhs"]), _rows(batch["rhs"])):
                (item,) = right
                number = line_of[item]
                assert item not in left and set(left) | {item} == items[number]
                assert len(left) == len(items[number]) - 1
                seen.append(number)
                held_out[number].add(item)
            _check_negative_mask(batch)
        assert sorted(seen) == list(range(len(lines)))  # each line once per epoch
    assert all(len(held_out[n]) >= 2 for n in range(len(lines)))  # the held-out item varies


def test_usable_lines_drop_empty_entities_and_short_lines():
    entities = tf.ragged.constant(
        [[[1, 2], [3]], [[4], []], [[], [5]], [[6], [7], [8]], [[9], [], [10]], [[11]]], dtype=tf.int64
    )
    assert starspace_data.usable_lines(entities[:3], 0).to_list() == [[[1, 2], [3]]]
    assert starspace_data.usable_lines(entities, 3).to_list() == [
        [[1, 2], [3]],
        [[6], [7], [8]],
        [[9], [10]],
    ]


def test_context_windows_follow_getwordexamples():
    lines = [[1, 2, 3, 4, 5, 6, 7], [8, 9], [10], [], [11, 12, 13]]
    for window in (1, 2, 3):
        expected = []
        for line in lines:
            for i, word in enumerate(line):
                context = [line[j] for j in range(i - window, i + window) if j != i and 0 <= j < len(line)]
                expected.append([context, [word]])
        ragged = tf.ragged.constant(lines, dtype=tf.int64)
        assert starspace_data.context_windows(ragged, window).to_list() == expected


# === The evaluation protocol ===


def test_ranking_protocol_trainmode_0_ranks_the_split_labels():
    texts = ["a b", "c", "d e f"]
    queries, candidates, truth, exclude = starspace_data.ranking_protocol(texts, ["y", "x", "y"], 0)
    assert queries == texts and len(candidates) == 2 and truth.shape == (3,) and exclude is None
    assert [candidates[t] for t in truth] == ["__label__y", "__label__x", "__label__y"]
    with pytest.raises(ValueError, match="one label per text"):
        starspace_data.ranking_protocol(texts, ["y"], 0)


def test_ranking_protocol_trainmode_1_holds_out_the_last_item():
    texts = ["A b c", "d e", "f", "b g b", "c c"]
    queries, candidates, truth, exclude = starspace_data.ranking_protocol(texts, None, 1)
    assert queries == ["a b", "d", "b g", "c"]  # the lone item "f" gives no query
    assert sorted(candidates) == ["a", "b", "c", "d", "e", "f", "g"] and len(set(candidates)) == 7
    assert truth.shape == (4,) and [candidates[t] for t in truth] == ["c", "e", "b", "c"]
    # The query's own items do not compete, the held-out one excepted (it may repeat in the query).
    assert [sorted(candidates[i] for i in row) for row in exclude] == [["a", "b"], ["d"], ["g"], []]


def test_ranking_protocol_trainmode_3_ranks_the_last_sentences():
    texts = ["t1\ts1", "t2\tmiddle\ts2", "t3\ts1"]
    queries, candidates, truth, exclude = starspace_data.ranking_protocol(texts, None, 3)
    assert queries == ["t1", "t2", "t3"] and truth.shape == (3,) and exclude is None
    assert sorted(candidates) == ["s1", "s2"]
    assert [candidates[t] for t in truth] == ["s1", "s2", "s1"]
    # A line of one sentence has no pair: it would rank itself first.
    queries, candidates, truth, _ = starspace_data.ranking_protocol(["only a title", "t\td"], None, 3)
    assert queries == ["t"] and candidates == ["d"] and list(truth) == [0]


def test_ranking_protocol_trainmode_5_queries_a_words_context():
    texts = ["a b a d e", "f g", "h"]
    queries, candidates, truth, exclude = starspace_data.ranking_protocol(texts, None, 5, ws=2)
    expected = []
    for line in (t.split() for t in texts if len(t.split()) > 1):
        for i, word in enumerate(line):
            context = [line[j] for j in range(i - 2, i + 2) if j != i and 0 <= j < len(line)]
            expected.append((" ".join(context), word, sorted(set(context) - {word})))
    assert len(queries) == len(truth) == len(exclude) == 7 and sorted(candidates) == list("abdefgh")
    got = [(q, candidates[t], sorted(candidates[i] for i in e)) for q, t, e in zip(queries, truth, exclude)]
    assert got == expected
    assert expected[2] == ("a b d", "a", ["b", "d"])  # the word in its own context still competes
    # At most max_queries positions, spread from the first to the last.
    queries, _, truth, _ = starspace_data.ranking_protocol(texts, None, 5, ws=2, max_queries=3)
    assert len(queries) == len(truth) == 3
    assert queries[0] == expected[0][0] and queries[-1] == expected[-1][0]
    with pytest.raises(ValueError, match="no line of the split has two or more tokens"):
        starspace_data.ranking_protocol(["a", "b"], None, 5)
