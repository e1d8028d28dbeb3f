"""Reading back what CanvasExampleGen wrote: a split's canvases, masks and item counts as NumPy arrays."""

import os

import numpy as np
import tensorflow as tf
from tfx.types import artifact_utils

from components.canvas_example_gen.executor import IMAGE_KEY, INDEX_KEY, ITEM_COUNT_KEY, MASK_KEY


def read_canvases(examples, split, limit=0):
    """(canvases uint8 [N, H, W], masks uint8 [N, H, W], item counts [N]) of an Examples artifact's
    split, in canvas index order (the first `limit` indices when limit > 0)."""
    return read_split_folder(artifact_utils.get_split_uri([examples], split), limit)


def read_split_folder(folder, limit=0):
    """read_canvases of a split's folder (`<examples uri>/Split-eval`), e.g. one found in ML Metadata."""
    files = sorted(tf.io.gfile.glob(os.path.join(folder, "*")))
    spec = {
        IMAGE_KEY: tf.io.FixedLenFeature([], tf.string),
        MASK_KEY: tf.io.FixedLenFeature([], tf.string),
        ITEM_COUNT_KEY: tf.io.FixedLenFeature([], tf.int64),
        INDEX_KEY: tf.io.FixedLenFeature([], tf.int64),
    }
    parts = {key: [] for key in spec}
    dataset = tf.data.TFRecordDataset(files, compression_type="GZIP").batch(2048)
    for batch in dataset.map(lambda r: tf.io.parse_example(r, spec)):
        for key in (IMAGE_KEY, MASK_KEY):
            parts[key].append(tf.io.decode_raw(batch[key], tf.uint8).numpy())
        for key in (ITEM_COUNT_KEY, INDEX_KEY):
            parts[key].append(batch[key].numpy())
    if not parts[INDEX_KEY]:
        raise ValueError(f"{folder}: no canvases there.")
    arrays = {key: np.concatenate(value) for key, value in parts.items()}
    order = np.argsort(arrays[INDEX_KEY], kind="stable")
    if limit:
        order = order[:limit]
    side = int(round(np.sqrt(arrays[IMAGE_KEY].shape[1])))
    shape = (-1, side, side)
    return (
        arrays[IMAGE_KEY][order].reshape(shape),
        arrays[MASK_KEY][order].reshape(shape),
        arrays[ITEM_COUNT_KEY][order],
    )
