"""Word2Vec: its SGD update against autodiff, the HS path likelihood, topics learned, saving and serving."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_models.layers.hierarchical_softmax import HierarchicalSoftmax, huffman_tree
from keras_models.text import word2vec_ops
from keras_models.text.word2vec import Word2Vec
from tests.keras_harness import check_model

SEA = ["whale", "harpoon", "ship", "sail", "ocean", "wave", "captain", "crew"]
LAND = ["market", "stock", "bank", "price", "trade", "share", "profit", "fund"]


def topic_corpus(sentences=300, length=10, seed=0):
    """Sentences of one topic each (sea or market words, with shared filler words)."""
    rng = np.random.default_rng(seed)
    filler = ["the", "a", "of", "and"]
    texts = []
    for i in range(sentences):
        topic = SEA if i % 2 else LAND
        words = rng.choice(topic + filler, size=length, p=[0.1] * 8 + [0.05] * 4)
        texts.append(" ".join(words))
    return texts


def test_path_log_likelihood_is_the_log_of_the_full_probability():
    counts = [40, 25, 10, 10, 8, 4, 2, 1]
    layer = HierarchicalSoftmax(len(counts), class_counts=counts, kernel_initializer="random_normal")
    hidden = np.random.default_rng(1).normal(size=(5, 6)).astype("float32")
    labels = np.array([0, 7, 3, 5, 1])
    full = keras.ops.convert_to_numpy(layer(hidden))
    path = keras.ops.convert_to_numpy(layer.path_log_likelihood(hidden, labels))
    np.testing.assert_allclose(path, np.log(full[np.arange(5), labels]), rtol=1e-5, atol=1e-6)


def test_gensim_tie_break_builds_gensims_tree():
    # gensim 4.3's `_assign_binary_codes` on these counts: (points root first, codes) per word.
    expected = [
        ([6, 5], [1, 0]),
        ([6, 5, 3], [1, 1, 1]),
        ([6, 5, 3], [1, 1, 0]),
        ([6, 4, 2], [0, 1, 1]),
        ([6, 4, 2], [0, 1, 0]),
        ([6, 4, 1], [0, 0, 0]),
        ([6, 4, 1, 0], [0, 0, 1, 0]),
        ([6, 4, 1, 0], [0, 0, 1, 1]),
    ]
    tree = huffman_tree([5, 3, 3, 2, 2, 2, 1, 1], tie_break="gensim")
    paths = [tree.path(word)[::-1] for word in range(8)]
    assert [([j for j, _ in p], [0 if right else 1 for _, right in p]) for p in paths] == expected
    layer = HierarchicalSoftmax(8, class_counts=[5, 3, 3, 2, 2, 2, 1, 1], tie_break="gensim")
    assert HierarchicalSoftmax.from_config(layer.get_config()).tie_break == "gensim"


@pytest.mark.parametrize("contexts", [1, 3])
def test_center_update_is_lr_times_the_log_likelihood_gradient(contexts):
    rng = np.random.default_rng(2)
    hidden = tf.constant(rng.normal(scale=0.3, size=(4, contexts, 6)), tf.float32)
    table = rng.normal(scale=0.3, size=(9, 6)).astype(np.float32)
    rows = tf.constant(rng.choice(9, size=(4, 3), replace=True), tf.int32)
    labels = tf.constant([[1, 0, 0]] * 4, tf.float32)
    weights = tf.constant(rng.uniform(0.5, 1.0, size=(4, 3)), tf.float32)
    mask = tf.constant(rng.integers(0, 2, size=(4, contexts)), tf.float32) if contexts > 1 else None
    output = tf.Variable(table)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(hidden)
        vectors = tf.gather(output, rows)
        logits = tf.einsum("bcd,bmd->bcm", hidden, vectors)
        signed = tf.where(labels[:, None, :] > 0, logits, -logits)
        valid = weights[:, None, :] * (1.0 if mask is None else mask[:, :, None])
        likelihood = tf.reduce_sum(tf.math.log_sigmoid(signed) * valid)
    lr = 0.05
    expected_error = lr * tape.gradient(likelihood, hidden)
    expected_output = table + lr * tf.convert_to_tensor(tape.gradient(likelihood, output)).numpy()
    error, loss, _ = word2vec_ops.center_update(hidden, mask, rows, labels, weights, output, lr)
    np.testing.assert_allclose(error.numpy(), expected_error.numpy(), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(output.numpy(), expected_output, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(loss.numpy(), -likelihood.numpy(), rtol=1e-4)


def test_row_damping_caps_only_rows_with_a_large_summed_step():
    scale = word2vec_ops.row_damping(tf.constant([0, 0, 0, 1]), tf.constant([0.5, 0.5, 1.0, 0.3]), 3)
    np.testing.assert_allclose(scale.numpy(), [0.5, 0.5, 0.5, 1.0])


def test_harness(tmp_path):
    ids = np.array([0, 2, -1, 1], np.int64)
    model = check_model(lambda: Word2Vec(["a", "b", "c"], [3, 2, 1], dim=4), ids, (4, 4), tmp_path)
    np.testing.assert_array_equal(model(ids).numpy()[2], np.zeros(4))


def _spread(model):
    """Mean cosine within topics minus across topics."""
    unit = model.embed(SEA + LAND)
    unit /= np.linalg.norm(unit, axis=1, keepdims=True)
    cosine = unit @ unit.T
    same = np.concatenate([cosine[:8, :8][~np.eye(8, dtype=bool)], cosine[8:, 8:][~np.eye(8, dtype=bool)]])
    return same.mean() - cosine[:8, 8:].mean()


@pytest.mark.parametrize(
    "architecture, loss", [("skipgram", "ns"), ("cbow", "ns"), ("skipgram", "hs"), ("cbow", "hs")]
)
def test_same_topic_words_are_nearer(architecture, loss):
    texts = topic_corpus()
    model = Word2Vec.from_texts(
        texts, min_count=1, dim=16, architecture=architecture, loss=loss, epochs=5, alpha=0.05, sample=0
    )
    history = model.fit(texts, batch_size=64, verbose=0)
    assert len(history.history["loss"]) == 5 and history.history["words_per_second"][0] > 0
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert _spread(model) > 0.3
    assert model.most_similar("whale", topn=3)[0][0] in SEA


def test_fit_accepts_token_lists_and_reuses_the_cached_ids():
    texts = topic_corpus(sentences=40)
    tokens = [t.split() for t in texts]
    model = Word2Vec.from_texts(tokens, min_count=1, dim=8, epochs=1)
    cached = model._cache.corpus
    assert model._corpus(tokens) is cached
    assert model._corpus(texts)[0].tolist() == cached[0].tolist()
    model.fit(tokens, verbose=0)
    assert np.isfinite(model.vectors).all()


def test_trained_model_round_trips_and_serves_words(tmp_path):
    texts = topic_corpus(sentences=60)
    model = Word2Vec.from_texts(texts, min_count=1, dim=8, epochs=1, loss="hs")
    model.fit(texts, verbose=0)
    path = str(tmp_path / "w2v.keras")
    model.save(path)
    restored = keras.saving.load_model(path)
    np.testing.assert_array_equal(restored.vectors, model.vectors)
    np.testing.assert_array_equal(restored.output_layer.kernel.numpy(), model.output_layer.kernel.numpy())
    tf.saved_model.save(model, str(tmp_path / "served"))
    serve = tf.saved_model.load(str(tmp_path / "served")).signatures["serving_default"]
    vectors = serve(words=tf.constant(["Whale", "kraken"]))["vectors"].numpy()
    np.testing.assert_allclose(vectors, model.embed(["whale", "kraken"]), rtol=1e-6)


def test_bad_arguments():
    with pytest.raises(ValueError, match="architecture"):
        Word2Vec(["a", "b"], [2, 1], architecture="glove")
    with pytest.raises(ValueError, match="loss"):
        Word2Vec(["a", "b"], [2, 1], loss="softmax")
    with pytest.raises(ValueError, match="empty"):
        Word2Vec.from_texts(["a b"], min_count=5)
