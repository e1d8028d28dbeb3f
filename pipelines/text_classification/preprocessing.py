"""Transform's preprocessing_fn: label strings -> class ids; text passed through raw."""

import tensorflow as tf
import tensorflow_transform as tft

from pipelines.text_classification import features


def dense_strings(feature):
    """[N] strings from a [N], [N, 1] or sparse [N, 1] feature (as the inferred schema has it)."""
    if isinstance(feature, tf.SparseTensor):
        feature = tf.sparse.todense_strings(feature, default_value="")
    return tf.reshape(feature, [-1])


def lookup_labels(labels, vocabulary_file):
    """Label strings -> their line in the vocabulary file (-1 if absent), without a lookup table.

    A handful of labels compare faster than a hash table is built, and the
    exported model then holds no table resource (whose functions TF cannot
    delete cleanly when a loaded model lives until the interpreter exits).
    """
    vocabulary = tf.strings.split(tf.strings.strip(tf.io.read_file(vocabulary_file)), "\n")
    matches = tf.equal(labels[:, None], vocabulary[None, :])
    ids = tf.where(tf.reduce_any(matches, axis=1), tf.argmax(tf.cast(matches, tf.int64), axis=1), -1)
    return ids, tf.size(vocabulary, out_type=tf.int64)


def preprocessing_fn(inputs):
    """The label vocabulary is the one analyzer; the text stays raw for FastText's preprocessor.

    Tokenizing inside the model rather than here keeps the exported model a
    raw-strings-in model whose tokenizer is the one it was trained with.
    """
    label = dense_strings(inputs[features.LABEL_KEY])
    return {
        features.TEXT_XF_KEY: dense_strings(inputs[features.TEXT_KEY]),
        features.LABEL_XF_KEY: tft.apply_vocabulary(
            label, tft.vocabulary(label, vocab_filename=features.LABEL_VOCABULARY), lookup_fn=lookup_labels
        ),
    }
