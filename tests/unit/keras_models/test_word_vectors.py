"""WordLookup, WordVectorsMixin's queries and corpus_tokens."""

import keras
import numpy as np
import tensorflow as tf

from keras_models.text.fasttext_preprocessor import normalize
from keras_models.text.word2vec import Word2Vec
from keras_models.text.word_vectors import WordLookup, corpus_tokens

VOCABULARY = ["the", "whale", "ship", "sea", "Ahab"]


def test_lookup_any_shape_unknown_and_lowercase():
    lookup = WordLookup(["the", "whale", "ship"])
    ids = lookup(tf.constant([["The", "boat"], ["SHIP", "whale"]])).numpy()
    np.testing.assert_array_equal(ids, [[0, -1], [2, 1]])
    assert lookup(tf.constant("whale")).numpy() == 1
    assert WordLookup(["whale"], lowercase=False)(tf.constant(["Whale"])).numpy().tolist() == [-1]


def test_lookup_in_tf_function_config_and_saved_model(tmp_path):
    lookup = WordLookup(["the", "whale"], name="lookup")
    clone = WordLookup.from_config(lookup.get_config())
    assert clone.get_config() == lookup.get_config()
    module = tf.Module()
    module.lookup = lookup
    module.ids = tf.function(lambda w: lookup(w), input_signature=[tf.TensorSpec([None], tf.string)])
    assert module.ids(tf.constant(["whale", "x"])).numpy().tolist() == [1, -1]
    tf.saved_model.save(module, str(tmp_path / "lookup"))
    restored = tf.saved_model.load(str(tmp_path / "lookup"))
    assert restored.ids(tf.constant(["WHALE", "the"])).numpy().tolist() == [1, 0]


def test_corpus_tokens_are_the_normalized_words():
    texts = ['Call me "Ishmael". Some years ago,', "It's the WHALE!"]
    assert corpus_tokens(texts) == [normalize(t).split() for t in texts]
    assert corpus_tokens(["A b"], lowercase=False) == [["A", "b"]]


def _model_with_vectors(vectors):
    model = Word2Vec(VOCABULARY, [50, 40, 30, 20, 10], dim=vectors.shape[1], lowercase=False)
    model.word_embedding.embeddings.assign(vectors)
    return model


def _vectors():
    return np.array([[1, 0, 0], [0.9, 0.1, 0], [0, 1, 0], [0.1, 0.9, 0.1], [0, 0, 1]], np.float32)


def test_vectors_and_embed_with_zero_rows_for_unknown_words():
    model = _model_with_vectors(_vectors())
    np.testing.assert_allclose(model.vectors, _vectors())
    embedded = model.embed(["ship", "kraken", "the"])
    np.testing.assert_allclose(embedded, [_vectors()[2], np.zeros(3), _vectors()[0]])


def test_nearest_excludes_the_word_and_ranks_by_cosine():
    model = _model_with_vectors(_vectors())
    neighbours, similarities = model.nearest(tf.constant(["the", "sea", "kraken"]), k=2)
    neighbours = neighbours.numpy().astype(str)
    assert neighbours[0].tolist() == ["whale", "sea"] and neighbours[1, 0] == "ship"
    unit = _vectors() / np.linalg.norm(_vectors(), axis=1, keepdims=True)
    np.testing.assert_allclose(similarities.numpy()[0], [unit[0] @ unit[1], unit[0] @ unit[3]], rtol=1e-5)
    assert neighbours[2].tolist() == ["", ""] and not similarities.numpy()[2].any()
    for row, word in zip(neighbours, ["the", "sea"]):
        assert word not in row


def test_nearest_pads_past_the_vocabulary_and_works_in_a_graph():
    model = _model_with_vectors(_vectors())
    fn = tf.function(lambda w: model.nearest(w, k=6), input_signature=[tf.TensorSpec([None], tf.string)])
    neighbours, similarities = fn(tf.constant(["Ahab"]))
    assert neighbours.shape == (1, 6) and neighbours.numpy()[0, -1] == b""
    assert similarities.numpy()[0, -1] == 0


def test_most_similar_and_unknown_word():
    model = _model_with_vectors(_vectors())
    assert [w for w, _ in model.most_similar("ship", topn=1)] == ["sea"]
    try:
        model.most_similar("kraken")
    except KeyError:
        pass
    else:
        raise AssertionError("an unknown word must raise KeyError")
    assert isinstance(keras.saving.get_registered_object("keras_models>WordLookup"), type)
