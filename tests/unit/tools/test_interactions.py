"""tools/interactions.py: synthetic trainMode 1 interactions with planted taste clusters; baselines."""

import collections
import re

import numpy as np
import pytest

from tests.cli_runner import run_cli
from tools import interactions

SMALL = {"users": 400, "items": 300, "clusters": 10}


def _lines(folder, name):
    return (folder / name).read_text().splitlines()


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    folder = tmp_path_factory.mktemp("interactions")
    return folder, interactions.generate(str(folder), **SMALL, seed=7)


def test_the_same_seed_writes_the_same_files_and_another_seed_others(tmp_path, small):
    folder, _ = small
    interactions.generate(str(tmp_path / "again"), **SMALL, seed=7)
    interactions.generate(str(tmp_path / "other"), **SMALL, seed=8)
    for name in ("train.txt", "dev.txt", "README.txt"):
        assert (tmp_path / "again" / name).read_bytes() == (folder / name).read_bytes(), name
        assert (tmp_path / "other" / name).read_bytes() != (folder / name).read_bytes(), name


def test_layout_one_user_a_line_distinct_item_tokens_and_known_held_out_items(small):
    folder, summary = small
    train, dev = _lines(folder, "train.txt"), _lines(folder, "dev.txt")
    assert (len(train), len(dev)) == (summary["train_lines"], summary["dev_lines"]) == (320, 80)
    for line in train + dev:
        items = line.split(" ")  # single spaces: no empty tokens
        assert all(re.fullmatch(r"item\d{4}", item) for item in items), line
        assert len(set(items)) == len(items) and 5 <= len(items) <= 30, line
    known = {item for line in train for item in line.split()}
    assert summary["train_items"] == len(known)
    assert all(line.split()[-1] in known for line in dev)
    sizes = [len(line.split()) for line in train + dev]
    assert summary["mean_items_per_user"] == pytest.approx(np.mean(sizes), abs=1e-3)
    readme = (folder / "README.txt").read_text()
    assert "seed=7" in readme and "users=400" in readme and "LAST item" in readme


def test_the_held_out_item_is_any_of_the_users_items_not_the_most_or_least_popular(small):
    # Its position among the user's items sorted by popularity (0 most, 1 least) is uniform: mean 1/2.
    folder, _ = small
    train, dev = _lines(folder, "train.txt"), _lines(folder, "dev.txt")
    counts = collections.Counter(item for line in train for item in line.split())
    positions = []
    for line in dev:
        items = sorted(line.split(), key=lambda item: (-counts[item], item))
        positions.append(items.index(line.split()[-1]) / (len(items) - 1))
    assert 0.35 < np.mean(positions) < 0.65 and np.mean(np.array(positions) == 0) < 0.3


def _majority_share(lines, cluster_of):
    """Mean over users of the fraction of their items in their most frequent cluster."""
    shares = []
    for line in lines:
        clusters = collections.Counter(cluster_of[int(item[4:])] for item in line.split())
        shares.append(max(clusters.values()) / sum(clusters.values()))
    return float(np.mean(shares))


def test_the_planted_taste_clusters_are_in_the_data(tmp_path, small):
    folder, _ = small
    dev = _lines(folder, "dev.txt")
    cluster_of, weight = interactions.catalogue(SMALL["items"], SMALL["clusters"], 7)
    assert np.bincount(cluster_of).min() == np.bincount(cluster_of).max() == 30
    planted = _majority_share(dev, cluster_of)
    shuffled = _majority_share(dev, np.random.default_rng(0).permutation(cluster_of))
    assert shuffled < 0.4 and planted > 0.7 and planted > shuffled + 0.35, (planted, shuffled)
    # The control: taste_purity 0 draws every item from the catalogue, and the clusters vanish.
    interactions.generate(str(tmp_path / "flat"), **SMALL, taste_purity=0.0, seed=7)
    flat = _majority_share(_lines(tmp_path / "flat", "dev.txt"), cluster_of)
    assert abs(flat - shuffled) < 0.1, (flat, shuffled)
    # Zipf-like popularity: the most popular item is in far more histories than the median one.
    counts = collections.Counter(item for line in _lines(folder, "train.txt") for item in line.split())
    assert max(counts.values()) > 5 * np.median(list(counts.values()))


# Counts in TRAIN: a 3, b 2, c 1, d 1, e 0. The candidates are a..e (EVAL's items).
TRAIN = ["a b c", "a b", "a d"]
EVAL = [
    "b c a",  # a held out, b and c seen: nothing above a -> 1 (not excluding: 1)
    "d e",  # e: a, b, c above it, d excluded -> 4 (not excluding: a, b, c, d -> 5)
    "c b",  # b: a above it -> 2 (2)
    "b a b",  # b is also in the history, but never excluded; a is -> 1 (a above it -> 2)
    "c d",  # d ties with c (excluded anyway): a, b above it -> 3 (3)
    "a",  # a single item: no query
]


def test_popularity_ranks_of_a_hand_made_example():
    np.testing.assert_array_equal(interactions.popularity_ranks(TRAIN, EVAL), [1, 4, 2, 1, 3])
    np.testing.assert_array_equal(interactions.popularity_ranks(TRAIN, EVAL, False), [1, 5, 2, 2, 3])


def test_the_cluster_oracle_ranks_items_of_the_historys_clusters_first():
    # Clusters {a, b} and {c, d, e}; one shared history item outweighs any count (bonus 4 each).
    cluster_of = {"a": 0, "b": 0, "c": 1, "d": 1, "e": 1}
    ranks = interactions.cluster_oracle_ranks(TRAIN, EVAL, cluster_of)
    np.testing.assert_array_equal(ranks, [1, 2, 4, 1, 1])


def test_the_cluster_oracle_beats_popularity_on_generated_data(small):
    folder, _ = small
    train, dev = _lines(folder, "train.txt"), _lines(folder, "dev.txt")
    cluster_of, _ = interactions.catalogue(SMALL["items"], SMALL["clusters"], 7)
    tokens = {interactions.item_token(i, SMALL["items"]): c for i, c in enumerate(cluster_of)}
    popular = interactions.popularity_ranks(train, dev)
    oracle = interactions.cluster_oracle_ranks(train, dev, tokens)
    assert len(popular) == len(oracle) == len(dev)
    assert np.mean(1 / oracle) > 1.5 * np.mean(1 / popular)


def test_the_pipelines_ranking_protocol_reads_the_last_item_as_the_held_out_one(small, capsys):
    from keras_models.text import starspace_data
    from keras_models.text.fasttext_preprocessor import normalize

    folder, _ = small
    dev = _lines(folder, "dev.txt")
    assert [normalize(line) for line in dev] == dev
    queries, candidates, truth, exclude = starspace_data.ranking_protocol(dev, None, 1)
    assert [candidates[i] for i in truth] == [line.split()[-1] for line in dev]
    assert [sorted(candidates[i] for i in row) for row in exclude] == [
        sorted(line.split()[:-1]) for line in dev
    ]
    assert queries == [line.rsplit(" ", 1)[0] for line in dev]
    interactions.main([str(folder / "main"), "--users", "200", "--items", "300", "--seed", "2"])
    out = capsys.readouterr().out
    assert "users 200, items 300" in out and "popularity baseline (history excluded): hits@1" in out


def test_dlsuite_data_generate_interactions(tmp_path):
    result = run_cli("data", "generate", "interactions", tmp_path / "cli", "--users", 200, "--seed", 5)
    assert result.returncode == 0, result.stderr
    assert "dev_lines 40" in result.stdout
    assert f"next: dlsuite run embeddings --train-mode 1 --data {tmp_path / 'cli'}" in result.stdout
    interactions.generate(str(tmp_path / "direct"), users=200, seed=5)
    for name in ("train.txt", "dev.txt"):
        assert (tmp_path / "cli" / name).read_bytes() == (tmp_path / "direct" / name).read_bytes()
    refused = run_cli("data", "generate", "interactions", tmp_path / "none", "--users", 1)
    assert refused.returncode == 2 and "leave a split empty" in refused.stderr
