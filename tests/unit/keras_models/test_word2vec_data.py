"""word2vec's corpus preparation against its formulas and brute-force enumerations."""

import numpy as np
import tensorflow as tf

from keras_models.text import word2vec_data, word2vec_ops
from keras_models.text.word_vectors import WordLookup


def test_keep_probabilities_are_word2vecs_formula():
    counts = np.array([5000, 1000, 100, 10, 1])
    total = counts.sum()
    threshold = 1e-3 * total
    expected = np.minimum(1.0, (np.sqrt(counts / threshold) + 1) * threshold / counts)
    np.testing.assert_allclose(word2vec_data.keep_probabilities(counts, 1e-3), expected)
    assert expected[0] < 0.5 and expected[-1] == 1.0
    np.testing.assert_array_equal(word2vec_data.keep_probabilities(counts, 0), np.ones(5))
    shorthand = int(2 * (3 + np.sqrt(5)) / 2)  # gensim: sample >= 1 is a count threshold
    np.testing.assert_allclose(
        word2vec_data.keep_probabilities(counts, 2),
        np.minimum(1.0, (np.sqrt(counts / shorthand) + 1) * shorthand / counts),
    )


def test_negative_table_draws_follow_unigram_to_the_three_quarters():
    counts = np.array([1000, 300, 100, 10])
    table = word2vec_data.negative_table(counts)
    powers = counts**0.75
    np.testing.assert_array_equal(table, np.round(np.cumsum(powers) / powers.sum() * (2**31 - 1)))
    words = word2vec_ops.draw_negatives(tf.constant(table), [200_000], tf.constant([3, 4], tf.int64)).numpy()
    frequencies = np.bincount(words, minlength=4) / len(words)
    np.testing.assert_allclose(frequencies, powers / powers.sum(), atol=0.005)


def test_window_pairs_equal_brute_force():
    rng = np.random.default_rng(0)
    sentences = np.sort(rng.integers(0, 6, size=60)).astype(np.int32)
    windows = rng.integers(1, 4, size=60).astype(np.int32)
    centers, contexts = word2vec_data.window_pairs(tf.constant(sentences), tf.constant(windows), 3)
    expected = [
        (i, j)
        for i in range(60)
        for j in range(60)
        if i != j and sentences[i] == sentences[j] and abs(i - j) <= windows[i]
    ]
    assert sorted(zip(centers.numpy().tolist(), contexts.numpy().tolist())) == expected


def test_subsample_keeps_words_at_their_keep_probability():
    ids = np.repeat(np.arange(2, dtype=np.int32), 20_000)
    sentences = np.zeros_like(ids)
    keep = tf.constant([0.25, 1.0], tf.float64)
    kept_ids, _, raw, windows = word2vec_data.subsample(
        ids, sentences, keep, 5, tf.constant([1, 2], tf.int64)
    )
    kept_ids = kept_ids.numpy()
    assert abs(np.sum(kept_ids == 0) / 20_000 - 0.25) < 0.02
    assert np.sum(kept_ids == 1) == 20_000
    np.testing.assert_array_equal(ids[raw.numpy()], kept_ids)
    assert windows.numpy().min() >= 1 and windows.numpy().max() == 5


def test_count_words_and_corpus_ids():
    texts = [["b", "a", "b", "zz"], ["c", "b", "a"], []]
    batches = word2vec_data.token_batches(texts)
    words, counts = word2vec_data.count_words(batches, min_count=2)
    assert words == ["b", "a"] and counts.tolist() == [3, 2]
    assert word2vec_data.count_words(batches, max_vocab_size=1)[0] == ["b"]
    # Ties in gensim's order: np.argsort of the counts in order of first appearance, reversed.
    tied = word2vec_data.count_words(word2vec_data.token_batches([["x", "y", "z", "y"]]))[0]
    assert tied == ["y"] + [["x", "z"][i] for i in np.argsort([1, 1])[::-1]]
    ids, sentences, rows, num_texts = word2vec_data.corpus_ids(WordLookup(words), batches)
    assert ids.tolist() == [0, 1, 0, 0, 1] and rows.tolist() == [0, 0, 0, 1, 1] and num_texts == 3
    assert sentences.tolist() == [0, 0, 0, 1, 1]


def test_long_texts_are_split_into_sentences(monkeypatch):
    monkeypatch.setattr(word2vec_data, "MAX_SENTENCE_LEN", 4)
    batches = word2vec_data.token_batches([["a"] * 10, ["a"] * 3])
    _, sentences, rows, _ = word2vec_data.corpus_ids(WordLookup(["a"]), batches)
    assert sentences.tolist() == [0] * 4 + [1] * 4 + [2] * 2 + [3] * 3
    assert rows.tolist() == [0] * 10 + [1] * 3


def test_interleaved_order_visits_each_texts_words_round_robin():
    texts = tf.constant([0, 0, 0, 1, 2, 2], tf.int32)
    order = word2vec_data.interleaved_order(texts).numpy()
    assert order.tolist() == [0, 3, 4, 1, 5, 2]


def test_strided_order_is_a_permutation_with_far_apart_steps():
    order = word2vec_data.strided_order(tf.constant(100, tf.int64), 4, 11).numpy()
    assert sorted(order.tolist()) == list(range(100))
    assert order[:4].tolist() == [0, 11, 22, 33] and order[4:8].tolist() == [1, 12, 23, 34]
    for step in range(0, 88, 4):  # full blocks: a step's centers are at least `stride` apart
        assert np.diff(np.sort(order[step : step + 4])).min() >= 11
