"""What the classifiers that read padded ids share (LSTMClassifier, KimCNN, CharCNN): the word-id
preprocessor, raw strings in `fit`, `evaluate`, `predict` and a plain SavedModel, and a word vocabulary
(with optional pretrained vectors) built from texts."""

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
    from keras_models.text.raw_text import WordSequencePreprocessor

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


def word_classifier_from_texts(
    cls, texts, labels=None, num_classes=None, min_count=1, word_vectors=None, **kwargs
):
    """`cls(vocabulary, num_classes, **kwargs)` with the words of `texts` seen `min_count` times.

    `num_classes` defaults to max(labels) + 1. `word_vectors` (a mapping word -> vector) gives the
    initial embeddings of the words it has (see `embeddings_from_word_vectors`).
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


class RawTextInputs:
    """`fit`, `evaluate` and `predict` that also take raw strings, for LSTMClassifier, KimCNN and CharCNN.

    For a Keras model whose `preprocessor` has `padded_ids(strings)` (plain TensorFlow ops) and
    whose input is those ids: raw strings are turned into ids on all cores once per call.
    """

    def text_ids(self, texts):
        """[N] raw strings -> the preprocessor's [N, max_length] NumPy ids."""
        if len(texts) == 0:
            raise ValueError("got no texts; pass at least one string.")
        return tf.concat(map_batches(self.preprocessor.padded_ids, text_batches(texts, 8192)), 0).numpy()

    def _ids(self, x, y=None):
        """(ids, checked labels) for raw strings `x`; (x, y) unchanged otherwise."""
        if not fasttext_data.is_text(x):
            return x, y
        return self.text_ids(x), None if y is None else _checked_labels(y, len(x), self.num_classes)

    def fit(self, x=None, y=None, *args, validation_data=None, **kwargs):
        """Keras fit; raw strings `x` (and in `validation_data`) are turned into ids first."""
        if isinstance(validation_data, (tuple, list)):
            validation_data = (*self._ids(*validation_data[:2]), *validation_data[2:])
        return super().fit(*self._ids(x, y), *args, validation_data=validation_data, **kwargs)

    def evaluate(self, x=None, y=None, *args, **kwargs):
        return super().evaluate(*self._ids(x, y), *args, **kwargs)

    def predict(self, x, *args, **kwargs):
        return super().predict(self._ids(x)[0], *args, **kwargs)

    @property
    def _default_save_signature(self):
        """TF SavedModel hook: `tf.saved_model.save(model, path)` serves raw strings."""

        @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="text")])
        def serving_default(text):
            return {"probabilities": self(self.preprocessor(text), training=False)}

        return serving_default
