"""End-To-End Memory Networks (Sukhbaatar, Szlam, Weston and Fergus, 2015), for bAbI question answering."""

import math

import keras
import numpy as np
import tensorflow as tf

from keras_models.memory.text import BabiVectorizer

WEIGHT_TYING = ("adjacent", "layerwise")
ENCODINGS = ("position", "bow")
_MASKED = -1e9  # the logit of an id outside `answers`


def position_encoding(sentence_length, embedding_dim):
    """The paper's position encoding `l` `[J, d]` of a J-word sentence (NumPy, for reading and tests).

    `l_kj = (1 - j/J) - (k/d)(1 - 2j/J)`, j = 1..J the word and k = 1..d the
    embedding unit (section 4.1); row j - 1 weights word j.
    """
    j = np.arange(1, sentence_length + 1, dtype=np.float32)[:, None] / sentence_length
    k = np.arange(1, embedding_dim + 1, dtype=np.float32)[None, :] / embedding_dim
    return (1 - j) - k * (1 - 2 * j)


def encode_sentences(table, ids, encoding):
    """Word ids `[..., L]` -> sentence vectors `[..., d]`: a bag of words or the position-weighted sum.

    Padding (id 0) adds nothing; the position encoding's J is each sentence's own word count.
    """
    words = tf.cast(tf.not_equal(ids, 0), table.dtype)
    vectors = tf.gather(table, ids) * words[..., None]
    if encoding == "bow":
        return tf.reduce_sum(vectors, -2)
    # l_kj = (1 - a_j) - (k/d)(1 - 2 a_j) with a_j = j/J: two weighted sums, combined per unit k.
    length = tf.maximum(tf.reduce_sum(words, -1, keepdims=True), 1.0)
    a = tf.range(1, tf.shape(ids)[-1] + 1, dtype=table.dtype) / length
    k = tf.range(1, tf.shape(table)[-1] + 1, dtype=table.dtype) / tf.cast(tf.shape(table)[-1], table.dtype)
    first = tf.reduce_sum((1 - a)[..., None] * vectors, -2)
    second = tf.reduce_sum((1 - 2 * a)[..., None] * vectors, -2)
    return first - k * second


@keras.saving.register_keras_serializable(package="keras_models")
class MemN2N(keras.Model):
    """End-To-End Memory Network: soft attention over the story's sentences, `hops` times, then a word.

    Each story sentence x_i becomes a memory `m_i = sum_j l_j A x_ij + T_A(i)`
    and an output vector `c_i` (same with C, T_C); the question `u = sum_j l_j
    B q_j`. A hop attends `p = softmax(u . m)` (0 on padding rows), reads `o =
    sum_i p_i c_i` and sets `u <- u + o` (adjacent tying) or `u <- H u + o`
    (layer-wise); the answer logits are `W u` after the last hop. `l` is the
    position encoding (`encoding="position"`, see `position_encoding`) or ones
    (`"bow"`); `T_A(i)`, `T_C(i)` are learned vectors of the memory's age (the
    most recent sentence is 0); with `random_noise` (RN) training inserts about
    that share of empty memories, shifting the ages at random. Weight tying:
    `"adjacent"`, `A^{k+1} = C^k`, `B = A^1`, `W^T = C^K` (hops + 1 tables);
    `"layerwise"`, one A and one C for every hop plus B, W and H.
    `set_linear_start(True)` removes the softmax of every hop (the paper's LS;
    the `LinearStart` callback re-inserts it when the validation loss stops
    falling). `answers` (a word list) masks every other id to -1e9. Tables start
    N(0, 0.1), as in the paper; it trains with SGD (lr 0.01, halved every 25
    epochs, gradient norms clipped to 40, batches of 32; 0.005 during LS).

    Inputs `{"story": int [B, memory_size, sentence_size], "question": int [B,
    sentence_size]}` (see `BabiVectorizer`, `model.vectorizer`); output logits
    `[B, len(vocabulary) + 2]`. `answer(story, question)` takes raw strings.

    Args:
        vocabulary: list of str (see `keras_models.memory.text.build_vocabulary`).
        memory_size: int. Most recent sentences kept.
        sentence_size: int. Words kept per sentence.
        embedding_dim: int. d.
        hops: int. K.
        weight_tying: str, `"adjacent"` or `"layerwise"`.
        encoding: str, `"position"` or `"bow"`.
        temporal_encoding: bool. Learned age vectors T_A, T_C.
        random_noise: float in [0, 1). RN's share of empty memories (training only).
        answers: list of str or None. The only words an answer may be.

    Example:

    ```python
    import tensorflow as tf
    from keras_models.memory.memn2n import MemN2N

    model = MemN2N(["mary", "john", "went", "to", "the", "kitchen", "garden", "where", "is"],
                   memory_size=4, sentence_size=5, embedding_dim=8, answers=["kitchen", "garden"])
    story = tf.constant([["Mary went to the kitchen.", "John went to the garden.", ""]])
    out = model.answer(story, tf.constant(["Where is Mary?"]))
    assert out["answer"].numpy()[0] in (b"kitchen", b"garden") and out["attention"].shape == (1, 3, 3)
    ```
    """

    def __init__(
        self,
        vocabulary,
        memory_size=50,
        sentence_size=12,
        embedding_dim=20,
        hops=3,
        weight_tying="adjacent",
        encoding="position",
        temporal_encoding=True,
        random_noise=0.1,
        answers=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if weight_tying not in WEIGHT_TYING or encoding not in ENCODINGS:
            raise ValueError(
                f"weight_tying must be one of {WEIGHT_TYING} and encoding one of {ENCODINGS}, "
                f"got {weight_tying!r}, {encoding!r}."
            )
        if int(hops) < 1 or int(embedding_dim) < 1:
            raise ValueError(f"hops and embedding_dim must be >= 1, got {hops}, {embedding_dim}.")
        if not 0 <= random_noise < 1:
            raise ValueError(f"random_noise must be in [0, 1), got {random_noise}.")

        # === Layers ===
        self.vectorizer = BabiVectorizer(vocabulary, memory_size, sentence_size, name="vectorizer")
        num_ids, d = self.vectorizer.num_ids, int(embedding_dim)
        # Ages 0 .. memory_size - 1, plus room for the empty memories RN inserts.
        self.temporal_size = int(memory_size) + math.ceil(random_noise * int(memory_size))
        init = keras.initializers.RandomNormal(stddev=0.1)

        def weight(shape, name, initializer=init):
            return self.add_weight(shape=shape, initializer=initializer, name=name)

        tables = hops + 1 if weight_tying == "adjacent" else 3  # adjacent: E_0 = B = A^1, E_k = C^k = A^{k+1}
        self.embeddings = [weight((num_ids, d), f"embedding_{i}") for i in range(tables)]
        self.temporal = []
        if temporal_encoding:
            t_tables = hops + 1 if weight_tying == "adjacent" else 2
            self.temporal = [weight((self.temporal_size, d), f"temporal_{i}") for i in range(t_tables)]
        if weight_tying == "layerwise":
            self.output_kernel = weight((d, num_ids), "output_kernel")  # W
            self.h = weight((d, d), "h", keras.initializers.Identity())  # H, u <- H u + o
        self._linear = self.add_weight(shape=(), initializer="zeros", trainable=False, name="linear_start")
        self._answer_mask = self.vectorizer.answer_mask(answers)
        self.built = True

        # === Config ===
        self.memory_size = int(memory_size)
        self.sentence_size = int(sentence_size)
        self.embedding_dim = d
        self.hops = int(hops)
        self.weight_tying = weight_tying
        self.encoding = encoding
        self.temporal_encoding = bool(temporal_encoding)
        self.random_noise = float(random_noise)
        self.answers = None if answers is None else [str(a) for a in answers]

    # === Tied weights ===

    def input_embedding(self, hop):
        """A^{hop+1} (0-based hop): the memory table of that hop."""
        return self.embeddings[hop if self.weight_tying == "adjacent" else 0]

    def output_embedding(self, hop):
        """C^{hop+1}: the output table of that hop."""
        return self.embeddings[hop + 1 if self.weight_tying == "adjacent" else 1]

    def question_embedding(self):
        """B (A^1 under adjacent tying)."""
        return self.embeddings[0 if self.weight_tying == "adjacent" else 2]

    def _temporal(self, hop, output):
        if self.weight_tying == "adjacent":
            return self.temporal[hop + int(output)]
        return self.temporal[int(output)]

    def set_linear_start(self, on):
        """Linear start: True removes the softmax of every hop (attention = raw scores on real rows)."""
        self._linear.assign(1.0 if on else 0.0)

    @property
    def linear_start(self):
        return bool(keras.ops.convert_to_numpy(self._linear) > 0.5)

    # === Forward pass ===

    def ages(self, story, training=False):
        """int32 `[B, M]`: each memory's age (non-padding rows after it), RN's random shift when training."""
        rows = tf.cast(tf.reduce_any(tf.not_equal(story, 0), -1), tf.int32)
        ages = tf.cumsum(rows, axis=1, exclusive=True, reverse=True)
        if training and self.random_noise > 0:
            # An empty memory after a row (more recent) with probability random_noise.
            empty = tf.cast(tf.random.uniform(tf.shape(rows)) < self.random_noise, tf.int32) * rows
            ages += tf.cumsum(empty, axis=1, reverse=True)
        return tf.minimum(ages, self.temporal_size - 1)

    def _forward(self, inputs, training=False):
        story = tf.cast(inputs["story"], tf.int32)
        question = tf.cast(inputs["question"], tf.int32)
        rows = tf.reduce_any(tf.not_equal(story, 0), -1)
        mask = tf.cast(rows, self.compute_dtype)
        ages = self.ages(story, training) if self.temporal_encoding else None
        u = encode_sentences(self.question_embedding(), question, self.encoding)
        linear = tf.cast(self._linear, self.compute_dtype)
        attentions = []
        for hop in range(self.hops):
            m = encode_sentences(self.input_embedding(hop), story, self.encoding)
            c = encode_sentences(self.output_embedding(hop), story, self.encoding)
            if ages is not None:
                m += tf.gather(self._temporal(hop, False), ages)
                c += tf.gather(self._temporal(hop, True), ages)
            scores = tf.einsum("bmd,bd->bm", m, u)
            soft = tf.nn.softmax(tf.where(rows, scores, _MASKED)) * mask
            p = linear * scores * mask + (1 - linear) * soft
            o = tf.einsum("bm,bmd->bd", p, c)
            u = u + o if self.weight_tying == "adjacent" else tf.matmul(u, self.h) + o
            attentions.append(p)
        if self.weight_tying == "adjacent":
            logits = tf.matmul(u, self.embeddings[-1], transpose_b=True)  # W^T = C^K
        else:
            logits = tf.matmul(u, self.output_kernel)
        if self.answers is not None:
            logits = tf.where(tf.constant(self._answer_mask), logits, _MASKED)
        return logits, tf.stack(attentions, 1)

    def call(self, inputs, training=False):
        return self._forward(inputs, training)[0]

    def attention(self, inputs):
        """`[B, hops, memory_size]` attention of each hop (0 on padding rows; raw scores during LS)."""
        return self._forward(inputs)[1]

    def answer(self, story, question):
        """Raw strings (as `BabiVectorizer` takes them) -> `{"answer", "probability", "attention"}`.

        `attention` is `[B, hops, S]`, aligned with the input story's columns: 0 for
        `""` and for sentences older than the memory.
        """
        story = tf.convert_to_tensor(story, tf.string)
        logits, attention = self._forward(self.vectorizer(story, question))
        return answer_outputs(self.vectorizer, logits, attention, story)

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "vocabulary": self.vectorizer.vocabulary,
            "memory_size": self.memory_size,
            "sentence_size": self.sentence_size,
            "embedding_dim": self.embedding_dim,
            "hops": self.hops,
            "weight_tying": self.weight_tying,
            "encoding": self.encoding,
            "temporal_encoding": self.temporal_encoding,
            "random_noise": self.random_noise,
            "answers": self.answers,
        }


def answer_outputs(vectorizer, logits, attention, story=None):
    """The `answer` dict of a memory model: best word, its probability, and the attention.

    With `story` (tf.string `[B, S]`) the attention `[B, H, memory_size]` is moved onto the story's
    columns, `[B, H, S]` (0 for `""` and for sentences older than the memory).
    """
    probabilities = tf.nn.softmax(tf.cast(logits, tf.float32))
    attention = tf.cast(attention, tf.float32)
    if story is not None:
        columns = tf.one_hot(vectorizer.memory_columns(story), tf.shape(story)[1])  # -1: a row of zeros
        attention = tf.einsum("bhm,bms->bhs", attention, columns)
    return {
        "answer": vectorizer.words(tf.argmax(probabilities, -1, output_type=tf.int32)),
        "probability": tf.reduce_max(probabilities, -1),
        "attention": attention,
    }


class LinearStart(keras.callbacks.Callback):
    """The paper's linear start: train without the hops' softmax until `monitor` stops falling.

    Turns LS on when training begins and off (softmax back in) after `patience`
    epochs without a new best `monitor` (the validation loss by default); then
    the learning rate becomes `learning_rate` when given (the paper trains LS at
    half the rate). `self.ended` is the epoch (0-based) LS ended, None while on.
    """

    def __init__(self, monitor="val_loss", patience=1, learning_rate=None):
        super().__init__()
        self.monitor, self.patience, self.learning_rate = monitor, int(patience), learning_rate
        self.best, self.wait, self.ended = math.inf, 0, None

    def on_train_begin(self, logs=None):
        self.model.set_linear_start(True)
        self.best, self.wait, self.ended = math.inf, 0, None

    def on_epoch_end(self, epoch, logs=None):
        if self.ended is not None or not logs or self.monitor not in logs:
            return
        if logs[self.monitor] < self.best:
            self.best, self.wait = logs[self.monitor], 0
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.model.set_linear_start(False)
            self.ended = epoch
            if self.learning_rate is not None:
                self.model.optimizer.learning_rate.assign(self.learning_rate)


class HalvingSchedule(keras.callbacks.Callback):
    """The papers' learning rate: `rate * 0.5 ** (epoch // every)`, and `linear_start_rate` in place of
    `rate` while the model is in linear start (MemN2N trains LS at half the rate)."""

    def __init__(self, rate, every, linear_start_rate=None):
        super().__init__()
        self.rate, self.every, self.linear_start_rate = rate, int(every), linear_start_rate

    def on_epoch_begin(self, epoch, logs=None):
        linear = self.linear_start_rate is not None and getattr(self.model, "linear_start", False)
        base = self.linear_start_rate if linear else self.rate
        self.model.optimizer.learning_rate.assign(base * 0.5 ** (epoch // self.every))
