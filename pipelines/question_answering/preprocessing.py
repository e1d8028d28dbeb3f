"""Transform's preprocessing_fn: the word and answer vocabularies, over the whole train split in Beam.

The story, question and answer pass through raw: the model's own vectorizer
(`keras_models.memory.text.BabiVectorizer`) tokenizes them in the graph, so training and serving read
words alike. An answer is one token ("n,w" included), and part of the word vocabulary too, since
MemN2N's output layer is tied to its memory embedding.
"""

import tensorflow as tf
import tensorflow_transform as tft

from components.babi_example_gen.executor import ANSWER_KEY, QUESTION_KEY, STORY_KEY
from keras_models.memory.text import tokenize
from pipelines.question_answering.configs import ANSWER_VOCABULARY, ANSWER_XF_KEY, WORD_VOCABULARY


def _dense(strings):
    if isinstance(strings, tf.SparseTensor):
        return tf.sparse.to_dense(strings, default_value="")
    return strings


def preprocessing_fn(inputs):
    story = _dense(inputs[STORY_KEY])  # [B, S], "" after each story's end
    question = tf.reshape(_dense(inputs[QUESTION_KEY]), [-1])
    answer = tf.strings.lower(tf.strings.strip(tf.reshape(_dense(inputs[ANSWER_KEY]), [-1])))
    words = tf.concat(
        [tokenize(story).merge_dims(1, 2), tokenize(question), tf.RaggedTensor.from_tensor(answer[:, None])],
        axis=1,
    )
    tft.vocabulary(words, vocab_filename=WORD_VOCABULARY)
    tft.vocabulary(answer, vocab_filename=ANSWER_VOCABULARY)
    return {ANSWER_XF_KEY: answer}
