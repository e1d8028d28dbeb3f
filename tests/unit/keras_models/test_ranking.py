"""Ranking metrics: 1-based ranks (ties broken at random, exclusions), hits@k, mean rank, MRR."""

import numpy as np
import pytest

from keras_models.text import ranking


def test_ranks_count_higher_candidates():
    scores = [
        [0.1, 0.2, 0.3, 0.0],  # truth 0: 0.2 and 0.3 are higher -> rank 3
        [0.5, 0.7, 0.6, 0.8],  # truth 0 is the lowest -> rank 4
        [0.9, 0.5, 0.3, 0.1],  # truth 0 is the highest -> rank 1
    ]
    np.testing.assert_array_equal(ranking.ranks(scores, [0, 0, 0]), [3, 4, 1])


def test_ties_are_broken_in_one_fixed_random_order_so_all_tied_scores_rank_by_chance():
    tied = np.zeros((6, 6))  # a model that scores everything alike (e.g. a query of unknown words)
    first = ranking.ranks(tied, np.arange(6))
    # Each candidate takes its place in one order: the ranks are 1..6 once each, not all 1.
    assert sorted(first) == [1, 2, 3, 4, 5, 6]
    np.testing.assert_array_equal(ranking.ranks(tied, np.arange(6)), first)  # the same every call
    # A tie with one other candidate: rank 1 or 2, and the two candidates split them.
    pair = [[0.9, 0.5, 0.9], [0.9, 0.5, 0.9]]
    assert sorted(ranking.ranks(pair, [0, 2])) == [1, 2]
    metrics = ranking.metrics(ranking.ranks(np.zeros((100, 50)), np.arange(100) % 50))
    assert metrics["hits@1"] == pytest.approx(1 / 50) and metrics["mean_rank"] == pytest.approx(25.5)


def test_ranks_match_the_position_in_a_descending_sort():
    rng = np.random.default_rng(0)
    scores = rng.normal(size=(30, 17))  # continuous scores: no ties
    truth = rng.integers(0, 17, size=30)
    order = np.argsort(-scores, axis=1)
    expected = [1 + int(np.flatnonzero(order[q] == truth[q])[0]) for q in range(30)]
    np.testing.assert_array_equal(ranking.ranks(scores, truth), expected)


def test_excluded_candidates_do_not_compete():
    scores = [
        [0.1, 0.9, 0.8, 0.5],  # truth 0; 1 and 2 excluded -> only 3 is higher -> rank 2
        [0.1, 0.9, 0.8, 0.5],  # same scores, nothing excluded -> rank 4
        [0.7, 0.9, 0.6, 0.5],  # truth 2, excluded along with 1 (the truth always competes) -> rank 2
    ]
    exclude = [np.array([1, 2]), np.array([], np.int64), np.array([1, 2])]
    np.testing.assert_array_equal(ranking.ranks(scores, [0, 0, 2], exclude), [2, 4, 2])
    np.testing.assert_array_equal(ranking.ranks(scores, [0, 0, 2]), [4, 4, 3])


@pytest.mark.parametrize("with_exclude", [False, True])
def test_ranks_in_blocks_match_ranks_of_the_full_matrix(with_exclude):
    rng = np.random.default_rng(3)
    queries, candidates = rng.normal(size=(10, 4)), rng.normal(size=(9, 4))
    truth = rng.integers(0, 9, size=10)
    exclude = [rng.choice(9, size=3, replace=False) for _ in range(10)] if with_exclude else None
    expected = ranking.ranks(queries @ candidates.T, truth, exclude)
    if with_exclude:  # the exclusions matter for these data
        assert not np.array_equal(expected, ranking.ranks(queries @ candidates.T, truth))
    # batch_size 3: blocks of 3, 3, 3 and 1 queries, each with its own slice of `exclude`.
    blocks = ranking.ranks_in_blocks(lambda start, end: queries[start:end] @ candidates.T, truth, exclude, 3)
    np.testing.assert_array_equal(blocks, expected)
    assert ranking.ranks_in_blocks(lambda start, end: None, [], None).shape == (0,)


def test_metrics_of_hand_made_ranks():
    result = ranking.metrics([1, 3, 2, 10, 11], ks=(1, 3, 10))
    assert result["hits@1"] == pytest.approx(1 / 5)
    assert result["hits@3"] == pytest.approx(3 / 5)  # ranks 1, 3, 2
    assert result["hits@10"] == pytest.approx(4 / 5)  # all but rank 11
    assert result["mean_rank"] == pytest.approx(27 / 5)
    assert result["mrr"] == pytest.approx((1 + 1 / 3 + 1 / 2 + 1 / 10 + 1 / 11) / 5)
    assert result["queries"] == 5
    assert set(ranking.metrics([2])) == {"hits@1", "hits@10", "mean_rank", "mrr", "queries"}


def test_metrics_and_ranks_reject_bad_inputs():
    with pytest.raises(ValueError, match="no queries"):
        ranking.metrics([])
    with pytest.raises(ValueError, match=r"expected scores \[queries, candidates\]"):
        ranking.ranks(np.zeros((3, 4)), [0, 1])
    with pytest.raises(ValueError, match=r"expected scores \[queries, candidates\]"):
        ranking.ranks(np.zeros(4), [0])
