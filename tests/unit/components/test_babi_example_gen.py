"""BabiExampleGen's pieces: which files make which split, and a question as a tf.Example and back."""

import numpy as np
import pytest
import tensorflow as tf

from components.babi_example_gen import layout
from components.babi_example_gen.executor import example, read_examples, story_matrix
from keras_models.memory import babi


def _touch(folder, *names):
    folder.mkdir(exist_ok=True)
    for name in names:
        (folder / name).write_text("1 Mary went to the kitchen.\n2 Where is Mary?\tkitchen\t1\n")
    return folder


def test_train_files_are_the_train_split_and_test_files_the_eval_split(tmp_path):
    folder = _touch(
        tmp_path / "en",
        "qa2_two-supporting-facts_train.txt", "qa2_two-supporting-facts_test.txt",
        "qa10_indefinite-knowledge_train.txt", "qa10_indefinite-knowledge_test.txt",
        "qa2_two-supporting-facts_valid.txt", "README",
    )  # fmt: skip
    files = layout.list_files(str(folder))
    assert [(p.split("/")[-1], t) for p, t in files["train"]] == [
        ("qa2_two-supporting-facts_train.txt", 2),
        ("qa10_indefinite-knowledge_train.txt", 10),
    ]
    assert [t for _, t in files["eval"]] == [2, 10]
    assert [t for _, t in layout.list_files(str(folder), (10,))["eval"]] == [10]
    with pytest.raises(layout.LayoutError, match=r"--tasks 1: .* has no such task \(it has 2, 10\)"):
        layout.list_files(str(folder), (1, 2))
    with pytest.raises(layout.LayoutError, match="is not a folder"):
        layout.list_files(str(folder / "README"))


def test_a_question_survives_the_tf_example(tmp_path):
    milk = ("Mary got the milk.", "Mary went to the office.")
    path_story = ("The garden is north of the hallway.",)
    qas = [
        babi.QA(task=2, story=milk, question="Where is the milk?", answer="office", supporting=(0, 1)),
        babi.QA(19, path_story, "How do you go from the hallway to the garden?", "n", (0,)),
    ]
    path = str(tmp_path / "data.gz")
    with tf.io.TFRecordWriter(path, options="GZIP") as writer:
        for qa in qas:
            writer.write(example(qa))
    assert read_examples(str(tmp_path / "*.gz")) == qas


def test_story_matrix_pads_and_keeps_the_last_sentences():
    qas = [babi.QA(1, ("a", "b", "c"), "q", "x", (2,)), babi.QA(1, ("d",), "q", "y", (0,))]
    assert story_matrix(qas).tolist() == [["a", "b", "c"], ["d", "", ""]]
    assert story_matrix(qas, last=2).tolist() == [["b", "c"], ["d", ""]]
    assert story_matrix(qas, last=2).dtype == np.dtype(object)
