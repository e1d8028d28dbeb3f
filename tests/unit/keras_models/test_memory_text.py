"""keras_models.memory.text: the tokenizer's two twins agree, the vocabulary's order, and what
BabiVectorizer keeps (last sentences, left-aligned, truncated words, unknown ids, story columns)."""

import collections

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_models.memory.text import (
    BabiVectorizer,
    answer_token,
    build_vocabulary,
    memory_shape,
    python_tokenize,
    qa_arrays,
    tokenize,
)

QA = collections.namedtuple("QA", "story question answer")
TRICKY = [
    "Mary moved to the bathroom.",
    "Where is Mary? ",
    "  JOHN\tjourneyed\nto the HALLWAY!!",
    "a;b:c d.e?f!g",
    "Is the box bigger than the chocolate?",
    "n,w s,e",
    "Émile went to the café.",  # non-ASCII letters are not lowercased, by either twin
    "",
    " . ? ",
    "x\r\n\x0by\x0cz",
]


def test_python_tokenizer_agrees_with_the_tf_one():
    expected = [[t.decode("utf-8") for t in row] for row in tokenize(tf.constant(TRICKY)).to_list()]
    assert [python_tokenize(text) for text in TRICKY] == expected
    assert expected[2] == ["john", "journeyed", "to", "the", "hallway"]
    assert expected[3] == ["abc", "defg"]
    assert expected[6][0] == "Émile"


def test_tokenize_keeps_the_input_shape_as_ragged():
    tokens = tokenize(tf.constant([["Mary went home.", ""], ["Where is it?", "Yes"]]))
    assert isinstance(tokens, tf.RaggedTensor) and tokens.shape[:2] == (2, 2)
    assert tokens.to_list() == [[[b"mary", b"went", b"home"], []], [[b"where", b"is", b"it"], [b"yes"]]]


def test_answer_token():
    assert answer_token(" N,W ") == "n,w" and answer_token("Kitchen") == "kitchen"


def test_build_vocabulary_counts_story_question_and_answer_then_sorts_by_count_and_word():
    qas = [
        QA(("Mary went home.", "Bill went out."), "Where is Mary?", "Home"),
        QA(("Mary went home.",), "Where is Bill?", "n,w"),
    ]
    vocabulary = build_vocabulary(qas)
    # home 3 (2 in stories + the answer), mary 3, went 3, bill 2, is 2, where 2, n,w 1, out 1
    assert vocabulary == ["home", "mary", "went", "bill", "is", "where", "n,w", "out"]


def _vectorizer(**kwargs):
    vocabulary = ["mary", "went", "to", "the", "kitchen", "where", "is", "john", "garden"]
    return BabiVectorizer(vocabulary, **{"memory_size": 3, "sentence_size": 4, **kwargs})


STORY = [
    ["Mary went to the kitchen.", "John went to the garden.", "", "Mary is here now, yes.", "Bob ran.", ""],
    ["John went.", "", "", "", "", ""],
]


def test_vectorizer_keeps_the_last_sentences_left_aligned_and_truncates_words():
    vec = _vectorizer()
    ids = vec(tf.constant(STORY), tf.constant(["Where is Mary?", "Where is the garden kitchen Mary?"]))
    story, question = ids["story"].numpy(), ids["question"].numpy()
    assert story.dtype == np.int32 and story.shape == (2, 3, 4)
    # Row 0: the first sentence is older than the memory; "" is skipped; "now," "yes" are unknown (1).
    np.testing.assert_array_equal(story[0], [[9, 3, 4, 5], [2, 8, 1, 1], [1, 1, 0, 0]])
    np.testing.assert_array_equal(story[1], [[9, 3, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]])
    np.testing.assert_array_equal(question, [[7, 8, 2, 0], [7, 8, 5, 10]])
    np.testing.assert_array_equal(vec.memory_columns(tf.constant(STORY)).numpy(), [[1, 3, 4], [0, -1, -1]])


def test_answer_ids_and_words():
    vec = _vectorizer()
    np.testing.assert_array_equal(
        vec.answer_ids(tf.constant(["Kitchen", " garden ", "moon"])).numpy(), [6, 10, 1]
    )
    assert vec.words(tf.constant([0, 1, 2, 10])).numpy().tolist() == [b"", b"[UNK]", b"mary", b"garden"]
    assert vec.num_ids == 11


def test_vectorizer_in_a_graph_with_unknown_shapes_and_its_config():
    vec = _vectorizer()
    clone = BabiVectorizer.from_config(vec.get_config())
    assert clone.get_config() == vec.get_config()
    signature = [tf.TensorSpec([None, None], tf.string), tf.TensorSpec([None], tf.string)]
    graph = tf.function(clone.call, input_signature=signature)
    question = tf.constant(["Where is Mary?", "x"])
    for key, value in graph(tf.constant(STORY), question).items():
        np.testing.assert_array_equal(value.numpy(), vec(tf.constant(STORY), question)[key].numpy())


def test_vectorizer_symbolic_output_and_bad_arguments():
    spec = _vectorizer().compute_output_spec(keras.KerasTensor((None, 6), "string"), None)
    assert spec["story"].shape == (None, 3, 4) and spec["question"].shape == (None, 4)
    with pytest.raises(ValueError, match="duplicate"):
        BabiVectorizer(["a", "a"])
    with pytest.raises(ValueError, match="memory_size"):
        BabiVectorizer(["a"], memory_size=0)


def test_qa_arrays_pads_stories_of_different_lengths():
    qas = [QA(("Mary went to the kitchen.", "John went to the garden."), "Where is John?", "garden")]
    qas.append(QA(("Mary went to the garden.",), "Where is Mary?", "Garden"))
    x, y = qa_arrays(_vectorizer(), qas, batch_size=1)
    assert x["story"].shape == (2, 3, 4) and x["question"].shape == (2, 4)
    np.testing.assert_array_equal(y, [10, 10])
    np.testing.assert_array_equal(x["story"][1, 0], [2, 3, 4, 5])


def test_memory_shape_fits_the_longest_sentence_and_caps_the_memory():
    qa = QA(("Mary went to the kitchen.", "John moved to the big garden."), "Where is Mary?", "kitchen")
    assert memory_shape([qa], memory_limit=50) == (2, 6)
    assert memory_shape([qa], memory_limit=1) == (1, 6)
