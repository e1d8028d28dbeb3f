"""LSTMClassifier: the model harness, its preprocessor, word order, pretrained embeddings, precision."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_models.sequence import LSTMClassifier
from keras_models.sequence.lstm_classifier import WordSequencePreprocessor, embeddings_from_word_vectors
from keras_models.text import FastTextPreprocessor
from tests.keras_harness import check_model

VOCABULARY = ["</s>", "the", "cat", "sat", "dog", "ran"]
TEXTS = ["the cat sat", "a dog ran", "", "the " * 20]


def _compiled(model, learning_rate=0.01):
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


@pytest.mark.parametrize("bidirectional", [True, False])
def test_harness(bidirectional, tmp_path):
    def build():
        return LSTMClassifier(
            VOCABULARY, num_classes=3, max_length=6, embedding_dim=8, units=5, bidirectional=bidirectional
        )

    ids = build().preprocessor(tf.constant(TEXTS))
    model = check_model(build, ids, (4, 3), tmp_path)
    assert model.get_layer("embedding").embeddings.shape == (1 + len(VOCABULARY), 8)
    assert model.get_layer("softmax").kernel.shape == ((2 if bidirectional else 1) * 5, 3)


def test_preprocessor_pads_truncates_and_tokenizes_as_fasttext():
    layer = WordSequencePreprocessor(VOCABULARY, max_length=6)
    ids = layer(tf.constant(TEXTS)).numpy()
    assert ids.dtype == np.int64 and ids.shape == (4, 6)
    # fastText's word ids plus one; unknown words dropped; 0 pads; long texts keep their first words.
    fasttext = FastTextPreprocessor(VOCABULARY, word_ngrams=1).ragged_ids(TEXTS).to_list()
    assert fasttext[:3] == [[1, 2, 3, 0], [4, 5, 0], [0]]
    np.testing.assert_array_equal(ids[:3], [[2, 3, 4, 1, 0, 0], [5, 6, 1, 0, 0, 0], [1, 0, 0, 0, 0, 0]])
    np.testing.assert_array_equal(ids[3], [2] * 6)
    clone = WordSequencePreprocessor.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config() and "buckets" not in layer.get_config()


def test_padding_is_masked():
    model = LSTMClassifier(VOCABULARY, num_classes=2, max_length=10, embedding_dim=4, units=3)
    ids = model.preprocessor(tf.constant(["the cat sat"])).numpy()
    longer = np.pad(ids, [(0, 0), (0, 20)])  # more padding: the same text
    np.testing.assert_allclose(model(longer).numpy(), model(ids).numpy(), rtol=1e-6, atol=1e-6)


def test_learns_word_order_from_raw_strings():
    # The class is which of "alpha" and "omega" comes first: a bag of words cannot tell, an LSTM can.
    rng = np.random.default_rng(0)
    fillers = ["red", "green", "blue", "big", "small", "old", "new"]
    texts, labels = [], []
    for _ in range(384):
        words = list(rng.choice(fillers, 4))
        first, second = sorted(rng.choice(5, 2, replace=False))
        label = int(rng.integers(2))
        words.insert(first, ("alpha", "omega")[label])
        words.insert(second, ("omega", "alpha")[label])
        texts.append(" ".join(words))
        labels.append(label)
    texts, labels = np.array(texts, dtype=object), np.array(labels)
    keras.utils.set_random_seed(0)
    model = _compiled(
        LSTMClassifier.from_texts(texts[:256], labels[:256], max_length=8, embedding_dim=8, units=16)
    )
    model.fit(texts[:256], labels[:256], batch_size=32, epochs=25, verbose=0)
    accuracy = np.mean(model.predict(texts[256:], verbose=0).argmax(-1) == labels[256:])
    assert accuracy >= 0.95
    assert model.evaluate(texts[256:], labels[256:], verbose=0, return_dict=True)[
        "accuracy"
    ] == pytest.approx(accuracy)


@pytest.mark.parametrize("trainable", [True, False])
def test_pretrained_embeddings_are_used_and_frozen_ones_stay(trainable, tmp_path):
    word_vectors = {"cat": [1.0, 0.0, 0.0], "dog": [0.0, 1.0, 0.0], "the": [0.0, 0.0, 1.0]}
    texts, labels = ["the cat", "the dog", "a cat", "a dog"] * 4, [0, 1, 0, 1] * 4
    model = LSTMClassifier.from_texts(
        texts, labels, word_vectors=word_vectors, trainable_embeddings=trainable, max_length=4, units=4
    )
    table = model.get_layer("embedding").embeddings
    initial = keras.ops.convert_to_numpy(table).copy()
    vocabulary = model.preprocessor.vocabulary
    assert initial.shape == (1 + len(vocabulary), 3) and model.embedding_dim == 3
    for word, vector in word_vectors.items():
        np.testing.assert_array_equal(initial[1 + vocabulary.index(word)], vector)
    assert any(w is table for w in model.trainable_weights) is trainable

    _compiled(model, 0.1).fit(texts, labels, batch_size=4, epochs=2, verbose=0)
    changed = not np.array_equal(keras.ops.convert_to_numpy(table), initial)
    assert changed is trainable
    model.save(tmp_path / "model.keras")
    restored = keras.saving.load_model(tmp_path / "model.keras")
    np.testing.assert_array_equal(restored.get_layer("embedding").embeddings.numpy(), table.numpy())
    assert restored.get_layer("embedding").trainable is trainable


def test_embeddings_from_word_vectors_fill_missing_words():
    matrix = embeddings_from_word_vectors(["a", "b", "c"], {"b": [2.0, -2.0], "x": [0.0, 1.0]}, seed=0)
    assert matrix.shape == (3, 2) and matrix.dtype == np.float32
    np.testing.assert_array_equal(matrix[1], [2.0, -2.0])
    assert np.all(np.isfinite(matrix)) and not np.array_equal(matrix[0], matrix[2])


def test_mixed_float16_outputs_float32_probabilities():
    keras.mixed_precision.set_dtype_policy("mixed_float16")
    try:
        model = LSTMClassifier(VOCABULARY, num_classes=3, max_length=6, embedding_dim=8, units=4)
        probabilities = model(model.preprocessor(tf.constant(TEXTS)))
    finally:
        keras.mixed_precision.set_dtype_policy("float32")
    assert model.get_layer("bidirectional").compute_dtype == "float16"
    assert probabilities.dtype == tf.float32
    np.testing.assert_allclose(probabilities.numpy().sum(-1), 1.0, rtol=1e-5)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"num_classes": 1}, "num_classes >= 2"),
        ({"num_classes": 2, "dropout": 1.0}, "dropout"),
        ({"num_classes": 2, "max_length": 0}, "max_length"),
        ({"num_classes": 2, "embeddings": np.zeros((2, 3))}, "embeddings must be"),
    ],
)
def test_bad_arguments_say_what_is_wrong(kwargs, match):
    with pytest.raises(ValueError, match=match):
        LSTMClassifier(VOCABULARY, **kwargs)
