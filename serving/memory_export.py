"""SavedModel signatures of a memory network (keras_models.memory.MemN2N or EntNet).

- answer: story [N, S] strings (the statements, oldest first; "" after a shorter story's end), question
  [N] strings -> answer [N] strings, probability [N] float32, attention [N, hops, S] float32: the weight
  each hop put on each sentence of the story (0 for sentences older than the model's memory). For
  EntNet, attention is [N, 1, slots]: the output's weights over its memory blocks.
- serving_default: serialized tf.Examples with `story` and `question` features (as BabiExampleGen
  writes them) -> the same outputs.

The model tokenizes and looks words up itself (its vocabulary is a constant in the graph), so the
SavedModel takes raw strings and needs no Transform graph.
"""

import numpy as np
import tensorflow as tf

from serving.export import SERVING_DEFAULT, write_warmup_requests

ANSWER = "answer"
WARMUP_STORY = ["Mary moved to the bathroom.", "John went to the hallway."]
WARMUP_QUESTION = "Where is Mary?"


class MemoryExport(tf.Module):
    def __init__(self, model, story_key="story", question_key="question"):
        super().__init__()
        self.model = model
        self._spec = {
            story_key: tf.io.VarLenFeature(tf.string),
            question_key: tf.io.FixedLenFeature([], tf.string),
        }
        self._story_key, self._question_key = story_key, question_key

    def answer(self, story, question):
        outputs = self.model.answer(story, question)
        return {
            "answer": outputs["answer"],
            "probability": tf.cast(outputs["probability"], tf.float32),
            "attention": tf.cast(outputs["attention"], tf.float32),
        }

    def answer_examples(self, examples):
        features = tf.io.parse_example(examples, self._spec)
        story = tf.sparse.to_dense(features[self._story_key], default_value="")
        return self.answer(story, features[self._question_key])

    def signatures(self):
        return {
            ANSWER: tf.function(self.answer).get_concrete_function(
                tf.TensorSpec([None, None], tf.string, name="story"),
                tf.TensorSpec([None], tf.string, name="question"),
            ),
            SERVING_DEFAULT: tf.function(self.answer_examples).get_concrete_function(
                tf.TensorSpec([None], tf.string, name="examples")
            ),
        }

    def save(self, export_dir):
        tf.saved_model.save(self, export_dir, signatures=self.signatures())
        write_warmup_requests(
            export_dir,
            predict={
                ANSWER: {
                    "story": np.array([WARMUP_STORY], dtype=object),
                    "question": np.array([WARMUP_QUESTION], dtype=object),
                }
            },
        )
