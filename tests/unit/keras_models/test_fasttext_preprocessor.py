"""FastTextPreprocessor: fastText's tokenization, word ids and hashed word n-grams, in the graph."""

import numpy as np
import pytest
import tensorflow as tf

from keras_models.text import FastTextPreprocessor, build_vocabulary, normalize
from keras_models.text.fasttext_preprocessor import EOS

TEXTS = [
    'Stocks FELL (again) on Monday, "analysts" said: it\'s bad!',
    "Line one\\nline two;<br />third\tpart?  Ünïcode stays.",
    "",
]


def test_tokens_follow_fasttexts_normalization_and_end_with_eos():
    tokens = FastTextPreprocessor([]).tokenize(TEXTS).to_list()
    assert [t.decode() for t in tokens[0]] == [
        "stocks", "fell", "(", "again", ")", "on", "monday", ",", "analysts", "said", "it", "'", "s", "bad",
        "!", EOS,
    ]  # fmt: skip
    assert [t.decode() for t in tokens[1]][:6] == ["line", "one", "nline", "two", "third", "part"]
    assert tokens[2] == [EOS.encode()]
    # The pure-Python twin (for writing fastText files) gives the same tokens.
    for text, row in zip(TEXTS, tokens):
        assert normalize(text).split() + [EOS] == [t.decode() for t in row]


def test_vocabulary_is_by_frequency_and_min_count():
    texts = ["b a b", "c b", "a"]
    assert build_vocabulary(texts) == [EOS, "b", "a", "c"]  # </s> ends all 3 texts
    assert build_vocabulary(texts, min_count=2) == [EOS, "b", "a"]


def test_word_ids_drop_unknown_words_and_ngram_ids_follow_them():
    vocabulary = ["the", "cat", "sat", EOS]
    layer = FastTextPreprocessor(vocabulary, word_ngrams=3, buckets=1000)
    first, second = layer.ragged_ids(["the cat sat", "the dog sat"]).to_list()
    assert sorted(i for i in first if i < 4) == [0, 1, 2, 3]
    # 4 tokens: 3 bigrams and 2 trigrams, hashed into the 1,000 ids after the 4 words.
    ngrams = [i for i in first if i >= 4]
    assert len(ngrams) == 5 and all(i < 1004 for i in ngrams)
    # "dog" is dropped as a word, but its n-grams stay (as in fastText).
    assert sorted(i for i in second if i < 4) == [0, 2, 3] and len(second) == 3 + 5
    # The same n-gram gets the same id: "sat </s>" is in both texts, the rest differ (1000 buckets).
    assert len(set(ngrams) & {i for i in second if i >= 4}) == 1
    assert layer.num_ids == 1004


def test_unigrams_use_no_buckets_and_ids_are_deterministic():
    assert FastTextPreprocessor(["a"], word_ngrams=1, buckets=2_000_000).num_ids == 1
    first = FastTextPreprocessor(["a"], word_ngrams=2, buckets=97).ragged_ids(["a b c d"])
    second = FastTextPreprocessor(["a"], word_ngrams=2, buckets=97).ragged_ids(tf.constant(["a b c d"]))
    np.testing.assert_array_equal(first.flat_values.numpy(), second.flat_values.numpy())


def test_sparse_output_and_config_round_trip():
    layer = FastTextPreprocessor(["x", "y", EOS], word_ngrams=2, buckets=10, lowercase=False)
    sparse = layer(tf.constant(["x y", "Y"]))
    assert isinstance(sparse, tf.SparseTensor) and sparse.dense_shape.numpy().tolist() == [2, 5]
    clone = FastTextPreprocessor.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    np.testing.assert_array_equal(
        tf.sparse.to_dense(clone(tf.constant(["x y", "Y"]))), tf.sparse.to_dense(sparse)
    )
    with pytest.raises(ValueError, match="duplicate"):
        FastTextPreprocessor(["a", "a"])
