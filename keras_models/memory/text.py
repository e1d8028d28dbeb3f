"""bAbI text -> word ids for the memory networks: one tokenizer (TensorFlow ops and a Python twin),
the vocabulary, and `BabiVectorizer`, the Keras layer that turns raw stories and questions into the
`{"story", "question"}` id tensors MemN2N and EntNet read.

Ids: 0 is padding, 1 an unknown word, word i of the vocabulary is i + 2.
"""

import collections
import re

import keras
import numpy as np
import tensorflow as tf

PADDING, UNKNOWN = 0, 1
FIRST_WORD = 2  # the id of the vocabulary's first word
UNKNOWN_WORD = "[UNK]"  # what `words` returns for id 1 (and "" for padding)
_DROPPED = r"[.?!;:]"  # characters the tokenizer deletes
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_WHITESPACE = re.compile(r"[ \t\n\v\f\r]+")  # what tf.strings.split splits on
_FINGERPRINTS = 2**63 - 1  # to_hash_bucket_fast(x, this): 63-bit FarmHash fingerprints


def tokenize(strings):
    """tf string tensor `[...]` -> `tf.RaggedTensor` of tokens `[..., (words)]`.

    ASCII-lowercases, deletes the characters `. ? ! ; :` and splits on
    whitespace: `"Where is Mary?"` -> `["where", "is", "mary"]`. In-graph ops, so
    a Transform or a SavedModel can run it; `python_tokenize` is its twin.
    """
    strings = tf.convert_to_tensor(strings, tf.string)
    return tf.strings.split(tf.strings.regex_replace(tf.strings.lower(strings), _DROPPED, ""))


def python_tokenize(text):
    """The tokens `tokenize` gives for one Python string (same lowercasing, characters and whitespace)."""
    return [t for t in _WHITESPACE.split(re.sub(_DROPPED, "", text.translate(_ASCII_LOWER))) if t]


def answer_token(answer):
    """An answer is one token: ASCII-lowercased and stripped (`"N,W "` -> `"n,w"`)."""
    return answer.translate(_ASCII_LOWER).strip(" \t\n\v\f\r")


def build_vocabulary(qas):
    """The words of `qas` (story, question and answer tokens), most frequent first, ties by word.

    `qas`: objects with `.story` (tuple of str), `.question` and `.answer`, such as
    `babi.questions(story)` gives. Each QA counts its whole story, so a sentence
    read by several questions counts several times (the order only).
    """
    counts = collections.Counter()
    for qa in qas:
        for sentence in qa.story:
            counts.update(python_tokenize(sentence))
        counts.update(python_tokenize(qa.question))
        counts[answer_token(qa.answer)] += 1
    counts.pop("", None)
    return sorted(counts, key=lambda word: (-counts[word], word))


@keras.saving.register_keras_serializable(package="keras_models")
class BabiVectorizer(keras.layers.Layer):
    """Raw stories and questions -> the id tensors of the memory networks.

    `vec(story, question)`: `story` is tf.string `[B, S]`, one sentence per
    column in story order, right-padded with `""`; `question` is tf.string `[B]`.
    Returns `{"story": int32 [B, memory_size, sentence_size], "question": int32
    [B, sentence_size]}`. The story keeps its last `memory_size` non-empty
    sentences, in story order and left-aligned (padding rows at the end); each
    sentence keeps its first `sentence_size` words. Words are `tokenize`d and
    looked up by their 63-bit fingerprint in a sorted constant (no lookup-table
    resource in an exported graph): word i of `vocabulary` is id i + 2, an
    unknown word 1, padding 0.

    Args:
        vocabulary: list of str (see `build_vocabulary`).
        memory_size: int. Sentences kept (the most recent ones).
        sentence_size: int. Words kept per sentence and question.

    Example:

    ```python
    import tensorflow as tf
    from keras_models.memory.text import BabiVectorizer

    vec = BabiVectorizer(["mary", "is", "where", "kitchen"], memory_size=2, sentence_size=3)
    ids = vec(tf.constant([["Mary is here.", "Bill left.", ""]]), tf.constant(["Where is Mary?"]))
    assert ids["story"].numpy().tolist() == [[[2, 3, 1], [1, 1, 0]]]
    assert ids["question"].numpy().tolist() == [[4, 3, 2]]
    assert vec.answer_ids(tf.constant(["Kitchen"])).numpy().tolist() == [5]
    ```
    """

    def __init__(self, vocabulary, memory_size=50, sentence_size=12, **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)
        words = [w.decode("utf-8") if isinstance(w, bytes) else str(w) for w in vocabulary]
        if len(set(words)) != len(words):
            raise ValueError("vocabulary has duplicate words.")
        if int(memory_size) < 1 or int(sentence_size) < 1:
            raise ValueError(
                f"memory_size and sentence_size must be >= 1, got {memory_size}, {sentence_size}."
            )
        # A NumPy array: Keras and TF would wrap a list attribute element by element.
        self._vocabulary = np.array(words, dtype=object)
        self.memory_size = int(memory_size)
        self.sentence_size = int(sentence_size)
        fingerprints = np.zeros([0], np.int64)
        if words:
            fingerprints = tf.strings.to_hash_bucket_fast(tf.constant(words), _FINGERPRINTS).numpy()
        if len(np.unique(fingerprints)) != len(words):
            raise ValueError("two vocabulary words share a 63-bit fingerprint; drop one of them.")
        order = np.argsort(fingerprints)
        self._sorted_fingerprints = fingerprints[order]
        self._sorted_ids = (order + FIRST_WORD).astype(np.int32)
        self.built = True

    @property
    def vocabulary(self):
        """The words, in id order (word i has id i + 2)."""
        return self._vocabulary.tolist()

    @property
    def num_ids(self):
        """Rows an embedding table needs: padding, unknown, then the words."""
        return len(self._vocabulary) + FIRST_WORD

    def token_ids(self, tokens):
        """Ids of a string tensor of tokens (any shape, ragged too): 1 for unknown words."""
        if isinstance(tokens, tf.RaggedTensor):
            return tokens.with_flat_values(self.token_ids(tokens.flat_values))
        if not len(self._sorted_ids):
            return tf.fill(tf.shape(tokens), tf.constant(UNKNOWN, tf.int32))
        fingerprints = tf.strings.to_hash_bucket_fast(tokens, _FINGERPRINTS)
        sorted_fingerprints = tf.constant(self._sorted_fingerprints)
        flat = tf.reshape(fingerprints, [-1])
        at = tf.minimum(tf.searchsorted(sorted_fingerprints, flat), len(self._sorted_ids) - 1)
        found = tf.equal(tf.gather(sorted_fingerprints, at), flat)
        ids = tf.where(found, tf.gather(tf.constant(self._sorted_ids), at), UNKNOWN)
        return tf.reshape(ids, tf.shape(fingerprints))

    def answer_mask(self, answers=None):
        """[num_ids] bool NumPy mask of the ids an answer may be: `answers`' words (all ids when None)."""
        mask = np.ones(self.num_ids, bool)
        if answers is not None:
            index = {word: i for i, word in enumerate(self.vocabulary, start=FIRST_WORD)}
            missing = [answer for answer in answers if answer not in index]
            if missing:
                raise ValueError(f"answers not in the vocabulary: {missing[:5]}.")
            mask[:] = False
            mask[[index[answer] for answer in answers]] = True
        return mask

    def answer_ids(self, answers):
        """tf.string `[B]` answers -> int32 `[B]` ids (one token each, see `answer_token`)."""
        answers = tf.strings.strip(tf.strings.lower(tf.convert_to_tensor(answers, tf.string)))
        return self.token_ids(answers)

    def words(self, ids):
        """Int ids (any shape) -> their words; `""` for padding and `"[UNK]"` for unknown."""
        table = tf.constant(["", UNKNOWN_WORD, *self.vocabulary], tf.string)
        return tf.gather(table, tf.cast(ids, tf.int32))

    def _kept(self, story):
        """`[B, (n)]` ragged: the columns of the last `memory_size` non-empty sentences of `story`."""
        columns = tf.broadcast_to(tf.range(tf.shape(story)[1]), tf.shape(story))
        return tf.ragged.boolean_mask(columns, tf.not_equal(story, ""))[:, -self.memory_size :]

    def memory_columns(self, story):
        """tf.string `[B, S]` -> int32 `[B, memory_size]`: each memory row's story column, -1 on padding."""
        story = tf.convert_to_tensor(story, tf.string)
        return self._kept(story).to_tensor(-1, shape=[None, self.memory_size])

    def sentence_ids(self, sentences):
        """tf.string `[...]` -> int32 `[..., sentence_size]`, right-padded with 0."""
        ids = self.token_ids(tokenize(sentences))
        shape = [None] * (ids.shape.rank - 1) + [self.sentence_size]
        return ids.to_tensor(PADDING, shape=shape)

    def call(self, story, question):
        story = tf.convert_to_tensor(story, tf.string)
        rows = tf.gather(self.sentence_ids(story), self._kept(story), batch_dims=1)
        return {
            "story": rows.to_tensor(PADDING, shape=[None, self.memory_size, self.sentence_size]),
            "question": self.sentence_ids(tf.convert_to_tensor(question, tf.string)),
        }

    def compute_output_spec(self, story, question):
        batch = story.shape[0]
        return {
            "story": keras.KerasTensor((batch, self.memory_size, self.sentence_size), dtype="int32"),
            "question": keras.KerasTensor((batch, self.sentence_size), dtype="int32"),
        }

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "vocabulary": self.vocabulary,
                "memory_size": self.memory_size,
                "sentence_size": self.sentence_size,
            }
        )
        return config


def memory_shape(qas, memory_limit):
    """(memory_size, sentence_size) for `qas`: the story's last sentences up to `memory_limit` (fewer
    when no story is that long), and the most words of any statement or question."""
    longest = max(len(python_tokenize(s)) for qa in qas for s in (*qa.story, qa.question))
    return min(memory_limit, max(len(qa.story) for qa in qas)), longest


def qa_arrays(vectorizer, qas, batch_size=4096):
    """`qas` (objects with .story, .question, .answer) -> (`{"story", "question"}` NumPy ids, answer ids).

    For training in memory: stories are padded with `""` to the longest one and
    run through `vectorizer` in batches. Unknown answers get id 1.
    """
    stories, questions, answers = [], [], []
    for start in range(0, len(qas), batch_size):
        chunk = qas[start : start + batch_size]
        width = max(1, max(len(qa.story) for qa in chunk))
        story = np.array([list(qa.story) + [""] * (width - len(qa.story)) for qa in chunk], dtype=object)
        ids = vectorizer(tf.constant(story, tf.string), tf.constant([qa.question for qa in chunk]))
        stories.append(ids["story"].numpy())
        questions.append(ids["question"].numpy())
        answers.append(vectorizer.answer_ids(tf.constant([qa.answer for qa in chunk])).numpy())
    return {"story": np.concatenate(stories), "question": np.concatenate(questions)}, np.concatenate(answers)
