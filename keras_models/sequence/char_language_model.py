"""A character-level language model (chapter 11): next-character prediction, generation and scoring."""

import collections
import math

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from keras_models.sequence.orthogonal_rnn import OrthogonalRNN, OrthogonalRNNCell

CELLS = ("simple_rnn", "gru", "lstm", "orthogonal_rnn")
REPLACEMENT_CHARACTER = "\ufffd"
# bits_per_character scores texts in batches of at most this many (padded) characters.
SCORE_BATCH_CHARACTERS = 2**20


# Input signatures of generate_ids and score_ids (for tf.function and SavedModel signatures).
GENERATE_SIGNATURE = (
    tf.TensorSpec([None, None], tf.int32, name="prompt_ids"),
    tf.TensorSpec([None], tf.int32, name="prompt_lengths"),
    tf.TensorSpec([], tf.int32, name="length"),
    tf.TensorSpec([], tf.float32, name="temperature"),
    tf.TensorSpec([], tf.int32, name="top_k"),
    tf.TensorSpec([], tf.int64, name="seed"),
)
SCORE_SIGNATURE = (
    tf.TensorSpec([None, None], tf.int32, name="ids"),
    tf.TensorSpec([None], tf.int32, name="lengths"),
)


class _Compiled:
    """The model's traced functions for the Python conveniences (a plain, untracked object)."""

    def __init__(self, model):
        self.generate = tf.function(model.generate_ids, input_signature=GENERATE_SIGNATURE)
        self.score = tf.function(model.score_ids, input_signature=SCORE_SIGNATURE)


def _checked_vocabulary(vocabulary):
    if isinstance(vocabulary, str):
        raise ValueError(
            "vocabulary must be a list of single characters, got a string; pass list(text) "
            "or use CharLanguageModel.from_text(text)."
        )
    vocabulary = [str(c) for c in vocabulary]
    wrong = [c for c in vocabulary if len(c) != 1]
    repeated = [c for c, count in collections.Counter(vocabulary).items() if count > 1]
    if not vocabulary or wrong or repeated:
        raise ValueError(
            "vocabulary must be a non-empty list of distinct single characters (code points); got "
            f"{len(vocabulary)} entries, not single characters: {wrong[:5]!r}, repeated: {repeated[:5]!r}."
        )
    return vocabulary


@keras.saving.register_keras_serializable(package="keras_models")
class CharLanguageModel(keras.Model):
    """Character language model: embedding, stacked recurrent layers, next-character logits.

    The model maps character ids [B, T] to logits [B, T, vocabulary_size]; `logits[:, t]`
    predicts `ids[:, t + 1]`. Train it on fixed windows, `fit(x=ids[:, :-1], y=ids[:, 1:])`
    (`compile()` defaults to Adam and sparse cross-entropy on logits).

    Id `i` is `vocabulary[i]`; id `len(vocabulary)` (`unknown_id`) stands for any other
    character and pads batches. `ids_from_text`, `text_from_ids`, `score_ids` and
    `generate_ids` work inside `tf.function` with symbolic shapes and arguments (SavedModel
    signatures; constant tensors, no lookup tables); `encode`, `decode`, `generate` and
    `bits_per_character` are their Python conveniences.

    Args:
        vocabulary: list of distinct single-character strings (`"\\n"`, `" "` and
            non-ASCII characters are fine). See `from_text`.
        cell: str. `"simple_rnn"` (Elman), `"gru"`, `"lstm"` or `"orthogonal_rnn"`
            (`OrthogonalRNNCell`).
        units: int. State size of each recurrent layer.
        num_layers: int. Stacked recurrent layers.
        embedding_dim: int. Size of the character embeddings.
        dropout: float. Dropout on the embeddings, between recurrent layers and before
            the output layer (0 disables).
        recurrent_initializer: str or initializer for the recurrent kernels (not used by
            `"orthogonal_rnn"`, whose recurrent matrix is orthogonal by construction).
        clip_norm: float or None. `compile` clips the gradients to this global norm.
        dtype: optional dtype policy, e.g. `"mixed_float16"`. The logits are always float32.

    Example:

    ```python
    from keras_models.sequence import CharLanguageModel

    model = CharLanguageModel.from_text("the cat sat. ", cell="gru", units=16)
    ids = model.encode("the cat sat. " * 4)[None]
    model.compile()
    model.fit(ids[:, :-1], ids[:, 1:], epochs=2, verbose=0)
    assert model(ids).shape == (1, 52, model.vocabulary_size)
    assert len(model.generate("the ", length=10, seed=1)) == 10
    assert model.bits_per_character(["the cat", "a dog"]).shape == (2,)
    ```
    """

    def __init__(
        self,
        vocabulary,
        cell="lstm",
        units=512,
        num_layers=1,
        embedding_dim=64,
        dropout=0.0,
        recurrent_initializer="orthogonal",
        clip_norm=None,
        dtype=None,
        **kwargs,
    ):
        vocabulary = _checked_vocabulary(vocabulary)
        if cell not in CELLS:
            raise ValueError(f"cell must be one of {CELLS}, got {cell!r}.")
        for name, value in (("units", units), ("num_layers", num_layers), ("embedding_dim", embedding_dim)):
            if int(value) < 1 or int(value) != value:
                raise ValueError(f"{name} must be a positive integer, got {value!r}.")
        if not 0.0 <= float(dropout) < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout!r}.")
        if clip_norm is not None and not float(clip_norm) > 0:
            raise ValueError(f"clip_norm must be positive or None, got {clip_norm!r}.")
        super().__init__(dtype=dtype, **kwargs)

        # === Config ===
        self._vocabulary = tuple(vocabulary)
        self._index = {c: i for i, c in enumerate(vocabulary)}
        code_points = np.array([ord(c) for c in vocabulary], np.int32)
        order = np.argsort(code_points, kind="stable")
        self._sorted_code_points = code_points[order].tolist()
        self._sorted_ids = order.astype(np.int32).tolist()
        self.cell_type = cell
        self.units, self.num_layers, self.embedding_dim = int(units), int(num_layers), int(embedding_dim)
        self.dropout = float(dropout)
        self.recurrent_initializer = recurrent_initializer
        self.clip_norm = None if clip_norm is None else float(clip_norm)
        self.policy_name = dtype if dtype is None or isinstance(dtype, str) else dtype.name
        self._compiled = None

        # === Layers ===
        size = self.vocabulary_size
        self.embedding = keras.layers.Embedding(size, self.embedding_dim, dtype=dtype, name="embedding")
        self.recurrent_layers = [self._recurrent_layer(f"{cell}_{i}", dtype) for i in range(self.num_layers)]
        self.dropouts = [
            keras.layers.Dropout(self.dropout, dtype=dtype, name=f"dropout_{i}")
            for i in range(self.num_layers + 1 if self.dropout > 0 else 0)
        ]
        # float32 logits keep the softmax and the loss stable under mixed_float16.
        self.output_layer = keras.layers.Dense(size, dtype="float32", name="logits")
        self.build((None, None))

    def _recurrent_layer(self, name, dtype):
        options = dict(return_sequences=True, dtype=dtype, name=name)
        if self.cell_type == "orthogonal_rnn":
            return OrthogonalRNN(OrthogonalRNNCell(self.units, dtype=dtype), **options)
        layer = {"simple_rnn": keras.layers.SimpleRNN, "gru": keras.layers.GRU, "lstm": keras.layers.LSTM}
        return layer[self.cell_type](self.units, recurrent_initializer=self.recurrent_initializer, **options)

    def build(self, input_shape=None):
        if self.embedding.built:  # built in __init__; a .keras load calls build again
            return
        self.embedding.build((None, None))
        for i, layer in enumerate(self.recurrent_layers):
            layer.build((None, None, self.units if i else self.embedding_dim))
        self.output_layer.build((None, None, self.units))

    @classmethod
    def from_text(cls, text, **kwargs):
        """A model whose vocabulary is the sorted distinct characters of `text`."""
        if not text:
            raise ValueError("from_text needs a non-empty text to take the vocabulary from.")
        return cls(vocabulary=sorted(set(text)), **kwargs)

    @property
    def vocabulary(self):
        return list(self._vocabulary)

    @property
    def vocabulary_size(self):
        """len(vocabulary) + 1: the characters and the unknown id."""
        return len(self._vocabulary) + 1

    @property
    def unknown_id(self):
        return len(self._vocabulary)

    def _valid_ids(self, ids):
        """int32 ids; any id outside [0, vocabulary_size) becomes unknown_id."""
        ids = ops.cast(ids, "int32")
        return ops.where((ids < 0) | (ids >= self.vocabulary_size), self.unknown_id, ids)

    def call(self, ids, training=False):
        x = self.embedding(self._valid_ids(ids))
        for i, layer in enumerate(self.recurrent_layers):
            if self.dropouts:
                x = self.dropouts[i](x, training=training)
            x = layer(x, training=training)
        if self.dropouts:
            x = self.dropouts[-1](x, training=training)
        return self.output_layer(x)

    def compile(self, optimizer="adam", loss=None, metrics=None, **kwargs):
        """Keras compile; the loss defaults to sparse cross-entropy on the logits.

        With `clip_norm`, the optimizer (a name or an instance) clips gradients to that
        global norm, unless it already clips (`clipnorm`, `global_clipnorm` or `clipvalue`).
        """
        optimizer = keras.optimizers.get(optimizer)
        if self.clip_norm is not None and not (
            optimizer.clipnorm or optimizer.global_clipnorm or optimizer.clipvalue
        ):
            optimizer.global_clipnorm = self.clip_norm
        if loss is None:
            loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        super().compile(optimizer=optimizer, loss=loss, metrics=metrics, **kwargs)

    def compile_from_config(self, config):
        """Compiles a model loaded from a `.keras` file as it was saved (optimizer state included)."""
        self.compile(**keras.saving.deserialize_keras_object(config))
        self.optimizer.build(self.trainable_variables)

    # --- graph-friendly methods ---

    def ids_from_text(self, texts):
        """tf.string [N] -> (ids [N, T] int32 padded with unknown_id, lengths [N] int32)."""
        texts = tf.convert_to_tensor(texts, tf.string)
        # Code points, as tf.strings.unicode_split splits them (invalid UTF-8 -> U+FFFD).
        code_points = tf.strings.unicode_decode(texts, "UTF-8", errors="replace")
        flat = code_points.flat_values
        sorted_code_points = tf.constant(self._sorted_code_points, tf.int32)
        position = tf.minimum(tf.searchsorted(sorted_code_points, flat), len(self._vocabulary) - 1)
        found = tf.gather(sorted_code_points, position) == flat
        flat_ids = tf.where(
            found, tf.gather(tf.constant(self._sorted_ids, tf.int32), position), self.unknown_id
        )
        ids = code_points.with_flat_values(flat_ids)
        return ids.to_tensor(default_value=self.unknown_id), tf.cast(ids.row_lengths(), tf.int32)

    def text_from_ids(self, ids):
        """int [N, T] -> tf.string [N]; the unknown id (and any invalid id) becomes U+FFFD."""
        characters = tf.constant([*self._vocabulary, REPLACEMENT_CHARACTER])
        return tf.strings.reduce_join(tf.gather(characters, self._valid_ids(ids)), axis=-1)

    def score_ids(self, ids, lengths):
        """-> (bits [N] float32, counted [N] int32): -log2 p of characters 1..length-1 of each row.

        bits / counted is the bits per character; one causal pass scores the padded batch.
        """
        ids = self._valid_ids(ids)
        n, width = tf.shape(ids)[0], tf.shape(ids)[1]
        lengths = tf.clip_by_value(tf.cast(lengths, tf.int32), 0, width)
        # One more column (never a counted target) makes an empty batch [N, 0] a valid input.
        padded = tf.concat([ids, tf.fill([n, 1], self.unknown_id)], axis=1)
        log_probs = tf.nn.log_softmax(tf.cast(self(padded, training=False), tf.float32))
        targets = padded[:, 1:]
        picked = tf.gather(log_probs[:, :-1], targets[..., None], batch_dims=2)[..., 0]
        counted = tf.maximum(lengths - 1, 0)
        mask = tf.range(width)[None, :] < counted[:, None]
        bits = tf.reduce_sum(tf.where(mask, -picked, 0.0), axis=1) / math.log(2.0)
        return bits, counted

    def _zero_states(self, batch_size):
        states = []
        for layer in self.recurrent_layers:  # state_size: an int (one state) or a list
            sizes = tf.nest.flatten(layer.cell.state_size)
            states.append([tf.zeros([batch_size, size], layer.cell.compute_dtype) for size in sizes])
        return states

    def _step(self, ids, states):
        """One character per row: ids [N] -> (logits [N, vocabulary_size] float32, new states)."""
        x = self.embedding(ids)
        new_states = []
        for layer, state in zip(self.recurrent_layers, states):
            x, state = layer.cell(x, state, training=False)
            new_states.append(tf.nest.flatten(state))
        return tf.cast(self.output_layer(x), tf.float32), new_states

    def _next_ids(self, logits, step, temperature, top_k, seed):
        greedy = tf.argmax(logits, axis=-1, output_type=tf.int32)
        scaled = logits / tf.where(temperature > 0, temperature, 1.0)
        k = tf.where(top_k > 0, tf.minimum(top_k, self.vocabulary_size), self.vocabulary_size)
        kth_largest = tf.math.top_k(scaled, k).values[:, -1:]
        scaled = tf.where(scaled < kth_largest, float("-inf"), scaled)
        sampled = tf.random.stateless_categorical(
            scaled, 1, seed=tf.stack([seed, tf.cast(step, tf.int64)]), dtype=tf.int32
        )[:, 0]
        return tf.where(temperature > 0, sampled, greedy)

    def generate_ids(self, prompt_ids, prompt_lengths, length, temperature=1.0, top_k=0, seed=0):
        """Continues each prompt by `length` characters -> ids [N, length] int32.

        prompt_ids [N, P] (P may be 0), prompt_lengths [N]; an empty prompt starts from the
        unknown id. temperature <= 0 is greedy; otherwise logits / temperature are sampled
        (among the top_k most likely if top_k > 0), seeded by (seed, step): same inputs, same
        output. Rows do not affect each other, but a sampled row's random numbers depend on its position.
        """
        prompt_ids = self._valid_ids(prompt_ids)
        n = tf.shape(prompt_ids)[0]
        prompt_lengths = tf.clip_by_value(tf.cast(prompt_lengths, tf.int32), 0, tf.shape(prompt_ids)[1])
        length, top_k = tf.maximum(tf.cast(length, tf.int32), 0), tf.cast(top_k, tf.int32)
        temperature, seed = tf.cast(temperature, tf.float32), tf.cast(seed, tf.int64)

        # Feed the prompts, updating a row only while t < its length (the unknown id for an empty one).
        padded = tf.concat([prompt_ids, tf.fill([n, 1], self.unknown_id)], axis=1)
        first = (prompt_lengths[:, None] == 0) & (tf.range(tf.shape(padded)[1])[None, :] == 0)
        padded = tf.where(first, self.unknown_id, padded)
        feed_lengths = tf.maximum(prompt_lengths, 1)

        def feed(t, states, logits):
            new_logits, new_states = self._step(padded[:, t], states)
            keep = (t < feed_lengths)[:, None]
            states = tf.nest.map_structure(lambda new, old: tf.where(keep, new, old), new_states, states)
            return t + 1, states, tf.where(keep, new_logits, logits)

        _, states, logits = tf.while_loop(
            lambda t, *_: t < tf.reduce_max(feed_lengths),
            feed,
            (tf.constant(0), self._zero_states(n), tf.zeros([n, self.vocabulary_size], tf.float32)),
        )

        def sample(t, states, logits, generated):
            ids = self._next_ids(logits, t, temperature, top_k, seed)
            logits, states = self._step(ids, states)
            return t + 1, states, logits, generated.write(t, ids)

        generated = tf.TensorArray(tf.int32, size=length, element_shape=tf.TensorShape([None]))
        _, _, _, generated = tf.while_loop(
            lambda t, *_: t < length, sample, (tf.constant(0), states, logits, generated)
        )
        return tf.reshape(tf.transpose(generated.stack()), [n, length])

    # --- Python conveniences ---

    def _functions(self):
        if self._compiled is None:
            self._compiled = _Compiled(self)
        return self._compiled

    def encode(self, text):
        """str -> ids, an int32 array (characters outside the vocabulary -> unknown_id)."""
        return np.array([self._index.get(c, self.unknown_id) for c in text], np.int32)

    def decode(self, ids):
        """ids -> str (the unknown id and invalid ids -> U+FFFD)."""
        size = len(self._vocabulary)
        return "".join(
            self._vocabulary[i] if 0 <= i < size else REPLACEMENT_CHARACTER
            for i in np.asarray(ids).reshape(-1).tolist()
        )

    def generate(self, prompt, length=200, temperature=1.0, top_k=0, seed=None):
        """The `length` characters generated after `prompt` (without the prompt)."""
        if seed is None:
            seed = np.random.randint(2**31 - 1)
        ids = self.encode(prompt)[None]
        generated = self._functions().generate(ids, [ids.shape[1]], length, temperature, top_k, seed)
        return self.decode(generated.numpy()[0])

    def bits_per_character(self, texts):
        """Bits per character of each text (a str or a list of str) -> float array; nan below 2 characters."""
        texts = [texts] if isinstance(texts, str) else list(texts)
        encoded = [self.encode(text) for text in texts]
        bits = np.full(len(texts), np.nan)
        order = sorted(range(len(texts)), key=lambda i: len(encoded[i]))
        while order:
            # Similar lengths together, at most SCORE_BATCH_CHARACTERS padded characters a batch.
            size = 1
            while size < len(order) and (size + 1) * len(encoded[order[size]]) <= SCORE_BATCH_CHARACTERS:
                size += 1
            rows, order = order[:size], order[size:]
            lengths = np.array([len(encoded[i]) for i in rows], np.int32)
            ids = np.full((len(rows), lengths.max()), self.unknown_id, np.int32)
            for row, i in enumerate(rows):
                ids[row, : lengths[row]] = encoded[i]
            total, counted = (t.numpy() for t in self._functions().score(ids, lengths))
            bits[rows] = np.where(counted > 0, total / np.maximum(counted, 1), np.nan)
        return bits

    def get_config(self):
        initializer = self.recurrent_initializer
        if not isinstance(initializer, str):
            initializer = keras.initializers.serialize(keras.initializers.get(initializer))
        return {
            "name": self.name,
            "trainable": self.trainable,
            "vocabulary": list(self._vocabulary),
            "cell": self.cell_type,
            "units": self.units,
            "num_layers": self.num_layers,
            "embedding_dim": self.embedding_dim,
            "dropout": self.dropout,
            "recurrent_initializer": initializer,
            "clip_norm": self.clip_norm,
            "dtype": self.policy_name,
        }
