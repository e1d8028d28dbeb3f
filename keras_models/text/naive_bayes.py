"""Multinomial naive Bayes text classification as a Keras model: closed-form counts, served like the rest."""

import math
import sys

import keras
import numpy as np
import tensorflow as tf

from keras_models.text import fasttext_data
from keras_models.text.fasttext import _checked_labels
from keras_models.text.fasttext_preprocessor import FastTextPreprocessor, build_vocabulary

_CHUNK = 8192  # texts scored at once outside Keras' loops


@keras.saving.register_keras_serializable(package="keras_models")
class MultinomialLogLikelihood(keras.layers.Layer):
    """Bags of word ids -> joint log-likelihoods `log P(c) + sum_t log P(w_t | c)`, `[N, C]`.

    Holds `feature_log_prob` `[num_words, num_classes]` and `class_log_prior`
    `[num_classes]` (non-trainable; they start uniform); a word repeated in a text
    counts each time. Runs in float64 (by default) so that the sums over long
    texts match a float64 reference.

    Input: int ids in `[0, num_words)` as a `tf.SparseTensor` or a `tf.RaggedTensor`
    `[N, None]`; empty rows give the prior alone.

    Args:
        num_words: int.
        num_classes: int.

    Example:

    ```python
    import tensorflow as tf
    from keras_models.text.naive_bayes import MultinomialLogLikelihood

    layer = MultinomialLogLikelihood(num_words=10, num_classes=3)
    assert layer(tf.ragged.constant([[1, 2, 2], []], dtype=tf.int64)).shape == (2, 3)
    ```
    """

    def __init__(self, num_words, num_classes, **kwargs):
        kwargs.setdefault("dtype", "float64")
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)
        self.num_words, self.num_classes = int(num_words), int(num_classes)

    def build(self, input_shape=None):
        self.feature_log_prob = self.add_weight(
            shape=(self.num_words, self.num_classes),
            initializer=keras.initializers.Constant(-math.log(max(self.num_words, 1))),
            trainable=False,
            name="feature_log_prob",
        )
        self.class_log_prior = self.add_weight(
            shape=(self.num_classes,),
            initializer=keras.initializers.Constant(-math.log(self.num_classes)),
            trainable=False,
            name="class_log_prior",
        )
        self.built = True

    def call(self, ids):
        if isinstance(ids, tf.RaggedTensor):
            values, rows, num_rows = ids.flat_values, ids.value_rowids(), ids.nrows()
        else:
            values, rows, num_rows = ids.values, ids.indices[:, 0], ids.dense_shape[0]
        words = tf.gather(self.feature_log_prob.value, tf.cast(values, tf.int64))
        return tf.math.unsorted_segment_sum(words, rows, num_rows) + self.class_log_prior.value

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.num_classes)

    def get_config(self):
        config = super().get_config()
        config.update({"num_words": self.num_words, "num_classes": self.num_classes})
        return config


@keras.saving.register_keras_serializable(package="keras_models")
class MultinomialNaiveBayes(keras.Model):
    """Multinomial naive Bayes over fastText's word tokens, with Lidstone smoothing.

    The model maps token ids (a `tf.SparseTensor` from its `preprocessor`, a
    unigram `FastTextPreprocessor`: fastText's tokens, `</s>` ending each text,
    unknown words dropped) to the posterior `softmax(log P(c) + sum over tokens
    of count * log P(w | c))` `[N, num_classes]` (float32; computed in float64).
    `fit(texts, labels)` is the closed form, no gradient descent: with `N_cw`
    the count of word w in the texts of class c and V the vocabulary size,
    `P(w | c) = (N_cw + alpha) / (sum_w N_cw + alpha V)` and `P(c)` the class's
    share of the texts (uniform without `fit_prior`), as scikit-learn's
    `MultinomialNB(alpha)` computes them on the same count matrix. `fit`,
    `evaluate` and `predict` take raw strings; an export calls
    `model(model.preprocessor(strings))`.

    Args:
        vocabulary: list of str, the words (see `from_texts`).
        num_classes: int.
        alpha: float. Additive smoothing: 1 is Laplace's, below 1 Lidstone's; above 0.
        fit_prior: bool. Learn the class priors (else uniform).
        lowercase: bool. ASCII lowercasing before tokenizing.
        split_punctuation: bool. fastText's punctuation handling.

    Example:

    ```python
    from keras_models.text.naive_bayes import MultinomialNaiveBayes

    texts = ["good fun film", "great cast", "dull plot", "boring and long"] * 8
    labels = [1, 1, 0, 0] * 8
    model = MultinomialNaiveBayes.from_texts(texts, labels)
    model.fit(texts, labels, verbose=0)
    assert model.predict(["a great film", "long and dull"], verbose=0).argmax(-1).tolist() == [1, 0]
    ```
    """

    def __init__(
        self,
        vocabulary,
        num_classes,
        alpha=1.0,
        fit_prior=True,
        lowercase=True,
        split_punctuation=True,
        **kwargs,
    ):
        if int(num_classes) < 2:
            raise ValueError(f"MultinomialNaiveBayes needs num_classes >= 2, got {num_classes}.")
        if not 0 < alpha < float("inf"):
            raise ValueError(f"alpha must be above 0 (1 is Laplace smoothing), got {alpha}.")

        # === Layers ===
        preprocessor = FastTextPreprocessor(
            vocabulary,
            word_ngrams=1,
            lowercase=lowercase,
            split_punctuation=split_punctuation,
            name="preprocessor",
        )
        likelihood = MultinomialLogLikelihood(preprocessor.num_words, num_classes, name="log_likelihood")

        # === Functional Model ===
        token_ids = keras.Input(shape=(None,), sparse=True, dtype="int64", name="token_ids")
        posterior = keras.ops.softmax(likelihood(token_ids), axis=-1)
        super().__init__(inputs=token_ids, outputs=keras.ops.cast(posterior, "float32"), **kwargs)

        # === Config ===
        self.preprocessor = preprocessor
        self.num_classes = int(num_classes)
        self.alpha = float(alpha)
        self.fit_prior = bool(fit_prior)
        self.lowercase = bool(lowercase)
        self.split_punctuation = bool(split_punctuation)

    @classmethod
    def from_texts(cls, texts, labels=None, num_classes=None, min_count=1, **kwargs):
        """Builds the vocabulary from `texts` (words seen `min_count` times) and the model, unfitted.

        `num_classes` defaults to max(labels) + 1; other keyword arguments go to the constructor.
        """
        if labels is not None:
            labels = _checked_labels(labels, len(texts), num_classes)
            num_classes = num_classes or int(labels.max()) + 1
        if num_classes is None:
            raise ValueError("pass labels or num_classes.")
        vocabulary = build_vocabulary(
            texts, min_count, kwargs.get("lowercase", True), kwargs.get("split_punctuation", True)
        )
        return cls(vocabulary=vocabulary, num_classes=num_classes, **kwargs)

    def compile(
        self, optimizer=None, loss="sparse_categorical_crossentropy", metrics=("accuracy",), **kwargs
    ):
        """Loss and metrics for `evaluate`; there is nothing to optimize (fit counts)."""
        kwargs.setdefault("jit_compile", False)
        super().compile(optimizer=optimizer, loss=loss, metrics=list(metrics), **kwargs)

    def compile_from_config(self, config):
        """A loaded model compiles as `compile()` does (nothing in it is trained by gradients)."""
        self.compile()

    def _ragged_ids(self, x):
        """Raw strings -> their ragged ids; ragged or sparse ids pass through (as ragged)."""
        if fasttext_data.is_text(x):
            if len(x) == 0:
                raise ValueError("got no texts; pass at least one string.")
            return fasttext_data.cache_ids(self.preprocessor, x)
        if isinstance(x, tf.SparseTensor):
            return tf.RaggedTensor.from_sparse(x)
        if isinstance(x, tf.RaggedTensor):
            return x
        raise TypeError(f"expected raw strings or token ids, got {type(x).__name__}.")

    def joint_log_likelihood(self, x):
        """log P(c) + sum over tokens log P(w | c): float64 NumPy `[N, C]` for raw strings or ids."""
        ids = self._ragged_ids(x)
        layer = self.get_layer("log_likelihood")
        chunks = [layer(ids[start : start + _CHUNK]) for start in range(0, int(ids.nrows()), _CHUNK)]
        return tf.concat(chunks, 0).numpy() if chunks else np.zeros((0, self.num_classes))

    def predict_log_proba(self, x):
        """log P(c | text), float64 NumPy `[N, C]` (scikit-learn's `predict_log_proba`)."""
        scores = self.joint_log_likelihood(x)
        top = scores.max(axis=1, keepdims=True)
        return scores - (top + np.log(np.exp(scores - top).sum(axis=1, keepdims=True)))

    def _metrics_of(self, ids, labels):
        log_posterior = self.predict_log_proba(ids)
        return {
            "loss": float(-log_posterior[np.arange(len(labels)), labels].mean()),
            "accuracy": float(np.mean(log_posterior.argmax(axis=1) == labels)),
        }

    def fit(
        self,
        x=None,
        y=None,
        batch_size=None,
        epochs=1,
        verbose="auto",
        callbacks=None,
        validation_data=None,
        **kwargs,
    ):
        """Counts: sets the class priors and word likelihoods from texts `x` and labels `y`.

        One pass, whatever `epochs` says (the counts are the optimum); `batch_size`
        and other Keras fit arguments are accepted and unused. Callbacks see one
        epoch whose logs hold the training (and validation) loss and accuracy.
        Returns a `keras.callbacks.History`.
        """
        if y is None:
            raise ValueError("fit needs labels y.")
        ids = self._ragged_ids(x)
        labels = _checked_labels(y, int(ids.nrows()), self.num_classes)
        history = keras.callbacks.History()
        callback_list = keras.callbacks.CallbackList(
            [*(callbacks or []), history], model=self, epochs=1, steps=1, verbose=0
        )
        if not self.compiled:
            self.compile()
        callback_list.on_train_begin()
        callback_list.on_epoch_begin(0)
        self._count(ids, labels)
        logs = self._metrics_of(ids, labels)
        if validation_data is not None:
            val_ids = self._ragged_ids(validation_data[0])
            val_labels = _checked_labels(validation_data[1], int(val_ids.nrows()), self.num_classes)
            logs.update({f"val_{k}": v for k, v in self._metrics_of(val_ids, val_labels).items()})
        callback_list.on_epoch_end(0, logs)
        callback_list.on_train_end(logs)
        if verbose:
            print(
                "1/1 - " + " - ".join(f"{k}: {v:.4f}" for k, v in logs.items()), file=sys.stdout, flush=True
            )
        return history

    def _count(self, ids, labels):
        num_words, num_classes = self.preprocessor.num_words, self.num_classes
        words = ids.flat_values.numpy()
        word_class = labels[ids.value_rowids().numpy()]
        counts = np.bincount(words * num_classes + word_class, minlength=num_words * num_classes)
        counts = counts.reshape(num_words, num_classes).astype(np.float64) + self.alpha
        feature_log_prob = np.log(counts) - np.log(counts.sum(axis=0, keepdims=True))
        if self.fit_prior:
            class_count = np.bincount(labels, minlength=num_classes).astype(np.float64)
            with np.errstate(divide="ignore"):  # a class without texts: log 0, as scikit-learn has it
                class_log_prior = np.log(class_count) - np.log(class_count.sum())
        else:
            class_log_prior = np.full(num_classes, -np.log(num_classes))
        layer = self.get_layer("log_likelihood")
        layer.feature_log_prob.assign(feature_log_prob)
        layer.class_log_prior.assign(class_log_prior)

    def _batches(self, x, y=None, batch_size=None):
        ids = fasttext_data.cache_ids(self.preprocessor, x)
        y = None if y is None else _checked_labels(y, int(ids.nrows()), self.num_classes)
        return fasttext_data.id_batches(ids, y, batch_size or 1024)

    def evaluate(self, x=None, y=None, batch_size=None, **kwargs):
        if fasttext_data.is_text(x):
            x, y, batch_size = self._batches(x, y, batch_size), None, None
        if not self.compiled:
            self.compile()
        return super().evaluate(x, y, batch_size=batch_size, **kwargs)

    def predict(self, x, batch_size=None, **kwargs):
        if fasttext_data.is_text(x):
            x, batch_size = self._batches(x, batch_size=batch_size), None
        return super().predict(x, batch_size=batch_size, **kwargs)

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
            "vocabulary": self.preprocessor.vocabulary,
            "num_classes": self.num_classes,
            "alpha": self.alpha,
            "fit_prior": self.fit_prior,
            "lowercase": self.lowercase,
            "split_punctuation": self.split_punctuation,
        }
