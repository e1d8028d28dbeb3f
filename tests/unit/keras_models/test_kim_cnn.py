"""KimCNN: the harness in Kim's four variants, which weights each trains, padding, max-norm, learning."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_models.text.kim_cnn import VARIANTS, KimCNN, read_word_vectors, train_word_vectors
from tests.keras_harness import check_model

VOCABULARY = ["</s>", "the", "cat", "sat", "dog", "ran"]
TEXTS = ["the cat sat", "a dog ran", "", "the " * 20]
TINY = {"max_length": 10, "embedding_dim": 4, "feature_maps": 3}


def _embeddings(seed=0):
    return np.random.default_rng(seed).normal(size=(len(VOCABULARY), 4)).astype(np.float32)


def _model(variant, **kwargs):
    embeddings = None if variant == "rand" else _embeddings()
    return KimCNN(VOCABULARY, num_classes=3, variant=variant, embeddings=embeddings, **{**TINY, **kwargs})


@pytest.mark.parametrize("variant", VARIANTS)
def test_harness(variant, tmp_path):
    ids = _model(variant).preprocessor(tf.constant(TEXTS))
    model = check_model(lambda: _model(variant), ids, (4, 3), tmp_path)
    width = 2 * 4 if variant == "multichannel" else 4  # every filter reads both channels
    assert [model.get_layer(f"conv{w}").kernel.shape for w in (3, 4, 5)] == [(w, width, 3) for w in (3, 4, 5)]
    assert model.get_layer("softmax").kernel.shape == (9, 3)


# variant -> (trainable weights, frozen embedding tables): three convolutions and the softmax have
# a kernel and a bias each (8 weights), plus the trainable tables.
COUNTS = {"rand": (9, 0), "static": (8, 1), "non-static": (9, 0), "multichannel": (9, 1)}


@pytest.mark.parametrize("variant", VARIANTS)
def test_each_variant_trains_the_tables_it_should(variant):
    keras.utils.set_random_seed(0)
    model = _model(variant)
    trainable, frozen = COUNTS[variant]
    assert len(model.trainable_weights) == trainable and len(model.non_trainable_weights) == frozen
    tables = {w.path: keras.ops.convert_to_numpy(w).copy() for w in model.weights if "embedding" in w.path}
    assert len(tables) == (2 if variant == "multichannel" else 1)
    if variant != "rand":  # pretrained rows after the padding row
        for table in tables.values():
            np.testing.assert_array_equal(table[1:], _embeddings())
            np.testing.assert_array_equal(table[0], 0)
    model.compile(
        optimizer=keras.optimizers.Adam(0.1), loss="sparse_categorical_crossentropy", run_eagerly=True
    )
    model.fit(TEXTS, [0, 1, 2, 0], batch_size=4, epochs=2, verbose=0)
    for weight in model.weights:
        if weight.path in tables:
            changed = not np.array_equal(keras.ops.convert_to_numpy(weight), tables[weight.path])
            assert changed is weight.trainable, weight.path
            assert weight.trainable is (
                weight.path.startswith("non_static") or variant in ("rand", "non-static")
            )


def test_padding_reads_zeros_whatever_its_row_holds():
    model = _model("non-static")
    ids = model.preprocessor(tf.constant(["the cat sat", "dog"])).numpy()
    before = model(ids).numpy()
    table = model.get_layer("embedding").embeddings
    rows = keras.ops.convert_to_numpy(table).copy()
    rows[0] = 9.0  # the padding row, as fine-tuning could leave it
    table.assign(rows)
    np.testing.assert_allclose(model(ids).numpy(), before, rtol=1e-6, atol=1e-6)
    longer = np.pad(ids, [(0, 0), (0, 20)])  # more padding: the same texts
    np.testing.assert_allclose(model(longer).numpy(), before, rtol=1e-6, atol=1e-6)


def test_softmax_weights_keep_kims_max_norm():
    model = _model("rand", max_norm=3.0)
    kernel = model.get_layer("softmax").kernel
    kernel.assign(np.stack([np.full(9, 10.0), np.full(9, 0.1), np.full(9, -0.1)], axis=1))  # norms 30, 0.3
    model.compile(
        optimizer=keras.optimizers.SGD(1e-3), loss="sparse_categorical_crossentropy", run_eagerly=True
    )
    model.fit(TEXTS, [0, 1, 2, 0], batch_size=4, epochs=1, verbose=0)
    # After a step, each class's weight vector is rescaled to a norm of 3 at most (Kim's constraint).
    norms = np.linalg.norm(keras.ops.convert_to_numpy(kernel), axis=0)
    np.testing.assert_allclose(norms, [3.0, 0.3, 0.3], atol=1e-2)


def test_learns_word_order_from_raw_strings():
    # The class is whether "alpha" comes right before "omega" or right after it: a bag of words
    # cannot tell, a filter over 3 words can.
    rng = np.random.default_rng(0)
    fillers = ["red", "green", "blue", "big", "small", "old", "new"]
    texts, labels = [], []
    for _ in range(384):
        label = int(rng.integers(2))
        words = list(rng.choice(fillers, 6))
        words[int(rng.integers(6)) : 0] = ["alpha", "omega"] if label else ["omega", "alpha"]
        texts.append(" ".join(words))
        labels.append(label)
    texts, labels = np.array(texts, dtype=object), np.array(labels)
    keras.utils.set_random_seed(0)
    model = KimCNN.from_texts(texts[:256], labels[:256], max_length=12, embedding_dim=8, feature_maps=8)
    model.compile(
        optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    model.fit(texts[:256], labels[:256], batch_size=32, epochs=12, verbose=0)
    accuracy = model.evaluate(texts[256:], labels[256:], verbose=0, return_dict=True)["accuracy"]
    assert accuracy >= 0.95
    assert np.mean(model.predict(texts[256:], verbose=0).argmax(-1) == labels[256:]) == pytest.approx(
        accuracy
    )


def test_from_texts_places_pretrained_vectors_and_a_saved_static_model_keeps_them(tmp_path):
    vectors = {"cat": [1.0, 2.0], "dog": [3.0, 4.0]}
    model = KimCNN.from_texts(
        ["the cat", "the dog"], [0, 1], variant="static", word_vectors=vectors, max_length=6
    )
    vocabulary, table = model.preprocessor.vocabulary, model.get_layer("embedding").embeddings.numpy()
    assert model.embedding_dim == 2 and table.shape == (len(vocabulary) + 1, 2)
    np.testing.assert_array_equal(table[1 + vocabulary.index("dog")], [3.0, 4.0])
    model.save(tmp_path / "static.keras")
    restored = keras.saving.load_model(tmp_path / "static.keras")
    np.testing.assert_array_equal(restored.get_layer("embedding").embeddings.numpy(), table)
    assert not restored.get_layer("embedding").trainable and restored.variant == "static"


def test_read_word_vectors_with_and_without_a_header(tmp_path):
    (tmp_path / "header.txt").write_text("2 3\nthe 0.1 0.2 0.3\ncat -1 0 1e-2\n")
    (tmp_path / "plain.txt").write_text("the 0.1 0.2 0.3\ncat -1 0 1e-2\n")
    for name in ("header.txt", "plain.txt"):
        vectors = read_word_vectors(tmp_path / name)
        assert sorted(vectors) == ["cat", "the"]
        np.testing.assert_allclose(vectors["cat"], [-1.0, 0.0, 0.01])
    (tmp_path / "bad.txt").write_text("the 0.1 0.2 0.3\ncat 0.1 0.2\n")
    with pytest.raises(ValueError, match="bad.txt line 2: 2 numbers, expected 3"):
        read_word_vectors(tmp_path / "bad.txt")
    (tmp_path / "words.txt").write_text("the cat sat\n")
    with pytest.raises(ValueError, match="line 1: expected `word v1 v2 ...` numbers"):
        read_word_vectors(tmp_path / "words.txt")


def test_train_word_vectors_gives_a_vector_per_word():
    pytest.importorskip("keras_models.text.word2vec", reason="keras_models.text.word2vec is not there yet")
    texts = ["the cat sat on the mat", "the dog ran"] * 20
    vectors = train_word_vectors(texts, dim=8)
    assert {"the", "cat", "dog", "mat"} <= set(vectors) and all(len(v) == 8 for v in vectors.values())


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"variant": "static"}, "variant 'static' needs pretrained word vectors"),
        ({"variant": "non-static"}, "variant 'non-static' needs pretrained word vectors"),
        ({"variant": "multichannel"}, "variant 'multichannel' needs pretrained word vectors"),
        ({"variant": "rand", "embeddings": np.zeros((6, 4))}, "pass no embeddings"),
        ({"variant": "static", "embeddings": np.zeros((2, 4))}, "embeddings must be"),
        ({"variant": "dynamic"}, "variant must be one of rand, static, non-static, multichannel"),
        ({"max_length": 4}, "at least the widest filter"),
        ({"num_classes": 1}, "num_classes >= 2"),
    ],
)
def test_bad_arguments_say_what_is_wrong(kwargs, match):
    with pytest.raises(ValueError, match=match):
        KimCNN(VOCABULARY, **{"num_classes": 2, **kwargs})
