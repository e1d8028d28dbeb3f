"""GloVe's co-occurrence counts as a Beam aggregation: texts -> ((row, col) key, integer numerator).

Each batch of texts is tokenized with `keras_models.text.word_vectors.corpus_tokens`'s
tokenization (fastText's, no end-of-line word: a TensorFlow op, so texts go in
batches), its out-of-vocabulary words dropped, and its pairs counted within the
batch (`keras_models.text.cooccurrence.window_pairs`); `CombinePerKey(sum)` then
adds the batches' integer numerators per key `row * V + col`, so the matrix shards
across workers and never needs one machine's memory. Integer sums make the result
exact and independent of how the runner groups them: `numerator /
distance_scale(window)` is bit-identical to the direct count's.
"""

import apache_beam as beam
import numpy as np
import tensorflow as tf

from keras_models.text import cooccurrence
from keras_models.text.fasttext_preprocessor import tokenize

ROW_KEY, COL_KEY, COUNT_KEY = "row", "col", "count"  # the output tf.Examples' features
MAX_BATCH = 1024  # texts tokenized per TensorFlow call


class _CountBatch(beam.DoFn):
    """A batch of texts -> (key, numerator) of each pair the batch holds, summed within the batch."""

    def __init__(self, vocabulary, window, symmetric, lowercase):
        self._vocabulary = list(vocabulary)
        self._window, self._symmetric, self._lowercase = int(window), bool(symmetric), bool(lowercase)
        self._index = None

    def setup(self):
        self._index = {word: i for i, word in enumerate(self._vocabulary)}

    def process(self, texts):
        tokens = tokenize(tf.constant(list(texts), tf.string), self._lowercase, eos=False)
        words = [word.decode("utf-8", "replace") for word in tokens.flat_values.numpy()]
        splits = tokens.row_splits.numpy()
        ids = [
            cooccurrence.token_ids(words[start:end], self._index)
            for start, end in zip(splits[:-1], splits[1:])
        ]
        keys, numerators = cooccurrence.window_pairs(
            ids, self._window, self._symmetric, len(self._vocabulary)
        )
        yield from zip(keys.tolist(), numerators.tolist())  # Python ints: Beam's sums never overflow


class Cooccurrences(beam.PTransform):
    """PCollection of texts (str or UTF-8 bytes) -> PCollection of (int key `row * V + col`, int numerator).

    The count of a pair is `numerator / keras_models.text.cooccurrence.distance_scale(window)`.

    Args:
        vocabulary: list of str, the words in id order (other words are dropped before windowing).
        window: int. Largest distance counted.
        symmetric: bool. Count right contexts too.
        lowercase: bool. ASCII lowercasing before tokenizing (as `corpus_tokens`).
        max_batch: int. Most texts tokenized at once.
    """

    def __init__(self, vocabulary, window=10, symmetric=True, lowercase=True, max_batch=MAX_BATCH):
        super().__init__()
        self._vocabulary, self._window = list(vocabulary), int(window)
        self._symmetric, self._lowercase, self._max_batch = bool(symmetric), bool(lowercase), int(max_batch)
        cooccurrence.distance_scale(self._window)  # checks the window

    def expand(self, texts):
        return (
            texts
            | "Batch" >> beam.BatchElements(min_batch_size=1, max_batch_size=self._max_batch)
            | "CountBatch"
            >> beam.ParDo(_CountBatch(self._vocabulary, self._window, self._symmetric, self._lowercase))
            | "Sum" >> beam.CombinePerKey(sum)
        )


def to_example(key_numerator, vocabulary_size, window):
    """(key, numerator) -> a serialized tf.Example of int64 `row`, int64 `col`, float `count`."""
    key, numerator = key_numerator
    row, col = divmod(int(key), int(vocabulary_size))
    count = float(cooccurrence.weights([numerator], window)[0])
    feature = tf.train.Feature
    return tf.train.Example(
        features=tf.train.Features(
            feature={
                ROW_KEY: feature(int64_list=tf.train.Int64List(value=[row])),
                COL_KEY: feature(int64_list=tf.train.Int64List(value=[col])),
                COUNT_KEY: feature(float_list=tf.train.FloatList(value=[count])),
            }
        )
    ).SerializeToString()


class _Totals(beam.CombineFn):
    """(nonzeros, summed numerator) of the combined pairs."""

    def create_accumulator(self):
        return 0, 0

    def add_input(self, totals, key_numerator):
        return totals[0] + 1, totals[1] + key_numerator[1]

    def merge_accumulators(self, accumulators):
        nonzeros, numerator = 0, 0
        for count, total in accumulators:
            nonzeros, numerator = nonzeros + count, numerator + total
        return nonzeros, numerator

    def extract_output(self, totals):
        return totals


def totals(pairs, window):
    """PCollection (key, numerator) -> a one-element PCollection {"nonzeros", "total_weight"}."""
    return (
        pairs
        | "Totals" >> beam.CombineGlobally(_Totals())
        | "TotalsDict"
        >> beam.Map(
            lambda t: {"nonzeros": int(t[0]), "total_weight": float(cooccurrence.weights([t[1]], window)[0])}
        )
    )


def decode_counts(records):
    """Serialized output tf.Examples -> (rows int64, cols int64, counts float32) sorted by (row, col)."""
    spec = {
        ROW_KEY: tf.io.FixedLenFeature([], tf.int64),
        COL_KEY: tf.io.FixedLenFeature([], tf.int64),
        COUNT_KEY: tf.io.FixedLenFeature([], tf.float32),
    }
    parts = {key: [np.zeros([0], spec[key].dtype.as_numpy_dtype)] for key in spec}  # none: empty
    for batch in records.batch(65536).map(lambda serialized: tf.io.parse_example(serialized, spec)):
        for key in spec:
            parts[key].append(batch[key].numpy())
    rows, cols, counts = (np.concatenate(parts[key]) for key in (ROW_KEY, COL_KEY, COUNT_KEY))
    order = np.lexsort((cols, rows))
    return rows[order], cols[order], counts[order]
