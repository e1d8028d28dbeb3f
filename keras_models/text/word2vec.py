"""word2vec (Mikolov et al., 2013): skip-gram or CBOW; negative sampling or hierarchical softmax."""

import keras
import tensorflow as tf

from keras_models.text.word2vec_base import Word2VecBase


@keras.saving.register_keras_serializable(package="keras_models")
class Word2Vec(Word2VecBase):
    """word2vec, trained as gensim 4 trains it, in batched TensorFlow graphs.

    The model maps int64 word ids `[B]` to their vectors `[B, d]` (zero rows for
    ids < 0); `lookup` maps words to ids inside the graph, so
    `tf.saved_model.save(model, path)` serves words -> vectors. `fit` runs
    word2vec's algorithm: frequent words subsampled (word2vec's formula), a
    reduced window drawn per word, skip-gram pairs or CBOW windows (mean of the
    context vectors, gensim's `cbow_mean=1`), negatives drawn from the
    unigram^`ns_exponent` table or a Huffman-tree hierarchical softmax
    (`HierarchicalSoftmax`), and plain SGD whose rate decays linearly from
    `alpha` to `min_alpha` over all words. Each step takes `batch_size` center
    words at once: sparse gathers, then sparse scatter-adds of every example's
    gensim update. Departures that make batches fast and stable (measured with
    tools/bench/word2vec_vs_gensim.py): a skip-gram center's context pairs share
    its `negative` negatives (word2vec draws them per pair); a row that one step
    updates many times takes a summed step capped near its Newton step
    (`word2vec_ops.row_damping`); with hierarchical softmax a step's skip-gram
    windows do not overlap (`word2vec_data.strided_order`). The vocabulary order
    and the Huffman tree are gensim's, input vectors start uniform in +-1/dim as
    gensim 4's. The knobs carry gensim's names.

    Args:
        vocabulary: list of str, most frequent first (see `from_texts`).
        counts: list of int, each word's corpus count.
        dim: int. Vector size (gensim's `vector_size`).
        window: int. Largest distance between a center and a context word.
        architecture: str. `"skipgram"` or `"cbow"`.
        loss: str. `"ns"` (negative sampling) or `"hs"` (hierarchical softmax).
        negative: int. Negatives per positive example (for `"ns"`).
        sample: float. Subsampling threshold (0 keeps every word).
        ns_exponent: float. Exponent of the negative-sampling distribution.
        alpha: float. Initial learning rate.
        min_alpha: float. Final learning rate.
        epochs: int. Passes over the corpus, the default of `fit`.
        lowercase: bool. ASCII lowercasing (texts and looked-up words).
        split_punctuation: bool. fastText's punctuation handling.
        seed: int. Initialization, subsampling, windows and negatives.

    Example:

    ```python
    from keras_models.text.word2vec import Word2Vec

    texts = ["the cat sat on the mat", "the dog sat on the log"] * 50
    model = Word2Vec.from_texts(texts, min_count=1, dim=16, epochs=2)
    model.fit(texts, verbose=0)
    vectors = model.embed(["cat", "unknown"])
    assert vectors.shape == (2, 16) and not vectors[1].any()
    neighbours = model.most_similar("cat", topn=3)
    ```
    """

    def __init__(
        self,
        vocabulary,
        counts,
        dim=100,
        window=5,
        architecture="skipgram",
        loss="ns",
        negative=5,
        sample=1e-3,
        ns_exponent=0.75,
        alpha=0.025,
        min_alpha=1e-4,
        epochs=5,
        lowercase=True,
        split_punctuation=True,
        seed=1,
        **kwargs,
    ):
        if architecture not in ("skipgram", "cbow"):
            raise ValueError(f"architecture must be 'skipgram' or 'cbow', got {architecture!r}.")

        # === Layers ===
        lookup, word_embedding, output_layer = self._word_layers(
            vocabulary, counts, dim, loss, lowercase, seed
        )

        # === Functional Model ===
        word_ids, vectors = self._word_vectors_graph(word_embedding)
        super().__init__(inputs=word_ids, outputs=vectors, **kwargs)

        # === Config ===
        self.lookup, self.word_embedding, self.output_layer = lookup, word_embedding, output_layer
        self._store_word_config(
            vocabulary,
            counts,
            dim=int(dim),
            window=int(window),
            architecture=architecture,
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
        """Builds the vocabulary (words seen `min_count` times, most frequent first) and the model.

        `texts`: raw strings, or token lists (e.g. `corpus_tokens(texts)`).
        `max_vocab_size` keeps that many most frequent words. The texts are
        tokenized once: a `fit` on the same `texts` object reuses their ids.
        """
        lowercase, split = kwargs.get("lowercase", True), kwargs.get("split_punctuation", True)
        words, counts, batches = cls._vocabulary_and_corpus(
            texts, min_count, max_vocab_size, lowercase, split
        )
        model = cls(vocabulary=words, counts=counts.tolist(), **kwargs)
        model._remember_corpus(texts, batches)
        return model

    def fit(self, texts, epochs=None, batch_size=None, verbose=1):
        """Trains on `texts` (raw strings or token lists) with a progress bar per epoch.

        Args:
            texts: the corpus; the object `from_texts` saw reuses its cached ids.
            epochs: int, default the model's `epochs`.
            batch_size: int, center words per SGD step (default 512 for
                skip-gram, 2048 for CBOW).
            verbose: 0 or 1.

        Returns:
            A `keras.callbacks.History`: per-epoch `loss` (mean per example) and
            `words_per_second` (corpus words per second).
        """
        return self._train(self._corpus(texts), self.architecture, epochs, batch_size, verbose)

    @property
    def _default_save_signature(self):
        """TF SavedModel hook: `tf.saved_model.save(model, path)` serves words -> vectors."""

        @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="words")])
        def serving_default(words):
            return {"vectors": self(self.lookup(words), training=False)}

        return serving_default

    def get_config(self):
        return {**self._word_config(), "architecture": self.architecture}
