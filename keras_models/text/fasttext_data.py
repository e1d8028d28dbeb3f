"""Input pipelines for FastText: tokenize and hash once, then batch the cached ids every epoch.

fastText re-reads its text file every epoch; here the ids are computed once
(`cache_ids`) and each epoch only permutes them and gathers each batch's rows
(`id_batches`) with a few vectorized ops per batch, no per-example tf.data work.
"""

import numpy as np
import tensorflow as tf

from keras_models.text.fasttext_preprocessor import map_batches, text_batches


def is_text(x):
    """True for a list/array/tensor of strings (what FastText.fit/predict/evaluate tokenize)."""
    if isinstance(x, tf.Tensor):
        return x.dtype == tf.string
    if isinstance(x, (list, tuple, np.ndarray)):
        array = np.asarray(x, dtype=object) if not isinstance(x, np.ndarray) else x
        if array.dtype.kind in "USO":
            return array.size == 0 or isinstance(array.flat[0], (str, bytes))
    return False


def cache_ids(preprocessor, texts, batch_size=8192):
    """All texts' ids as one `tf.RaggedTensor` [N, None] (the cache every epoch reuses)."""
    chunks = map_batches(preprocessor.ragged_ids, text_batches(texts, batch_size))
    if not chunks:
        return tf.RaggedTensor.from_row_lengths(tf.zeros([0], tf.int64), tf.zeros([0], tf.int64))
    return tf.concat(chunks, axis=0) if len(chunks) > 1 else chunks[0]


def id_batches(ids, labels=None, batch_size=256, shuffle=False, seed=0, repeat=False):
    """Batches of (`tf.SparseTensor` ids [B, max_len], labels [B]) from cached ragged ids.

    Args:
        ids: `tf.RaggedTensor` [N, None] int64, e.g. from `cache_ids`.
        labels: [N] int class ids, or None to yield ids alone (for predict).
        batch_size: int.
        shuffle: bool. A fresh permutation every epoch (stateless, from `seed`).
        seed: int.
        repeat: bool. Repeat epochs forever (pass `steps_per_epoch` to fit).
    """
    values, splits = tf.cast(ids.flat_values, tf.int64), tf.cast(ids.row_splits, tf.int64)
    has_labels = labels is not None
    labels = tf.constant(np.asarray(labels if has_labels else np.zeros(ids.nrows()), np.int64))
    num_rows = tf.shape(splits, out_type=tf.int64)[0] - 1
    batch = tf.constant(batch_size, tf.int64)
    num_batches = (num_rows + batch - 1) // batch
    starts, lengths = splits[:-1], splits[1:] - splits[:-1]

    # Plain graph code: autograph's source transformation would only add start-up time.
    @tf.autograph.experimental.do_not_convert
    def make_batch(rows):
        """Gathers the ids of `rows` (a [B] vector of row numbers) into a SparseTensor."""
        row_lengths = tf.gather(lengths, rows)
        position = tf.repeat(tf.range(tf.size(rows, out_type=tf.int64)), row_lengths)
        column = tf.range(tf.reduce_sum(row_lengths)) - tf.gather(
            tf.cumsum(row_lengths, exclusive=True), position
        )
        sparse = tf.SparseTensor(
            tf.stack([position, column], axis=1),
            tf.gather(values, tf.gather(tf.gather(starts, rows), position) + column),
            tf.stack([tf.size(rows, out_type=tf.int64), tf.reduce_max(tf.concat([row_lengths, [0]], 0))]),
        )
        return (sparse, tf.gather(labels, rows)) if has_labels else sparse

    @tf.autograph.experimental.do_not_convert
    def epoch(index):
        order = tf.range(num_rows)
        if shuffle:
            seeds = tf.stack([tf.constant(seed, tf.int64), index])
            order = tf.random.experimental.stateless_shuffle(order, seed=seeds)
        return tf.data.Dataset.range(num_batches).map(
            lambda b: order[b * batch : tf.minimum((b + 1) * batch, num_rows)]
        )

    if repeat:
        batches = tf.data.Dataset.range(np.iinfo(np.int64).max).flat_map(epoch)
    else:  # a known length lets Keras size evaluate/predict without running out of data
        count = -(-int(ids.nrows()) // batch_size)
        batches = epoch(tf.constant(0, tf.int64)).apply(tf.data.experimental.assert_cardinality(count))
    # No tf.data autotuning: nothing here needs tuning, and deleting an iterator
    # waits for the autotuner's thread, which can stall the end of fit for seconds.
    options = tf.data.Options()
    options.autotune.enabled = False
    return batches.map(make_batch, num_parallel_calls=2).prefetch(8).with_options(options)
