"""Beam executor of BabiExampleGen: one work item per file, one tf.Example per question, gzipped TFRecords."""

import apache_beam as beam
import numpy as np
import tensorflow as tf
from absl import logging
from tfx.dsl.components.base import base_beam_executor

from components import example_output
from components.babi_example_gen import layout
from keras_models.memory import babi

STORY_KEY = "story"  # the statements before the question, in order (bytes list)
QUESTION_KEY = "question"
ANSWER_KEY = "answer"  # as the file writes it: "bathroom", "milk,football", "n,w"
TASK_KEY = "task"  # 1..20 from the file name
SUPPORTING_KEY = "supporting"  # 0-based indices into `story` of the supporting facts
SPLITS = tuple(layout.SPLITS.values())


def _bytes(values):
    return tf.train.Feature(bytes_list=tf.train.BytesList(value=[v.encode("utf-8") for v in values]))


def _ints(values):
    return tf.train.Feature(int64_list=tf.train.Int64List(value=list(values)))


def example(qa):
    """A `babi.QA` as a serialized tf.Example."""
    feature = {
        STORY_KEY: _bytes(qa.story),
        QUESTION_KEY: _bytes([qa.question]),
        ANSWER_KEY: _bytes([qa.answer]),
        TASK_KEY: _ints([qa.task]),
        SUPPORTING_KEY: _ints(qa.supporting),
    }
    return tf.train.Example(features=tf.train.Features(feature=feature)).SerializeToString()


def _questions(work):
    """(path, task, split) -> (split, serialized example) for every question of the file."""
    path, task, split = work
    for story in babi.read(path, task=task):
        for qa in babi.questions(story):
            yield split, example(qa)


class Executor(base_beam_executor.BaseBeamExecutor):
    def Do(self, input_dict, output_dict, exec_properties):  # noqa: N802 (TFX naming)
        input_base = exec_properties["input_base"]
        tasks = [int(t) for t in exec_properties["tasks"].split(",") if t]
        files = layout.list_files(input_base, tasks)
        work = [(path, task, split) for split, pairs in files.items() for path, task in pairs]
        examples = example_output.prepare(output_dict, SPLITS)

        with self._make_beam_pipeline() as pipeline:
            questions = (
                pipeline
                | "Files" >> beam.Create(work)
                | "Reshuffle" >> beam.Reshuffle()
                | "Questions" >> beam.FlatMap(_questions)
            )
            example_output.write_by_split(questions, examples, SPLITS)

        task_list = sorted({task for pairs in files.values() for _, task in pairs})
        examples.set_string_custom_property("tasks", ",".join(map(str, task_list)))
        line = (
            f"BabiExampleGen: {len(work)} file(s), tasks {', '.join(map(str, task_list))} "
            f"(train: the *_train.txt files, eval: the *_test.txt files)"
        )
        logging.info(line)
        print(f"  {line}", flush=True)


def _strings(feature):
    return [value.decode("utf-8") for value in feature.bytes_list.value]


def read_examples(file_pattern):
    """The `babi.QA`s of gzipped tf.Example files (a glob pattern or a list of them), in file order."""
    patterns = [file_pattern] if isinstance(file_pattern, str) else list(file_pattern)
    files = sorted(path for pattern in patterns for path in tf.io.gfile.glob(pattern))
    qas = []
    for record in tf.data.TFRecordDataset(files, compression_type="GZIP"):
        feature = tf.train.Example.FromString(record.numpy()).features.feature
        qas.append(
            babi.QA(
                task=int(feature[TASK_KEY].int64_list.value[0]),
                story=tuple(_strings(feature[STORY_KEY])),
                question=_strings(feature[QUESTION_KEY])[0],
                answer=_strings(feature[ANSWER_KEY])[0],
                supporting=tuple(feature[SUPPORTING_KEY].int64_list.value),
            )
        )
    return qas


def story_matrix(qas, last=None):
    """[N, S] object array of the stories' statements, "" after a shorter story's end; `last` keeps each
    story's last `last` statements only (what a memory of that size reads)."""
    stories = [qa.story[-last:] if last else qa.story for qa in qas]
    matrix = np.full((len(stories), max(map(len, stories), default=0)), "", dtype=object)
    for row, story in zip(matrix, stories):
        row[: len(story)] = story
    return matrix
