"""Beam executor of CooccurrenceGen: raw text Examples + Transform's vocabulary -> GloVe's co-occurrences.

Writes into the output Examples artifact:

- `Split-train/data_tfrecord-*.gz`: one gzipped tf.Example per nonzero entry,
  int64 `row`, int64 `col`, float `count` (a standard Examples split, so TFX's
  Trainer takes it as its `examples`);
- `vocabulary.txt`: the words the ids index (UTF-8, one a line, id order);
- `cooccurrence.json`: `vocabulary_size`, `nonzeros`, `total_weight` and the
  options (`window`, `symmetric`, `min_count`, ...), also set as custom properties.
"""

import json
import os

import apache_beam as beam
import tensorflow as tf
import tensorflow_transform as tft
from absl import logging
from apache_beam.io.filesystems import FileSystems
from tfx.components.util import examples_utils
from tfx.dsl.components.base import base_beam_executor
from tfx.proto import example_gen_pb2
from tfx.types import artifact_utils

from components.cooccurrence_gen import beam as cooccurrence_beam

EXAMPLES_KEY, TRANSFORM_GRAPH_KEY, OUTPUT_KEY = "examples", "transform_graph", "cooccurrence"
OUTPUT_SPLIT = "train"
STATS_FILE, VOCABULARY_FILE = "cooccurrence.json", "vocabulary.txt"


def parse_vocabulary(lines, min_count=1):
    """Transform's vocabulary lines (bytes or str) -> the words to count, in the file's order.

    Lines are words, or `count word` when Transform wrote them with
    `store_frequency=True` (every line then starts with a number and a space;
    tokens never hold whitespace). With counts, only words seen `min_count` times
    are kept; without them `min_count` must be 1.
    """
    words = [line.decode("utf-8", "replace") if isinstance(line, bytes) else str(line) for line in lines]
    fields = [word.split(" ", 1) for word in words]
    with_counts = bool(fields) and all(len(f) == 2 and _is_number(f[0]) for f in fields)
    if not with_counts:
        if int(min_count) > 1:
            raise ValueError(
                f"min_count={min_count} needs word counts, but the vocabulary has none: write it with "
                "tft.vocabulary(..., store_frequency=True), or filter it there (frequency_threshold) and "
                "pass min_count=1."
            )
        return words
    return [word for count, word in fields if float(count) >= int(min_count)]


def _is_number(text):
    """Transform's counts: integers, floats for weighted vocabularies, -1 for reserved tokens."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def read_vocabulary(transform_graph_uri, vocabulary_name, min_count=1):
    """The words Transform's vocabulary `vocabulary_name` keeps at `min_count`, in id order."""
    output = tft.TFTransformOutput(transform_graph_uri)
    try:
        lines = output.vocabulary_by_name(vocabulary_name)
    except ValueError:
        raise ValueError(
            f"Transform wrote no vocabulary named {vocabulary_name!r} under {transform_graph_uri}; pass the "
            "vocab_filename your preprocessing_fn gives tft.vocabulary as vocabulary_name."
        ) from None
    return parse_vocabulary(lines, min_count)


class _Texts(beam.DoFn):
    """A serialized tf.Example -> each value of its bytes feature `text_key` (one text each)."""

    def __init__(self, text_key):
        self._text_key = text_key

    def process(self, record):
        feature = tf.train.Example.FromString(record).features.feature
        if self._text_key not in feature:
            raise ValueError(
                f"an input example has no feature {self._text_key!r} (it has {sorted(feature)}); "
                "set text_key to the raw text's feature."
            )
        yield from feature[self._text_key].bytes_list.value


def _split_pattern(examples, split):
    if split not in artifact_utils.decode_split_names(examples.split_names):
        raise ValueError(
            f"the input Examples have no split {split!r} (they have "
            f"{artifact_utils.decode_split_names(examples.split_names)})."
        )
    return os.path.join(artifact_utils.get_split_uri([examples], split), "*")


def options(exec_properties):
    """The exec properties with their types (splits may arrive as a JSON string)."""
    splits = exec_properties.get("splits") or [OUTPUT_SPLIT]
    if isinstance(splits, str):
        splits = json.loads(splits)
    return {
        "text_key": str(exec_properties.get("text_key", "text")),
        "vocabulary_name": str(exec_properties.get("vocabulary_name", "words")),
        "window": int(exec_properties.get("window", 10)),
        "symmetric": bool(int(exec_properties.get("symmetric", 1))),
        "min_count": int(exec_properties.get("min_count", 1)),
        "lowercase": bool(int(exec_properties.get("lowercase", 1))),
        "splits": [str(s) for s in splits],
    }


class Executor(base_beam_executor.BaseBeamExecutor):
    def Do(self, input_dict, output_dict, exec_properties):  # noqa: N802 (TFX naming)
        config = options(exec_properties)
        examples = artifact_utils.get_single_instance(input_dict[EXAMPLES_KEY])
        transform_graph = artifact_utils.get_single_instance(input_dict[TRANSFORM_GRAPH_KEY])
        vocabulary = read_vocabulary(transform_graph.uri, config["vocabulary_name"], config["min_count"])
        if not vocabulary:
            name, min_count = config["vocabulary_name"], config["min_count"]
            raise ValueError(f"no word of vocabulary {name!r} is seen min_count={min_count} times; lower it.")
        patterns = [_split_pattern(examples, split) for split in config["splits"]]
        output = artifact_utils.get_single_instance(output_dict[OUTPUT_KEY])
        output.split_names = artifact_utils.encode_split_names([OUTPUT_SPLIT])
        examples_utils.set_payload_format(output, example_gen_pb2.PayloadFormat.FORMAT_TF_EXAMPLE)
        tf.io.gfile.makedirs(output.uri)
        with tf.io.gfile.GFile(os.path.join(output.uri, VOCABULARY_FILE), "w") as f:
            f.write("".join(word + "\n" for word in vocabulary))
        size, window = len(vocabulary), config["window"]
        header = {key: config[key] for key in ("window", "symmetric", "min_count", "splits", "text_key")}
        header.update({"vocabulary_name": config["vocabulary_name"], "vocabulary_size": size})

        with self._make_beam_pipeline() as pipeline:
            records = [
                pipeline
                | f"Read[{split}]"
                >> beam.io.ReadFromTFRecord(
                    pattern, compression_type=beam.io.filesystem.CompressionTypes.GZIP
                )
                for split, pattern in zip(config["splits"], patterns)
            ]
            pairs = (
                records
                | "Flatten" >> beam.Flatten()
                | "Texts" >> beam.ParDo(_Texts(config["text_key"]))
                | "Cooccurrences"
                >> cooccurrence_beam.Cooccurrences(
                    vocabulary, window, config["symmetric"], config["lowercase"]
                )
            )
            _ = (
                pairs
                | "ToExample" >> beam.Map(cooccurrence_beam.to_example, size, window)
                | "Write"
                >> beam.io.WriteToTFRecord(
                    os.path.join(artifact_utils.get_split_uri([output], OUTPUT_SPLIT), "data_tfrecord"),
                    file_name_suffix=".gz",
                )
            )
            _ = (
                cooccurrence_beam.totals(pairs, window)
                | "Json" >> beam.Map(lambda totals: json.dumps({**header, **totals}, indent=1))
                | "WriteStats"
                >> beam.io.WriteToText(
                    FileSystems.join(output.uri, STATS_FILE),
                    shard_name_template="",
                    append_trailing_newlines=True,
                )
            )

        stats = read_stats(output.uri)
        for key in ("vocabulary_size", "nonzeros", "window", "min_count"):
            output.set_int_custom_property(key, stats[key])
        output.set_float_custom_property("total_weight", stats["total_weight"])
        context = "symmetric" if config["symmetric"] else "left"
        line = (
            f"CooccurrenceGen: {stats['nonzeros']:,} nonzeros over {size:,} words, total weight "
            f"{stats['total_weight']:,.1f} (window {window}, {context} context, splits "
            f"{', '.join(config['splits'])})"
        )
        logging.info(line)
        print(f"  {line}", flush=True)


def read_stats(uri):
    """The `cooccurrence.json` of an output artifact's uri."""
    with tf.io.gfile.GFile(os.path.join(uri, STATS_FILE)) as f:
        return json.load(f)


def read_vocabulary_file(uri):
    """The words the output's ids index (its `vocabulary.txt`)."""
    with tf.io.gfile.GFile(os.path.join(uri, VOCABULARY_FILE), "rb") as f:
        return [line.decode("utf-8") for line in f.read().split(b"\n")[:-1]]


def read_cooccurrence(uri):
    """(rows int64, cols int64, counts float32) of an output artifact's uri, sorted by (row, col)."""
    files = sorted(tf.io.gfile.glob(os.path.join(uri, f"Split-{OUTPUT_SPLIT}", "*")))
    return cooccurrence_beam.decode_counts(tf.data.TFRecordDataset(files, compression_type="GZIP"))
