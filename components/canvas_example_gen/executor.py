"""Beam executor of CanvasExampleGen: chunks of canvas indices -> composed canvases -> gzipped TFRecords."""

import apache_beam as beam
import tensorflow as tf
from absl import logging
from tfx.dsl.components.base import base_beam_executor

from components import example_output
from components.canvas_example_gen import canvas
from components.idx_example_gen import idx
from components.idx_example_gen.executor import find_split_files

IMAGE_KEY = "image"  # the canvas: size * size raw uint8 pixels, row-major, one bytes value
MASK_KEY = "mask"  # per-pixel class: 0 background, Fashion-MNIST class + 1; size * size raw uint8
ITEM_COUNT_KEY = "item_count"  # items placed on the canvas (some may be hidden under later ones)
INDEX_KEY = "index"  # the canvas's number in its split: with the seed, what it is composed from

SPLITS = {"train": "train", "eval": "t10k"}  # split -> the IDX file prefix its items come from
_CHUNK = 500  # canvases per Beam work item


def example(image, mask, item_count, index):
    bytes_feature = lambda value: tf.train.Feature(bytes_list=tf.train.BytesList(value=[value]))  # noqa: E731
    int_feature = lambda value: tf.train.Feature(int64_list=tf.train.Int64List(value=[int(value)]))  # noqa: E731
    return tf.train.Example(
        features=tf.train.Features(
            feature={
                IMAGE_KEY: bytes_feature(image.tobytes()),
                MASK_KEY: bytes_feature(mask.tobytes()),
                ITEM_COUNT_KEY: int_feature(item_count),
                INDEX_KEY: int_feature(index),
            }
        )
    )


def find_items(input_base, prefix):
    """(images header, labels header) of the `<prefix>-*` IDX pair in `input_base`; IdxFormatError
    (naming the file and what is wrong) when it is missing, malformed, truncated or empty."""
    images, labels = find_split_files(input_base, f"{prefix}-*")
    if images.num_records == 0:
        raise idx.IdxFormatError(f"{images.path} holds no images; canvases need items to compose.")
    if len(images.record_shape) != 2:
        raise idx.IdxFormatError(f"{images.path}: expected grey images (N x H x W), got dims {images.dims}.")
    idx.check_complete(images)
    idx.check_complete(labels)
    return images, labels


class _ComposeChunk(beam.DoFn):
    """[start, stop) -> the serialized canvases of those indices; the items are read once per worker."""

    def __init__(self, images, labels, seed, split, size):
        self._headers = (images, labels)
        self._seed, self._split, self._size = seed, split, size

    def setup(self):
        images, labels = self._headers
        self._images, self._labels = idx.read_records(images), idx.read_records(labels)
        if self._labels.max(initial=0) > 9:
            raise idx.IdxFormatError(
                f"{labels.path}: label {int(self._labels.max())} is not a Fashion-MNIST class (0..9)."
            )

    def process(self, bounds):
        start, stop = bounds
        for index in range(start, stop):
            image, mask, count = canvas.compose(
                self._images, self._labels, self._seed, self._split, index, self._size
            )
            yield example(image, mask, count, index).SerializeToString()


@beam.ptransform_fn
def Canvases(pipeline, input_base, split, seed, count, size):  # noqa: N802 (Beam naming)
    """The serialized tf.Examples of `count` canvases of `split`, composed from its IDX items."""
    images, labels = find_items(input_base, SPLITS[split])
    chunks = [(start, min(start + _CHUNK, count)) for start in range(0, count, _CHUNK)]
    return (
        pipeline
        | f"Chunks[{split}]" >> beam.Create(chunks)
        | f"Reshuffle[{split}]" >> beam.Reshuffle()
        | f"Compose[{split}]" >> beam.ParDo(_ComposeChunk(images, labels, int(seed), split, int(size)))
    )


class Executor(base_beam_executor.BaseBeamExecutor):
    def Do(self, input_dict, output_dict, exec_properties):  # noqa: N802 (TFX naming)
        input_base, seed = exec_properties["input_base"], int(exec_properties["seed"])
        size = int(exec_properties["canvas_size"])
        counts = {split: int(exec_properties[f"{split}_canvases"]) for split in SPLITS}
        for prefix in SPLITS.values():  # fail before starting Beam, naming the file
            images, _ = find_items(input_base, prefix)
            if any(side > size for side in images.record_shape):
                raise idx.IdxFormatError(
                    f"{images.path}: items of {images.record_shape} pixels do not fit on a "
                    f"{size}x{size} canvas."
                )
        examples = example_output.prepare(output_dict, SPLITS)

        with self._make_beam_pipeline() as pipeline:
            for split, count in counts.items():
                canvases = pipeline | f"Canvases[{split}]" >> Canvases(input_base, split, seed, count, size)
                example_output.write(canvases, examples, split)

        for split, count in counts.items():
            examples.set_int_custom_property(f"{split}_canvases", count)
        line = (
            f"CanvasExampleGen: {counts['train']:,} train / {counts['eval']:,} eval canvases of "
            f"{size}x{size}, {canvas.MIN_ITEMS}-{canvas.MAX_ITEMS} items each, seed {seed}"
        )
        logging.info(line)
        print(f"  {line}", flush=True)
