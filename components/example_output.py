"""The Examples artifact a custom ExampleGen writes: its split names, the tf.Example payload format, and
one folder of gzipped TFRecords per split (`<uri>/Split-<name>/data_tfrecord-*.gz`), as TFX's own
ExampleGen lays them out, so StatisticsGen, Transform and the rest read them unchanged."""

import os

import apache_beam as beam
from tfx.components.util import examples_utils
from tfx.proto import example_gen_pb2
from tfx.types import artifact_utils


def prepare(output_dict, splits):
    """The output Examples artifact, marked with `splits` and the tf.Example payload format."""
    examples = artifact_utils.get_single_instance(output_dict["examples"])
    examples.split_names = artifact_utils.encode_split_names(list(splits))
    examples_utils.set_payload_format(examples, example_gen_pb2.PayloadFormat.FORMAT_TF_EXAMPLE)
    return examples


def write(serialized, examples, split):
    """Writes a PCollection of serialized tf.Examples as `split`'s gzipped TFRecords."""
    output = os.path.join(artifact_utils.get_split_uri([examples], split), "data_tfrecord")
    return serialized | f"Write[{split}]" >> beam.io.WriteToTFRecord(output, file_name_suffix=".gz")


def write_by_split(keyed, examples, splits):
    """Writes a PCollection of (split, serialized tf.Example) pairs, each to its split's files."""
    by_split = keyed | "BySplit" >> beam.Partition(lambda kv, _: splits.index(kv[0]), len(splits))
    for split, pairs in zip(splits, by_split):
        write(pairs | f"Values[{split}]" >> beam.Values(), examples, split)
