"""The classic ranking each trainMode's model must beat, scored like the model: a [Q, C] score matrix.

- 0: the label prior (every text gets the train split's label frequencies);
- 1 and 5: popularity (the train split's token counts);
- 3: TF-IDF cosine (unigrams, sublinear tf, fitted on the candidates): the lexical baseline.
"""

import collections

import numpy as np

from keras_models.text.starspace_data import LABEL_PREFIX

NAMES = {0: "label prior", 1: "popularity", 3: "TF-IDF cosine", 5: "popularity"}


def scores(train_mode, queries, candidates, train_texts, train_labels, normalize_text):
    """[Q, C] reference scores of the `candidates` for each query (see the module docstring)."""
    if train_mode == 3:
        from sklearn.feature_extraction.text import TfidfVectorizer

        vectorizer = TfidfVectorizer(sublinear_tf=True).fit(candidates)
        return (vectorizer.transform(queries) @ vectorizer.transform(candidates).T).toarray()
    if train_mode == 0:
        counts = collections.Counter(LABEL_PREFIX + str(label) for label in train_labels)
    else:
        counts = collections.Counter(token for text in train_texts for token in normalize_text(text).split())
    popularity = np.array([counts.get(candidate, 0) for candidate in candidates], np.float64)
    return np.broadcast_to(popularity, (len(queries), len(candidates)))
