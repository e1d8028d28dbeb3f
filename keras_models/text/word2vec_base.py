"""What Word2Vec and Doc2Vec share: the word tables, corpus caching and the training driver."""

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from keras_models.layers.hierarchical_softmax import HierarchicalSoftmax
from keras_models.text import word2vec_data, word2vec_train
from keras_models.text.word_vectors import WordLookup, WordVectorsMixin

INIT_SCALE = 1.0  # gensim 4's input vectors: uniform in +-1 / dim (word2vec C's: +-0.5 / dim)
# Center words per SGD step (tools/bench/word2vec_vs_gensim.py): a skip-gram center brings ~6
# (context, center) pairs, so 512; a CBOW / PV-DM / PV-DBOW center is one example, so 2048.
SKIPGRAM_BATCH_SIZE = 512
DEFAULT_BATCH_SIZE = 2048


class _Cache:
    """Plain, untracked state: the corpus ids `from_texts` computed and the compiled trainers."""

    def __init__(self):
        self.texts, self.corpus, self.trainers, self.fits = None, None, {}, 0


class Word2VecBase(WordVectorsMixin, keras.Model):
    """Word tables, `from_texts`, cached corpus ids and the `fit` driver of word2vec-style models."""

    @staticmethod
    def _word_layers(vocabulary, counts, dim, loss, lowercase, seed):
        """(lookup, input embedding, output layer) of a vocabulary; validates the shared arguments."""
        if loss not in ("ns", "hs"):
            raise ValueError(f"loss must be 'ns' (negative sampling) or 'hs', got {loss!r}.")
        if len(vocabulary) != len(counts):
            raise ValueError(f"got {len(vocabulary)} words but {len(counts)} counts.")
        if loss == "hs" and len(vocabulary) < 2:
            raise ValueError("hierarchical softmax needs a vocabulary of at least 2 words.")
        if len(vocabulary) == 0:
            raise ValueError("the vocabulary is empty: lower min_count or pass more text.")
        lookup = WordLookup(vocabulary, lowercase=lowercase, name="lookup")
        embedding = keras.layers.Embedding(
            len(vocabulary),
            dim,
            # gensim 4's initialization: input vectors uniform in +-INIT_SCALE / dim, output vectors zero.
            embeddings_initializer=keras.initializers.RandomUniform(
                -INIT_SCALE / dim, INIT_SCALE / dim, seed=seed
            ),
            name="word_embedding",
        )
        if loss == "ns":
            output = keras.layers.Embedding(
                len(vocabulary), dim, embeddings_initializer="zeros", name="output"
            )
            output.build((None,))
        else:
            # gensim's tree: equal counts merge as its heap does (see `huffman_tree`).
            output = HierarchicalSoftmax(
                len(vocabulary), class_counts=list(counts), tie_break="gensim", name="output"
            )
            output.build((None, dim))
        return lookup, embedding, output

    @staticmethod
    def _word_vectors_graph(embedding):
        """Functional graph: int64 word ids [B] -> input vectors [B, d], zero rows for ids < 0."""
        word_ids = keras.Input(shape=(), dtype="int64", name="word_ids")
        known = ops.expand_dims(ops.cast(ops.greater_equal(word_ids, 0), "float32"), -1)
        return word_ids, embedding(ops.maximum(word_ids, 0)) * known

    def _store_word_config(self, vocabulary, counts, **config):
        # Arrays, not lists: Keras would track a list attribute element by element.
        self._vocabulary = np.array([str(w) for w in vocabulary], dtype=object)
        self._counts = np.asarray(counts, np.int64)
        self._cache = _Cache()
        for key, value in config.items():
            setattr(self, key, value)

    @property
    def vocabulary(self):
        """The words, most frequent first (row i of `vectors` is word i)."""
        return self._vocabulary.tolist()

    @property
    def counts(self):
        return self._counts.tolist()

    def word_vectors(self):
        return tf.convert_to_tensor(self.word_embedding.embeddings)

    def output_weights(self):
        """The output vectors as rows: [V, d] (negative sampling) or the [V - 1, d] tree nodes (hs)."""
        if self.loss_name == "hs":
            return tf.transpose(self.output_layer.kernel)
        return tf.convert_to_tensor(self.output_layer.embeddings)

    def keep_probability(self):
        """Subsampling keep probability of each word (word2vec's formula), float64 [V]."""
        return word2vec_data.keep_probabilities(self._counts, self.sample)

    def negative_table(self):
        """gensim's negative-sampling `cum_table`, int64 [V]."""
        return word2vec_data.negative_table(self._counts, self.ns_exponent)

    @classmethod
    def _vocabulary_and_corpus(cls, texts, min_count, max_vocab_size, lowercase, split_punctuation):
        batches = word2vec_data.token_batches(texts, lowercase, split_punctuation)
        words, counts = word2vec_data.count_words(batches, min_count, max_vocab_size)
        return words, counts, batches

    def _remember_corpus(self, texts, batches):
        """Looks the tokens up once; a `fit` on the same `texts` object reuses the ids."""
        self._cache.texts = texts
        self._cache.corpus = word2vec_data.corpus_ids(self.lookup, batches)

    def _corpus(self, texts):
        """(ids, sentences, texts, num_texts) of `texts`: cached, or tokenized and looked up now."""
        if self._cache.texts is texts:
            return self._cache.corpus
        if isinstance(texts, (str, bytes)):
            raise ValueError("pass a list of texts (or of token lists), not a single string.")
        batches = word2vec_data.token_batches(texts, self.lowercase, self.split_punctuation)
        return word2vec_data.corpus_ids(self.lookup, batches)

    def _trainer(self, architecture, batch_size, docs=None, dbow_words=False):
        key = (architecture, batch_size, dbow_words, None if docs is None else id(docs))
        if key not in self._cache.trainers:
            hs = self.loss_name == "hs"
            if hs:  # node vectors as rows, for sparse updates; written back after each epoch
                output = tf.Variable(self.output_weights(), trainable=False)
            else:
                output = self.output_layer.embeddings.value
            self._cache.trainers[key] = word2vec_train.Trainer(
                architecture,
                words=self.word_embedding.embeddings.value,
                output=output,
                keep_probability=self.keep_probability(),
                window=self.window,
                negative=self.negative,
                batch_size=batch_size,
                cum_table=None if hs else self.negative_table(),
                paths=self.output_layer.paths if hs else None,
                docs=docs,
                dbow_words=dbow_words,
            )
        trainer = self._cache.trainers[key]
        if self.loss_name == "hs":
            trainer.output.assign(self.output_weights())
        return trainer

    def _train(self, corpus, architecture, epochs, batch_size, verbose, docs=None, dbow_words=False):
        epochs = self.epochs if epochs is None else int(epochs)
        if not batch_size:
            skipgram = architecture == "skipgram" or dbow_words
            batch_size = SKIPGRAM_BATCH_SIZE if skipgram else DEFAULT_BATCH_SIZE
        trainer = self._trainer(architecture, int(batch_size), docs, dbow_words)

        self._cache.fits += 1  # a new fit draws new random numbers

        def write_back():
            if self.loss_name == "hs":
                self.output_layer.kernel.assign(tf.transpose(trainer.output))

        return word2vec_train.train_epochs(
            trainer,
            corpus[:3],
            epochs,
            self.alpha,
            self.min_alpha,
            self.seed * 1009 + self._cache.fits,
            verbose=verbose,
            after_epoch=write_back,
        )

    def _word_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "vocabulary": self.vocabulary,
            "counts": self.counts,
            "dim": self.dim,
            "window": self.window,
            "loss": self.loss_name,
            "negative": self.negative,
            "sample": self.sample,
            "ns_exponent": self.ns_exponent,
            "alpha": self.alpha,
            "min_alpha": self.min_alpha,
            "epochs": self.epochs,
            "lowercase": self.lowercase,
            "split_punctuation": self.split_punctuation,
            "seed": self.seed,
        }
