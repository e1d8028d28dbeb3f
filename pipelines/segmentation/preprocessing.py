"""Transform's preprocessing_fn: raw canvas and mask bytes -> float images in [0, 1] and int class masks."""

import tensorflow as tf

from pipelines.segmentation import features


def _decode(raw):
    pixels = tf.io.decode_raw(tf.reshape(raw, [-1]), tf.uint8)
    return tf.reshape(pixels, [-1, *features.IMAGE_SHAPE])


def preprocessing_fn(inputs):
    """Decodes the raw uint8 canvases (scaled to [0, 1], one channel) and masks (class ids).

    The scale is the pixel format's (0..255), not a statistic of the data, so no analyzer pass is
    needed and serving applies exactly this graph (requests carry no mask: the serving layer leaves
    that output out).
    """
    images = tf.cast(_decode(inputs[features.IMAGE_KEY]), tf.float32) / 255.0
    return {
        features.IMAGE_XF_KEY: images[..., tf.newaxis],
        features.MASK_XF_KEY: tf.cast(_decode(inputs[features.MASK_KEY]), tf.int64),
    }
