"""Doc2Vec: documents learned, inference deterministic and near the trained vectors, saving and serving."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_models.text.doc2vec import Doc2Vec
from tests.unit.keras_models.test_word2vec import topic_corpus


def _cosine(a, b):
    return (a * b).sum(-1) / np.linalg.norm(a, axis=-1) / np.linalg.norm(b, axis=-1)


@pytest.fixture(scope="module", params=["pv_dbow", "pv_dm"])
def trained(request):
    texts = topic_corpus(sentences=200, length=12)
    model = Doc2Vec.from_texts(
        texts, min_count=1, dim=16, mode=request.param, epochs=15, alpha=0.05, sample=0, seed=3
    )
    model.fit(texts, batch_size=128, verbose=0)
    return model, texts


def test_documents_of_a_topic_are_nearer(trained):
    model, _ = trained
    vectors = model.document_vectors
    assert vectors.shape == (200, 16)
    cosine = _cosine(vectors[:, None, :], vectors[None, :, :])
    topic = np.arange(200) % 2
    same = cosine[topic[:, None] == topic[None, :]].mean()
    assert same - cosine[topic[:, None] != topic[None, :]].mean() > 0.2


def test_inferred_training_document_is_near_its_trained_vector(trained):
    model, texts = trained
    inferred = model.infer_vectors(texts[:20])
    own = _cosine(inferred, model.document_vectors[:20])
    assert own.mean() > 0.5
    others = _cosine(inferred[:, None, :], model.document_vectors[None, 20:60, :]).mean(1)
    assert (own > others).mean() >= 0.9


def test_infer_is_deterministic_and_independent_of_the_batch(trained):
    model, texts = trained
    alone = model.infer(tf.constant(texts[5:6])).numpy()
    batch = model.infer(tf.constant(texts[3:9])).numpy()
    np.testing.assert_allclose(alone[0], batch[2], rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(model.infer_vectors(texts[5:6]), model.infer_vectors([texts[5].split()]))
    unknown = model.infer(tf.constant(["kraken leviathan"])).numpy()
    assert np.isfinite(unknown).all() and np.abs(unknown).max() < 1.0 / 16


def test_dbow_words_trains_word_vectors_and_plain_dbow_does_not():
    texts = topic_corpus(sentences=40)
    for dbow_words in (False, True):
        model = Doc2Vec.from_texts(texts, min_count=1, dim=8, mode="pv_dbow", dbow_words=dbow_words, epochs=2)
        before = model.vectors
        model.fit(texts, verbose=0)
        assert np.array_equal(before, model.vectors) != dbow_words


def test_harness_saving_and_serving(tmp_path):
    texts = topic_corpus(sentences=30)
    model = Doc2Vec.from_texts(texts, min_count=1, dim=8, mode="pv_dm", epochs=2, loss="hs")
    model.fit(texts, verbose=0)
    config = model.get_config()
    assert Doc2Vec.from_config(config).get_config() == config
    path = str(tmp_path / "d2v.keras")
    model.save(path)
    restored = keras.saving.load_model(path)
    np.testing.assert_array_equal(restored.document_vectors, model.document_vectors)
    np.testing.assert_array_equal(restored.infer_vectors(texts[:2]), model.infer_vectors(texts[:2]))
    tf.saved_model.save(model, str(tmp_path / "served"))
    serve = tf.saved_model.load(str(tmp_path / "served")).signatures["serving_default"]
    served = serve(text=tf.constant(texts[:2]))["vectors"].numpy()
    np.testing.assert_allclose(served, model.infer_vectors(texts[:2]), rtol=1e-5, atol=1e-6)


def test_bad_arguments():
    with pytest.raises(ValueError, match="mode"):
        Doc2Vec(["a", "b"], [2, 1], num_documents=2, mode="dm_concat")
    model = Doc2Vec.from_texts(["a b", "b a"], min_count=1, dim=4)
    with pytest.raises(ValueError, match="2 documents"):
        model.fit(["a b", "b a", "a"], verbose=0)
