"""Recurrent Entity Network (Henaff, Weston, Szlam, Bordes and LeCun, 2017, "Tracking the World State
with Recurrent Entity Networks"), for bAbI question answering."""

import keras
import tensorflow as tf

from keras_models.memory.memn2n import answer_outputs
from keras_models.memory.text import BabiVectorizer

_MASKED = -1e9  # the logit of an id outside `answers`


def prelu(x, alpha):
    """Parametric ReLU: x where x > 0, alpha * x elsewhere (alpha per unit)."""
    return tf.maximum(x, 0.0) + alpha * tf.minimum(x, 0.0)


@keras.saving.register_keras_serializable(package="keras_models")
class EntNet(keras.Model):
    """Recurrent Entity Network: `slots` gated memory blocks updated in parallel by each sentence.

    Input encoder: a sentence of words e_1..e_L (embeddings) becomes `s = sum_i
    f_i * e_i`, f_i a learned multiplicative mask per word position (the
    question has its own masks). Dynamic memory: block j has a key w_j (learned)
    and a hidden state h_j, which starts at w_j; each sentence s, in story order,
    opens the gates `g_j = sigmoid(s.h_j + s.w_j)`, proposes `h~_j = phi(U h_j +
    V w_j + W s)` and updates `h_j <- h_j + g_j h~_j`, then `h_j <- h_j /
    ||h_j||` (phi is a PReLU; padding rows leave the memory alone; see
    `memory_step`). Output: `p_j = softmax(q.h_j)`, `u = sum_j p_j h_j`, logits
    `R phi(q + H u)`. Tables and matrices start N(0, 0.1); the paper trains with
    Adam (lr 0.01, halved every 25 epochs, batches of 32, gradient norms clipped
    to 40) on 10k examples per task. Vectors are rows here: `U h` is `h @ U`.

    Inputs, output, `vectorizer` and `answer` are MemN2N's; the attention is the
    output's `p`, `[B, 1, slots]`.

    Args:
        vocabulary: list of str (see `keras_models.memory.text.build_vocabulary`).
        memory_size: int. Most recent sentences read.
        sentence_size: int. Words kept per sentence.
        embedding_dim: int. d.
        slots: int. Memory blocks.
        answers: list of str or None. The only words an answer may be.

    Example:

    ```python
    import tensorflow as tf
    from keras_models.memory.entnet import EntNet

    model = EntNet(["mary", "went", "to", "the", "kitchen", "garden", "where", "is"],
                   memory_size=4, sentence_size=5, embedding_dim=8, slots=3)
    out = model.answer(tf.constant([["Mary went to the kitchen.", ""]]), tf.constant(["Where is Mary?"]))
    assert out["attention"].shape == (1, 1, 3) and out["answer"].shape == (1,)
    ```
    """

    def __init__(
        self,
        vocabulary,
        memory_size=70,
        sentence_size=12,
        embedding_dim=100,
        slots=20,
        answers=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if int(slots) < 1 or int(embedding_dim) < 1:
            raise ValueError(f"slots and embedding_dim must be >= 1, got {slots}, {embedding_dim}.")

        # === Layers ===
        self.vectorizer = BabiVectorizer(vocabulary, memory_size, sentence_size, name="vectorizer")
        num_ids, d, length = self.vectorizer.num_ids, int(embedding_dim), int(sentence_size)
        normal = keras.initializers.RandomNormal(stddev=0.1)

        def weight(shape, name, initializer=normal):
            return self.add_weight(shape=shape, initializer=initializer, name=name)

        self.embedding = weight((num_ids, d), "embedding")
        self.story_mask = weight((length, d), "story_mask", "ones")  # f_i
        self.question_mask = weight((length, d), "question_mask", "ones")
        self.keys = weight((int(slots), d), "keys")  # w_j
        self.u = weight((d, d), "u")
        self.v = weight((d, d), "v")
        self.w = weight((d, d), "w")
        self.memory_alpha = weight((d,), "memory_alpha", "ones")  # PReLU slopes (start linear)
        self.h = weight((d, d), "h")
        self.r = weight((d, num_ids), "r")
        self.output_alpha = weight((d,), "output_alpha", "ones")
        self._answer_mask = self.vectorizer.answer_mask(answers)
        self.built = True

        # === Config ===
        self.memory_size = int(memory_size)
        self.sentence_size = length
        self.embedding_dim = d
        self.slots = int(slots)
        self.answers = None if answers is None else [str(a) for a in answers]

    def encode(self, ids, mask):
        """Word ids `[..., L]` -> `sum_i f_i * e_i` `[..., d]` (padding adds nothing)."""
        words = tf.cast(tf.not_equal(ids, 0), self.compute_dtype)[..., None]
        return tf.reduce_sum(tf.gather(self.embedding, ids) * words * mask, -2)

    def memory_step(self, hidden, sentence):
        """One update of every block: hidden `[B, slots, d]`, an encoded sentence `[B, d]` -> new hidden.

        Returns `(hidden, gates [B, slots])`.
        """
        keys = tf.convert_to_tensor(self.keys)
        gates = tf.sigmoid(tf.einsum("bsd,bd->bs", hidden, sentence) + tf.einsum("sd,bd->bs", keys, sentence))
        candidate = prelu(
            tf.einsum("bsd,de->bse", hidden, self.u)
            + tf.matmul(keys, self.v)[None]
            + tf.matmul(sentence, self.w)[:, None],
            self.memory_alpha,
        )
        hidden = hidden + gates[..., None] * candidate
        return hidden / tf.maximum(tf.norm(hidden, axis=-1, keepdims=True), 1e-6), gates

    def _forward(self, inputs, training=False):
        story = tf.cast(inputs["story"], tf.int32)
        question = tf.cast(inputs["question"], tf.int32)
        rows = tf.reduce_any(tf.not_equal(story, 0), -1)  # [B, M]
        sentences = self.encode(story, self.story_mask)  # [B, M, d]
        q = self.encode(question, self.question_mask)
        hidden = tf.tile(tf.convert_to_tensor(self.keys)[None], [tf.shape(story)[0], 1, 1])
        for t in range(self.memory_size):
            updated, _ = self.memory_step(hidden, sentences[:, t])
            hidden = tf.where(rows[:, t, None, None], updated, hidden)
        p = tf.nn.softmax(tf.einsum("bsd,bd->bs", hidden, q))
        u = tf.einsum("bs,bsd->bd", p, hidden)
        logits = tf.matmul(prelu(q + tf.matmul(u, self.h), self.output_alpha), self.r)
        if self.answers is not None:
            logits = tf.where(tf.constant(self._answer_mask), logits, _MASKED)
        return logits, p[:, None]

    def call(self, inputs, training=False):
        return self._forward(inputs, training)[0]

    def attention(self, inputs):
        """`[B, 1, slots]`: the output module's attention over the memory blocks."""
        return self._forward(inputs)[1]

    def answer(self, story, question):
        """Raw strings -> `{"answer", "probability", "attention" [B, 1, slots]}`."""
        story = tf.convert_to_tensor(story, tf.string)
        logits, attention = self._forward(self.vectorizer(story, question))
        return answer_outputs(self.vectorizer, logits, attention)

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "vocabulary": self.vectorizer.vocabulary,
            "memory_size": self.memory_size,
            "sentence_size": self.sentence_size,
            "embedding_dim": self.embedding_dim,
            "slots": self.slots,
            "answers": self.answers,
        }
