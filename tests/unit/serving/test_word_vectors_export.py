"""WordVectorsExport: the SavedModel's embed / nearest / serving_default answer as the Keras model does,
and the vocabulary travels as an asset in row order."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_models.text.doc2vec import Doc2Vec
from keras_models.text.glove import GloVe
from keras_models.text.word2vec import Word2Vec
from serving.word_vectors_export import VOCABULARY_ASSET, WordVectorsExport

TEXTS = ["the cat sat on the mat", "the dog sat on the log", "a cat and a dog"] * 10


def _example(text):
    feature = {"text": tf.train.Feature(bytes_list=tf.train.BytesList(value=[text.encode()]))}
    return tf.train.Example(features=tf.train.Features(feature=feature)).SerializeToString()


@pytest.fixture(scope="module")
def word2vec():
    keras.utils.set_random_seed(0)
    model = Word2Vec.from_texts(TEXTS, min_count=1, dim=8, epochs=2)
    model.fit(TEXTS, verbose=0)
    return model


def test_signatures_answer_as_the_model(word2vec, tmp_path):
    WordVectorsExport(word2vec, top_k=3).save(str(tmp_path / "1"))
    loaded = tf.saved_model.load(str(tmp_path / "1"))
    served = loaded.signatures
    assert set(served) == {"embed", "nearest", "serving_default"}  # no embed_document for word vectors
    words = ["Cat", "dog", "zebra"]
    embedded = served["embed"](words=tf.constant(words))
    np.testing.assert_allclose(embedded["vectors"].numpy(), word2vec.embed(words), atol=1e-6)
    assert embedded["known"].numpy().tolist() == [True, True, False]
    nearest = served["nearest"](words=tf.constant(["cat", "zebra"]))
    expected = [word for word, _ in word2vec.most_similar("cat", topn=3)]
    assert [w.decode() for w in nearest["neighbours"].numpy()[0]] == expected
    assert nearest["neighbours"].numpy()[1].tolist() == [b""] * 3
    # serving_default: the mean vector of a text's known words.
    text = "The cat and the zebra"
    mean = served["serving_default"](examples=tf.constant([_example(text)]))["vector"].numpy()[0]
    np.testing.assert_allclose(mean, word2vec.embed(["the", "cat", "and", "the"]).mean(axis=0), atol=1e-6)
    vocabulary = (tmp_path / "1" / "assets" / VOCABULARY_ASSET).read_text().splitlines()
    assert vocabulary == word2vec.vocabulary


def test_glove_exports_its_summed_vectors(tmp_path):
    model = GloVe(["a", "b", "c"], [3, 2, 1], dim=4)
    model.fit_cooccurrence(
        np.array([0, 1, 2]), np.array([1, 2, 0]), np.array([2.0, 1.0, 0.5]), epochs=2, verbose=0
    )
    WordVectorsExport(model, top_k=5).save(str(tmp_path / "1"))
    served = tf.saved_model.load(str(tmp_path / "1")).signatures
    np.testing.assert_allclose(
        served["embed"](words=tf.constant(["c", "a"]))["vectors"].numpy(), model.vectors[[2, 0]], atol=1e-6
    )
    assert served["nearest"](words=tf.constant(["a"]))["neighbours"].shape == (1, 2)  # top_k capped at V - 1


def test_doc2vec_also_embeds_documents_as_the_model_infers_them(tmp_path):
    keras.utils.set_random_seed(0)
    model = Doc2Vec.from_texts(TEXTS, min_count=1, dim=8, epochs=3, mode="pv_dbow")
    model.fit(TEXTS, verbose=0)
    WordVectorsExport(model).save(str(tmp_path / "1"))
    served = tf.saved_model.load(str(tmp_path / "1")).signatures
    texts = ["the cat sat on the log", "a dog"]
    inferred = served["embed_document"](text=tf.constant(texts))["vector"].numpy()
    np.testing.assert_allclose(inferred, model.infer(tf.constant(texts)).numpy(), atol=1e-5)
    from_examples = served["serving_default"](examples=tf.constant([_example(t) for t in texts]))["vector"]
    np.testing.assert_allclose(from_examples.numpy(), inferred, atol=1e-5)
