"""Transform's preprocessing_fn: a window's characters -> ids of the train split's character vocabulary."""

import tensorflow as tf
import tensorflow_transform as tft

from components.corpus_example_gen.executor import TEXT_KEY
from pipelines.language_model.configs import CHARACTER_VOCABULARY, IDS_XF_KEY


def preprocessing_fn(inputs):
    """Every character of the train split is in the vocabulary (most frequent first); a character the
    vocabulary lacks gets one shared id, the vocabulary's size. The vocabulary file is a gzipped
    TFRecord, not text, so that "\\n" and "\\r" are characters like any other."""
    text = inputs[TEXT_KEY]
    if isinstance(text, tf.SparseTensor):
        text = tf.sparse.to_dense(text, default_value="")
    characters = tf.strings.unicode_split(tf.reshape(text, [-1]), "UTF-8", errors="replace")
    return {
        IDS_XF_KEY: tft.compute_and_apply_vocabulary(
            characters,
            num_oov_buckets=1,
            vocab_filename=CHARACTER_VOCABULARY,
            file_format="tfrecord_gzip",
        )
    }
