"""The language-model evaluator's pieces: the n-gram baseline and the eval text rebuilt from windows."""

import math

import pytest

from components.corpus_example_gen import corpus
from components.language_model_evaluator import corpus_text
from components.language_model_evaluator.ngram import CharNGram

TEXT = "the cat sat on the mat. the dog sat on the log. " * 20


@pytest.mark.parametrize("order", [1, 2, 4])
@pytest.mark.parametrize("history", ["", "t", "the ", "zq", "og. th"])
def test_ngram_probabilities_sum_to_one_over_the_vocabulary_and_unknown(order, history):
    model = CharNGram(order).fit(TEXT)
    vocabulary = sorted(set(TEXT))
    total = sum(model.probability(history, c) for c in vocabulary) + model.probability(history, "\x00")
    assert total == pytest.approx(1.0, abs=1e-9)


def test_higher_orders_predict_better_and_unknown_characters_cost_bits():
    held_out = "the dog sat on the mat. the cat sat on the log. "
    bpc = {order: CharNGram(order).fit(TEXT).bits(held_out) for order in (1, 3, 5)}
    assert bpc[5][1] == len(held_out) - 1
    assert bpc[5][0] < bpc[3][0] < bpc[1][0]
    # Order 1 is the continuation-count unigram: never better than the best fixed distribution.
    assert bpc[1][0] / bpc[1][1] > 3.0
    unknown = CharNGram(3).fit(TEXT)
    assert -math.log2(unknown.probability("th", "\u2603")) > 8  # far below any seen character


def test_windows_rebuild_the_text_they_were_cut_from():
    text = "Call me Ishmael. Some years ago—never mind how long precisely—having little or no money"
    windows = [(start, text[start : start + 9]) for start in corpus.window_starts(0, len(text), 8)]
    assert corpus_text._join(list(reversed(windows))) == text


def test_a_gap_between_windows_is_an_error():
    with pytest.raises(ValueError, match="gap at characters 4..6"):
        corpus_text._join([(0, "abcd"), (6, "ghij")])


def test_segments_cut_each_document_separately():
    pieces = corpus_text.segments({"a": "x" * 10, "b": "y" * 3}, 4)
    assert pieces == ["xxxx", "xxxx", "xx", "yyy"]
