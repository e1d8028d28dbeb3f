"""SavedModel signatures of word vectors (keras_models.text Word2Vec, GloVe, Doc2Vec).

- embed: words [N] strings -> vectors [N, dim] and known [N] (unknown words: zero vectors).
- nearest: words [N] -> neighbours [N, k] and similarities [N, k], the k words of the vocabulary
  with the highest cosine (the word itself left out).
- embed_document (Doc2Vec only): text [N] -> vector [N, dim], a paragraph vector inferred for each
  text with the trained word and output weights held fixed.
- serving_default: serialized tf.Examples with a `text` feature -> vector [N, dim]: the inferred
  paragraph vector (Doc2Vec) or the mean vector of the text's known words.

The vocabulary travels as the asset `vocabulary.txt` (row i of the vectors is line i), which the
evaluator reads to score every word through `embed`.
"""

import os
import tempfile

import numpy as np
import tensorflow as tf

from keras_models.text.fasttext_preprocessor import tokenize
from serving.export import SERVING_DEFAULT, write_warmup_requests

EMBED, NEAREST, EMBED_DOCUMENT = "embed", "nearest", "embed_document"
VOCABULARY_ASSET = "vocabulary.txt"


class WordVectorsExport(tf.Module):
    """Wraps a trained word-vector model (`lookup`, `word_vectors()`, `nearest`; Doc2Vec's `infer`).

    Args:
        model: a trained Word2Vec, GloVe or Doc2Vec.
        top_k: neighbours `nearest` returns (at most the vocabulary size - 1).
        text_key: the tf.Example feature `serving_default` reads.
    """

    def __init__(self, model, top_k=10, text_key="text"):
        super().__init__()
        self.model = model
        self._top_k = max(1, min(int(top_k), len(model.vocabulary) - 1))
        self._text_key = text_key
        self._documents = hasattr(model, "infer")
        self._vocabulary_dir = tempfile.mkdtemp(prefix="vocabulary")
        path = os.path.join(self._vocabulary_dir, VOCABULARY_ASSET)
        with open(path, "w", encoding="utf-8") as f:
            f.writelines(f"{word}\n" for word in model.vocabulary)
        self.vocabulary_file = tf.saved_model.Asset(path)

    def embed(self, words):
        ids = self.model.lookup(words)
        known = ids >= 0
        vectors = tf.gather(self.model.word_vectors(), tf.maximum(ids, 0))
        return {"vectors": vectors * tf.cast(known, vectors.dtype)[:, None], "known": known}

    def nearest(self, words):
        neighbours, similarities = self.model.nearest(words, self._top_k)
        return {"neighbours": neighbours, "similarities": similarities}

    def embed_document(self, text):
        return {"vector": self.model.infer(text)}

    def _mean_word_vector(self, text):
        tokens = tokenize(text, eos=False)
        ids = tokens.with_flat_values(self.model.lookup(tokens.flat_values))
        ids = tf.ragged.boolean_mask(ids, ids >= 0)
        total = tf.reduce_sum(tf.gather(self.model.word_vectors(), ids), axis=1)  # [N, dim]
        count = tf.cast(ids.row_lengths(), total.dtype)[:, None]
        return {"vector": total / tf.maximum(count, 1.0)}

    def serve_examples(self, examples):
        spec = {self._text_key: tf.io.FixedLenFeature([], tf.string)}
        text = tf.io.parse_example(examples, spec)[self._text_key]
        return self.embed_document(text) if self._documents else self._mean_word_vector(text)

    def signatures(self):
        words = tf.TensorSpec([None], tf.string, name="words")
        signatures = {
            EMBED: tf.function(self.embed).get_concrete_function(words),
            NEAREST: tf.function(self.nearest).get_concrete_function(words),
            SERVING_DEFAULT: tf.function(self.serve_examples).get_concrete_function(
                tf.TensorSpec([None], tf.string, name="examples")
            ),
        }
        if self._documents:
            signatures[EMBED_DOCUMENT] = tf.function(self.embed_document).get_concrete_function(
                tf.TensorSpec([None], tf.string, name="text")
            )
        return signatures

    def save(self, export_dir):
        signatures = self.signatures()
        tf.saved_model.save(self, export_dir, signatures=signatures)
        word = np.array([self.model.vocabulary[0]], dtype=object)
        warmup = {EMBED: {"words": word}, NEAREST: {"words": word}}
        if self._documents:
            warmup[EMBED_DOCUMENT] = {"text": np.array(["warm up"], dtype=object)}
        write_warmup_requests(export_dir, predict=warmup)
