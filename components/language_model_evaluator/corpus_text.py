"""Reading back what CorpusExampleGen wrote: a split's text, document by document, in order."""

import collections
import os

import tensorflow as tf
from tfx.types import artifact_utils

from components.corpus_example_gen.executor import DOCUMENT_KEY, POSITION_KEY, TEXT_KEY


def load_documents(examples, split):
    """{document: its text in `split`} rebuilt from the split's (overlapping) windows."""
    files = sorted(tf.io.gfile.glob(os.path.join(artifact_utils.get_split_uri([examples], split), "*")))
    spec = {
        TEXT_KEY: tf.io.FixedLenFeature([], tf.string),
        DOCUMENT_KEY: tf.io.FixedLenFeature([], tf.string),
        POSITION_KEY: tf.io.FixedLenFeature([], tf.int64),
    }
    windows = collections.defaultdict(list)
    dataset = tf.data.TFRecordDataset(files, compression_type="GZIP").batch(4096)
    for batch in dataset.map(lambda r: tf.io.parse_example(r, spec)):
        for text, document, position in zip(
            batch[TEXT_KEY].numpy(), batch[DOCUMENT_KEY].numpy(), batch[POSITION_KEY].numpy()
        ):
            windows[document.decode("utf-8")].append((int(position), text.decode("utf-8")))
    return {document: _join(parts) for document, parts in sorted(windows.items())}


def _join(windows):
    """Windows (position, text) that overlap or touch -> the text they cover."""
    windows.sort()
    start, text = windows[0]
    for position, window in windows[1:]:
        end = start + len(text)
        if position > end:
            raise ValueError(f"the windows leave a gap at characters {end}..{position}")
        text += window[end - position :]
    return text


def segments(documents, length):
    """The documents cut into pieces of at most `length` characters (a model scores each piece from
    its start, so longer pieces lose less context), in order."""
    return [text[i : i + length] for text in documents.values() for i in range(0, len(text), length)]
