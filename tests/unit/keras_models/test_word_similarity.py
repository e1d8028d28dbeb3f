"""The word benchmarks: the bundled files parse, and rho, coverage and 3CosAdd follow gensim's rules."""

import numpy as np
import pytest

from keras_models.text import word_similarity as ws


def test_the_bundled_sets_are_complete():
    assert len(ws.read_pairs(ws.benchmark_path("wordsim353"))) == 353
    assert len(ws.read_pairs(ws.benchmark_path("simlex999"))) == 999
    sections = ws.read_analogies(ws.benchmark_path("analogies"))
    assert len(sections) == 14 and sum(len(rows) for rows in sections.values()) == 19544


def test_rho_ranks_cosines_against_the_scores_and_skips_unknown_pairs():
    angles = np.array([0.1, 0.5, 0.9, 1.3])  # pair i: a unit vector at angle 0 and one at angles[i]
    vocabulary = ["base"] + [f"w{i}" for i in range(4)]
    vectors = np.array([[1.0, 0.0]] + [[np.cos(a), np.sin(a)] for a in angles])
    index = ws._case_insensitive_index(vocabulary, 10)
    pairs = [("BASE", f"w{i}", score) for i, score in enumerate([9.0, 7.0, 5.0, 1.0])]
    rho, coverage = ws.pair_correlation(ws._unit(vectors), index, pairs + [("base", "unknown", 3.0)])
    assert rho == pytest.approx(1.0) and coverage == pytest.approx(4 / 5)
    reversed_pairs = [(a, b, -score) for a, b, score in pairs]
    assert ws.pair_correlation(ws._unit(vectors), index, reversed_pairs)[0] == pytest.approx(-1.0)


def test_analogies_use_3cosadd_without_the_question_words():
    # king - man + woman lands on queen only once the question words are left out: king is nearest.
    words = ["king", "man", "woman", "queen", "apple"]
    vectors = np.array([[1, 1, 0], [1, 0, 0], [1, 0, 0.2], [0.6, 1, 0.5], [0, -1, 0]], np.float32)
    query = ws._unit(vectors[:1] - vectors[1:2] + vectors[2:3])
    assert (query @ ws._unit(vectors).T).argmax() == 0  # king
    index = ws._case_insensitive_index(words, 10)
    sections = {"royal": [("man", "king", "woman", "queen"), ("man", "king", "woman", "pear")]}
    accuracy, coverage, per_section = ws.analogy_accuracy(ws._unit(vectors), index, sections)
    assert (accuracy, coverage, per_section) == (1.0, 0.5, {"royal": 1.0})
    wrong = {"royal": [("man", "king", "woman", "apple")]}
    assert ws.analogy_accuracy(ws._unit(vectors), index, wrong)[0] == 0.0
    # restrict_vocab leaves candidates past the most frequent words out: queen is row 3.
    assert ws.analogy_accuracy(ws._unit(vectors), index, sections, restrict_vocab=3)[0] == 0.0


def test_evaluate_vectors_matches_gensims_evaluators():
    keyed_vectors = pytest.importorskip("gensim.models").KeyedVectors
    words = sorted({w.lower() for a, b, _ in ws.read_pairs(ws.benchmark_path("wordsim353")) for w in (a, b)})
    rng = np.random.default_rng(0)
    words = list(rng.permutation(words)[: int(0.8 * len(words))])
    vectors = rng.normal(size=(len(words), 8)).astype(np.float32)
    ours = ws.evaluate_vectors(vectors, words)
    gensim_vectors = keyed_vectors(8)
    gensim_vectors.add_vectors(words, vectors)
    _, spearman, oov_percent = gensim_vectors.evaluate_word_pairs(ws.benchmark_path("wordsim353"))
    assert ours["wordsim353_rho"] == pytest.approx(spearman.statistic, abs=1e-6)
    assert ours["wordsim353_coverage"] == pytest.approx(1 - oov_percent / 100)


def test_vectors_that_do_not_match_the_vocabulary_are_refused():
    with pytest.raises(ValueError, match="do not match a vocabulary of 2 words"):
        ws.evaluate_vectors(np.zeros((3, 4)), ["a", "b"])
