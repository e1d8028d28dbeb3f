"""EmbeddingBag: the mean (or sum) of the embeddings of each row's ids, with sparse gradients."""

import keras
import tensorflow as tf

_COMBINERS = ("mean", "sum")
_ROW_GRADIENTS = ("mean", "sum")


@keras.saving.register_keras_serializable(package="keras_models")
class EmbeddingBag(keras.layers.Layer):
    """Looks up a variable number of ids per row and combines them into one vector.

    fastText's hidden layer: the text's words and word n-grams index one table,
    and their rows are averaged. Only the looked-up rows are read and only they
    receive gradients (`tf.IndexedSlices`), so a 2M-row table costs no more per
    step than a small one under SGD.

    `row_gradient` decides what a row used by several examples of one batch
    takes: `"sum"` is plain backpropagation; `"mean"` (the default) gives it the
    mean of those examples' gradients (an example using the row several times
    counts once, with its summed gradient). Under large-batch SGD, a row such as
    fastText's end-of-line token, used by every example, would otherwise move
    `batch_size` times as far as one example moves it, and linearly scaled
    learning rates diverge beyond batches of ~64; rows used by one example per
    batch, most of them, are unaffected, as is the forward pass. BENCHMARKS.md
    has the measurements.

    Input: int ids as a `tf.SparseTensor` (in row-major order, as
    `tf.RaggedTensor.to_sparse` and tf.data batching give) or a `tf.RaggedTensor`
    of shape `[batch, None]`; rows may be empty (they give a zero vector). Ids must lie in
    `[0, input_dim)`. Output: float `[batch, output_dim]`. This layer runs on the
    TensorFlow backend (it uses TensorFlow's segment ops).

    Args:
        input_dim: int. Number of rows of the table.
        output_dim: int. Size of each embedding vector.
        combiner: str. `"mean"` (fastText) or `"sum"`.
        row_gradient: str. `"mean"` or `"sum"`, see above; training only.
        embeddings_initializer: initializer of the table.

    Example:

    ```python
    import tensorflow as tf
    from keras_models.layers import EmbeddingBag

    bag = EmbeddingBag(input_dim=100, output_dim=8)
    ids = tf.ragged.constant([[1, 2, 2], [7]], dtype=tf.int64)
    assert bag(ids).shape == (2, 8)
    ```
    """

    def __init__(
        self,
        input_dim,
        output_dim,
        combiner="mean",
        row_gradient="mean",
        embeddings_initializer="uniform",
        **kwargs,
    ):
        super().__init__(**kwargs)
        if combiner not in _COMBINERS:
            raise ValueError(f"combiner must be one of {_COMBINERS}, got {combiner!r}.")
        if row_gradient not in _ROW_GRADIENTS:
            raise ValueError(f"row_gradient must be one of {_ROW_GRADIENTS}, got {row_gradient!r}.")
        self.input_dim = int(input_dim)
        self.output_dim = int(output_dim)
        self.combiner = combiner
        self.row_gradient = row_gradient
        self.embeddings_initializer = keras.initializers.get(embeddings_initializer)

    def build(self, input_shape=None):
        self.embeddings = self.add_weight(
            shape=(self.input_dim, self.output_dim),
            initializer=self.embeddings_initializer,
            name="embeddings",
        )
        self.built = True

    def call(self, ids, training=False):
        if isinstance(ids, tf.RaggedTensor):
            values, rows, num_rows = ids.flat_values, ids.value_rowids(), ids.nrows()
        else:
            values, rows, num_rows = ids.values, ids.indices[:, 0], ids.dense_shape[0]
        values = tf.cast(values, "int64")
        # Each distinct id is read (and updated) once per batch.
        unique_ids, position = tf.unique(values, out_idx=tf.int64)
        # `.value` is the tf.Variable itself: tf.gather then reads only the looked-up
        # rows, and the gradient stays a tf.IndexedSlices.
        table_rows = tf.gather(self.embeddings.value, unique_ids)
        if training and self.row_gradient == "mean":
            # How many examples use each row; repeats within an example count once.
            _, pair = tf.unique(rows * self.input_dim + values, out_idx=tf.int64)
            num_pairs = tf.reduce_max(tf.concat([pair, [-1]], 0)) + 1
            pair_row = tf.math.unsorted_segment_max(position, pair, num_pairs)
            users = tf.math.unsorted_segment_sum(
                tf.ones([num_pairs], table_rows.dtype), pair_row, tf.size(unique_ids, out_type=tf.int64)
            )
            scale = 1.0 / tf.maximum(users, 1.0)[:, None]
            # Forward value unchanged; the gradient reaching the table is scaled.
            table_rows = table_rows * scale + tf.stop_gradient(table_rows * (1.0 - scale))
        # One fused gather-and-reduce; it needs the rows in order, as sparse and
        # ragged tensors keep them.
        combine = tf.sparse.segment_mean if self.combiner == "mean" else tf.sparse.segment_sum
        return combine(table_rows, position, rows, num_segments=num_rows)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.output_dim)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "input_dim": self.input_dim,
                "output_dim": self.output_dim,
                "combiner": self.combiner,
                "row_gradient": self.row_gradient,
                "embeddings_initializer": keras.initializers.serialize(self.embeddings_initializer),
            }
        )
        return config
