"""TF-IDF retrieval baseline: rank candidate documents for each query by TF-IDF cosine similarity.

python -m tools.bench.tfidf_retrieval [--data ../shared/data/ag_news]

The benchmark task is AG News title -> description: each dev title is a query, all
dev descriptions are the candidates, and the query's own description is the true one.
The baseline is scikit-learn's `TfidfVectorizer(sublinear_tf=True)` with its default
tokenization (lowercased, `\\b\\w\\w+\\b` tokens, so one-letter words and punctuation are
dropped), unigrams, smooth idf, l2-normalized rows, fitted on the train split's
descriptions (dev words never seen in train count for nothing). `main` prints it next to
the same vectorizer fitted on the dev candidates themselves.

Ranks are 1-based: 1 + the number of candidates that score strictly higher than the true
document, so ties go the query's way.
"""

import argparse
import csv
import os

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_DATA = os.path.join(os.path.dirname(ROOT), "shared", "data", "ag_news")


def read_titles_descriptions(path):
    """(titles, descriptions) of an AG News CSV (class index, title, description; no header)."""
    titles, descriptions = [], []
    with open(path, newline="", encoding="utf-8") as f:
        for fields in csv.reader(f):
            if len(fields) == 3:
                titles.append(fields[1].strip())
                descriptions.append(fields[2].strip())
    return titles, descriptions


def tfidf_scores(queries, documents, fit_corpus=None):
    """Dense [Q, D] float64 matrix of TF-IDF cosine similarities of queries to documents.

    The vectorizer (unigrams, sublinear tf) is fitted on `fit_corpus` when given, else on
    `documents`; words outside its vocabulary are ignored.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(sublinear_tf=True)
    vectorizer.fit(documents if fit_corpus is None else fit_corpus)
    # Rows are l2-normalized, so the dot product is the cosine (0 for an empty row).
    return (vectorizer.transform(queries) @ vectorizer.transform(documents).T).toarray()


def tfidf_ranks(queries, documents, truth_index=None, fit_corpus=None):
    """[Q] int array: 1-based rank of each query's true document among all `documents`.

    `truth_index[i]` is the index in `documents` of query i's true document (default: i).
    Rank = 1 + number of documents scoring strictly higher than the true one.
    See `tfidf_scores` for the vectorizer and `fit_corpus`.
    """
    scores = tfidf_scores(queries, documents, fit_corpus)
    truth = np.arange(len(queries)) if truth_index is None else np.asarray(truth_index)
    true_scores = scores[np.arange(len(queries)), truth]
    return 1 + (scores > true_scores[:, None]).sum(axis=1)


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", default=DEFAULT_DATA, help="folder with AG News train.csv and dev.csv")
    args = parser.parse_args(argv)

    def summary(ranks):
        hits1, hits10, mrr = np.mean(ranks == 1), np.mean(ranks <= 10), np.mean(1 / ranks)
        return f"hits@1 {hits1:.4f}  hits@10 {hits10:.4f}  MRR {mrr:.4f}"

    _, train_descriptions = read_titles_descriptions(os.path.join(args.data, "train.csv"))
    titles, descriptions = read_titles_descriptions(os.path.join(args.data, "dev.csv"))
    print(f"TF-IDF dev title -> description among {len(descriptions)} dev descriptions")
    baseline = tfidf_ranks(titles, descriptions, fit_corpus=train_descriptions)
    print(f"fitted on train descriptions (baseline): {summary(baseline)}")
    print(f"fitted on the dev candidates:            {summary(tfidf_ranks(titles, descriptions))}")


if __name__ == "__main__":
    main()
