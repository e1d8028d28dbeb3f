"""Doc2Vec paragraph vectors (Le & Mikolov, 2014): PV-DM and PV-DBOW, trained as gensim 4 trains them."""

import keras
import numpy as np
import tensorflow as tf

from keras_models.text import word2vec_infer
from keras_models.text.word2vec_base import INIT_SCALE, Word2VecBase

MODES = ("pv_dm", "pv_dbow")
INFER_BATCH = 512  # documents inferred together (sorted by length, so padding stays small)


@keras.saving.register_keras_serializable(package="keras_models")
class Doc2Vec(Word2VecBase):
    """Doc2Vec: a vector per training document, learned with word2vec's machinery.

    PV-DM (`mode="pv_dm"`) predicts each word from the mean of its document's
    vector and its window's word vectors (gensim's `dm=1, dm_mean=1`); PV-DBOW
    (`mode="pv_dbow"`) predicts each word of a document from the document's
    vector alone (gensim's `dm=0`), and with `dbow_words=True` also trains
    skip-gram word vectors in the same passes. Subsampling, reduced windows,
    negative sampling or hierarchical softmax and the learning-rate decay are
    `Word2Vec`'s. `document_vectors` are the training documents' vectors (row i
    is `texts[i]` of `fit`); `infer_vectors` / `infer` train vectors for new
    documents against the frozen word and output weights (gensim's
    `infer_vector`); `infer` is graph code, and `tf.saved_model.save(model, path)`
    serves texts -> vectors with it. The model's `call(word_ids)` returns word vectors.

    Args:
        vocabulary: list of str, most frequent first (see `from_texts`).
        counts: list of int, each word's corpus count.
        num_documents: int, the training documents.
        dim: int. Vector size.
        window: int. Largest distance between a center and a context word.
        mode: str. `"pv_dm"` or `"pv_dbow"`.
        dbow_words: bool. PV-DBOW also trains skip-gram word vectors.
        loss: str. `"ns"` (negative sampling) or `"hs"` (hierarchical softmax).
        negative: int. Negatives per positive example (for `"ns"`).
        sample: float. Subsampling threshold (0 keeps every word).
        ns_exponent: float. Exponent of the negative-sampling distribution.
        alpha: float. Initial learning rate.
        min_alpha: float. Final learning rate.
        epochs: int. Passes over the corpus (`fit`) and inference passes (`infer`).
        lowercase: bool. ASCII lowercasing.
        split_punctuation: bool. fastText's punctuation handling.
        seed: int. Initialization and every random draw, inference included.

    Example:

    ```python
    from keras_models.text.doc2vec import Doc2Vec

    texts = ["the cat sat on the mat", "stocks fell as markets slid"] * 20
    model = Doc2Vec.from_texts(texts, min_count=1, dim=16, mode="pv_dbow", epochs=5)
    model.fit(texts, verbose=0)
    assert model.document_vectors.shape == (40, 16)
    vectors = model.infer_vectors(["a cat on a mat"])
    assert vectors.shape == (1, 16)
    ```
    """

    def __init__(
        self,
        vocabulary,
        counts,
        num_documents,
        dim=100,
        window=5,
        mode="pv_dm",
        dbow_words=False,
        loss="ns",
        negative=5,
        sample=1e-3,
        ns_exponent=0.75,
        alpha=0.025,
        min_alpha=1e-4,
        epochs=10,
        lowercase=True,
        split_punctuation=True,
        seed=1,
        **kwargs,
    ):
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}.")
        if int(num_documents) < 1:
            raise ValueError(f"num_documents must be at least 1, got {num_documents}.")

        # === Layers ===
        lookup, word_embedding, output_layer = self._word_layers(
            vocabulary, counts, dim, loss, lowercase, seed
        )
        document_embedding = keras.layers.Embedding(
            int(num_documents),
            dim,
            embeddings_initializer=keras.initializers.RandomUniform(
                -INIT_SCALE / dim, INIT_SCALE / dim, seed=seed + 1
            ),
            name="document_embedding",
        )
        document_embedding.build((None,))

        # === Functional Model ===
        word_ids, vectors = self._word_vectors_graph(word_embedding)
        super().__init__(inputs=word_ids, outputs=vectors, **kwargs)

        # === Config ===
        self.lookup, self.word_embedding, self.output_layer = lookup, word_embedding, output_layer
        self.document_embedding = document_embedding
        self._store_word_config(
            vocabulary,
            counts,
            num_documents=int(num_documents),
            dim=int(dim),
            window=int(window),
            mode=mode,
            dbow_words=bool(dbow_words),
            loss_name=loss,
            negative=int(negative),
            sample=float(sample),
            ns_exponent=float(ns_exponent),
            alpha=float(alpha),
            min_alpha=float(min_alpha),
            epochs=int(epochs),
            lowercase=bool(lowercase),
            split_punctuation=bool(split_punctuation),
            seed=int(seed),
        )

    @classmethod
    def from_texts(cls, texts, min_count=5, max_vocab_size=None, **kwargs):
        """Builds the vocabulary and a model with one document per text (raw strings or token lists).

        A `fit` on the same `texts` object reuses their ids.
        """
        lowercase, split = kwargs.get("lowercase", True), kwargs.get("split_punctuation", True)
        words, counts, batches = cls._vocabulary_and_corpus(
            texts, min_count, max_vocab_size, lowercase, split
        )
        model = cls(vocabulary=words, counts=counts.tolist(), num_documents=len(texts), **kwargs)
        model._remember_corpus(texts, batches)
        return model

    def fit(self, texts, epochs=None, batch_size=None, verbose=1):
        """Trains the word, output and document vectors on `texts` (document i is `texts[i]`).

        `batch_size`: center words per SGD step (default 2048, 512 with `dbow_words`).

        Returns a `keras.callbacks.History` with per-epoch `loss` and `words_per_second`.
        """
        corpus = self._corpus(texts)
        if corpus[3] != self.num_documents:
            raise ValueError(f"the model has {self.num_documents} documents; got {corpus[3]} texts.")
        docs = self.document_embedding.embeddings.value
        return self._train(
            corpus, self.mode, epochs, batch_size, verbose, docs=docs, dbow_words=self.dbow_words
        )

    @property
    def document_vectors(self):
        """The training documents' vectors, np.float32 [num_documents, d]."""
        return np.asarray(self.document_embedding.embeddings, dtype=np.float32)

    def infer(self, texts, epochs=None):
        """Graph-mode inference: float32 [N, d] vectors of raw `texts` (tf.string [N]).

        Deterministic (every random draw is a hash of the seed, the document's
        words and the position); callable from a SavedModel signature.
        """
        epochs = self.epochs if epochs is None else epochs
        return word2vec_infer.infer(tf.convert_to_tensor(texts, tf.string), self, epochs)

    def infer_vectors(self, texts, epochs=None):
        """np.float32 [N, d] vectors of new documents (strings or token lists): gensim's `infer_vector`."""
        texts = [" ".join(t) if isinstance(t, (list, tuple)) else t for t in texts]
        if getattr(self._cache, "infer", None) is None:  # a plain object: not saved with the model
            self._cache.infer = tf.function(
                self.infer, input_signature=[tf.TensorSpec([None], tf.string), tf.TensorSpec([], tf.int32)]
            )
        epochs = tf.constant(self.epochs if epochs is None else int(epochs), tf.int32)
        order = np.argsort([len(t) for t in texts], kind="stable")  # similar lengths pad less
        out = np.zeros((len(texts), self.dim), np.float32)
        for start in range(0, len(texts), INFER_BATCH):
            rows = order[start : start + INFER_BATCH]
            out[rows] = self._cache.infer(tf.constant([texts[i] for i in rows], tf.string), epochs).numpy()
        return out

    @property
    def _default_save_signature(self):
        """TF SavedModel hook: `tf.saved_model.save(model, path)` serves texts -> inferred vectors."""

        @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="text")])
        def serving_default(text):
            return {"vectors": self.infer(text)}

        return serving_default

    def get_config(self):
        return {
            **self._word_config(),
            "num_documents": self.num_documents,
            "mode": self.mode,
            "dbow_words": self.dbow_words,
        }
