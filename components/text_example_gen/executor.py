"""Beam executor of TextExampleGen: labelled-text files -> tf.train.Example, bad rows counted.

Each file is one Beam work item: a CSV whose quoted fields span lines cannot be
split safely at arbitrary byte offsets. The bad-row report of each split is
written next to the examples (`bad_rows/<split>.json`), logged, attached to the
Examples artifact as custom properties, and checked against `max_bad_fraction`.
"""

import json
import os

import apache_beam as beam
import tensorflow as tf
from absl import logging
from apache_beam.io.filesystems import FileSystems
from google.protobuf import json_format, struct_pb2
from tfx.components.example_gen.base_example_gen_executor import BaseExampleGenExecutor
from tfx.proto import example_gen_pb2
from tfx.types import artifact_utils, standard_component_specs
from tfx.utils import proto_utils

from components.text_example_gen import formats

TEXT_KEY = "text"  # the raw text, UTF-8 bytes
LABEL_KEY = "label"  # the label as a string (AG News: the class name from classes.txt); none for `lines`
REPORT_DIR = "bad_rows"
_EXAMPLES_SHOWN = 5  # bad rows quoted in the report and the error


class BadRowsError(ValueError):
    """Too many rows of a split are bad; the message gives the counts and the first bad rows."""


def options(exec_properties):
    """The component's options (data_format, max_bad_fraction) from its custom_config."""
    custom = example_gen_pb2.CustomConfig()
    proto_utils.json_to_proto(exec_properties.get(standard_component_specs.CUSTOM_CONFIG_KEY) or "{}", custom)
    values = struct_pb2.Struct()
    if custom.HasField("custom_config"):
        custom.custom_config.Unpack(values)
    return json_format.MessageToDict(values)


def _to_example(label, text):
    """`text`, and `label` unless the layout has none (`lines`)."""
    features = {TEXT_KEY: text} if not label else {TEXT_KEY: text, LABEL_KEY: label}
    return tf.train.Example(
        features=tf.train.Features(
            feature={
                key: tf.train.Feature(bytes_list=tf.train.BytesList(value=[value.encode("utf-8")]))
                for key, value in features.items()
            }
        )
    )


class _ReadFile(beam.DoFn):
    """One file -> its good rows as tf.Examples; its row counts to the `report` output."""

    def __init__(self, data_format, classes):
        self._format, self._classes = data_format, classes

    def process(self, path):
        report = {"rows": 0, "bad": {}, "examples": []}
        for row in formats.read_rows(path, self._format, self._classes):
            report["rows"] += 1
            if row.problem is None:
                yield _to_example(row.label, row.text)
                continue
            report["bad"][row.problem] = report["bad"].get(row.problem, 0) + 1
            if len(report["examples"]) < _EXAMPLES_SHOWN:
                report["examples"].append(f"{os.path.basename(path)} line {row.line}: {row.problem}")
        yield beam.pvalue.TaggedOutput("report", report)


class _MergeReports(beam.CombineFn):
    def create_accumulator(self):
        return {"rows": 0, "bad": {}, "examples": []}

    def add_input(self, total, report):
        total["rows"] += report["rows"]
        for problem, count in report["bad"].items():
            total["bad"][problem] = total["bad"].get(problem, 0) + count
        total["examples"] = (total["examples"] + report["examples"])[:_EXAMPLES_SHOWN]
        return total

    def merge_accumulators(self, accumulators):
        merged = self.create_accumulator()
        for accumulator in accumulators:
            merged = self.add_input(merged, accumulator)
        return merged

    def extract_output(self, total):
        return total


def _split_name(exec_properties, split_pattern):
    input_config = example_gen_pb2.Input()
    proto_utils.json_to_proto(exec_properties[standard_component_specs.INPUT_CONFIG_KEY], input_config)
    return next(s.name for s in input_config.splits if s.pattern == split_pattern)


def _split_files(input_base, split_pattern):
    pattern = FileSystems.join(input_base, split_pattern)
    paths = sorted(m.path for r in FileSystems.match([pattern]) for m in r.metadata_list)
    if not paths:
        raise formats.TextFormatError(f"no files match {pattern}")
    return paths


class Executor(BaseExampleGenExecutor):
    """ExampleGen executor for the layouts of `formats` (AG News CSV, label,text CSV, fastText lines)."""

    _report_root = None  # set by Do: where each split's PTransform writes its report

    def GetInputSourceToExamplePTransform(self):  # noqa: N802 (TFX naming)
        report_root = self._report_root

        @beam.ptransform_fn
        @beam.typehints.with_input_types(beam.Pipeline)
        @beam.typehints.with_output_types(tf.train.Example)
        def _TextToExample(pipeline, exec_properties, split_pattern):  # noqa: N802 (Beam naming)
            input_base = exec_properties[standard_component_specs.INPUT_BASE_KEY]
            data_format = options(exec_properties).get("data_format", "auto")
            paths = _split_files(input_base, split_pattern)
            if data_format == "auto":
                data_format = formats.detect_format(paths[0])
            classes = formats.read_classes(input_base) if data_format == "ag_news" else None
            parsed = (
                pipeline
                | "Files" >> beam.Create(paths)
                | "Reshuffle" >> beam.Reshuffle()
                | "Read"
                >> beam.ParDo(_ReadFile(data_format, classes)).with_outputs("report", main="examples")
            )
            if report_root:
                name = _split_name(exec_properties, split_pattern)
                _ = (
                    parsed.report
                    | "Merge" >> beam.CombineGlobally(_MergeReports())
                    | "Json"
                    >> beam.Map(lambda r: json.dumps({**r, "format": data_format, "pattern": split_pattern}))
                    | "Write"
                    >> beam.io.WriteToText(
                        FileSystems.join(report_root, name), file_name_suffix=".json", shard_name_template=""
                    )
                )
            return parsed.examples

        return _TextToExample

    def Do(self, input_dict, output_dict, exec_properties):  # noqa: N802 (TFX naming)
        examples = artifact_utils.get_single_instance(output_dict[standard_component_specs.EXAMPLES_KEY])
        self._report_root = FileSystems.join(examples.uri, REPORT_DIR)
        super().Do(input_dict, output_dict, exec_properties)

        input_config = example_gen_pb2.Input()
        proto_utils.json_to_proto(exec_properties[standard_component_specs.INPUT_CONFIG_KEY], input_config)
        max_bad = float(options(exec_properties).get("max_bad_fraction", 0.01))
        problems = []
        for split in input_config.splits:
            with tf.io.gfile.GFile(FileSystems.join(self._report_root, split.name + ".json")) as f:
                report = json.load(f)
            bad = sum(report["bad"].values())
            examples.set_int_custom_property(f"{split.name}_rows", report["rows"])
            examples.set_int_custom_property(f"{split.name}_bad_rows", bad)
            line = describe(split.name, report, bad)
            if bad:
                logging.warning("TextExampleGen: %s", line)
                print(f"  TextExampleGen: {line}", flush=True)
            if report["rows"] == 0 or bad > max_bad * report["rows"]:
                problems.append(line)
        if problems:
            raise BadRowsError(
                f"too many bad rows (limit {100 * max_bad:g} % of a split, --max-bad-fraction {max_bad:g}): "
                f"{'; '.join(problems)}. Fix the data, or raise --max-bad-fraction to skip them."
            )


def describe(split, report, bad):
    """`split 'train': 3 of 5,195 rows (0.06 %) bad (missing label: 2, empty text: 1); first: ...`."""
    rows = report["rows"]
    if rows == 0:
        return f"split '{split}': no rows in {report['pattern']}"
    counts = ", ".join(f"{problem}: {count}" for problem, count in sorted(report["bad"].items()))
    text = f"split '{split}': {bad:,} of {rows:,} rows ({100 * bad / rows:.2f} %) bad"
    if bad:
        text += f" ({counts}); first: {', '.join(report['examples'])}"
    return text
