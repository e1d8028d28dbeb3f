"""GloVe word vectors (Pennington, Socher and Manning, 2014).

"GloVe: Global Vectors for Word Representation": word vectors fit by weighted
least squares to the log of a corpus' word co-occurrence counts.
"""

import math

import keras
import numpy as np
import tensorflow as tf

from keras_models.text.word_vectors import WordLookup, WordVectorsMixin

DEFAULT_BATCH_SIZE = 1024  # nonzero entries per step
GRAD_CLIP = 100.0  # glove.c's grad_clip_value, on each word-vector gradient element
_STEPS_PER_CALL = 64  # training steps per call of the compiled loop (progress is shown between calls)


def weighting(x, x_max=100.0, alpha=0.75):
    """GloVe's weighting f(x) = (x / x_max)^alpha, capped at 1 (from x >= x_max on)."""
    x = np.asarray(x, np.float64)
    return np.minimum(np.power(x / x_max, alpha), 1.0)


@keras.saving.register_keras_serializable(package="keras_models")
class GloVe(WordVectorsMixin, keras.Model):
    """GloVe: word and context vectors whose dot products fit the log co-occurrence counts.

    Training minimizes GloVe's weighted least squares over the nonzero entries of
    the co-occurrence matrix X (`keras_models.text.cooccurrence`, or
    `components.cooccurrence_gen` at scale):
    `J = sum_ij f(X_ij) (w_i . w~_j + b_i + b~_j - log X_ij)^2`, with
    `f(x) = min((x / x_max)^alpha, 1)`. As GloVe's `glove.c` does: each table row
    holds a vector and its bias, initialized uniform in +-0.5/dim; updates are
    per-element AdaGrad whose squared-gradient sums start at 1, on the
    gradient of `J / 2`, word-vector gradients clipped at +-100 and scaled by the
    learning rate before they are accumulated, bias gradients not scaled (the C
    code's own rule). `fit_cooccurrence` walks shuffled batches of nonzeros;
    a batch updates only the rows it touches (`tf.IndexedSlices` scatters), a
    row's step being its mean gradient over the batch's entries.

    The vectors users get (`vectors`, `embed`, `most_similar`, `nearest`,
    `model(word_ids)`, the SavedModel) are `W + W~`, GloVe's default `-model 2`.
    `tf.saved_model.save(model, path)` serves words (strings) -> `vectors`
    (zeros for unknown words).

    Args:
        vocabulary: list of str, the words in id order (most frequent first).
        counts: list of int or None, the words' corpus frequencies (kept with the model).
        dim: int. Vector size (GloVe's `vector_size`).
        x_max: float. Where the weighting stops growing (`x_max`).
        alpha: float. The weighting's exponent (`alpha`).
        learning_rate: float. AdaGrad's initial step (`eta`).
        epochs: int. Passes over the nonzeros, the default of `fit_cooccurrence` (`max_iter`).
        lowercase: bool. Lowercase (ASCII) words before the lookup, as the corpus was.
        seed: int. Initialization and shuffling.

    Example:

    ```python
    from keras_models.text.cooccurrence import cooccurrence_counts
    from keras_models.text.glove import GloVe

    tokens = [["the", "cat", "sat", "on", "the", "mat"], ["the", "dog", "sat", "on", "the", "log"]] * 20
    vocabulary = ["the", "sat", "on", "cat", "mat", "dog", "log"]
    rows, cols, counts = cooccurrence_counts(tokens, vocabulary, window=3)
    model = GloVe(vocabulary, dim=8, epochs=20)
    costs = model.fit_cooccurrence(rows, cols, counts, batch_size=8, verbose=0)
    assert costs[-1] < costs[0] and model.vectors.shape == (7, 8)
    neighbours = model.most_similar("cat", topn=3)
    ```
    """

    def __init__(
        self,
        vocabulary,
        counts=None,
        dim=100,
        x_max=100.0,
        alpha=0.75,
        learning_rate=0.05,
        epochs=25,
        lowercase=True,
        seed=1,
        **kwargs,
    ):
        if int(dim) < 1:
            raise ValueError(f"dim must be at least 1, got {dim}.")
        if counts is not None and len(counts) != len(vocabulary):
            raise ValueError(f"got {len(counts)} counts for {len(vocabulary)} words; pass one per word.")
        if not (float(x_max) > 0 and float(alpha) > 0 and float(learning_rate) > 0):
            raise ValueError("x_max, alpha and learning_rate must be positive.")

        # === Layers ===
        lookup = WordLookup(vocabulary, lowercase=lowercase, name="lookup")
        size, dim = max(len(lookup.vocabulary), 1), int(dim)
        # glove.c's layout: each row is a vector, then its bias; all uniform in +-0.5/dim.
        word_table, context_table = (
            keras.layers.Embedding(
                size,
                dim + 1,
                embeddings_initializer=keras.initializers.RandomUniform(-0.5 / dim, 0.5 / dim, seed=seed + i),
                name=name,
            )
            for i, name in enumerate(("word_table", "context_table"))
        )

        # === Functional Model ===
        word_ids = keras.Input(shape=(), dtype="int64", name="word_ids")
        summed = keras.layers.Add(name="word_plus_context")([word_table(word_ids), context_table(word_ids)])
        vectors = summed[..., :dim]  # the biases are the last column
        super().__init__(inputs=word_ids, outputs=vectors, **kwargs)

        # === Config ===
        self.lookup = lookup
        self.word_table, self.context_table = word_table, context_table
        self.counts = None if counts is None else [int(c) for c in counts]
        self.dim = dim
        self.x_max = float(x_max)
        self.alpha = float(alpha)
        self.learning_rate = float(learning_rate)
        self.epochs = int(epochs)
        self.lowercase = bool(lowercase)
        self.seed = int(seed)
        self._training = None  # AdaGrad state, built by the first fit (untracked: not saved)

    @property
    def vocabulary(self):
        """The words, in id order."""
        return self.lookup.vocabulary

    def word_vectors(self):
        """W + W~ without the biases: tf.float32 [V, dim]."""
        return self.word_table.embeddings[:, : self.dim] + self.context_table.embeddings[:, : self.dim]

    def objective(self, rows, cols, counts):
        """GloVe's J = sum f(X_ij) (w_i . w~_j + b_i + b~_j - log X_ij)^2 over the given entries (float64)."""
        rows, cols, counts = self._checked(rows, cols, counts)
        words = np.asarray(self.word_table.embeddings, np.float64)[rows]
        contexts = np.asarray(self.context_table.embeddings, np.float64)[cols]
        d = self.dim
        diff = np.sum(words[:, :d] * contexts[:, :d], axis=1) + words[:, d] + contexts[:, d] - np.log(counts)
        return float(np.sum(weighting(counts, self.x_max, self.alpha) * diff**2))

    def _checked(self, rows, cols, counts):
        rows, cols = np.asarray(rows, np.int64).reshape(-1), np.asarray(cols, np.int64).reshape(-1)
        counts = np.asarray(counts, np.float64).reshape(-1)
        if not len(rows) == len(cols) == len(counts):
            raise ValueError(
                f"rows, cols and counts differ in length: {len(rows)}, {len(cols)}, {len(counts)}."
            )
        size = len(self.vocabulary)
        if len(rows) and (min(rows.min(), cols.min()) < 0 or max(rows.max(), cols.max()) >= size):
            raise ValueError(f"rows and cols must be word ids in [0, {size}).")
        if len(counts) and not np.all(counts > 0):
            raise ValueError("counts must be positive (the nonzeros of the co-occurrence matrix).")
        return rows, cols, counts

    def _build_training(self):
        if self._training is None:
            tables = (self.word_table.embeddings.value, self.context_table.embeddings.value)
            self._training = _Training(tables, self.dim, np.random.default_rng(self.seed))
        return self._training

    def fit_cooccurrence(self, rows, cols, counts, epochs=None, batch_size=None, verbose=1):
        """Trains on the nonzero entries X[rows, cols] = counts (numpy arrays); returns each epoch's cost.

        The cost is glove.c's: the mean over the entries of `f(X_ij) diff^2 / 2`,
        accumulated while the epoch trains. Entries are reshuffled every epoch.
        """
        rows, cols, counts = self._checked(rows, cols, counts)
        if not len(rows):
            raise ValueError("got no co-occurrence entries to train on.")
        epochs = self.epochs if epochs is None else int(epochs)
        batch_size = int(batch_size or DEFAULT_BATCH_SIZE)
        training = self._build_training()
        log_counts = np.log(counts).astype(np.float32)
        weights = weighting(counts, self.x_max, self.alpha).astype(np.float32)
        steps = math.ceil(len(rows) / batch_size)
        learning_rate = tf.constant(self.learning_rate, tf.float32)
        costs = []
        for epoch in range(epochs):
            order = training.rng.permutation(len(rows))
            data = tuple(tf.constant(a[order]) for a in (rows, cols, log_counts, weights))
            if verbose:
                print(f"Epoch {epoch + 1}/{epochs}")
            progress = keras.utils.Progbar(steps, verbose=verbose, stateful_metrics=["cost"])
            total = 0.0
            for first in range(0, steps, _STEPS_PER_CALL):
                last = min(first + _STEPS_PER_CALL, steps)
                span = (
                    tf.constant(first, tf.int64),
                    tf.constant(last, tf.int64),
                    tf.constant(batch_size, tf.int64),
                )
                total += float(training.run(*data, *span, learning_rate))
                progress.update(last, [("cost", total / min(last * batch_size, len(rows)))])
            costs.append(total / len(rows))
        return costs

    @property
    def _default_save_signature(self):
        """TF SavedModel hook: `tf.saved_model.save(model, path)` serves words -> vectors."""

        @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="words")])
        def serving_default(words):
            ids = self.lookup(words)
            vectors = self(tf.maximum(ids, 0), training=False)
            return {"vectors": tf.where((ids >= 0)[:, None], vectors, tf.zeros_like(vectors))}

        return serving_default

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "vocabulary": self.vocabulary,
            "counts": self.counts,
            "dim": self.dim,
            "x_max": self.x_max,
            "alpha": self.alpha,
            "learning_rate": self.learning_rate,
            "epochs": self.epochs,
            "lowercase": self.lowercase,
            "seed": self.seed,
        }


class _Training:
    """glove.c's AdaGrad on both tables, batch by batch, in one compiled loop (a plain, untracked object)."""

    def __init__(self, tables, dim, rng):
        self.tables, self.dim, self.rng = tables, dim, rng  # rng: the shuffles, continued by each fit
        self.squares = tuple(tf.Variable(tf.ones_like(t), trainable=False) for t in tables)  # gradsq = 1
        self.run = tf.function(self._run, jit_compile=False)

    def _run(self, rows, cols, log_counts, weights, first, last, batch_size, learning_rate):
        """Steps first..last-1 over the (shuffled) entries; returns their summed cost f diff^2 / 2."""
        total = tf.constant(0.0, tf.float64)
        size = tf.shape(rows, out_type=tf.int64)[0]
        for step in tf.range(first, last):
            start = step * batch_size
            end = tf.minimum(start + batch_size, size)
            total += tf.cast(
                self._step(
                    rows[start:end], cols[start:end], log_counts[start:end], weights[start:end], learning_rate
                ),
                tf.float64,
            )
        return total

    def _step(self, rows, cols, log_counts, weights, learning_rate):
        words, contexts = (tf.gather(table, ids) for table, ids in zip(self.tables, (rows, cols)))
        d = self.dim
        diff = (
            tf.reduce_sum(words[:, :d] * contexts[:, :d], axis=1) + words[:, d] + contexts[:, d] - log_counts
        )
        fdiff = weights * diff
        # glove.c: vector gradients clipped, then times eta; bias gradients as they are.
        for index, ids, other in ((0, rows, contexts), (1, cols, words)):
            vector = tf.clip_by_value(fdiff[:, None] * other[:, :d], -GRAD_CLIP, GRAD_CLIP) * learning_rate
            gradient = tf.concat([vector, fdiff[:, None]], axis=1)
            self._apply(self.tables[index], self.squares[index], ids, gradient)
        return tf.reduce_sum(0.5 * fdiff * diff)

    @staticmethod
    def _apply(table, squares, ids, gradient):
        """AdaGrad on the touched rows: row -= mean gradient / sqrt(gradsq), then gradsq += its square."""
        unique, position = tf.unique(ids)
        count = tf.math.unsorted_segment_sum(
            tf.ones_like(position, gradient.dtype), position, tf.size(unique)
        )
        mean = tf.math.unsorted_segment_sum(gradient, position, tf.size(unique)) / count[:, None]
        table.scatter_sub(tf.IndexedSlices(mean / tf.sqrt(tf.gather(squares, unique)), unique))
        squares.scatter_add(tf.IndexedSlices(tf.square(mean), unique))
