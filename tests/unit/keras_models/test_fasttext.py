"""FastText: the shared model harness, raw-string training and serving, and accuracy on real held-out text."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from components.text_example_gen import formats
from keras_models.text import FastText, normalize
from tests.conftest import FIXTURES, SHARED_DATA
from tests.keras_harness import check_model

VOCABULARY = ["</s>", "the", "cat", "sat", "dog", "ran"]
TEXTS = ["the cat sat", "a dog ran", ""]


def _ag_news(folder):
    classes = formats.read_classes(folder)
    splits = {}
    for split, name in (("train", "train.csv"), ("dev", "dev.csv")):
        labels, texts = formats.load(str(folder / name), "ag_news", classes)
        splits[split] = (np.array(texts, dtype=object), np.array([classes.index(label) for label in labels]))
    return splits


@pytest.mark.parametrize("loss", ["softmax", "hs"])
def test_harness(loss, tmp_path):
    def build():
        return FastText(
            VOCABULARY, num_classes=3, dim=8, word_ngrams=2, buckets=100, loss=loss, label_counts=[5, 2, 1]
        )

    ids = build().preprocessor(tf.constant(TEXTS))
    model = check_model(build, ids, (3, 3), tmp_path)
    assert model.get_layer("embedding_bag").embeddings.shape == (6 + 100, 8)


def test_initial_outputs_are_uniform_as_in_fasttext():
    # Output vectors start at zero (fastText's init): every class equally likely.
    probabilities = FastText(VOCABULARY, num_classes=4, dim=8).predict(TEXTS, verbose=0)
    np.testing.assert_allclose(probabilities, 0.25, rtol=1e-6)


def test_learns_the_small_ag_news_fixture_from_raw_strings(tmp_path):
    data = _ag_news(FIXTURES / "ag_news_small")
    keras.utils.set_random_seed(1)
    model = FastText.from_texts(*data["train"], dim=10, word_ngrams=2, buckets=100_000, lr=0.25, epochs=40)
    history = model.fit(*data["train"], validation_data=data["dev"], verbose=0)
    accuracy = np.mean(model.predict(data["dev"][0], verbose=0).argmax(-1) == data["dev"][1])
    # 400 training texts, 4 balanced classes: chance is 0.25; fastText C++ gets ~0.6 here.
    assert accuracy >= 0.6
    assert history.history["val_accuracy"][-1] == pytest.approx(accuracy, abs=1e-6)
    assert model.evaluate(*data["dev"], verbose=0, return_dict=True)["accuracy"] == pytest.approx(accuracy)
    # A raw-strings SavedModel serves the same probabilities.
    tf.saved_model.save(model, str(tmp_path / "saved"))
    served = tf.saved_model.load(str(tmp_path / "saved")).signatures["serving_default"]
    probabilities = served(text=tf.constant(list(data["dev"][0][:8])))["probabilities"].numpy()
    np.testing.assert_allclose(probabilities, model.predict(data["dev"][0][:8], verbose=0), atol=1e-6)


@pytest.mark.skipif(not (SHARED_DATA / "ag_news").is_dir(), reason=f"no AG News at {SHARED_DATA / 'ag_news'}")
@pytest.mark.parametrize("loss", ["softmax", "hs"])
def test_matches_fasttext_cpp_on_ag_news(loss, tmp_path):
    fasttext = pytest.importorskip("fasttext", reason="fasttext-wheel (the [test] extra) is not installed")
    data = _ag_news(SHARED_DATA / "ag_news")
    files = {}
    for split, (texts, labels) in data.items():
        files[split] = tmp_path / f"{split}.txt"
        files[split].write_text("".join(f"__label__{y} {normalize(t)}\n" for t, y in zip(texts, labels)))
    settings = {"dim": 10, "lr": 0.25, "epoch": 5, "wordNgrams": 1, "loss": loss}
    cpp = fasttext.train_supervised(str(files["train"]), thread=1, seed=0, verbose=0, **settings)
    cpp_accuracy = cpp.test(str(files["dev"]))[1]

    keras.utils.set_random_seed(0)
    model = FastText.from_texts(*data["train"], dim=10, lr=0.25, epochs=5, word_ngrams=1, loss=loss)
    model.fit(*data["train"], verbose=0)
    accuracy = np.mean(model.predict(data["dev"][0], verbose=0).argmax(-1) == data["dev"][1])
    # fastText C++ gets ~0.86 here; a broken model gets ~0.25.
    assert accuracy >= 0.83
    assert accuracy >= cpp_accuracy - 0.015, (accuracy, cpp_accuracy)


def test_adam_and_explicit_keras_optimizers_train_too():
    texts = np.array(["good fun film", "great cast", "dull plot", "boring and long"] * 8, dtype=object)
    labels = np.array([1, 1, 0, 0] * 8)
    for optimizer in ("adam", keras.optimizers.SGD(5.0)):
        keras.utils.set_random_seed(0)
        model = FastText.from_texts(texts, labels, dim=8, lr=0.5, epochs=30)
        model.compile(optimizer=optimizer)
        model.fit(texts, labels, batch_size=8, verbose=0)
        assert (model.predict(["a great film", "long and dull"], verbose=0).argmax(-1) == [1, 0]).all()


def test_notebook_mistakes_get_value_errors_that_say_what_to_pass():
    texts, labels = ["good fun film", "dull plot", "great cast", "boring"], [1, 0, 1, 0]
    with pytest.raises(ValueError, match="got 4 texts but 3 labels; pass one label per text"):
        FastText.from_texts(texts, labels[:3])
    with pytest.raises(ValueError, match="num_classes must be at least 2, got 0"):
        FastText.from_texts(texts, num_classes=0)
    model = FastText.from_texts(texts, labels, dim=4)
    with pytest.raises(ValueError, match="got no texts; pass at least one string"):
        model.predict([], verbose=0)
    with pytest.raises(ValueError, match="got 4 texts but 2 labels"):
        model.fit(texts, labels[:2], verbose=0)
    with pytest.raises(ValueError, match=r"labels must be class ids in \[0, 2\); got 0..5"):
        model.fit(texts, [0, 1, 5, 0], verbose=0)
    with pytest.raises(ValueError, match="got 4 texts but 1 labels"):
        model.fit(texts, labels, validation_data=(texts, [1]), verbose=0)
    assert model.predict(texts[:1], verbose=0).shape == (1, 2)
