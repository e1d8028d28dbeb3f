"""Reading back what IdxExampleGen wrote: a split's images and labels as NumPy arrays."""

import os

import numpy as np
import tensorflow as tf
from tfx.types import artifact_utils

from components.idx_example_gen.executor import IMAGE_KEY, LABEL_KEY


def load_split(examples, split, image_shape, limit=0):
    """(uint8 images [N, H, W], int64 labels [N]) of an Examples artifact's split (its first `limit`
    examples when limit > 0)."""
    files = sorted(tf.io.gfile.glob(os.path.join(artifact_utils.get_split_uri([examples], split), "*")))
    dataset = tf.data.TFRecordDataset(files, compression_type="GZIP")
    if limit:
        dataset = dataset.take(limit)
    spec = {IMAGE_KEY: tf.io.FixedLenFeature([], tf.string), LABEL_KEY: tf.io.FixedLenFeature([], tf.int64)}
    images, labels = [], []
    for batch in dataset.batch(4096).map(lambda r: tf.io.parse_example(r, spec)):
        images.append(tf.io.decode_raw(batch[IMAGE_KEY], tf.uint8).numpy().reshape(-1, *image_shape))
        labels.append(batch[LABEL_KEY].numpy())
    return np.concatenate(images), np.concatenate(labels)
