"""SavedModel signatures of a character language model (keras_models.sequence.CharLanguageModel).

- generate: prompt [N] strings, length (int32), temperature (float32), seed (int64) scalars -> text [N],
  the continuation of each prompt. Temperature 0 is greedy; otherwise the same seed gives the same text.
- score: texts [N] strings -> bits_per_character [N], bits [N] and characters [N] (the characters that
  were predicted: all but the first; a text shorter than two characters scores 0 bits over 0).
- serving_default: serialized tf.Examples with a `text` feature (as CorpusExampleGen writes them, and
  as TFX's tools send them) -> the same outputs as score.

The model maps characters to ids itself (its vocabulary is a constant in the graph), so the
SavedModel takes raw strings and needs no Transform graph.
"""

import numpy as np
import tensorflow as tf

from serving.export import SERVING_DEFAULT, write_warmup_requests

GENERATE, SCORE = "generate", "score"
MAX_LENGTH = 10_000  # characters one generate call may ask for


class LanguageModelExport(tf.Module):
    def __init__(self, model, text_key="text"):
        super().__init__()
        self.model = model
        self._text_key = text_key

    def generate(self, prompt, length, temperature, seed):
        checks = [
            tf.debugging.assert_greater_equal(length, 0, message="length must be >= 0"),
            tf.debugging.assert_less_equal(length, MAX_LENGTH, message=f"length must be <= {MAX_LENGTH}"),
        ]
        with tf.control_dependencies(checks):  # before the loop that would fail on them less clearly
            length = tf.identity(length)
        ids, lengths = self.model.ids_from_text(prompt)
        generated = self.model.generate_ids(ids, lengths, length, temperature, tf.constant(0), seed)
        return {"text": self.model.text_from_ids(generated)}

    def score(self, texts):
        ids, lengths = self.model.ids_from_text(texts)
        bits, counted = self.model.score_ids(ids, lengths)
        bits = tf.cast(bits, tf.float32)
        return {
            "bits_per_character": tf.math.divide_no_nan(bits, tf.cast(counted, tf.float32)),
            "bits": bits,
            "characters": tf.cast(counted, tf.int32),
        }

    def score_examples(self, examples):
        features = tf.io.parse_example(examples, {self._text_key: tf.io.FixedLenFeature([], tf.string)})
        return self.score(features[self._text_key])

    def signatures(self):
        strings = lambda name: tf.TensorSpec([None], tf.string, name=name)  # noqa: E731
        return {
            GENERATE: tf.function(self.generate).get_concrete_function(
                strings("prompt"),
                tf.TensorSpec([], tf.int32, name="length"),
                tf.TensorSpec([], tf.float32, name="temperature"),
                tf.TensorSpec([], tf.int64, name="seed"),
            ),
            SCORE: tf.function(self.score).get_concrete_function(strings("texts")),
            SERVING_DEFAULT: tf.function(self.score_examples).get_concrete_function(strings("examples")),
        }

    def save(self, export_dir):
        tf.saved_model.save(self, export_dir, signatures=self.signatures())
        prompt = np.array(["The "], dtype=object)
        write_warmup_requests(
            export_dir,
            predict={
                GENERATE: {
                    "prompt": prompt,
                    "length": np.int32(8),
                    "temperature": np.float32(0.0),
                    "seed": np.int64(0),
                },
                SCORE: {"texts": prompt},
            },
        )
