"""MemoryExport: the SavedModel's `answer` and `serving_default` answer as the Keras model does, with the
attention on the client's own story columns."""

import numpy as np
import pytest
import tensorflow as tf

from components.babi_example_gen.executor import example
from keras_models.memory import babi
from keras_models.memory.entnet import EntNet
from keras_models.memory.memn2n import MemN2N
from keras_models.memory.text import build_vocabulary
from serving.export import WARMUP_FILE
from serving.memory_export import MemoryExport

QAS = [qa for story in babi.generate(1, 20, seed=0) for qa in babi.questions(story)]
STORY = np.array(
    [["Mary went to the kitchen.", "John went to the garden.", "Mary moved to the hallway."],
     ["John went to the garden.", "", ""]],
    dtype=object,
)  # fmt: skip
QUESTIONS = np.array(["Where is Mary?", "Where is John?"], dtype=object)


@pytest.mark.parametrize("model_class", [MemN2N, EntNet])
def test_signatures_answer_as_the_model(model_class, tmp_path):
    vocabulary = build_vocabulary(QAS)
    answers = sorted({qa.answer for qa in QAS})
    model = model_class(vocabulary, memory_size=2, sentence_size=6, embedding_dim=8, answers=answers)
    MemoryExport(model).save(str(tmp_path / "1"))
    assert (tmp_path / "1" / WARMUP_FILE).exists()
    served = tf.saved_model.load(str(tmp_path / "1")).signatures
    assert set(served) == {"answer", "serving_default"}

    expected = {
        key: value.numpy() for key, value in model.answer(tf.constant(STORY), tf.constant(QUESTIONS)).items()
    }
    answered = served["answer"](story=tf.constant(STORY), question=tf.constant(QUESTIONS))
    assert answered["answer"].numpy().tolist() == expected["answer"].tolist()
    assert set(expected["answer"].tolist()) <= {a.encode() for a in answers}
    np.testing.assert_allclose(answered["probability"].numpy(), expected["probability"], rtol=1e-5)
    attention = answered["attention"].numpy()
    np.testing.assert_allclose(attention, expected["attention"], atol=1e-6)
    if model_class is MemN2N:  # over the story's columns; memory_size 2 leaves the oldest sentence out
        assert attention.shape == (2, 3, 3) and not attention[0, :, 0].any() and not attention[1, :, 1:].any()
        np.testing.assert_allclose(attention.sum(-1), 1.0, rtol=1e-5)
    else:  # over EntNet's memory slots
        assert attention.shape[:2] == (2, 1)

    qas = [babi.QA(1, tuple(s for s in row if s), q, "kitchen", ()) for row, q in zip(STORY, QUESTIONS)]
    from_examples = served["serving_default"](examples=tf.constant([example(qa) for qa in qas]))
    assert from_examples["answer"].numpy().tolist() == expected["answer"].tolist()
    np.testing.assert_allclose(from_examples["attention"].numpy()[1, :, :1], attention[1, :, :1], atol=1e-6)
