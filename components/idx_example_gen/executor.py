"""Beam executor of IdxExampleGen: IDX image/label files -> tf.train.Example."""

import apache_beam as beam
import tensorflow as tf
from apache_beam.io.filesystems import FileSystems
from tfx.components.example_gen.base_example_gen_executor import BaseExampleGenExecutor
from tfx.types import standard_component_specs

from components.idx_example_gen import idx

IMAGE_KEY = "image"  # raw uint8 pixels, row-major, as one bytes value
LABEL_KEY = "label"  # int64 class id

# Records per Beam work item: small enough to spread over workers, large enough
# that per-element overhead stays negligible.
_CHUNK_RECORDS = 5000


def _to_example(image, label):
    return tf.train.Example(
        features=tf.train.Features(
            feature={
                IMAGE_KEY: tf.train.Feature(bytes_list=tf.train.BytesList(value=[image.tobytes()])),
                LABEL_KEY: tf.train.Feature(int64_list=tf.train.Int64List(value=[int(label)])),
            }
        )
    )


class _ReadChunk(beam.DoFn):
    """Reads records [start, stop) of an (images, labels) pair as tf.Examples."""

    def __init__(self, images, labels):
        self._images, self._labels = images, labels

    def process(self, bounds):
        start, stop = bounds
        images = idx.read_records(self._images, start, stop)
        labels = idx.read_records(self._labels, start, stop)
        for image, label in zip(images, labels):
            yield _to_example(image, label)


def find_split_files(input_base, split_pattern):
    """(images header, labels header) of the IDX pair matching `split_pattern` in `input_base` (any Beam
    file system); IdxFormatError when none matches or the files are not one images/labels pair."""
    pattern = FileSystems.join(input_base, split_pattern)
    paths = [m.path for r in FileSystems.match([pattern]) for m in r.metadata_list]
    if not paths:
        raise idx.IdxFormatError(f"no IDX files match {pattern}.")
    return idx.find_pair(paths)


@beam.ptransform_fn
@beam.typehints.with_input_types(beam.Pipeline)
@beam.typehints.with_output_types(tf.train.Example)
def _IdxToExample(pipeline, exec_properties, split_pattern):  # noqa: N802 (Beam naming)
    """Reads the IDX images and labels files matching `split_pattern`."""
    input_base = exec_properties[standard_component_specs.INPUT_BASE_KEY]
    images, labels = find_split_files(input_base, split_pattern)
    chunks = [
        (start, min(start + _CHUNK_RECORDS, images.num_records))
        for start in range(0, images.num_records, _CHUNK_RECORDS)
    ]
    return (
        pipeline
        | "Chunks" >> beam.Create(chunks)
        | "Reshuffle" >> beam.Reshuffle()
        | "ReadChunk" >> beam.ParDo(_ReadChunk(images, labels))
    )


class Executor(BaseExampleGenExecutor):
    """Generic ExampleGen executor for MNIST-layout IDX files."""

    def GetInputSourceToExamplePTransform(self):  # noqa: N802 (TFX naming)
        return _IdxToExample
