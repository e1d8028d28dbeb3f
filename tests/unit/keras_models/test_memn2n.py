"""MemN2N: the paper's position encoding, a hop against NumPy (BoW and PE), masked attention, weight
tying, linear start, random noise, the answer's attention columns, the answers mask, the harness, and
learning a tiny single-supporting-fact task."""

import collections
import random

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_models.memory.memn2n import LinearStart, MemN2N, encode_sentences, position_encoding
from keras_models.memory.text import build_vocabulary, qa_arrays
from tests.keras_harness import check_model

QA = collections.namedtuple("QA", "story question answer")
PEOPLE = ["Mary", "John", "Sandra", "Daniel"]
PLACES = ["kitchen", "garden", "office", "hallway"]


def tiny_babi(stories, seed):
    """A single-supporting-fact-like task: people move around; where is each of them now?"""
    rng, qas = random.Random(seed), []
    for _ in range(stories):
        story, where = [], {}
        for _ in range(rng.randint(2, 6)):
            who, place = rng.choice(PEOPLE), rng.choice(PLACES)
            story.append(f"{who} went to the {place}.")
            where[who] = place
        qas += [QA(tuple(story), f"Where is {who}?", place) for who, place in where.items()]
    return qas


VOCABULARY = build_vocabulary(tiny_babi(20, 0))
SMALL = {"memory_size": 4, "sentence_size": 5, "embedding_dim": 6}
STORY = np.array(
    [[[2, 3, 4, 0, 0], [5, 6, 7, 8, 0], [9, 1, 0, 0, 0], [0, 0, 0, 0, 0]], [[3, 3, 0, 0, 0]] + [[0] * 5] * 3]
)
QUESTION = np.array([[10, 11, 2, 0, 0], [4, 0, 0, 0, 0]])
INPUTS = {"story": STORY, "question": QUESTION}


def _model(**kwargs):
    keras.utils.set_random_seed(1)
    return MemN2N(VOCABULARY, **{**SMALL, **kwargs})


def test_position_encoding_is_the_papers_formula():
    words, d = 5, 4  # J, d
    expected = [
        [(1 - j / words) - (k / d) * (1 - 2 * j / words) for k in range(1, d + 1)]
        for j in range(1, words + 1)
    ]
    np.testing.assert_allclose(position_encoding(words, d), expected, rtol=1e-6)


def test_encode_sentences_uses_each_sentences_own_length():
    table = np.random.default_rng(0).normal(size=(12, 4)).astype(np.float32)
    out = encode_sentences(tf.constant(table), tf.constant(STORY[0]), "position").numpy()
    for row, ids in zip(out, STORY[0]):
        words = ids[ids > 0]
        expected = (position_encoding(len(words), 4) * table[words]).sum(0) if len(words) else np.zeros(4)
        np.testing.assert_allclose(row, expected, rtol=1e-5, atol=1e-6)


def _reference(model, inputs, encoding):
    """A one-hop adjacent-tied MemN2N in NumPy, from the model's weights."""
    a, c_table = (keras.ops.convert_to_numpy(t) for t in model.embeddings)  # A^1 = B, C^1 = W^T
    t_a, t_c = (keras.ops.convert_to_numpy(t) for t in model.temporal)

    def encode(table, ids):
        words = ids[ids > 0]
        weights = position_encoding(len(words), table.shape[1]) if encoding == "position" else 1.0
        return (weights * table[words]).sum(0)

    logits, attention = [], []
    for story, question in zip(inputs["story"], inputs["question"]):
        u = encode(a, question)  # B = A^1
        rows = [s for s in story if s.any()]
        ages = np.arange(len(rows))[::-1]
        m = np.array([encode(a, s) + t_a[age] for s, age in zip(rows, ages)])
        c = np.array([encode(c_table, s) + t_c[age] for s, age in zip(rows, ages)])
        p = np.exp(m @ u - (m @ u).max())
        p /= p.sum()
        logits.append((u + p @ c) @ c_table.T)  # W^T = C^1
        attention.append(np.pad(p, (0, len(story) - len(rows))))
    return np.array(logits), np.array(attention)


@pytest.mark.parametrize("encoding", ["bow", "position"])
def test_one_hop_matches_numpy(encoding):
    model = _model(hops=1, encoding=encoding)
    logits, attention = _reference(model, INPUTS, encoding)
    np.testing.assert_allclose(model(INPUTS).numpy(), logits, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(model.attention(INPUTS).numpy()[:, 0], attention, rtol=1e-4, atol=1e-6)


def test_layerwise_hops_apply_h():
    model = _model(hops=2, weight_tying="layerwise", temporal_encoding=False, encoding="bow")
    a, c_table, b = (keras.ops.convert_to_numpy(t) for t in model.embeddings)
    h, w = keras.ops.convert_to_numpy(model.h), keras.ops.convert_to_numpy(model.output_kernel)
    h += np.random.default_rng(0).normal(0, 0.3, h.shape).astype(np.float32)
    model.h.assign(h)
    story, question = STORY[0], QUESTION[0]
    words = (story > 0)[..., None]
    m, c, u = (a[story] * words).sum(1), (c_table[story] * words).sum(1), b[question[question > 0]].sum(0)
    for _ in range(2):
        p = np.exp(m[:3] @ u)
        u = u @ h + (p / p.sum()) @ c[:3]  # H u in the paper's column vectors
    np.testing.assert_allclose(
        model({"story": STORY[:1], "question": QUESTION[:1]}).numpy()[0], u @ w, rtol=1e-4
    )


def test_attention_sums_to_one_over_real_rows_and_is_zero_on_padding():
    attention = _model(hops=3).attention(INPUTS).numpy()
    assert attention.shape == (2, 3, 4)
    np.testing.assert_allclose(attention.sum(-1), 1.0, rtol=1e-5)
    assert np.all(attention[0, :, 3] == 0) and np.all(attention[1, :, 1:] == 0)


def test_adjacent_tying_shares_variables():
    model = _model(hops=3)
    assert len(model.trainable_variables) == 8  # 4 word tables, 4 temporal tables
    for hop in range(2):
        assert model.input_embedding(hop + 1) is model.output_embedding(hop)
        assert model._temporal(hop + 1, False) is model._temporal(hop, True)
    assert model.question_embedding() is model.input_embedding(0)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(model(INPUTS))
    assert all(g is not None for g in tape.gradient(loss, model.trainable_variables))
    layerwise = _model(hops=3, weight_tying="layerwise")
    assert len(layerwise.trainable_variables) == 3 + 2 + 2  # A, C, B; T_A, T_C; W, H
    assert layerwise.input_embedding(0) is layerwise.input_embedding(2)
    assert layerwise.output_embedding(0) is layerwise.output_embedding(2)


def test_linear_start_removes_the_softmax_and_the_callback_ends_it():
    model = _model(hops=2)
    before = model(INPUTS).numpy()
    model.set_linear_start(True)
    assert model.linear_start
    assert not np.allclose(model(INPUTS).numpy(), before)
    attention = model.attention(INPUTS).numpy()
    assert not np.allclose(attention.sum(-1), 1.0) and np.all(attention[0, :, 3] == 0)
    callback = LinearStart(patience=1)
    callback.set_model(model)
    model.set_linear_start(False)
    callback.on_train_begin()
    assert model.linear_start
    for epoch, loss in enumerate([3.0, 2.0, 2.5]):
        callback.on_epoch_end(epoch, {"val_loss": loss})
    assert callback.ended == 2 and not model.linear_start
    np.testing.assert_allclose(model(INPUTS).numpy(), before, rtol=1e-6)


def test_ages_count_later_rows_and_random_noise_only_adds():
    model = _model(random_noise=0.5)
    story = tf.constant(np.repeat(STORY[:1], 200, 0))
    np.testing.assert_array_equal(model.ages(story).numpy()[0], [2, 1, 0, 0])
    noisy = model.ages(story, training=True).numpy()
    assert np.all(noisy >= [2, 1, 0, 0]) and np.all(np.diff(noisy[:, :3], axis=1) < 0)
    assert 0.3 < (noisy[:, 2] > 0).mean() < 0.7 and noisy.max() <= model.temporal_size - 1


def test_answer_attention_is_aligned_with_the_input_columns():
    model = _model(hops=2)
    story = [["Mary went to the kitchen.", "John went to the office.", "", "Mary went to the garden."]]
    story[0] += ["Sandra went to the hallway.", "", "Daniel went to the office.", "", ""]
    story = tf.constant(story)
    out = model.answer(story, tf.constant(["Where is Mary?"]))
    attention = out["attention"].numpy()
    assert attention.shape == (1, 2, 9) and out["answer"].dtype == tf.string
    kept = model.attention(model.vectorizer(story, tf.constant(["Where is Mary?"]))).numpy()
    np.testing.assert_allclose(attention[0][:, [1, 3, 4, 6]], kept[0], rtol=1e-6)
    assert np.all(attention[0][:, [0, 2, 5, 7, 8]] == 0)
    assert 0 < out["probability"].numpy()[0] <= 1


def test_answers_mask_every_other_id():
    model = _model(answers=["garden", "kitchen"])
    logits = model(INPUTS).numpy()
    allowed = [VOCABULARY.index(w) + 2 for w in ("garden", "kitchen")]
    others = np.delete(logits, allowed, axis=1)
    assert np.all(others == -1e9) and np.all(logits[:, allowed] > -1e3)
    out = model.answer(tf.constant([["Mary went to the office."]]), tf.constant(["Where is Mary?"]))
    assert out["answer"].numpy()[0] in (b"garden", b"kitchen")
    with pytest.raises(ValueError, match="not in the vocabulary"):
        _model(answers=["moon"])


@pytest.mark.parametrize("kwargs", [{}, {"weight_tying": "layerwise", "encoding": "bow", "answers": PLACES}])
def test_harness(kwargs, tmp_path):
    inputs = {"story": STORY.astype("int32"), "question": QUESTION.astype("int32")}
    check_model(lambda: _model(**kwargs), inputs, (2, len(VOCABULARY) + 2), tmp_path)


def fit_on_tiny_babi(model):
    """Trains `model` 30 epochs on 50 tiny stories; (majority answer's share, accuracy) on 50 others."""
    train, test = tiny_babi(50, 0), tiny_babi(50, 1)
    x, y = qa_arrays(model.vectorizer, train)
    x_test, y_test = qa_arrays(model.vectorizer, test)
    model.compile(
        keras.optimizers.Adam(0.01, clipnorm=40),
        keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    model.fit(x, y, batch_size=16, epochs=30, verbose=0)
    majority = collections.Counter(y_test).most_common(1)[0][1] / len(y_test)
    return majority, model.evaluate(x_test, y_test, verbose=0)[1]


def test_learns_a_tiny_single_supporting_fact_task():
    model = MemN2N(VOCABULARY, memory_size=6, sentence_size=5, embedding_dim=20, hops=2, answers=PLACES)
    majority, accuracy = fit_on_tiny_babi(model)
    assert majority < 0.35 and accuracy > 0.7, (majority, accuracy)
