"""Ranking metrics for retrieval models: the rank of each query's true candidate, hits@k, mean rank, MRR."""

import numpy as np


def ranks(scores, truth, exclude=None):
    """1-based rank of each query's true candidate: 1 + the candidates ranked above it.

    A candidate is above the truth when it scores higher, or scores the same and comes first in a
    fixed random order of the candidates: ties are broken at random (the same way every call), so
    a model that scores everything alike ranks by chance, not first.

    Args:
        scores: [queries, candidates] float similarities (higher is better).
        truth: [queries] int, the true candidate's column.
        exclude: None, or per query an int array of candidates that do not compete (a user's
            other items, a word's context); the true candidate always does.
    """
    scores, truth = np.asarray(scores), np.asarray(truth, np.int64)
    if scores.ndim != 2 or len(scores) != len(truth):
        raise ValueError(
            f"expected scores [queries, candidates] and truth [queries]; got {scores.shape}, {truth.shape}"
        )
    true_scores = scores[np.arange(len(truth)), truth]
    order = np.random.default_rng(0).permutation(scores.shape[1])
    higher = (scores > true_scores[:, None]) | (
        (scores == true_scores[:, None]) & (order < order[truth][:, None])
    )
    for row, excluded in enumerate(() if exclude is None else exclude):
        higher[row, np.asarray(excluded, np.int64)] = False  # the truth is never higher than itself
    return 1 + higher.sum(axis=1)


def ranks_in_blocks(score_rows, truth, exclude=None, batch_size=1024):
    """`ranks` of the scores `score_rows(start, end)` gives for queries start:end, a block at a time."""
    truth = np.asarray(truth, np.int64)
    parts = [
        ranks(
            score_rows(start, start + batch_size),
            truth[start : start + batch_size],
            None if exclude is None else exclude[start : start + batch_size],
        )
        for start in range(0, len(truth), batch_size)
    ]
    return np.concatenate(parts) if parts else np.zeros([0], np.int64)


def metrics(rank, ks=(1, 10)):
    """{"hits@k" for k in ks, "mean_rank", "mrr", "queries"} of 1-based ranks."""
    rank = np.asarray(rank, np.float64)
    if not len(rank):
        raise ValueError("no queries to rank.")
    result = {f"hits@{k}": float(np.mean(rank <= k)) for k in ks}
    result.update(mean_rank=float(rank.mean()), mrr=float(np.mean(1.0 / rank)), queries=int(len(rank)))
    return result
