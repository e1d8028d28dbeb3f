"""StarSpace (Wu et al., 2017, "StarSpace: Embed All The Things!")."""

import keras
import numpy as np
import tensorflow as tf

from keras_models.layers.embedding_bag import EmbeddingBag
from keras_models.optimizers.row_adagrad import RowAdagrad
from keras_models.text import fasttext_data, ranking, starspace_data
from keras_models.text.fasttext_preprocessor import (
    FastTextPreprocessor,
    map_batches,
    normalize,
    text_batches,
    tokenize,
    vocabulary_from_tokens,
)
from keras_models.text.starspace_ops import (
    LOSSES,
    SIMILARITIES,
    hinge_loss,
    lexical_scores,
    softmax_loss,
    tfidf,
)

LABEL_PREFIX = starspace_data.LABEL_PREFIX  # `embed("__label__X")` is label X's embedding, as in StarSpace
# StarSpace trains examples one at a time on many threads (batches of 5); here
# a batch is one graph step, its loss the sum over its examples (as many
# updates as StarSpace makes), and its negatives shared as StarSpace shares them.
DEFAULT_BATCH_SIZE = 32


@keras.saving.register_keras_serializable(package="keras_models")
class StarSpace(keras.Model):
    """StarSpace: one feature table embeds every entity as a bag of features, trained to rank.

    An entity (a text, a label, an item, a user's items, a word's context) is a
    bag of rows of one table: words, hashed word n-grams (as fastText's,
    `ngrams`), then the labels. Its embedding is the sum of its rows divided by
    their L2 norm (`similarity="cosine"`) or by count^p (`"dot"`). Training pulls
    an LHS towards its RHS and pushes sampled negatives away (`loss="hinge"`:
    the margin ranking loss, mean over the violating negatives; `"softmax"`),
    updating only the rows a batch touched, with StarSpace's row-wise Adagrad.
    `train_mode` says what the training lines are (`starspace_data`):

    - 0: texts with `labels`: text -> label (classification);
    - 1: lines of space-separated items: the other items -> one held-out item
      (recommendation);
    - 3: lines of tab-separated sentences: one sentence -> another (retrieval);
    - 5: plain text: a word's context (`ws` words each side) -> the word.

    The knobs carry StarSpace's names and defaults (`trainMode`, `dim`,
    `ngrams`, `bucket`, `similarity`, `loss`, `margin`, `p`, `maxNegSamples`,
    `negSearchLimit`, `adagrad`, `lr`, `epoch`, `ws`, `initRandSd`), in snake case.
    `model(ids)` returns embeddings; `embed(texts)` takes raw strings.

    Args:
        vocabulary: list of str, the words (see `from_texts`).
        labels: list of str, the labels of trainMode 0 (their table rows follow the words').
        train_mode: int, 0, 1, 3 or 5.
        lexical_weight: float in [0, 1). The share of a TF-IDF cosine in `similarities` (not StarSpace's;
            retrieval of documents gains from it).
        batch_size: int, examples per step (default 32).
        lowercase, split_punctuation: bool. fastText's normalization (see `normalize`).

    Example:

    ```python
    from keras_models.text import StarSpace

    texts = ["good fun film", "great cast", "dull plot", "boring and long"] * 8
    labels = ["pos", "pos", "neg", "neg"] * 8
    model = StarSpace.from_texts(texts, labels, dim=8, epoch=20, lr=0.05, batch_size=4)
    model.fit(texts, labels, verbose=0)
    names, label_texts = model.candidates()  # the labels, and their texts `__label__neg`, `__label__pos`
    scores = model.scores(["great fun", "dull and boring"], label_texts)
    assert names == ["neg", "pos"] and scores.argmax(axis=1).tolist() == [1, 0]
    ```
    """

    def __init__(
        self,
        vocabulary,
        labels=(),
        train_mode=0,
        dim=100,
        ngrams=1,
        bucket=2_000_000,
        similarity="cosine",
        loss="hinge",
        margin=0.05,
        p=0.5,
        max_neg_samples=10,
        neg_search_limit=50,
        adagrad=True,
        lr=0.01,
        epoch=5,
        ws=5,
        init_rand_sd=0.001,
        lexical_weight=0.0,
        batch_size=DEFAULT_BATCH_SIZE,
        lowercase=True,
        split_punctuation=True,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if train_mode not in starspace_data.TRAIN_MODES:
            raise ValueError(f"train_mode must be one of {starspace_data.TRAIN_MODES}, got {train_mode}.")
        if similarity not in SIMILARITIES or loss not in LOSSES:
            raise ValueError(f"similarity must be one of {SIMILARITIES} and loss one of {LOSSES}.")
        if train_mode == 0 and len(labels) < 2:
            raise ValueError(f"trainMode 0 classifies: it needs at least 2 labels, got {len(labels)}.")
        if not 0.0 <= lexical_weight < 1.0:
            raise ValueError(f"lexical_weight must be in [0, 1), got {lexical_weight}.")
        if train_mode in (1, 5) and ngrams != 1:
            raise ValueError(
                f"trainMode {train_mode} embeds single tokens (items, words): it takes ngrams=1."
            )
        self.preprocessor = FastTextPreprocessor(
            vocabulary,
            word_ngrams=ngrams,
            buckets=bucket,
            lowercase=lowercase,
            split_punctuation=split_punctuation,
            eos=False,
            name="preprocessor",
        )
        self.labels = [str(label) for label in labels]
        self.table = EmbeddingBag(
            self.preprocessor.num_ids + len(self.labels),
            dim,
            combiner="sum",
            row_gradient="sum",
            embeddings_initializer=keras.initializers.RandomNormal(stddev=init_rand_sd),
            name="features",
        )
        self.table.build()
        # Inverse document frequency of each word, set by `fit` (the lexical similarity's weights).
        self.idf = self.add_weight(
            shape=(self.preprocessor.num_words,), initializer="ones", trainable=False, name="idf"
        )
        self._loss_tracker = keras.metrics.Mean(name="loss")
        self.config = {
            "train_mode": int(train_mode),
            "dim": int(dim),
            "ngrams": int(ngrams),
            "bucket": int(bucket),
            "similarity": similarity,
            "loss": loss,
            "margin": float(margin),
            "p": float(p),
            "max_neg_samples": int(max_neg_samples),
            "neg_search_limit": int(neg_search_limit),
            "adagrad": bool(adagrad),
            "lr": float(lr),
            "epoch": int(epoch),
            "ws": int(ws),
            "init_rand_sd": float(init_rand_sd),
            "lexical_weight": float(lexical_weight),
            "batch_size": int(batch_size),
            "lowercase": bool(lowercase),
            "split_punctuation": bool(split_punctuation),
        }
        self.train_mode = int(train_mode)
        self.built = True

    @classmethod
    def from_texts(cls, texts, labels=None, min_count=1, **kwargs):
        """The model with the vocabulary of `texts` (words seen `min_count` times) and the labels of `labels`.

        Labels are ordered by frequency, most frequent first (ties by name).
        """
        lowercase, split = kwargs.get("lowercase", True), kwargs.get("split_punctuation", True)
        tokens = map_batches(lambda t: tokenize(t, lowercase, split, eos=False), text_batches(texts, 8192))
        if labels is not None:
            kwargs["labels"] = labels_by_frequency(labels)
        return cls(vocabulary=vocabulary_from_tokens(tokens, min_count), **kwargs)

    # === Embeddings ===

    def call(self, ids, training=False):
        """`tf.SparseTensor` (or `tf.RaggedTensor`) [B, ids] of table rows -> [B, dim] entity embeddings."""
        if isinstance(ids, tf.RaggedTensor):
            ids = ids.to_sparse()
        sums = self.table(ids, training=training)
        if self.config["similarity"] == "cosine":
            # StarSpace's backward pass holds the norm constant; measured 1 point better
            # on AG News than the exact gradient through it (BENCHMARKS.md).
            norm = tf.stop_gradient(tf.norm(sums, axis=-1, keepdims=True))
            return tf.math.divide_no_nan(sums, norm)
        counts = tf.math.unsorted_segment_sum(
            tf.ones_like(ids.values, sums.dtype), ids.indices[:, 0], tf.shape(sums)[0]
        )
        return tf.math.divide_no_nan(sums, tf.pow(counts, self.config["p"])[:, None])

    def ids(self, texts):
        """[N] strings -> [N, None] ragged table rows: words and n-grams; `__label__X` is label X's row."""
        texts = tf.reshape(tf.convert_to_tensor(texts, tf.string), [-1])
        if not self.labels:
            return self.preprocessor.ragged_ids(texts)
        is_label = tf.equal(texts[:, None], tf.constant([LABEL_PREFIX + label for label in self.labels]))
        label_rows = tf.range(len(self.labels), dtype=tf.int64) + self.preprocessor.num_ids
        label_rows = tf.ragged.boolean_mask(tf.broadcast_to(label_rows, tf.shape(is_label)), is_label)
        text_ids = self.preprocessor.ragged_ids(tf.where(tf.reduce_any(is_label, axis=1), "", texts))
        return tf.concat([text_ids, label_rows], axis=1)

    def embed(self, texts, batch_size=4096):
        """Raw strings -> [N, dim] NumPy embeddings (see `ids`)."""
        vectors = [self(self.ids(batch).to_sparse()).numpy() for batch in text_batches(texts, batch_size)]
        return np.concatenate(vectors) if vectors else np.zeros([0, self.config["dim"]], np.float32)

    def candidates(self, texts=()):
        """(names, candidate texts) of what `train_mode` ranks, for a retrieval index.

        Labels (0) and words (1: items; 5) come from the model, the texts of
        the labels being `__label__X`; trainMode 3 ranks the distinct last
        sentences of `texts` (tab-separated lines).
        """
        if self.train_mode == 0:
            return list(self.labels), [LABEL_PREFIX + label for label in self.labels]
        if self.train_mode in (1, 5):
            return self.preprocessor.vocabulary, self.preprocessor.vocabulary
        names = list(dict.fromkeys(starspace_data.last_sentence(t) for t in _strings(texts)))
        return names, names

    def lexical(self, ids):
        """[B, ids] table rows -> `tf.SparseTensor` [B, words]: each text's TF-IDF vector (`tfidf`), with
        the words' `idf` that `fit` sets from the training lines; n-grams and labels have none."""
        return tfidf(ids, self.idf, self.preprocessor.num_words)

    def candidate_vectors(self, candidate_ids):
        """(embeddings [C, dim], TF-IDF rows `tf.SparseTensor` [C, words] or None): what `similarities`
        compares queries with, computed once for a fixed candidate set."""
        return self(candidate_ids), (self.lexical(candidate_ids) if self.config["lexical_weight"] else None)

    def similarities(self, query_ids, candidate_embeddings, candidate_tfidf=None):
        """[Q, C] similarities of queries (ragged table rows) to candidates (`candidate_vectors`): the
        embeddings' dot product, mixed with the TF-IDF cosine by `lexical_weight` w as
        (1 - w) * embedding + w * lexical."""
        scores = tf.matmul(self(query_ids), candidate_embeddings, transpose_b=True)
        weight = self.config["lexical_weight"]
        if not weight:
            return scores
        return (1.0 - weight) * scores + weight * lexical_scores(candidate_tfidf, self.lexical(query_ids))

    def scores(self, queries, candidates, batch_size=256):
        """Raw query and candidate strings -> [Q, C] NumPy similarities (see `similarities`)."""
        vectors = self.candidate_vectors(self.ids(candidates))
        blocks = [
            self.similarities(self.ids(block), *vectors).numpy()
            for block in text_batches(queries, batch_size)
        ]
        return np.concatenate(blocks) if blocks else np.zeros([0, len(candidates)], np.float32)

    def rank(self, texts, labels=None):
        """1-based rank of each eval query's truth under `starspace_data.ranking_protocol` (see `ranking`)."""
        queries, candidates, truth, exclude = starspace_data.ranking_protocol(
            _strings(texts), labels, self.train_mode, self.config["ws"], self._normalize
        )
        return ranking.ranks(self.scores(queries, candidates), truth, exclude)

    def _normalize(self, text):
        return normalize(text, self.config["lowercase"], self.config["split_punctuation"])

    # === Training ===

    def training_entities(self, texts, labels=None):
        """The training lines of `texts` as entities [lines, entities, ids] (see `starspace_data`)."""
        chunks = map_batches(self._entities, _chunks(_strings(texts), labels))
        entities = tf.concat(chunks, axis=0) if len(chunks) > 1 else chunks[0]
        return starspace_data.usable_lines(entities, self.train_mode)

    def _entities(self, chunk):
        texts, labels = chunk
        label_rows = None
        if self.train_mode == 0:
            label_rows = self._label_ids(labels, len(texts)) + self.preprocessor.num_ids
        return starspace_data.line_entities(
            texts, self.train_mode, self.preprocessor, self.config["ws"], label_rows
        )

    def _label_ids(self, labels, count):
        if labels is None:
            raise ValueError("trainMode 0 needs labels, one per text.")
        index = {name: i for i, name in enumerate(self.labels)}
        labels = [str(label) for label in np.asarray(labels).reshape(-1)]
        if len(labels) != count:
            raise ValueError(f"got {count} texts but {len(labels)} labels; pass one label per text.")
        unknown = sorted(set(labels) - set(index))
        if unknown:
            raise ValueError(f"labels {unknown[:5]} are not among the model's labels {self.labels[:10]}.")
        return np.array([index[label] for label in labels], np.int64)

    def compile(self, optimizer="auto", **kwargs):
        """StarSpace's recipe by default: row-wise Adagrad (SGD if not `adagrad`), `lr` decayed by `fit`."""
        self._recipe = optimizer == "auto"
        if self._recipe:
            optimizer = self._optimizer(None)
        kwargs.setdefault("jit_compile", False)  # XLA would make the table's sparse gradient dense
        super().compile(optimizer=optimizer, **kwargs)

    def _optimizer(self, total_steps):
        rate = self.config["lr"]
        if total_steps:  # StarSpace decays the rate linearly over all examples (to termLr, ~0)
            rate = keras.optimizers.schedules.PolynomialDecay(rate, total_steps, end_learning_rate=0.0)
        return RowAdagrad(rate) if self.config["adagrad"] else keras.optimizers.SGD(rate)

    @property
    def metrics(self):
        return [self._loss_tracker]

    def train_step(self, batch):
        with tf.GradientTape() as tape:
            lhs = self(batch["lhs"], training=True)
            rhs = self(batch["rhs"], training=True)
            negatives = self(batch["negatives"], training=True)
            positive = tf.reduce_sum(lhs * rhs, axis=-1)
            negative = tf.matmul(lhs, negatives, transpose_b=True)
            usable = starspace_data.negative_mask(batch["positive_keys"], batch["negative_keys"])
            if self.config["loss"] == "hinge":
                losses = hinge_loss(
                    positive, negative, usable, self.config["margin"], self.config["max_neg_samples"]
                )
            else:
                losses = softmax_loss(positive, negative, usable)
            loss = tf.reduce_sum(losses)  # one update per example, as StarSpace's
        gradients = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply(gradients, self.trainable_variables)
        self._loss_tracker.update_state(tf.reduce_mean(losses))
        return {"loss": self._loss_tracker.result()}

    def fit(self, x=None, y=None, epochs=None, batch_size=None, seed=0, **kwargs):
        """Keras fit; raw training lines `x` (and labels `y` for trainMode 0) become StarSpace batches.

        `epochs` and `batch_size` default to the model's `epoch` and `batch_size`.
        """
        epochs = self.config["epoch"] if epochs is None else epochs
        if fasttext_data.is_text(x):
            entities = self.training_entities(x, y)
            self.idf.assign(
                starspace_data.inverse_document_frequencies(entities, self.preprocessor.num_words)
            )
            x, kwargs["steps_per_epoch"] = starspace_data.training_batches(
                entities,
                self.train_mode,
                batch_size or self.config["batch_size"],
                self.config["neg_search_limit"],
                seed,
            )
            y = None
        if not self.compiled:
            self.compile()
        if self._recipe and kwargs.get("steps_per_epoch"):
            super().compile(optimizer=self._optimizer(kwargs["steps_per_epoch"] * epochs), jit_compile=False)
        return super().fit(x, y, epochs=epochs, **kwargs)

    @property
    def _default_save_signature(self):
        """TF SavedModel hook: `tf.saved_model.save(model, path)` embeds raw strings."""

        @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="text")])
        def serving_default(text):
            return {"embedding": self(self.ids(text).to_sparse())}

        return serving_default

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "vocabulary": self.preprocessor.vocabulary,
            "labels": list(self.labels),
            **self.config,
        }


def labels_by_frequency(labels):
    """The distinct labels, most frequent first (ties by name): the order of their table rows."""
    names, counts = np.unique(np.asarray(labels, dtype=str), return_counts=True)
    return names[np.lexsort((names, -counts))].tolist()


def _strings(texts):
    """A list of str from str/bytes sequences, arrays or string tensors."""
    if isinstance(texts, tf.Tensor):
        texts = texts.numpy()
    return [
        t.decode("utf-8") if isinstance(t, bytes) else str(t)
        for t in np.asarray(texts, dtype=object).reshape(-1)
    ]


def _chunks(texts, labels, size=8192):
    for start in range(0, len(texts), size):
        yield texts[start : start + size], None if labels is None else list(labels[start : start + size])
