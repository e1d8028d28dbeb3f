"""GloVe: the harness, the weighting and objective against NumPy, glove.c's AdaGrad step, learning topics."""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_models.text.cooccurrence import cooccurrence_counts
from keras_models.text.glove import GRAD_CLIP, GloVe, weighting
from tests.keras_harness import check_model

VOCABULARY = ["the", "whale", "ship", "sea", "ahab", "white"]


def _tables(model):
    return (
        np.array(model.word_table.embeddings, np.float64),
        np.array(model.context_table.embeddings, np.float64),
    )


def test_harness(tmp_path):
    model = check_model(lambda: GloVe(VOCABULARY, dim=8, seed=3), np.array([0, 2, 5]), (3, 8), tmp_path)
    words, contexts = _tables(model)
    assert words.shape == contexts.shape == (6, 9)  # a vector and its bias per row, as glove.c
    assert np.all(np.abs(words) <= 0.5 / 8) and np.all(np.abs(contexts) <= 0.5 / 8)
    assert not np.allclose(words, contexts)
    np.testing.assert_allclose(model.vectors, (words + contexts)[:, :8], rtol=1e-6)  # W + W~, no bias
    assert model.get_config()["seed"] == 3 and model.get_config()["x_max"] == 100.0


def test_the_weighting_is_the_papers():
    x = np.array([0.2, 1.0, 37.5, 99.9, 100.0, 250.0])
    want = [(v / 100.0) ** 0.75 if v < 100.0 else 1.0 for v in x]
    np.testing.assert_allclose(weighting(x), want, rtol=1e-12)
    assert weighting(5.0, x_max=10.0, alpha=0.5) == pytest.approx(math.sqrt(0.5))


def test_the_objective_is_j_on_a_small_matrix():
    model = GloVe(VOCABULARY, dim=5, x_max=4.0, alpha=0.6, seed=7)
    rows, cols = np.array([0, 0, 1, 3, 5, 2]), np.array([1, 2, 0, 3, 4, 2])
    counts = np.array([0.5, 7.0, 1.0, 3.25, 12.0, 4.0])
    words, contexts = _tables(model)
    j = 0.0
    for i, k, x in zip(rows, cols, counts):
        error = words[i, :5] @ contexts[k, :5] + words[i, 5] + contexts[k, 5] - math.log(x)
        j += min((x / 4.0) ** 0.6, 1.0) * error**2
    assert model.objective(rows, cols, counts) == pytest.approx(j, rel=1e-12)


def _reference_epoch(words, contexts, squares, rows, cols, counts, eta, batch_size, dim):
    """glove.c's AdaGrad (gradsq from 1, clipped vector gradients times eta, bias gradients as they are),
    a row's step the mean of its gradients over the batch; entries in the given order. Returns the cost."""
    cost = 0.0
    for start in range(0, len(rows), batch_size):
        r, c, x = (
            rows[start : start + batch_size],
            cols[start : start + batch_size],
            counts[start : start + batch_size],
        )
        w, v = words[r].copy(), contexts[c].copy()
        diff = np.sum(w[:, :dim] * v[:, :dim], 1) + w[:, dim] + v[:, dim] - np.log(x)
        fdiff = weighting(x, 100.0, 0.75) * diff
        cost += np.sum(0.5 * fdiff * diff)
        for table, square, ids, other in ((words, squares[0], r, v), (contexts, squares[1], c, w)):
            gradient = np.concatenate(
                [np.clip(fdiff[:, None] * other[:, :dim], -GRAD_CLIP, GRAD_CLIP) * eta, fdiff[:, None]], 1
            )
            for row in np.unique(ids):
                mean = gradient[ids == row].mean(0)
                table[row] -= mean / np.sqrt(square[row])
                square[row] += mean**2
    return cost / len(rows)


def test_one_epoch_is_glove_c_adagrad_on_the_touched_rows():
    model = GloVe(VOCABULARY, dim=4, learning_rate=0.3, seed=2)
    rows, cols = np.array([0, 0, 1, 2, 0, 1]), np.array([1, 2, 1, 0, 1, 0])  # word 0 twice in a batch
    counts = np.array([3.0, 150.0, 0.4, 9.0, 2.0, 60.0])
    words, contexts = _tables(model)
    squares = (np.ones_like(words), np.ones_like(contexts))
    order = np.random.default_rng(model.seed).permutation(len(rows))  # fit's shuffle for its first epoch
    want = _reference_epoch(words, contexts, squares, rows[order], cols[order], counts[order], 0.3, 4, 4)
    costs = model.fit_cooccurrence(rows, cols, counts, epochs=1, batch_size=4, verbose=0)
    assert costs[0] == pytest.approx(want, rel=1e-5)
    got_words, got_contexts = _tables(model)
    np.testing.assert_allclose(got_words, words, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(got_contexts, contexts, rtol=1e-5, atol=1e-7)
    initial = _tables(GloVe(VOCABULARY, dim=4, learning_rate=0.3, seed=2))
    untouched = [3, 4, 5]  # never a row nor a column: left as initialized
    np.testing.assert_array_equal(got_words[untouched], initial[0][untouched])
    assert not np.allclose(got_words[:3], initial[0][:3])


def _two_topic_corpus(seed=0, texts=300, length=12, purity=0.9):
    """Texts of one of two topics: each word from the text's topic with probability `purity`, else from
    the other (GloVe fits only nonzero counts, so topics must differ in how often, not whether, they meet)."""
    rng = np.random.default_rng(seed)
    topics = [[f"sea{i}" for i in range(8)], [f"land{i}" for i in range(8)]]
    corpus = []
    for t in range(texts):
        own = rng.random(length) < purity
        corpus.append([rng.choice(topics[(t + (not o)) % 2]) for o in own])
    return corpus, topics


def test_fit_lowers_the_cost_and_groups_the_topics(tmp_path):
    tokens, topics = _two_topic_corpus()
    vocabulary = [w for topic in topics for w in topic]
    rows, cols, counts = cooccurrence_counts(tokens, vocabulary, window=3)
    model = GloVe(vocabulary, dim=10, epochs=40, learning_rate=0.1, seed=1)
    before = model.objective(rows, cols, counts)
    costs = model.fit_cooccurrence(rows, cols, counts, batch_size=16, verbose=0)
    assert costs[-1] < 0.2 * costs[0] and model.objective(rows, cols, counts) < 0.2 * before
    unit = model.vectors / np.linalg.norm(model.vectors, axis=1, keepdims=True)
    cosines = unit @ unit.T
    same = np.mean([cosines[i, j] for i in range(16) for j in range(16) if i != j and i // 8 == j // 8])
    cross = np.mean([cosines[i, j] for i in range(16) for j in range(16) if i // 8 != j // 8])
    assert same > cross + 0.5, (same, cross)
    neighbours = [word for word, _ in model.most_similar("sea3", topn=5)]
    assert all(word.startswith("sea") for word in neighbours), neighbours

    # `.keras` round trip and SavedModel: the trained vectors, words in, unknown words -> zeros.
    path = str(tmp_path / "glove.keras")
    model.save(path)
    restored = keras.saving.load_model(path)
    np.testing.assert_array_equal(restored.vectors, model.vectors)
    tf.saved_model.save(model, str(tmp_path / "saved"))
    serve = tf.saved_model.load(str(tmp_path / "saved")).signatures["serving_default"]
    served = serve(words=tf.constant(["SEA3", "nowhere", "land0"]))["vectors"].numpy()
    np.testing.assert_allclose(served[0], model.vectors[vocabulary.index("sea3")], rtol=1e-6)
    np.testing.assert_array_equal(served[1], 0.0)
    np.testing.assert_allclose(served[2], model.embed(["land0"])[0], rtol=1e-6)


def test_bad_input_is_refused():
    model = GloVe(VOCABULARY, dim=4)
    with pytest.raises(ValueError, match="word ids in \\[0, 6\\)"):
        model.fit_cooccurrence([0, 6], [1, 1], [1.0, 1.0], verbose=0)
    with pytest.raises(ValueError, match="counts must be positive"):
        model.fit_cooccurrence([0], [1], [0.0], verbose=0)
    with pytest.raises(ValueError, match="one per word"):
        GloVe(VOCABULARY, counts=[3, 2])
