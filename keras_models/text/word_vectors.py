"""What every word-vector model shares: word -> id lookup in the graph, and queries on the vectors.

`WordLookup` maps words to vocabulary ids inside TensorFlow graphs (a `tf.function`, a
SavedModel signature). `WordVectorsMixin` gives a model with `vocabulary`, `lookup` and
`word_vectors()` gensim's everyday queries (`vectors`, `most_similar`) and a graph-mode
`nearest` a serving signature can call. `corpus_tokens` tokenizes a corpus exactly as the
models do, so a peer (gensim) can be trained on the same tokens.
"""

import keras
import numpy as np
import tensorflow as tf

from keras_models.text.fasttext_preprocessor import map_batches, text_batches, tokenize


def corpus_tokens(texts, lowercase=True, split_punctuation=True, batch_size=8192):
    """fastText's tokenization of each text, without the end-of-line word: a list of lists of str.

    Args:
        texts: a sequence of str/bytes, a string tensor or a `tf.data.Dataset` of strings.
        lowercase: bool. ASCII lowercasing (see `fasttext_preprocessor.normalize`).
        split_punctuation: bool. fastText's punctuation handling.
    """
    batches = map_batches(
        lambda t: tokenize(t, lowercase, split_punctuation, eos=False), text_batches(texts, batch_size)
    )
    return [
        [word.decode("utf-8", "replace") for word in row] for tokens in batches for row in tokens.to_list()
    ]


@keras.saving.register_keras_serializable(package="keras_models")
class WordLookup(keras.layers.Layer):
    """Words (a string tensor of any shape) -> int64 vocabulary ids of the same shape, -1 if unknown.

    Each word is normalized as training normalized it (ASCII lowercasing when
    `lowercase`) and found in a `tf.lookup.StaticHashTable`, a tracked resource
    that works inside `tf.function` and is saved with a SavedModel.

    Args:
        vocabulary: list of str, the words in id order.
        lowercase: bool. Lowercase (ASCII) each word before the lookup.

    Example:

    ```python
    import tensorflow as tf
    from keras_models.text.word_vectors import WordLookup

    lookup = WordLookup(["the", "whale"])
    assert lookup(tf.constant(["Whale", "ship"])).numpy().tolist() == [1, -1]
    ```
    """

    def __init__(self, vocabulary, lowercase=True, **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)
        words = [w.decode("utf-8") if isinstance(w, bytes) else str(w) for w in vocabulary]
        if len(set(words)) != len(words):
            raise ValueError("vocabulary has duplicate words.")
        self._vocabulary = np.array(words, dtype=object)  # an array: Keras would wrap a list
        self.lowercase = bool(lowercase)
        with tf.init_scope():
            keys = tf.constant(words if words else [""], tf.string)
            values = tf.range(len(words) if words else 1, dtype=tf.int64)
            if not words:
                values = tf.constant([-1], tf.int64)
            self.table = tf.lookup.StaticHashTable(tf.lookup.KeyValueTensorInitializer(keys, values), -1)
        self.built = True

    @property
    def vocabulary(self):
        return self._vocabulary.tolist()

    def call(self, words):
        words = tf.convert_to_tensor(words, tf.string)
        if self.lowercase:
            words = tf.strings.lower(words)
        return self.table.lookup(words)

    def compute_output_spec(self, words):
        return keras.KerasTensor(words.shape, dtype="int64")

    def get_config(self):
        config = super().get_config()
        config.update({"vocabulary": self.vocabulary, "lowercase": self.lowercase})
        return config


class WordVectorsMixin:
    """gensim-style queries for a model with `vocabulary`, `lookup` (a `WordLookup`) and `word_vectors()`.

    `word_vectors()` returns the `[V, d]` tensor of the vectors users get.
    """

    @property
    def vectors(self):
        """The word vectors, np.float32 [V, d] (row i is `vocabulary[i]`)."""
        return np.asarray(self.word_vectors(), dtype=np.float32)

    def embed(self, words):
        """np.float32 [N, d] vectors of `words` (a list of str); zero rows for unknown words."""
        ids = np.asarray(self.lookup(tf.reshape(tf.constant(list(words), tf.string), [-1])))
        vectors = self.vectors
        out = np.zeros((len(ids), vectors.shape[1]), np.float32)
        out[ids >= 0] = vectors[ids[ids >= 0]]
        return out

    def most_similar(self, word, topn=10):
        """[(word, cosine)] of the `topn` nearest words (the word itself excluded); KeyError if unknown."""
        if int(self.lookup(tf.constant([word]))[0]) < 0:
            raise KeyError(f"word {word!r} is not in the vocabulary.")
        neighbours, similarities = self.nearest(tf.constant([word]), topn)
        return [
            (w.decode("utf-8"), float(s)) for w, s in zip(neighbours.numpy()[0], similarities.numpy()[0]) if w
        ]

    def nearest(self, words, k=10):
        """Graph-mode cosine nearest neighbours of each word, the word itself excluded.

        Args:
            words: tf.string [N].
            k: int, neighbours per word.

        Returns:
            (neighbours tf.string [N, k], similarities tf.float32 [N, k]); unknown
            words (and slots past the vocabulary's end) get "" and 0.
        """
        k = int(k)
        words = tf.reshape(tf.convert_to_tensor(words, tf.string), [-1])
        num_words = len(self.vocabulary)
        ids = self.lookup(words)
        unit = tf.math.l2_normalize(tf.cast(self.word_vectors(), tf.float32), axis=1)
        found = min(k, max(num_words - 1, 0))
        if found:
            similarities = tf.matmul(tf.gather(unit, tf.maximum(ids, 0)), unit, transpose_b=True)
            itself = tf.one_hot(ids, num_words, on_value=True, off_value=False)  # all False for -1
            similarities = tf.where(itself, tf.constant(-np.inf, tf.float32), similarities)
            top, positions = tf.math.top_k(similarities, found)
            neighbours = tf.gather(tf.constant(self.vocabulary, tf.string), positions)
            known = (ids >= 0)[:, None]
            neighbours = tf.where(known, neighbours, tf.constant(""))
            top = tf.where(known, top, tf.zeros_like(top))
        else:
            neighbours = tf.fill([tf.size(words), 0], tf.constant(""))
            top = tf.zeros([tf.size(words), 0], tf.float32)
        if found < k:
            pad = [[0, 0], [0, k - found]]
            neighbours, top = tf.pad(neighbours, pad, constant_values=""), tf.pad(top, pad)
        return neighbours, top
