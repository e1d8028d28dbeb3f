"""Beam executor of CorpusExampleGen: one work item per file part, windows written as gzipped TFRecords."""

import os

import apache_beam as beam
import tensorflow as tf
from absl import logging
from tfx.dsl.components.base import base_beam_executor

from components import example_output
from components.corpus_example_gen import corpus

TEXT_KEY = "text"  # window + 1 characters, UTF-8
DOCUMENT_KEY = "document"  # the file, relative to the corpus
POSITION_KEY = "position"  # the window's first character in its file
SPLITS = ("train", "eval")


def _example(text, document, position):
    feature = tf.train.Feature
    return tf.train.Example(
        features=tf.train.Features(
            feature={
                TEXT_KEY: feature(bytes_list=tf.train.BytesList(value=[text.encode("utf-8")])),
                DOCUMENT_KEY: feature(bytes_list=tf.train.BytesList(value=[document.encode("utf-8")])),
                POSITION_KEY: feature(int64_list=tf.train.Int64List(value=[position])),
            }
        )
    ).SerializeToString()


class _Windows(beam.DoFn):
    """(path, document, split, start, end) -> (split, serialized window examples of that part)."""

    def __init__(self, window):
        self._window = window

    def process(self, part):
        path, document, split, start, end = part
        text = corpus.read_text(path)
        for position in corpus.window_starts(start, end, self._window):
            yield split, _example(text[position : position + self._window + 1], document, position)


def _document_names(files, input_base):
    """Each file's path relative to the corpus folder (its name, for files given directly)."""
    base = input_base if os.path.isdir(input_base) else None
    return [os.path.relpath(path, base) if base else os.path.basename(path) for path in files]


class Executor(base_beam_executor.BaseBeamExecutor):
    def Do(self, input_dict, output_dict, exec_properties):  # noqa: N802 (TFX naming)
        input_base, window = exec_properties["input_base"], int(exec_properties["window"])
        eval_fraction = float(exec_properties["eval_fraction"])
        files, lengths = corpus.check(input_base, window, eval_fraction)
        documents = _document_names(files, input_base)
        work = [
            (files[index], documents[index], split, start, end)
            for index, split, start, end in corpus.parts(lengths, eval_fraction)
        ]
        examples = example_output.prepare(output_dict, SPLITS)

        with self._make_beam_pipeline() as pipeline:
            windows = (
                pipeline
                | "Parts" >> beam.Create(work)
                | "Reshuffle" >> beam.Reshuffle()
                | "Windows" >> beam.ParDo(_Windows(window))
            )
            example_output.write_by_split(windows, examples, SPLITS)

        sizes = corpus.split_sizes(lengths, eval_fraction, window)
        for split, (characters, count) in sizes.items():
            examples.set_int_custom_property(f"{split}_characters", characters)
            examples.set_int_custom_property(f"{split}_windows", count)
        line = (
            f"CorpusExampleGen: {len(files)} file(s), {sizes['train'][0]:,} train / "
            f"{sizes['eval'][0]:,} eval characters (eval = the last {100 * eval_fraction:g} %), "
            f"windows of {window + 1}"
        )
        logging.info(line)
        print(f"  {line}", flush=True)
