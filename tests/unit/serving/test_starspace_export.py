"""StarSpaceExport: the SavedModel's embed / retrieve / predict / score answer as the Keras model does."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_models.text import StarSpace
from serving.starspace_export import StarSpaceExport

LINES = [
    "oil prices climb\tcrude rises as supply tightens",
    "striker scores twice\tthe forward netted two goals in the final",
    "new phone unveiled\tthe company showed its latest handset",
    "central bank holds rates\tpolicy makers kept interest rates unchanged",
] * 4


@pytest.mark.parametrize("lexical_weight", [0.0, 0.9])
def test_retrieve_and_score_match_the_model(lexical_weight, tmp_path):
    keras.utils.set_random_seed(0)
    model = StarSpace.from_texts(LINES, train_mode=3, dim=8, lexical_weight=lexical_weight, lr=0.05)
    model.fit(LINES, epochs=3, verbose=0)
    names, texts = model.candidates(LINES)
    StarSpaceExport(model, names, texts, top_k=3).save(str(tmp_path / "1"))
    served = tf.saved_model.load(str(tmp_path / "1")).signatures
    assert "predict" not in served and {"embed", "retrieve", "score", "serving_default"} <= set(served)
    queries = ["crude oil prices", "the final goals", "unknown words only"]
    expected = model.scores(queries, texts)
    retrieved = served["retrieve"](text=tf.constant(queries))
    np.testing.assert_allclose(retrieved["scores"].numpy(), -np.sort(-expected, axis=1)[:, :3], atol=1e-5)
    best = [names[i] for i in expected.argmax(axis=1)]
    assert [row[0].decode() for row in retrieved["ids"].numpy()] == best
    scored = served["score"](query=tf.constant(queries), candidate=tf.constant(texts))["scores"].numpy()
    np.testing.assert_allclose(scored, expected, atol=1e-5)
    embedded = served["embed"](text=tf.constant(queries))["embedding"].numpy()
    np.testing.assert_allclose(embedded, model.embed(queries), atol=1e-6)


def test_a_classifier_also_predicts_its_labels(tmp_path):
    texts = ["good fun film", "great cast", "dull plot", "boring and long"] * 8
    labels = ["pos", "pos", "neg", "neg"] * 8
    keras.utils.set_random_seed(0)
    model = StarSpace.from_texts(texts, labels, dim=8, lr=0.05, epoch=20, batch_size=4)
    model.fit(texts, labels, verbose=0)
    StarSpaceExport(model, *model.candidates(), top_k=5).save(str(tmp_path / "1"))
    predict = tf.saved_model.load(str(tmp_path / "1")).signatures["predict"]
    predicted = predict(text=tf.constant(["great fun", "dull and boring"]))
    assert predicted["labels"].shape == (2, 2)  # top_k is capped at the 2 labels
    best = [[label.decode() for label in row] for row in predicted["labels"].numpy()]
    assert best == [["pos", "neg"], ["neg", "pos"]]
