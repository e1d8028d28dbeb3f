"""Transform's preprocessing_fn: raw IDX bytes -> float images in [0, 1]."""

import tensorflow as tf

from pipelines.image_classification import features


def preprocessing_fn(inputs):
    """Decodes the raw uint8 pixels and scales them to [0, 1].

    The scale is the pixel format's (uint8: 0..255), not a statistic of the
    data, so no analyzer pass is needed and serving applies exactly this graph.
    """
    raw = tf.reshape(inputs[features.IMAGE_KEY], [-1])
    pixels = tf.io.decode_raw(raw, tf.uint8)
    images = tf.reshape(pixels, [-1, *features.IMAGE_SHAPE, 1])
    return {
        features.IMAGE_XF_KEY: tf.cast(images, tf.float32) / 255.0,
        features.LABEL_XF_KEY: tf.reshape(inputs[features.LABEL_KEY], [-1]),
    }
