"""SavedModel signatures of a StarSpace model (keras_models.text.StarSpace) and its candidate set.

- embed: text [N] strings -> embedding [N, dim] (a text's words and n-grams; `__label__X` is label X).
- retrieve: text [N] -> ids [N, k] and scores [N, k], the k most similar candidates of the set
  stored with the model (exact top-k: one matrix product in the graph; up to ~1M candidates, see
  BENCHMARKS.md for the approximate index beyond).
- predict (trainMode 0 only): text [N] -> labels [N, k] and scores [N, k], the same ranking of
  the labels under a classifier's names.
- score: query [Q] and candidate [C] strings -> scores [Q, C], for any candidates a client brings
  (RankingEvaluator ranks the eval split with it).
- serving_default: serialized tf.Examples with a `text` feature -> retrieve's outputs.

Scores are the model's `similarities`: the embeddings' dot product, mixed with a TF-IDF cosine when
the model has a `lexical_weight`. The model tokenizes raw strings itself, so the SavedModel needs no
Transform graph. The candidates' embeddings (and TF-IDF rows) are variables of the SavedModel,
computed once at export.
"""

import numpy as np
import tensorflow as tf

from serving.export import SERVING_DEFAULT, write_warmup_requests

EMBED, RETRIEVE, PREDICT, SCORE = "embed", "retrieve", "predict", "score"


class StarSpaceExport(tf.Module):
    """Wraps a StarSpace model and its candidates (`names` to return, `texts` to embed).

    Args:
        model: a trained `keras_models.text.StarSpace`.
        names: [C] str, what `retrieve` returns for each candidate.
        texts: [C] str, what is embedded for each candidate (`model.candidates()` gives both).
        top_k: candidates `retrieve` returns per query (at most C).
        text_key: the tf.Example feature `serving_default` reads.
    """

    def __init__(self, model, names, texts, top_k=10, text_key="text"):
        super().__init__()
        if not len(names) or len(names) != len(texts):
            raise ValueError(
                f"need one text per candidate name and at least one; got {len(names)}, {len(texts)}."
            )
        self.model = model
        self.candidate_ids = tf.Variable(
            tf.constant(list(names), tf.string), trainable=False, name="candidate_ids"
        )
        embeddings, tfidf = model.candidate_vectors(model.ids(texts))
        self.candidate_embeddings = tf.Variable(embeddings, trainable=False, name="candidate_embeddings")
        self.candidate_tfidf = None
        if tfidf is not None:  # a SparseTensor's parts as variables: indices, values, dense shape
            parts = (tfidf.indices, tfidf.values, tfidf.dense_shape)
            self.candidate_tfidf = [tf.Variable(part, trainable=False) for part in parts]
        self._top_k = min(int(top_k), len(names))
        self._text_key = text_key
        self._labelled = model.train_mode == 0

    def embed(self, text):
        return {"embedding": self.model(self.model.ids(text))}

    def _ranked(self, text):
        tfidf = None if self.candidate_tfidf is None else tf.SparseTensor(*self.candidate_tfidf)
        scores = self.model.similarities(self.model.ids(text), self.candidate_embeddings, tfidf)
        top = tf.math.top_k(scores, k=self._top_k)
        return tf.gather(self.candidate_ids, top.indices), top.values

    def retrieve(self, text):
        ids, scores = self._ranked(text)
        return {"ids": ids, "scores": scores}

    def predict(self, text):
        labels, scores = self._ranked(text)
        return {"labels": labels, "scores": scores}

    def score(self, query, candidate):
        vectors = self.model.candidate_vectors(self.model.ids(candidate))
        return {"scores": self.model.similarities(self.model.ids(query), *vectors)}

    def retrieve_examples(self, examples):
        features = tf.io.parse_example(examples, {self._text_key: tf.io.FixedLenFeature([], tf.string)})
        return self.retrieve(features[self._text_key])

    def signatures(self):
        text = tf.TensorSpec([None], tf.string, name="text")
        signatures = {
            EMBED: tf.function(self.embed).get_concrete_function(text),
            RETRIEVE: tf.function(self.retrieve).get_concrete_function(text),
            SCORE: tf.function(self.score).get_concrete_function(
                tf.TensorSpec([None], tf.string, name="query"),
                tf.TensorSpec([None], tf.string, name="candidate"),
            ),
            SERVING_DEFAULT: tf.function(self.retrieve_examples).get_concrete_function(
                tf.TensorSpec([None], tf.string, name="examples")
            ),
        }
        if self._labelled:
            signatures[PREDICT] = tf.function(self.predict).get_concrete_function(text)
        return signatures

    def save(self, export_dir):
        signatures = self.signatures()
        tf.saved_model.save(self, export_dir, signatures=signatures)
        text = np.array(["warm up"], dtype=object)
        warmup = {name: {"text": text} for name in signatures if name not in (SERVING_DEFAULT, SCORE)}
        write_warmup_requests(export_dir, predict={**warmup, SCORE: {"query": text, "candidate": text}})
