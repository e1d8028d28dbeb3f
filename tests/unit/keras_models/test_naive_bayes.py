"""MultinomialNaiveBayes: the harness, scikit-learn's MultinomialNB as reference, fit's History, serving."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from scipy import sparse
from sklearn.naive_bayes import MultinomialNB

from components.text_example_gen import formats
from keras_models.text import normalize
from keras_models.text.fasttext_preprocessor import EOS
from keras_models.text.naive_bayes import MultinomialLogLikelihood, MultinomialNaiveBayes
from tests.conftest import FIXTURES
from tests.keras_harness import check_model

VOCABULARY = ["</s>", "the", "cat", "sat", "dog", "ran"]
TEXTS = ["the cat sat", "a dog ran", ""]


def _generated(seed, num_texts=300, num_words=80, num_classes=3):
    """Texts whose words each class draws from its own skewed distribution; some upper case, punctuated."""
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(num_words)]
    preferences = rng.dirichlet(np.full(num_words, 0.3), size=num_classes)
    texts, labels = [], []
    for i in range(num_texts):
        label = int(rng.integers(num_classes))
        text = " ".join(rng.choice(words, int(rng.integers(0, 40)), p=preferences[label]))
        texts.append(text.upper() + "!" if i % 5 == 0 else text)
        labels.append(label)
    return np.array(texts, dtype=object), np.array(labels)


def _count_matrix(texts, vocabulary):
    """CountVectorizer's matrix of fastText's tokens (what the preprocessor makes), built in Python."""
    index = {word: i for i, word in enumerate(vocabulary)}
    rows, columns = [], []
    for row, text in enumerate(texts):
        for token in [*normalize(text).split(), EOS]:
            if token in index:
                rows.append(row)
                columns.append(index[token])
    return sparse.csr_matrix((np.ones(len(rows)), (rows, columns)), shape=(len(texts), len(vocabulary)))


def test_harness(tmp_path):
    def build():
        return MultinomialNaiveBayes(VOCABULARY, num_classes=3)

    ids = build().preprocessor(tf.constant(TEXTS))
    model = check_model(build, ids, (3, 3), tmp_path)
    # Unfitted: uniform priors and word likelihoods, so every class is equally likely.
    np.testing.assert_allclose(model(ids).numpy(), 1 / 3, rtol=1e-6)
    assert model.get_layer("log_likelihood").feature_log_prob.shape == (6, 3) and not model.trainable_weights


@pytest.mark.parametrize("alpha, fit_prior", [(1.0, True), (0.25, True), (2.0, False)])
def test_same_predictions_as_scikit_learns_multinomial_nb(alpha, fit_prior):
    texts, labels = _generated(seed=int(alpha * 4))
    model = MultinomialNaiveBayes.from_texts(texts[:200], labels[:200], alpha=alpha, fit_prior=fit_prior)
    model.fit(texts[:200], labels[:200], verbose=0)
    vocabulary = model.preprocessor.vocabulary
    reference = MultinomialNB(alpha=alpha, fit_prior=fit_prior).fit(
        _count_matrix(texts[:200], vocabulary), labels[:200]
    )
    held_out = _count_matrix(texts[200:], vocabulary)
    np.testing.assert_allclose(
        model.predict_log_proba(texts[200:]), reference.predict_log_proba(held_out), atol=1e-5
    )
    np.testing.assert_array_equal(
        model.predict(texts[200:], verbose=0).argmax(-1), reference.predict(held_out)
    )
    layer = model.get_layer("log_likelihood")
    np.testing.assert_allclose(layer.feature_log_prob.numpy(), reference.feature_log_prob_.T, atol=1e-12)
    np.testing.assert_allclose(layer.class_log_prior.numpy(), reference.class_log_prior_, atol=1e-12)


def test_fit_is_one_closed_form_epoch_that_callbacks_see():
    texts, labels = _generated(seed=3)
    model = MultinomialNaiveBayes.from_texts(texts, labels)
    epochs = []
    callback = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: epochs.append((epoch, logs)))
    history = model.fit(texts[:200], labels[:200], epochs=5, callbacks=[callback], verbose=0,
                        validation_data=(texts[200:], labels[200:]))  # fmt: skip
    assert isinstance(history, keras.callbacks.History) and model.history is history
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(values) == 1 for values in history.history.values()) and [e for e, _ in epochs] == [0]
    evaluated = model.evaluate(texts[200:], labels[200:], verbose=0, return_dict=True)
    assert evaluated["accuracy"] == pytest.approx(history.history["val_accuracy"][0])
    assert evaluated["loss"] == pytest.approx(history.history["val_loss"][0], rel=1e-4)
    # Fitting again on other texts replaces the counts: no state from the first fit remains.
    model.fit(texts[200:], labels[200:], verbose=0)
    fresh = MultinomialNaiveBayes.from_texts(texts, labels)
    fresh.fit(texts[200:], labels[200:], verbose=0)
    np.testing.assert_array_equal(model.predict_log_proba(texts[:50]), fresh.predict_log_proba(texts[:50]))


def test_learns_the_small_ag_news_fixture_and_serves_raw_strings(tmp_path):
    classes = formats.read_classes(FIXTURES / "ag_news_small")
    splits = {}
    for split in ("train", "dev"):
        names, texts = formats.load(str(FIXTURES / "ag_news_small" / f"{split}.csv"), "ag_news", classes)
        splits[split] = (np.array(texts, dtype=object), np.array([classes.index(name) for name in names]))
    model = MultinomialNaiveBayes.from_texts(*splits["train"])
    model.fit(*splits["train"], verbose=0)
    dev_texts, dev_labels = splits["dev"]
    probabilities = model.predict(dev_texts, verbose=0)
    # 400 training texts, 4 balanced classes: chance is 0.25.
    assert probabilities.dtype == np.float32 and np.mean(probabilities.argmax(-1) == dev_labels) >= 0.75

    model.save(tmp_path / "nb.keras")
    restored = keras.saving.load_model(tmp_path / "nb.keras")
    np.testing.assert_array_equal(restored.predict(dev_texts, verbose=0), probabilities)
    assert restored.evaluate(dev_texts, dev_labels, verbose=0, return_dict=True)["accuracy"] >= 0.75
    tf.saved_model.save(model, str(tmp_path / "saved"))
    served = tf.saved_model.load(str(tmp_path / "saved")).signatures["serving_default"]
    np.testing.assert_allclose(
        served(text=tf.constant(list(dev_texts)))["probabilities"], probabilities, atol=1e-6
    )


def test_log_likelihood_layer_counts_repeats_and_takes_ragged_or_sparse_ids():
    layer = MultinomialLogLikelihood(num_words=3, num_classes=2)
    layer.build()
    layer.feature_log_prob.assign(np.log([[0.5, 0.2], [0.3, 0.2], [0.2, 0.6]]))
    layer.class_log_prior.assign(np.log([0.4, 0.6]))
    ids = tf.ragged.constant([[0, 2, 2], []], dtype=tf.int64)
    expected = np.log([[0.4 * 0.5 * 0.2 * 0.2, 0.6 * 0.2 * 0.6 * 0.6], [0.4, 0.6]])
    np.testing.assert_allclose(layer(ids).numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(layer(ids.to_sparse()).numpy(), expected, rtol=1e-12)
    assert layer(ids).dtype == tf.float64


@pytest.mark.parametrize(
    "kwargs, match",
    [({"num_classes": 1}, "num_classes >= 2"), ({"num_classes": 2, "alpha": 0.0}, "alpha must be above 0")],
)
def test_bad_arguments_say_what_is_wrong(kwargs, match):
    with pytest.raises(ValueError, match=match):
        MultinomialNaiveBayes(VOCABULARY, **kwargs)


def test_bad_labels_say_what_is_wrong():
    model = MultinomialNaiveBayes(VOCABULARY, num_classes=2)
    with pytest.raises(ValueError, match="got 3 texts but 2 labels"):
        model.fit(TEXTS, [0, 1])
    with pytest.raises(ValueError, match=r"class ids in \[0, 2\)"):
        model.fit(TEXTS, [0, 1, 2])
    with pytest.raises(ValueError, match="fit needs labels"):
        model.fit(TEXTS)
