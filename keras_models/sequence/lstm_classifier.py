"""LSTM text classification: fastText's words as padded id sequences, a (bi)directional LSTM, softmax."""

import keras
import numpy as np

from keras_models.text.raw_text import (  # the preprocessor and embeddings_from_word_vectors: also from here
    PADDING,
    RawTextInputs,
    WordSequencePreprocessor,
    embeddings_from_word_vectors,
    word_classifier_from_texts,
)

__all__ = ["PADDING", "LSTMClassifier", "WordSequencePreprocessor", "embeddings_from_word_vectors"]


@keras.saving.register_keras_serializable(package="keras_models")
class LSTMClassifier(RawTextInputs, keras.Model):
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
        return word_classifier_from_texts(cls, texts, labels, num_classes, min_count, word_vectors, **kwargs)

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
