"""Doc2Vec inference in the graph: new document vectors trained against frozen word and output weights.

gensim's `infer_vector`: a new document vector starts small and random, then `epochs`
passes train it alone (subsampling, reduced windows and negatives drawn afresh each pass)
with the model's objective, the learning rate falling linearly from `alpha` to
`min_alpha` over the passes. Here all documents of a batch advance together, one word
position per step of a `tf.while_loop`; every random number is a hash of (seed,
document, pass, position), so a document's vector does not depend on its batch.
"""

import tensorflow as tf

from keras_models.text import word2vec_ops
from keras_models.text.fasttext_preprocessor import tokenize

MAX_DOCUMENT_LEN = 10_000  # gensim's: longer documents are cut
_FINGERPRINTS = 2**63 - 1


def document_ids(texts, lookup, lowercase, split_punctuation):
    """([N, None] ragged known-word ids, int64 [N] document keys) of raw texts."""
    tokens = tokenize(tf.reshape(texts, [-1]), lowercase, split_punctuation, eos=False)
    ids = tf.ragged.map_flat_values(lookup, tokens)
    ids = tf.ragged.boolean_mask(ids, ids >= 0)[:, :MAX_DOCUMENT_LEN]
    words = tf.strings.reduce_join(tokens, axis=1, separator=" ")
    return ids, tf.strings.to_hash_bucket_fast(words, _FINGERPRINTS)


def infer(texts, model, epochs):
    """float32 [N, d] inferred vectors of raw `texts` (tf.string [N]) for a Doc2Vec `model`.

    `epochs`: int32 scalar (passes). Graph code: runs inside a SavedModel signature.
    """
    ids, keys = document_ids(texts, model.lookup, model.lowercase, model.split_punctuation)
    seed = tf.constant(model.seed, tf.int64)
    dim, window = model.dim, model.window
    words = tf.convert_to_tensor(model.word_embedding.embeddings)
    output = model.output_weights()
    keep_probability = tf.constant(model.keep_probability(), tf.float64)
    cum_table = None if model.loss_name == "hs" else tf.constant(model.negative_table(), tf.int64)
    num = tf.shape(keys)[0]
    column = tf.range(dim, dtype=tf.int64)[None, :]
    initial = (word2vec_ops.hash_uniform(seed, keys[:, None], -1, column) - 0.5) / dim
    epochs = tf.cast(epochs, tf.int64)
    offsets = tf.constant([o for o in range(-window, window + 1) if o], tf.int64)

    def one_pass(epoch, vectors):
        lr = model.alpha - (model.alpha - model.min_alpha) * tf.cast(epoch, tf.float32) / tf.cast(
            tf.maximum(epochs - 1, 1), tf.float32
        )
        position = tf.ragged.range(ids.row_lengths())
        flat_keys = tf.gather(keys, ids.value_rowids())
        draw = word2vec_ops.hash_uniform(seed, flat_keys, epoch, position.flat_values, 1)
        keep = draw < tf.gather(keep_probability, ids.flat_values)
        kept = tf.ragged.boolean_mask(ids, ids.with_flat_values(keep)).to_tensor(-1)  # [N, L]
        length = tf.shape(kept, out_type=tf.int64)[1]
        slots = tf.range(length)[None, :]
        reduced = word2vec_ops.hash_uniform(seed, keys[:, None], epoch, slots, 2) * window
        windows = window - tf.cast(reduced, tf.int64)  # [N, L] reduced windows, 1..window

        def step(t, vectors):
            target = kept[:, t]
            present = tf.cast(target >= 0, tf.float32)[:, None]
            target = tf.cast(tf.maximum(target, 0), tf.int32)
            if model.mode == "pv_dm":
                at = t + offsets[None, :]  # [1, 2W]
                inside = (at >= 0) & (at < length)
                context = tf.gather(kept, tf.clip_by_value(at, 0, length - 1)[0], axis=1)  # [N, 2W]
                near = tf.abs(offsets)[None, :] <= windows[:, t][:, None]
                mask = tf.cast(inside & near & (context >= 0), tf.float32)
                rows = tf.gather(words, tf.maximum(context, 0)) * mask[:, :, None]
                hidden = (tf.reduce_sum(rows, 1) + vectors) / (tf.reduce_sum(mask, 1, keepdims=True) + 1.0)
            else:
                hidden = vectors
            if cum_table is None:
                outputs = word2vec_ops.path_outputs(*model.output_layer.paths(target))
            else:
                draws = word2vec_ops.hash_uniform(
                    seed, keys[:, None], epoch, t, 3 + tf.range(model.negative, dtype=tf.int64)[None, :]
                )
                draws = tf.cast(draws * tf.cast(cum_table[-1], tf.float64), tf.int64)
                outputs = _negative_rows(target, word2vec_ops.table_words(cum_table, draws))
            error, _, _ = word2vec_ops.center_update(
                hidden[:, None, :], None, *outputs, output, lr, update_output=False
            )
            return t + 1, vectors + error[:, 0, :] * present

        return tf.while_loop(lambda t, _: t < length, step, (tf.constant(0, tf.int64), vectors))[1]

    _, vectors = tf.while_loop(
        lambda e, _: e < epochs,
        lambda e, v: (e + 1, one_pass(e, v)),
        (tf.constant(0, tf.int64), tf.cast(initial, tf.float32)),
    )
    return tf.reshape(vectors, [num, dim])


def _negative_rows(targets, negatives):
    """(rows, labels, weights) [N, 1 + K]: each target and its own negatives (word2vec's per-example)."""
    num, count = tf.shape(targets)[0], tf.shape(negatives)[1]
    rows = tf.concat([targets[:, None], negatives], axis=1)
    labels = tf.concat([tf.ones([num, 1]), tf.zeros([num, count])], axis=1)
    weights = tf.concat(
        [tf.ones([num, 1]), tf.cast(tf.not_equal(negatives, targets[:, None]), tf.float32)], 1
    )
    return rows, labels, weights
