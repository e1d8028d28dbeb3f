"""fastText text classification (Joulin et al., 2016, "Bag of Tricks for Efficient Text Classification")."""

import math

import keras
import numpy as np
import tensorflow as tf

from keras_models.layers.embedding_bag import EmbeddingBag
from keras_models.layers.hierarchical_softmax import HierarchicalSoftmax
from keras_models.text import fasttext_data
from keras_models.text.fasttext_preprocessor import (
    FastTextPreprocessor,
    map_batches,
    text_batches,
    tokenize,
    vocabulary_from_tokens,
)

DEFAULT_BATCH_SIZE = 256
# fastText's `lr` is a per-example step size (Hogwild SGD, one example at a
# time). Batched SGD on the mean loss matches or beats fastText's accuracy with
# learning rate lr * batch_size * 3.5, given EmbeddingBag's per-row gradient
# mean; measured on AG News and SpamAssassin, where 2 underfits the long emails
# and 8 overshoots on AG News (BENCHMARKS.md).
SGD_BATCH_SCALE = 3.5
# Adam's step size does not scale with the batch; lr * 0.2 (0.05 for lr 0.25)
# measured best of 0.1, 0.2, 0.4 on AG News and SpamAssassin.
ADAM_SCALE = 0.2


def _checked_labels(labels, num_texts, num_classes=None):
    """Labels as int64 [N], or a ValueError when they do not match the texts or the classes."""
    labels = np.asarray(labels).reshape(-1)
    if len(labels) != num_texts:
        raise ValueError(f"got {num_texts} texts but {len(labels)} labels; pass one label per text.")
    if labels.dtype.kind not in "iu":
        raise ValueError(f"labels are class ids (integers from 0); got {labels.dtype} values.")
    if len(labels) and (labels.min() < 0 or (num_classes and labels.max() >= num_classes)):
        bound = f"[0, {num_classes})" if num_classes else "0 or more"
        raise ValueError(f"labels must be class ids in {bound}; got {labels.min()}..{labels.max()}.")
    return labels.astype(np.int64)


class _IdCache:
    """Ids of the texts `from_texts` tokenized, for the `fit` that follows (a plain, untracked object)."""

    def __init__(self, texts, ids):
        self.texts, self.ids = texts, ids


@keras.saving.register_keras_serializable(package="keras_models")
class FastText(keras.Model):
    """fastText classifier: averaged word and word n-gram embeddings, then a linear softmax.

    The model maps token ids (a `tf.SparseTensor` from its `preprocessor`) to
    class probabilities. Its `preprocessor` (a `FastTextPreprocessor`) turns raw
    strings into those ids inside the graph: `fit`, `evaluate` and `predict`
    accept raw strings and tokenize them once, and an export calls
    `model(model.preprocessor(strings))`.

    Training follows fastText's: SGD whose learning rate decays linearly to zero
    over all steps (`compile(optimizer="sgd")`, the default, configured when `fit`
    knows the step count), or Adam with the same decay (`optimizer="adam"`;
    dense updates, so slow on millions of buckets). The knobs carry fastText's
    names; `lr` and `epochs` are fastText's per-example learning rate and pass
    count, the defaults `fit` uses.

    Args:
        vocabulary: list of str, the words (see `build_vocabulary` or `from_texts`).
        num_classes: int.
        dim: int. Embedding size (fastText's `dim`).
        word_ngrams: int. Longest word n-gram (fastText's `wordNgrams`).
        buckets: int. N-gram hash buckets (fastText's `bucket`; unused for unigrams).
        lr: float. fastText's learning rate (per example).
        epochs: int. fastText's `epoch`, the default of `fit`.
        loss: str. `"softmax"` or `"hs"` (hierarchical softmax over a Huffman
            tree of `label_counts`).
        label_counts: list of `num_classes` training frequencies (for `"hs"`).
        lowercase: bool. Lowercase (ASCII) before tokenizing.
        split_punctuation: bool. fastText's punctuation handling.
        row_gradient: str. `"mean"` or `"sum"`: what a table row used by several
            examples of a batch takes (see `EmbeddingBag`); `"mean"` is what lets
            large batches match fastText's per-example SGD.

    Example:

    ```python
    from keras_models.text import FastText

    texts = ["good fun film", "great cast", "dull plot", "boring and long"] * 8
    labels = [1, 1, 0, 0] * 8
    model = FastText.from_texts(texts, labels, dim=8, lr=0.5, epochs=20)
    model.fit(texts, labels, batch_size=4, verbose=0)
    probs = model.predict(["a great film", "long and dull"], verbose=0)
    assert probs.shape == (2, 2)
    ```
    """

    def __init__(
        self,
        vocabulary,
        num_classes,
        dim=100,
        word_ngrams=1,
        buckets=2_000_000,
        lr=0.1,
        epochs=5,
        loss="softmax",
        label_counts=None,
        lowercase=True,
        split_punctuation=True,
        row_gradient="mean",
        **kwargs,
    ):
        if loss not in ("softmax", "hs"):
            raise ValueError(f"loss must be 'softmax' or 'hs', got {loss!r}.")
        if int(num_classes) < 2:
            raise ValueError(f"FastText is a classifier: num_classes must be at least 2, got {num_classes}.")

        # === Layers ===
        preprocessor = FastTextPreprocessor(
            vocabulary,
            word_ngrams=word_ngrams,
            buckets=buckets,
            lowercase=lowercase,
            split_punctuation=split_punctuation,
            name="preprocessor",
        )
        embedding_bag = EmbeddingBag(
            preprocessor.num_ids,
            dim,
            # fastText's initialization: input rows uniform in +-1/dim, output zero.
            embeddings_initializer=keras.initializers.RandomUniform(-1.0 / dim, 1.0 / dim),
            row_gradient=row_gradient,
            name="embedding_bag",
        )
        if loss == "softmax":
            head = keras.layers.Dense(
                num_classes, use_bias=False, kernel_initializer="zeros", activation="softmax", name="softmax"
            )
        else:
            head = HierarchicalSoftmax(num_classes, class_counts=label_counts, name="hierarchical_softmax")

        # === Functional Model ===
        token_ids = keras.Input(shape=(None,), sparse=True, dtype="int64", name="token_ids")
        probabilities = head(embedding_bag(token_ids))
        super().__init__(inputs=token_ids, outputs=probabilities, **kwargs)

        # === Config ===
        self.preprocessor = preprocessor
        self.num_classes = int(num_classes)
        self.dim = int(dim)
        self.word_ngrams = int(word_ngrams)
        self.buckets = int(buckets)
        self.lr = float(lr)
        self.epochs = int(epochs)
        self.loss_name = loss
        self.label_counts = None if label_counts is None else [int(c) for c in label_counts]
        self.lowercase = bool(lowercase)
        self.split_punctuation = bool(split_punctuation)
        self.row_gradient = row_gradient
        self._recipe = None
        self._lr_scale = None
        self._id_cache = None

    @classmethod
    def from_texts(cls, texts, labels=None, num_classes=None, min_count=1, **kwargs):
        """Builds the vocabulary from `texts` (words seen `min_count` times) and the model.

        `num_classes` defaults to max(labels) + 1; with `loss="hs"` the Huffman
        tree uses the label counts. The texts are tokenized once: a `fit` on the
        same `texts` object reuses their ids.
        """
        lowercase, split_punctuation = kwargs.get("lowercase", True), kwargs.get("split_punctuation", True)
        tokens = map_batches(lambda t: tokenize(t, lowercase, split_punctuation), text_batches(texts, 8192))
        if labels is not None:
            labels = _checked_labels(labels, len(texts), num_classes)
            num_classes = num_classes or int(labels.max()) + 1
            if kwargs.get("loss") == "hs" and kwargs.get("label_counts") is None:
                kwargs["label_counts"] = np.bincount(labels, minlength=num_classes).tolist()
        if num_classes is None:
            raise ValueError("pass labels or num_classes.")
        model = cls(vocabulary=vocabulary_from_tokens(tokens, min_count), num_classes=num_classes, **kwargs)
        ids = map_batches(model.preprocessor.ids_from_tokens, tokens)
        if ids:
            model._id_cache = _IdCache(texts, tf.concat(ids, axis=0) if len(ids) > 1 else ids[0])
        return model

    def compile(self, optimizer="sgd", loss="auto", metrics="auto", lr_scale=None, **kwargs):
        """fastText's training recipe by default; any Keras optimizer, loss and metrics otherwise.

        `optimizer="sgd"` or `"adam"` get a learning rate decaying linearly to
        zero, set by `fit` from `lr`, the batch size and the step count: SGD
        starts at `lr * batch_size * lr_scale` (default `SGD_BATCH_SCALE`), Adam
        at `lr * lr_scale` (default `ADAM_SCALE`). XLA is off by default: it
        would turn the table's sparse gradient dense.
        """
        self._lr_scale = lr_scale
        loss = "sparse_categorical_crossentropy" if loss == "auto" else loss
        metrics = ["accuracy"] if metrics == "auto" else metrics
        kwargs.setdefault("jit_compile", False)
        kwargs.setdefault("steps_per_execution", "auto")
        if isinstance(optimizer, str) and optimizer in ("sgd", "adam"):
            self._recipe = {"optimizer": optimizer, "loss": loss, "metrics": metrics, **kwargs}
            optimizer = self._fasttext_optimizer(optimizer, DEFAULT_BATCH_SIZE, total_steps=None)
        else:
            self._recipe = None
        if kwargs["steps_per_execution"] == "auto":
            kwargs["steps_per_execution"] = 1
        super().compile(optimizer=optimizer, loss=loss, metrics=metrics, **kwargs)

    def make_train_function(self, force=False):
        """Runs `steps_per_execution` steps per call in a `tf.while_loop`.

        Keras' TensorFlow trainer unrolls them into one graph, which multiplies
        tracing time; this graph stays one step long.
        """
        steps = self.steps_per_execution
        if steps <= 1 or self.run_eagerly:
            return super().make_train_function(force)
        if self.train_function is not None and not force:
            return self.train_function
        self.steps_per_execution = 1
        try:
            super().make_train_function(force=True)
            one_step = self.train_function
        finally:
            self.steps_per_execution = steps

        @tf.function(autograph=False)
        def multi_step(iterator):
            step = one_step.get_concrete_function(iterator)  # traced once, called twice
            return tf.while_loop(
                lambda i, _: i < steps - 1,
                lambda i, _: (i + 1, step(iterator)),
                (tf.constant(0), step(iterator)),
            )[1]

        self.train_function = multi_step
        return multi_step

    def _one_step_at_a_time(self, method, *args, **kwargs):
        # Keras 3.6 loses an evaluation shorter than steps_per_execution; these are cheap anyway.
        steps, self.steps_per_execution = self.steps_per_execution, 1
        try:
            return method(*args, **kwargs)
        finally:
            self.steps_per_execution = steps

    def _fasttext_optimizer(self, name, batch_size, total_steps):
        scale = self._lr_scale
        if name == "sgd":
            peak = self.lr * batch_size * (SGD_BATCH_SCALE if scale is None else scale)
        else:
            peak = self.lr * (ADAM_SCALE if scale is None else scale)
        schedule = peak
        if total_steps:
            schedule = keras.optimizers.schedules.PolynomialDecay(peak, total_steps, end_learning_rate=0.0)
        if name == "sgd":
            return keras.optimizers.SGD(schedule)
        return keras.optimizers.Adam(schedule)

    def _ids_dataset(self, x, y=None, batch_size=None, shuffle=False, repeat=False):
        if len(x) == 0:
            raise ValueError("got no texts; pass at least one string.")
        y = None if y is None else _checked_labels(y, len(x), self.num_classes)
        cache, self._id_cache = self._id_cache, None
        ids = cache.ids if cache and cache.texts is x else fasttext_data.cache_ids(self.preprocessor, x)
        return fasttext_data.id_batches(
            ids,
            y,
            batch_size or DEFAULT_BATCH_SIZE,
            shuffle=shuffle,
            seed=int(np.random.randint(2**31 - 1)),
            repeat=repeat,
        )

    def fit(self, x=None, y=None, batch_size=None, epochs=None, validation_data=None, shuffle=True, **kwargs):
        """Keras fit; raw strings `x` with int labels `y` are tokenized once and reshuffled each epoch.

        `epochs` defaults to the model's `epochs`, `batch_size` to 256.
        """
        epochs = self.epochs if epochs is None else epochs
        batch_size = batch_size or DEFAULT_BATCH_SIZE
        steps = kwargs.get("steps_per_epoch")
        if fasttext_data.is_text(x):
            if y is None:
                raise ValueError("fit on raw texts needs labels y.")
            steps = math.ceil(len(np.asarray(y).reshape(-1)) / batch_size)
            x = self._ids_dataset(x, y, batch_size, shuffle=shuffle, repeat=True)
            kwargs["steps_per_epoch"], y, fit_batch_size = steps, None, None
        else:
            fit_batch_size = batch_size if y is not None else None
            if steps is None and hasattr(x, "cardinality") and int(x.cardinality()) > 0:
                steps = int(x.cardinality())
        if validation_data is not None and fasttext_data.is_text(validation_data[0]):
            validation_data = self._ids_dataset(*validation_data[:2], batch_size=1024)
        if not self.compiled:
            self.compile()
        if self._recipe is not None:
            if not steps:
                raise ValueError("the linear learning-rate decay needs steps_per_epoch for this input.")
            recipe = dict(self._recipe)
            optimizer = self._fasttext_optimizer(recipe.pop("optimizer"), batch_size, steps * epochs)
            if recipe.get("steps_per_execution") == "auto":
                # Several steps per call of the training graph save ~0.3 ms a step and cost
                # ~0.1 s of tracing: worth it from a few hundred steps. A divisor of the
                # epoch keeps epochs exact.
                many = steps * epochs >= 500
                recipe["steps_per_execution"] = max(d for d in range(1, 33 if many else 2) if steps % d == 0)
            super().compile(optimizer=optimizer, **recipe)
        return super().fit(
            x, y, batch_size=fit_batch_size, epochs=epochs, validation_data=validation_data, **kwargs
        )

    def evaluate(self, x=None, y=None, batch_size=None, **kwargs):
        if fasttext_data.is_text(x):
            x, y, batch_size = self._ids_dataset(x, y, batch_size or 1024), None, None
        return self._one_step_at_a_time(super().evaluate, x, y, batch_size=batch_size, **kwargs)

    def predict(self, x, batch_size=None, **kwargs):
        if fasttext_data.is_text(x):
            x, batch_size = self._ids_dataset(x, None, batch_size or 1024), None
        return self._one_step_at_a_time(super().predict, x, batch_size=batch_size, **kwargs)

    @property
    def _default_save_signature(self):
        """TF SavedModel hook: `tf.saved_model.save(model, path)` serves raw strings."""

        @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="text")])
        def serving_default(text):
            return {"probabilities": self(self.preprocessor(text), training=False)}

        return serving_default

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "vocabulary": list(self.preprocessor.vocabulary),
            "num_classes": self.num_classes,
            "dim": self.dim,
            "word_ngrams": self.word_ngrams,
            "buckets": self.buckets,
            "lr": self.lr,
            "epochs": self.epochs,
            "loss": self.loss_name,
            "label_counts": self.label_counts,
            "lowercase": self.lowercase,
            "split_punctuation": self.split_punctuation,
            "row_gradient": self.row_gradient,
        }
