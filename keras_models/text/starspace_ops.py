"""StarSpace's similarities and losses, and the TF-IDF cosine its retrieval can mix in: plain TensorFlow."""

import numpy as np
import tensorflow as tf

SIMILARITIES = ("cosine", "dot")
LOSSES = ("hinge", "softmax")


def similarity(a, b, kind="cosine"):
    """Row-wise similarity of [B, d] vectors `a` and `b`: `cosine` (0 for a zero vector) or `dot`."""
    if kind not in SIMILARITIES:
        raise ValueError(f"similarity must be one of {SIMILARITIES}, got {kind!r}.")
    dot = tf.reduce_sum(a * b, axis=-1)
    if kind == "dot":
        return dot
    norms = tf.norm(a, axis=-1) * tf.norm(b, axis=-1)
    return tf.math.divide_no_nan(dot, norms)


def hinge_loss(positive, negatives, usable, margin=0.05, max_negatives=10):
    """StarSpace's margin ranking loss per example, [B].

    For each example, the negatives that violate the margin
    (`margin - positive + negative > 0`), among those `usable`, are taken in
    order up to `max_negatives` (StarSpace's `maxNegSamples`); the loss is the
    mean violation over the taken ones, 0 when none violates.

    Args:
        positive: [B] similarity of each example's LHS with its RHS.
        negatives: [B, L] similarity of each LHS with each negative.
        usable: [B, L] bool, False for negatives equal to the example's positive.
    """
    violation = margin - positive[:, None] + negatives
    violating = tf.logical_and(usable, violation > 0)
    taken = tf.logical_and(violating, tf.cumsum(tf.cast(violating, tf.int32), axis=1) <= max_negatives)
    count = tf.reduce_sum(tf.cast(taken, violation.dtype), axis=1)
    return tf.math.divide_no_nan(tf.reduce_sum(tf.where(taken, violation, 0.0), axis=1), count)


def softmax_loss(positive, negatives, usable):
    """Negative log-likelihood of the positive under a softmax over it and the usable negatives, [B]."""
    logits = tf.concat([positive[:, None], tf.where(usable, negatives, -np.inf)], axis=1)
    return -tf.nn.log_softmax(logits, axis=1)[:, 0]


def tfidf(ids, idf, num_words):
    """[B, ids] table rows (sparse or ragged) -> `tf.SparseTensor` [B, num_words] of unit-length TF-IDF rows.

    Sublinear term frequency (1 + log count) times `idf` [num_words], over the ids below
    `num_words` (the words; n-gram and label rows have no lexical part): scikit-learn's
    `TfidfVectorizer(sublinear_tf=True)` rows, given the same idf.
    """
    if isinstance(ids, tf.SparseTensor):
        ids = tf.RaggedTensor.from_sparse(ids)
    values = tf.cast(ids.flat_values, tf.int64)
    words = values < num_words
    pairs, position = tf.unique(tf.boolean_mask(ids.value_rowids() * num_words + values, words))
    counts = tf.math.unsorted_segment_sum(tf.ones_like(position, tf.float32), position, tf.size(pairs))
    row, word = pairs // num_words, pairs % num_words
    weights = (1.0 + tf.math.log(counts)) * tf.gather(idf, word)
    norms = tf.sqrt(tf.math.unsorted_segment_sum(tf.square(weights), row, ids.nrows()))
    rows = tf.SparseTensor(
        tf.stack([row, word], axis=1), weights / tf.gather(norms, row), [ids.nrows(), num_words]
    )
    return tf.sparse.reorder(rows)


def lexical_scores(candidates, queries):
    """[Q, C] dot products of sparse TF-IDF rows; only the [Q, words] query block is made dense."""
    return tf.transpose(
        tf.sparse.sparse_dense_matmul(candidates, tf.sparse.to_dense(queries), adjoint_b=True)
    )
