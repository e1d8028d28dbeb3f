"""word2vec's SGD updates as batched TensorFlow ops: sparse gathers, then sparse scatter-adds.

A step trains a batch of centers. Each center has `C` hidden vectors (skip-gram: its
context words' vectors, C = 2 * window slots; CBOW / PV-DM: the mean of its window, C = 1)
and `M` output rows with labels (negative sampling: the center word, then negatives;
hierarchical softmax: the nodes of the center word's path). `center_update` applies
gensim's per-pair update (`word2vec_inner.pyx`) to every (hidden, output) pair at once:
`g = (label - sigmoid(h . o)) * lr`, `o += g * h`, and the error `sum(g * o)` for the
input rows; a dot product outside (-6, 6) updates nothing, as in word2vec's `MAX_EXP`
table. A skip-gram center's contexts share its output rows, so the work is batched matrix
products over `[B, C, d]` and `[B, M, d]` data. Rows a batch uses several times take the
sum of their updates (`tf.IndexedSlices` scatter-adds), capped by `row_damping`.
"""

import tensorflow as tf

MAX_EXP = 6.0
_GOLDEN = 0x9E3779B97F4A7C15


def gather_hidden(groups, num_examples):
    """The mean input vector of each example (word2vec's CBOW `cbow_mean=1`).

    Args:
        groups: list of (table, ids [P], examples [P] or None). `None` means one
            row per example, in example order.
        num_examples: int32 scalar E.

    Returns:
        hidden [E, d].
    """
    total, counts = None, None
    for table, ids, examples in groups:
        rows = tf.gather(table, ids)
        if examples is None:
            part, count = rows, tf.ones([num_examples], rows.dtype)
        else:
            part = tf.math.unsorted_segment_sum(rows, examples, num_examples)
            count = tf.math.unsorted_segment_sum(tf.ones_like(ids, rows.dtype), examples, num_examples)
        total = part if total is None else total + part
        counts = count if counts is None else counts + count
    if len(groups) == 1 and groups[0][2] is None:
        return total
    return total / tf.maximum(counts, 1.0)[:, None]


def apply_error(groups, error, curvature=None):
    """Adds each example's error [E, d] to every input row it used (cbow_mean=1: the full error).

    With `curvature` [E] (`center_update`'s), rows used by many examples are damped (`row_damping`).
    """
    counts = 0.0
    for _, _, examples in groups:
        counts += (
            1.0
            if examples is None
            else tf.math.bincount(examples, minlength=tf.shape(error)[0], dtype=tf.float32)
        )
    for table, ids, examples in groups:
        updates = error if examples is None else tf.gather(error, examples)
        if curvature is not None:
            share = curvature / counts if examples is None else tf.gather(curvature / counts, examples)
            updates *= row_damping(ids, share, table.shape[0])[:, None]
        table.scatter_add(tf.IndexedSlices(updates, ids))


def draw_negatives(cum_table, shape, seed):
    """Words drawn from gensim's `cum_table` (unigram^ns_exponent), int32 `shape`."""
    return table_words(cum_table, tf.random.stateless_uniform(shape, seed, 0, cum_table[-1], dtype=tf.int64))


def table_words(cum_table, draws):
    """The words int32 of integer `draws` (any shape) in [0, cum_table[-1]): `bisect_left`, as gensim."""
    found = tf.searchsorted(cum_table[None, :], tf.reshape(draws, [1, -1]), side="left")
    return tf.reshape(tf.cast(found, tf.int32), tf.shape(draws))


def negative_outputs(targets, cum_table, negative, shared, seed):
    """(rows, labels, weights) [B, 1 + shared]: the target, then `shared` negatives, each weighted
    `negative / shared`.

    Negatives equal to the target are skipped (weight 0), as word2vec skips them.
    """
    num = tf.shape(targets)[0]
    negatives = draw_negatives(cum_table, tf.stack([num, shared]), seed)
    rows = tf.concat([targets[:, None], negatives], axis=1)
    labels = tf.concat([tf.ones([num, 1]), tf.zeros([num, shared])], axis=1)
    weight = float(negative) / float(shared)
    weights = tf.concat(
        [tf.ones([num, 1]), weight * tf.cast(tf.not_equal(negatives, targets[:, None]), tf.float32)], 1
    )
    return rows, labels, weights


def path_outputs(nodes, signs):
    """(rows, labels, weights) [B, depth] of hierarchical-softmax paths (`HierarchicalSoftmax.paths`).

    Going right (sign +1) has probability sigmoid(z): label 1; left: label 0; padding: weight 0.
    """
    signs = tf.cast(signs, tf.float32)
    return tf.cast(nodes, tf.int32), tf.cast(signs > 0, tf.float32), tf.abs(signs)


def row_damping(ids, curvature, num_rows):
    """Per-entry step scale `1 / max(1, sum of curvature over the batch's entries of the same row)`.

    A row a batch updates once or a few times takes its plain SGD step. A row
    updated many times (hierarchical softmax's top nodes, frequent words) would
    take the sum of many steps computed at the same point and overshoot where
    sequential SGD slows down; its summed step is capped near the Newton step of
    its loss (`curvature`: `lr * sigmoid'(z) * |h|^2` per entry).
    """
    total = tf.math.unsorted_segment_sum(curvature, ids, num_rows)
    return 1.0 / tf.maximum(1.0, tf.gather(total, ids))


def center_update(hidden, mask, rows, labels, weights, output, lr, update_output=True):
    """One SGD step of every (hidden vector, output row) pair of each center.

    Args:
        hidden: [B, C, d] hidden vectors; `mask` [B, C] (1 real, 0 padding) or None.
        rows, labels, weights: [B, M] output rows, their labels (1 or 0) and weights.
        output: the output table (a tf.Variable when `update_output`).
        lr: learning rate.

    Returns:
        (error [B, C, d] to add to each hidden vector's input rows, summed loss,
        curvature [B, C] of each hidden vector's loss, for `row_damping` of the inputs).
    """
    vectors = tf.gather(output, rows)  # [B, M, d]
    if hidden.shape[1] == 1:  # multiply-and-sum: MKL's batched matmul is slow for single rows
        logits = tf.reduce_sum(vectors * hidden, axis=2)[:, None, :]
    else:
        logits = tf.matmul(hidden, vectors, transpose_b=True)  # [B, C, M]
    valid = weights[:, None, :] * tf.cast(tf.abs(logits) < MAX_EXP, tf.float32)
    if mask is not None:
        valid *= mask[:, :, None]
    p = tf.sigmoid(logits)
    g = (labels[:, None, :] - p) * valid * lr
    if hidden.shape[1] == 1:
        error = tf.reduce_sum(vectors * tf.transpose(g, [0, 2, 1]), axis=1, keepdims=True)
    else:
        error = tf.matmul(g, vectors)  # [B, C, d]
    if update_output:
        norms = tf.reduce_sum(hidden * hidden, axis=2)  # [B, C]
        curvature = tf.reduce_sum(lr * p * (1.0 - p) * valid * norms[:, :, None], axis=1)  # [B, M]
        flat_rows = tf.reshape(rows, [-1])
        scale = row_damping(flat_rows, tf.reshape(curvature, [-1]), output.shape[0])
        if hidden.shape[1] == 1:
            updates = tf.transpose(g, [0, 2, 1]) * hidden  # [B, M, d]
        else:
            updates = tf.matmul(g, hidden, transpose_a=True)  # [B, M, d]
        updates = tf.reshape(updates, [-1, tf.shape(hidden)[2]]) * scale[:, None]
        output.scatter_add(tf.IndexedSlices(updates, flat_rows))
    taken = tf.where(labels[:, None, :] > 0, p, 1.0 - p)
    loss = -tf.reduce_sum(tf.math.log(tf.maximum(taken, 1e-7)) * valid)
    output_norms = tf.reduce_sum(vectors * vectors, axis=2)  # [B, M]
    input_curvature = tf.reduce_sum(lr * p * (1.0 - p) * valid * output_norms[:, None, :], axis=2)
    return error, loss, input_curvature


def _mix(x):
    """splitmix64's finalizer on uint64 (wrapping arithmetic)."""
    x = tf.bitwise.bitwise_xor(x, tf.bitwise.right_shift(x, tf.constant(30, tf.uint64)))
    x = x * tf.constant(0xBF58476D1CE4E5B9, tf.uint64)
    x = tf.bitwise.bitwise_xor(x, tf.bitwise.right_shift(x, tf.constant(27, tf.uint64)))
    x = x * tf.constant(0x94D049BB133111EB, tf.uint64)
    return tf.bitwise.bitwise_xor(x, tf.bitwise.right_shift(x, tf.constant(31, tf.uint64)))


def hash_bits(*keys):
    """uint64 pseudo-random bits, a pure function of the int64 `keys` (broadcast together).

    Counter-based, so a document's random numbers do not depend on the batch it is in.
    """
    state = tf.constant(_GOLDEN, tf.uint64)
    for key in keys:
        key = tf.bitcast(tf.cast(key, tf.int64), tf.uint64)
        state = _mix(tf.bitwise.bitwise_xor(state, key) + tf.constant(_GOLDEN, tf.uint64))
    return state


def hash_uniform(*keys):
    """float64 uniform in [0, 1), a pure function of the int64 `keys` (see `hash_bits`)."""
    bits = tf.bitwise.right_shift(hash_bits(*keys), tf.constant(11, tf.uint64))
    return tf.cast(bits, tf.float64) * (2.0**-53)
