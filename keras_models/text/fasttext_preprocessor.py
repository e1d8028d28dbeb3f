"""fastText's text preprocessing as a Keras layer: raw strings -> word and word n-gram ids, in the graph."""

import os
import re
from concurrent.futures import ThreadPoolExecutor

import keras
import numpy as np
import tensorflow as tf

EOS = "</s>"  # fastText ends every line with this word

# fastText's text normalization for its classification examples
# (github.com/facebookresearch/fastText, classification-example.sh): lowercase,
# drop double quotes, blank out `<br />`, `;` and `:`, and set `' . , ( ) ! ?`
# apart as tokens of their own. A backslash is blanked too: AG News escapes
# line breaks as backslashes. Lowercasing is ASCII-only, like `tr` in the C locale.
_DROP = r'"'
_BLANK = r"<br />|[;:\\]"
_SEPARATE = r"([.,()!?'])"
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_HASH_MULTIPLIER = 116049371  # fastText's, for word n-gram hashes
_HASH_MODULUS = 2**31 - 1
_FINGERPRINTS = 2**63 - 1  # to_hash_bucket_fast(x, this): FarmHash64 fingerprints, nearly whole
_WHITESPACE = re.compile(r"[ \t\n\v\f\r]+")  # what tf.strings.split and fastText split on


def normalize(text, lowercase=True, split_punctuation=True):
    """Pure-Python twin of the layer's normalization; returns the tokens joined by single spaces.

    Use it to write a fastText training file whose whitespace tokens are exactly
    the layer's tokens (without the end-of-line word).
    """
    if lowercase:
        text = text.translate(_ASCII_LOWER)
    if split_punctuation:
        text = re.sub(_DROP, "", text)
        text = re.sub(_BLANK, " ", text)
        text = re.sub(_SEPARATE, r" \1 ", text)
    return " ".join(t for t in _WHITESPACE.split(text) if t)


def tokenize(texts, lowercase=True, split_punctuation=True, eos=True):
    """[N] strings -> [N, None] ragged tokens, each row ending with EOS (unless `eos` is False)."""
    texts = tf.reshape(tf.convert_to_tensor(texts, tf.string), [-1])
    if lowercase:
        texts = tf.strings.lower(texts)
    if split_punctuation:
        texts = tf.strings.regex_replace(texts, _DROP, "")
        texts = tf.strings.regex_replace(texts, _BLANK, " ")
        texts = tf.strings.regex_replace(texts, _SEPARATE, r" \1 ")
    return tf.strings.split(tf.strings.join([texts, EOS], separator=" ") if eos else texts)


def text_batches(texts, size):
    """Batches of strings from a sequence, a string tensor or a tf.data.Dataset of strings."""
    if isinstance(texts, tf.data.Dataset):
        yield from texts.batch(size)
        return
    if not isinstance(texts, tf.Tensor):
        texts = tf.constant(np.asarray(texts, dtype=object).reshape(-1), tf.string)
    for start in range(0, int(tf.size(texts)), size):
        yield texts[start : start + size]


def map_batches(fn, batches):
    """[fn(b) for b in batches], on all cores: eager TensorFlow ops release the GIL.

    Runs once per data set, eagerly: tracing a tf.data function would cost more.
    """
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        return list(pool.map(fn, batches))


def vocabulary_from_tokens(token_batches, min_count=1):
    """Words of ragged token batches seen at least `min_count` times, most frequent first (ties by word).

    Tokens that are not valid UTF-8 are left out (they are then dropped like unknown words).
    """
    words, counts = [], []
    for tokens in token_batches:
        unique, _, count = tf.unique_with_counts(tokens.flat_values)
        words.append(unique)
        counts.append(count)
    if not words:
        return []
    unique, position = tf.unique(tf.concat(words, 0))
    totals = tf.math.unsorted_segment_sum(tf.concat(counts, 0), position, tf.size(unique)).numpy()
    keep = totals >= min_count
    words, totals = unique.numpy()[keep], totals[keep]
    vocabulary = []
    for word in words[np.lexsort((words, -totals))]:
        try:
            vocabulary.append(word.decode("utf-8"))
        except UnicodeDecodeError:
            pass
    return vocabulary


def build_vocabulary(texts, min_count=1, lowercase=True, split_punctuation=True, batch_size=8192):
    """The words of `texts` seen at least `min_count` times (fastText's `minCount`), most frequent first.

    `texts`: a sequence of str/bytes, a string tensor or a `tf.data.Dataset` of strings.
    Returns a list of str, `</s>` included (it ends every text).
    """
    tokens = map_batches(lambda t: tokenize(t, lowercase, split_punctuation), text_batches(texts, batch_size))
    return vocabulary_from_tokens(tokens, min_count)


@keras.saving.register_keras_serializable(package="keras_models")
class FastTextPreprocessor(keras.layers.Layer):
    """Raw strings -> fastText input ids: word ids, then hashed word n-gram ids.

    Tokenization follows fastText: normalize (see `normalize`), split on
    whitespace, end each text with `</s>`. A word in `vocabulary` gets its index;
    unknown words are dropped, as fastText drops them. Word n-grams of 2 ..
    `word_ngrams` consecutive tokens (unknown words included, as in fastText)
    are hashed (FarmHash64 of each token, combined) into `buckets` ids placed
    after the words. As in
    fastText, `buckets` is ignored when `word_ngrams` is 1.

    Output: `tf.SparseTensor` int64 `[batch, max_ids]`, each row's ids in order;
    `ragged_ids` returns the same as a `tf.RaggedTensor`. The layer is TensorFlow
    graph code, so it runs inside `tf.data` and inside an exported SavedModel.

    Args:
        vocabulary: list of str, the word list (see `build_vocabulary`).
        word_ngrams: int. Longest word n-gram (fastText's `wordNgrams`).
        buckets: int. Number of n-gram hash buckets (fastText's `bucket`).
        lowercase: bool. ASCII lowercasing.
        split_punctuation: bool. fastText's punctuation handling (see `normalize`).
        eos: bool. End each text with `</s>`, as fastText does (StarSpace does not).

    Example:

    ```python
    from keras_models.text import FastTextPreprocessor, build_vocabulary

    texts = ["The cat sat.", "The dog ran!"]
    layer = FastTextPreprocessor(build_vocabulary(texts), word_ngrams=2, buckets=1000)
    ids = layer.ragged_ids(["the cat ran"])
    assert ids.shape[0] == 1 and layer.num_ids == len(layer.vocabulary) + 1000
    ```
    """

    def __init__(
        self,
        vocabulary,
        word_ngrams=1,
        buckets=2_000_000,
        lowercase=True,
        split_punctuation=True,
        eos=True,
        **kwargs,
    ):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)
        if word_ngrams < 1:
            raise ValueError(f"word_ngrams must be at least 1, got {word_ngrams}.")
        if word_ngrams > 1 and buckets < 1:
            raise ValueError(f"word_ngrams={word_ngrams} needs buckets >= 1, got {buckets}.")
        words = [w.decode("utf-8") if isinstance(w, bytes) else str(w) for w in vocabulary]
        if len(set(words)) != len(words):
            raise ValueError("vocabulary has duplicate words.")
        # A NumPy array: Keras and TF would wrap a list attribute element by element.
        self._vocabulary = np.array(words, dtype=object)
        self.word_ngrams = int(word_ngrams)
        self.buckets = int(buckets)
        self.lowercase = bool(lowercase)
        self.split_punctuation = bool(split_punctuation)
        self.eos = bool(eos)
        # Words are found by their 63-bit FarmHash fingerprint in a sorted array:
        # plain constants, where a lookup table would be a resource with its own
        # creator and destroyer functions in every SavedModel.
        fingerprints = tf.strings.to_hash_bucket_fast(tf.constant(words, tf.string), _FINGERPRINTS).numpy()
        if len(np.unique(fingerprints)) != len(words):
            raise ValueError("two vocabulary words share a 63-bit fingerprint; drop one of them.")
        order = np.argsort(fingerprints)
        self._sorted_fingerprints, self._sorted_ids = fingerprints[order], order.astype(np.int64)
        self.built = True

    @property
    def vocabulary(self):
        """The words, in id order."""
        return self._vocabulary.tolist()

    @property
    def num_words(self):
        return len(self._vocabulary)

    @property
    def num_ids(self):
        """Rows the embedding table needs: words, then n-gram buckets (none for unigrams)."""
        return self.num_words + (self.buckets if self.word_ngrams > 1 else 0)

    def tokenize(self, texts):
        """[N] strings -> [N, None] ragged string tokens, each row ending with `</s>` if `eos`."""
        return tokenize(texts, self.lowercase, self.split_punctuation, self.eos)

    def ragged_ids(self, texts):
        """[N] strings -> [N, None] ragged int64 ids."""
        return self.ids_from_tokens(self.tokenize(texts))

    def ids_from_tokens(self, tokens):
        """[N, None] ragged tokens (from `tokenize`) -> [N, None] ragged int64 ids.

        Each token position contributes its word id (unless unknown) and the ids
        of the n-grams starting there (those within the text), so the ids stay
        grouped by text without a sort. Like fastText, an n-gram's hash combines
        its words' hashes (unknown words included), with fastText's multiplier:
        `h = (h * 116049371 + token_hash) mod (2^31 - 1)`, token hashes being
        their FarmHash64 fingerprints mod 2^31 - 1 (every product stays within int64).
        """
        rows = tokens.value_rowids()
        fingerprints = tf.strings.to_hash_bucket_fast(tokens.flat_values, _FINGERPRINTS)
        words = self._word_ids(fingerprints)
        columns, keep = [words], [words >= 0]
        if self.word_ngrams > 1:
            hashes = tf.math.floormod(fingerprints, _HASH_MODULUS)
            combined = hashes
            for n in range(2, self.word_ngrams + 1):
                # Token i's n-gram ends at token i + n - 1; positions past the end are masked.
                ahead = tf.concat([hashes[n - 1 :], tf.zeros([n - 1], tf.int64)], 0)
                ahead_rows = tf.concat([rows[n - 1 :], tf.fill([n - 1], tf.constant(-1, rows.dtype))], 0)
                combined = tf.math.floormod(combined * _HASH_MULTIPLIER + ahead, _HASH_MODULUS)
                columns.append(tf.math.floormod(combined, self.buckets) + self.num_words)
                keep.append(tf.equal(rows, ahead_rows))
        keep = tf.reshape(tf.stack(keep, axis=1), [-1])
        ids = tf.boolean_mask(tf.reshape(tf.stack(columns, axis=1), [-1]), keep)
        id_rows = tf.boolean_mask(tf.repeat(rows, len(columns)), keep)
        return tf.RaggedTensor.from_value_rowids(ids, id_rows, tokens.nrows(), validate=False)

    def _word_ids(self, fingerprints):
        """Word id of each token fingerprint, -1 for words not in the vocabulary."""
        if not len(self._sorted_ids):
            return tf.fill(tf.shape(fingerprints), tf.constant(-1, tf.int64))
        sorted_fingerprints = tf.constant(self._sorted_fingerprints)
        at = tf.minimum(tf.searchsorted(sorted_fingerprints, fingerprints), len(self._sorted_ids) - 1)
        found = tf.equal(tf.gather(sorted_fingerprints, at), fingerprints)
        return tf.where(found, tf.gather(tf.constant(self._sorted_ids), at), tf.constant(-1, tf.int64))

    def call(self, texts):
        return self.ragged_ids(texts).to_sparse()

    def compute_output_spec(self, texts):
        return keras.KerasTensor((texts.shape[0], None), dtype="int64", sparse=True)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "vocabulary": self.vocabulary,
                "word_ngrams": self.word_ngrams,
                "buckets": self.buckets,
                "lowercase": self.lowercase,
                "split_punctuation": self.split_punctuation,
                "eos": self.eos,
            }
        )
        return config
