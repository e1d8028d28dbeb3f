"""LSTM text classification: fastText's words as padded id sequences, a (bi)directional LSTM, softmax."""

import keras
import numpy as np
import tensorflow as tf

from keras_models.text import fasttext_data
from keras_models.text.fasttext import _checked_labels
from keras_models.text.fasttext_preprocessor import (
    FastTextPreprocessor,
    build_vocabulary,
    map_batches,
    text_batches,
)

PADDING = 0  # the id of padding; word i of the vocabulary has id i + 1


@keras.saving.register_keras_serializable(package="keras_models")
class WordSequencePreprocessor(FastTextPreprocessor):
    """Raw strings -> word ids `[N, max_length]` int64, right-padded with 0.

    fastText's tokenization (`FastTextPreprocessor` with unigrams: normalize,
    split on whitespace, `</s>` ending each text), word `i` of `vocabulary`
    mapped to `i + 1` and unknown words dropped; texts longer than
    `max_length` known words keep their first `max_length`.

    Args:
        vocabulary: list of str (see `build_vocabulary`).
        max_length: int. Length of every output row.
        lowercase: bool. ASCII lowercasing.
        split_punctuation: bool. fastText's punctuation handling.

    Example:

    ```python
    import tensorflow as tf
    from keras_models.sequence.lstm_classifier import WordSequencePreprocessor

    layer = WordSequencePreprocessor(["</s>", "the", "cat"], max_length=5)
    assert layer(tf.constant(["The cat, the dog"])).numpy().tolist() == [[2, 3, 2, 1, 0]]
    ```
    """

    def __init__(self, vocabulary, max_length=128, lowercase=True, split_punctuation=True, **kwargs):
        super().__init__(vocabulary, lowercase=lowercase, split_punctuation=split_punctuation, **kwargs)
        if int(max_length) < 1:
            raise ValueError(f"max_length must be at least 1, got {max_length}.")
        self.max_length = int(max_length)

    @property
    def num_ids(self):
        """Rows the embedding table needs: padding, then the words."""
        return self.num_words + 1

    def padded_ids(self, texts):
        """[N] strings -> [N, max_length] int64 word ids (plain TensorFlow ops: usable in threads)."""
        ids = self.ragged_ids(texts)[:, : self.max_length] + 1
        return ids.to_tensor(PADDING, shape=[None, self.max_length])

    def call(self, texts):
        return self.padded_ids(texts)

    def compute_output_spec(self, texts):
        return keras.KerasTensor((texts.shape[0], self.max_length), dtype="int64")

    def get_config(self):
        config = super().get_config()
        del config["word_ngrams"], config["buckets"]
        config["max_length"] = self.max_length
        return config


def embeddings_from_word_vectors(vocabulary, word_vectors, seed=None):
    """A [len(vocabulary), d] float32 matrix: each word's vector, random rows for words it lacks.

    `word_vectors`: a mapping word -> vector of size d (e.g. word2vec or GloVe
    read into a dict). A missing word's row is normal with the vectors' own
    standard deviation.
    """
    vectors = np.asarray(list(word_vectors.values()), np.float32)
    if vectors.ndim != 2 or not len(vectors):
        raise ValueError("word_vectors must map words to vectors of one size.")
    rng = np.random.default_rng(seed)
    matrix = rng.normal(0.0, vectors.std(), (len(vocabulary), vectors.shape[1])).astype(np.float32)
    for i, word in enumerate(vocabulary):
        if word in word_vectors:
            matrix[i] = word_vectors[word]
    return matrix


@keras.saving.register_keras_serializable(package="keras_models")
class LSTMClassifier(keras.Model):
    """Text classifier: word embeddings, a (bidirectional) LSTM over the words, a softmax.

    The model maps padded word ids `[N, T]` (0 = padding, masked) from its
    `preprocessor` (a `WordSequencePreprocessor`: fastText's tokenizer and
    word vocabulary) to class probabilities `[N, num_classes]` (float32, also
    under a mixed precision policy). As with `FastText`, `fit`, `evaluate` and
    `predict` also take raw strings (tokenized once per call), and an export
    calls `model(model.preprocessor(strings))`.

    The LSTM reads the embeddings of the words in order; its last state (with
    `bidirectional`, the forward LSTM's last state and the backward LSTM's
    state after reading the whole text backwards, concatenated) feeds the
    softmax. Dropout acts on the embeddings and on that state.

    Args:
        vocabulary: list of str, the words (see `from_texts`).
        num_classes: int.
        max_length: int. Words kept per text (the first ones).
        embedding_dim: int. Word vector size (taken from `embeddings` when given).
        units: int. LSTM state size (per direction).
        bidirectional: bool. Also read each text backwards.
        embeddings: optional float matrix `[len(vocabulary), embedding_dim]`,
            row i the pretrained vector of word i (see `embeddings_from_word_vectors`);
            the initial embeddings, random (uniform) when None. Not part of
            `get_config`: a saved model keeps them as weights.
        trainable_embeddings: bool. False freezes the embeddings.
        dropout: float. Dropout rate.
        lowercase: bool. ASCII lowercasing before tokenizing.
        split_punctuation: bool. fastText's punctuation handling.

    Example:

    ```python
    from keras_models.sequence import LSTMClassifier

    texts = ["good fun film", "great cast", "dull plot", "boring and long"] * 8
    labels = [1, 1, 0, 0] * 8
    model = LSTMClassifier.from_texts(texts, labels, max_length=8, embedding_dim=8, units=8)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(texts, labels, batch_size=8, epochs=2, verbose=0)
    assert model.predict(["a great film", "long and dull"], verbose=0).shape == (2, 2)
    ```
    """

    def __init__(
        self,
        vocabulary,
        num_classes,
        max_length=128,
        embedding_dim=100,
        units=128,
        bidirectional=True,
        embeddings=None,
        trainable_embeddings=True,
        dropout=0.0,
        lowercase=True,
        split_punctuation=True,
        **kwargs,
    ):
        if int(num_classes) < 2:
            raise ValueError(f"LSTMClassifier needs num_classes >= 2, got {num_classes}.")
        if not 0 <= dropout < 1:
            raise ValueError(f"dropout must be in [0, 1), got {dropout}.")
        initial = None
        if embeddings is not None:
            embeddings = np.asarray(embeddings, np.float32)
            if embeddings.ndim != 2 or embeddings.shape[0] != len(vocabulary):
                raise ValueError(
                    f"embeddings must be [len(vocabulary), dim] = [{len(vocabulary)}, dim], "
                    f"got shape {embeddings.shape}."
                )
            embedding_dim = embeddings.shape[1]
            initial = np.concatenate([np.zeros((1, embedding_dim), np.float32), embeddings])

        # === Layers ===
        preprocessor = WordSequencePreprocessor(
            vocabulary,
            max_length=max_length,
            lowercase=lowercase,
            split_punctuation=split_punctuation,
            name="preprocessor",
        )
        embedding = keras.layers.Embedding(
            preprocessor.num_ids,
            embedding_dim,
            mask_zero=True,
            weights=initial,
            trainable=trainable_embeddings,
            name="embedding",
        )
        lstm = keras.layers.LSTM(units, name="lstm")
        if bidirectional:
            lstm = keras.layers.Bidirectional(lstm, name="bidirectional")
        head = keras.layers.Dense(num_classes, activation="softmax", dtype="float32", name="softmax")

        # === Functional Model ===
        word_ids = keras.Input(shape=(None,), dtype="int64", name="word_ids")
        x = keras.layers.Dropout(dropout, name="embedding_dropout")(embedding(word_ids))
        x = keras.layers.Dropout(dropout, name="state_dropout")(lstm(x))
        super().__init__(inputs=word_ids, outputs=head(x), **kwargs)

        # === Config ===
        self.preprocessor = preprocessor
        self.num_classes = int(num_classes)
        self.max_length = int(max_length)
        self.embedding_dim = int(embedding_dim)
        self.units = int(units)
        self.bidirectional = bool(bidirectional)
        self.trainable_embeddings = bool(trainable_embeddings)
        self.dropout = float(dropout)
        self.lowercase = bool(lowercase)
        self.split_punctuation = bool(split_punctuation)

    @classmethod
    def from_texts(cls, texts, labels=None, num_classes=None, min_count=1, word_vectors=None, **kwargs):
        """Builds the word vocabulary from `texts` (words seen `min_count` times) and the model.

        `num_classes` defaults to max(labels) + 1. `word_vectors` (a mapping word ->
        vector) gives the initial embeddings of the words it has (see
        `embeddings_from_word_vectors`); other keyword arguments go to the constructor.
        """
        if labels is not None:
            labels = _checked_labels(labels, len(texts), num_classes)
            num_classes = num_classes or int(labels.max()) + 1
        if num_classes is None:
            raise ValueError("pass labels or num_classes.")
        vocabulary = build_vocabulary(
            texts, min_count, kwargs.get("lowercase", True), kwargs.get("split_punctuation", True)
        )
        if word_vectors is not None:
            kwargs["embeddings"] = embeddings_from_word_vectors(vocabulary, word_vectors)
        return cls(vocabulary=vocabulary, num_classes=num_classes, **kwargs)

    def word_ids(self, texts):
        """[N] raw strings -> [N, max_length] int64 NumPy word ids, tokenized on all cores."""
        if len(texts) == 0:
            raise ValueError("got no texts; pass at least one string.")
        return tf.concat(map_batches(self.preprocessor.padded_ids, text_batches(texts, 8192)), 0).numpy()

    def _ids(self, x, y=None):
        """(word ids, checked labels) for raw strings `x`; (x, y) unchanged otherwise."""
        if not fasttext_data.is_text(x):
            return x, y
        return self.word_ids(x), None if y is None else _checked_labels(y, len(x), self.num_classes)

    def fit(self, x=None, y=None, *args, validation_data=None, **kwargs):
        """Keras fit; raw strings `x` (and in `validation_data`) are tokenized first."""
        if isinstance(validation_data, (tuple, list)):
            validation_data = (*self._ids(*validation_data[:2]), *validation_data[2:])
        return super().fit(*self._ids(x, y), *args, validation_data=validation_data, **kwargs)

    def evaluate(self, x=None, y=None, *args, **kwargs):
        return super().evaluate(*self._ids(x, y), *args, **kwargs)

    def predict(self, x, *args, **kwargs):
        return super().predict(self._ids(x)[0], *args, **kwargs)

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "vocabulary": self.preprocessor.vocabulary,
            "num_classes": self.num_classes,
            "max_length": self.max_length,
            "embedding_dim": self.embedding_dim,
            "units": self.units,
            "bidirectional": self.bidirectional,
            "embeddings": None,
            "trainable_embeddings": self.trainable_embeddings,
            "dropout": self.dropout,
            "lowercase": self.lowercase,
            "split_punctuation": self.split_punctuation,
        }
