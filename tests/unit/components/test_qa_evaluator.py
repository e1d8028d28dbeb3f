"""QAEvaluator's figures: error per task, the mean over tasks, supporting-fact hits, and its plots."""

import numpy as np
import pytest

from components.qa_evaluator import component as qa
from keras_models.memory import babi


def _qa(task, answer, supporting=(0,)):
    return babi.QA(
        task, ("Mary went to the kitchen.", "John went to the garden."), "Where is Mary?", answer, supporting
    )


def test_the_mean_is_over_tasks_not_questions():
    qas = [_qa(1, "kitchen")] * 3 + [_qa(6, "yes")]
    errors, mean = qa.task_errors(qas, np.array(["kitchen", "garden", "kitchen", "no"], dtype=object))
    assert errors == {1: pytest.approx(1 / 3), 6: 1.0}
    assert mean == pytest.approx((1 / 3 + 1) / 2)  # a question-weighted mean would be 0.5


def test_answers_are_compared_as_the_model_reads_them():
    errors, _ = qa.task_errors([_qa(8, " Milk,Football ")], np.array(["milk,football"], dtype=object))
    assert errors == {8: 0.0}


def test_a_hit_is_a_hop_whose_strongest_weight_is_on_a_supporting_fact():
    qas = [_qa(1, "kitchen", (0,)), _qa(1, "kitchen", (1,)), _qa(1, "kitchen", ())]
    attentions = [np.array([[0.9, 0.1], [0.2, 0.8]]), np.array([[0.7, 0.3], [0.6, 0.4]]), np.ones((2, 2)) / 2]
    assert qa.supporting_fact_hits(qas, attentions) == 0.5  # the third has no supporting facts


def test_the_plots_are_written(tmp_path):
    qa._plot_errors(
        {"candidate": {1: 0.0, 6: 0.2}, "latest blessed": {1: 0.1, 6: 0.3}}, 0.25, tmp_path / "e.png"
    )
    qa._plot_attention(_qa(1, "kitchen"), "kitchen", np.array([[0.9, 0.1], [0.3, 0.7]]), tmp_path / "a.png")
    for name in ("e.png", "a.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
