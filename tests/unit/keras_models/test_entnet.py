"""EntNet: one memory update and the whole forward pass against NumPy, unit norms, gates in [0, 1],
padding rows leave the memory alone, the answer interface, the harness, and learning a tiny task."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_models.memory.entnet import EntNet
from tests.keras_harness import check_model
from tests.unit.keras_models.test_memn2n import (
    INPUTS,
    PLACES,
    QUESTION,
    STORY,
    VOCABULARY,
    fit_on_tiny_babi,
)

SMALL = {"memory_size": 4, "sentence_size": 5, "embedding_dim": 6, "slots": 3}


def _model(**kwargs):
    keras.utils.set_random_seed(2)
    model = EntNet(VOCABULARY, **{**SMALL, **kwargs})
    rng = np.random.default_rng(0)
    for weight in (model.memory_alpha, model.output_alpha, model.story_mask, model.question_mask):
        weight.assign(rng.uniform(0.2, 1.5, weight.shape))  # not the identity start: test the formulas
    return model


def _numpy(model):
    return {v.path.split("/")[-1]: keras.ops.convert_to_numpy(v) for v in model.weights}


def _prelu(x, alpha):
    return np.where(x > 0, x, alpha * x)


def _step(w, h, s):
    """h [slots, d], s [d] -> (h, gates): the paper's update, column vectors written as rows."""
    keys = w["keys"]
    gates = 1 / (1 + np.exp(-(h @ s + keys @ s)))
    candidate = _prelu(h @ w["u"] + keys @ w["v"] + s @ w["w"], w["memory_alpha"])
    h = h + gates[:, None] * candidate
    return h / np.linalg.norm(h, axis=1, keepdims=True), gates


def test_one_memory_step_matches_numpy_with_unit_norms_and_gates_in_0_1():
    model = _model()
    w = _numpy(model)
    rng = np.random.default_rng(1)
    hidden = rng.normal(size=(2, 3, 6)).astype(np.float32)
    sentence = rng.normal(size=(2, 6)).astype(np.float32) * 3
    new, gates = (t.numpy() for t in model.memory_step(tf.constant(hidden), tf.constant(sentence)))
    for b in range(2):
        expected, expected_gates = _step(w, hidden[b], sentence[b])
        np.testing.assert_allclose(new[b], expected, rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(gates[b], expected_gates, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(new, axis=-1), 1.0, rtol=1e-5)
    assert np.all((gates >= 0) & (gates <= 1)) and gates.min() < 0.5 < gates.max()


def test_forward_pass_matches_numpy_and_padding_rows_are_skipped():
    model = _model(answers=PLACES)
    w = _numpy(model)
    logits, attention = model(INPUTS).numpy(), model.attention(INPUTS).numpy()
    assert attention.shape == (2, 1, 3)
    for b in range(2):
        e = w["embedding"]
        h = w["keys"].copy()
        for ids in STORY[b][STORY[b].any(1)]:  # the real rows only
            h, _ = _step(w, h, ((e[ids] * (ids > 0)[:, None]) * w["story_mask"]).sum(0))
        q = ((e[QUESTION[b]] * (QUESTION[b] > 0)[:, None]) * w["question_mask"]).sum(0)
        p = np.exp(h @ q) / np.exp(h @ q).sum()
        expected = _prelu(q + (p @ h) @ w["h"], w["output_alpha"]) @ w["r"]
        allowed = [VOCABULARY.index(place) + 2 for place in PLACES]
        np.testing.assert_allclose(logits[b, allowed], expected[allowed], rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(attention[b, 0], p, rtol=1e-4, atol=1e-6)
        assert np.all(np.delete(logits[b], allowed) == -1e9)


def test_answer_interface():
    model = _model()
    out = model.answer(
        tf.constant([["Mary went to the kitchen.", ""], ["", ""]]), tf.constant(["Where is Mary?"] * 2)
    )
    assert out["answer"].shape == (2,) and out["answer"].dtype == tf.string
    assert out["attention"].shape == (2, 1, 3)
    np.testing.assert_allclose(out["attention"].numpy().sum(-1), 1.0, rtol=1e-5)
    assert np.all((out["probability"].numpy() > 0) & (out["probability"].numpy() <= 1))
    with pytest.raises(ValueError, match="slots"):
        EntNet(VOCABULARY, slots=0)


def test_harness(tmp_path):
    inputs = {"story": STORY.astype("int32"), "question": QUESTION.astype("int32")}
    check_model(lambda: _model(answers=PLACES), inputs, (2, len(VOCABULARY) + 2), tmp_path)


def test_learns_a_tiny_single_supporting_fact_task():
    keras.utils.set_random_seed(0)
    model = EntNet(VOCABULARY, memory_size=6, sentence_size=5, embedding_dim=20, slots=4, answers=PLACES)
    majority, accuracy = fit_on_tiny_babi(model)
    assert majority < 0.35 and accuracy > 0.5, (majority, accuracy)
