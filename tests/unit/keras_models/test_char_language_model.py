"""CharLanguageModel: harness, text <-> ids, scoring, generation (eager, traced, SavedModel), learning."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_models.sequence import CharLanguageModel
from tests.keras_harness import check_model

VOCABULARY = list("abct \n—.")
GENERATE_SPECS = (
    tf.TensorSpec([None, None], tf.int32),
    tf.TensorSpec([None], tf.int32),
    tf.TensorSpec([], tf.int32),
    tf.TensorSpec([], tf.float32),
    tf.TensorSpec([], tf.int32),
    tf.TensorSpec([], tf.int64),
)


def _model(cell="gru", scale=None, **kwargs):
    """A small model; `scale` redraws its weights larger, so outputs depend strongly on the context."""
    keras.utils.set_random_seed(0)
    model = CharLanguageModel(VOCABULARY, cell=cell, units=16, embedding_dim=8, **kwargs)
    if scale:
        rng = np.random.default_rng(0)
        model.set_weights([rng.normal(0.0, scale, w.shape).astype(w.dtype) for w in model.get_weights()])
    return model


def _generate(model, prompts, length, temperature=0.0, top_k=0, seed=0, function=None):
    ids, lengths = model.ids_from_text(tf.constant(prompts))
    function = function or model.generate_ids
    return function(ids, lengths, length, temperature, top_k, tf.constant(seed, tf.int64)).numpy()


@pytest.mark.parametrize("cell", ["simple_rnn", "gru", "lstm", "orthogonal_rnn"])
def test_harness(cell, tmp_path):
    ids = np.random.default_rng(0).integers(0, len(VOCABULARY) + 1, (3, 7))

    def build():
        return CharLanguageModel(VOCABULARY, cell=cell, units=16, num_layers=2, embedding_dim=8, dropout=0.1)

    model = check_model(build, ids, (3, 7, len(VOCABULARY) + 1), tmp_path)
    assert model.get_config()["vocabulary"] == VOCABULARY
    assert model(ids).dtype == "float32"


def test_vocabulary_and_arguments_are_checked():
    model = CharLanguageModel.from_text("the cat sat.\n", units=4)
    assert model.vocabulary == sorted(set("the cat sat.\n"))
    assert model.vocabulary_size == len(model.vocabulary) + 1 == model.unknown_id + 1
    for bad, word in [
        (dict(vocabulary="abc"), "vocabulary"),
        (dict(vocabulary=["a", "bc"]), "vocabulary"),
        (dict(vocabulary=["a", "b", "a"]), "distinct"),
        (dict(vocabulary=[]), "vocabulary"),
        (dict(vocabulary=VOCABULARY, cell="rnn"), "cell"),
        (dict(vocabulary=VOCABULARY, units=0), "units"),
        (dict(vocabulary=VOCABULARY, num_layers=0), "num_layers"),
        (dict(vocabulary=VOCABULARY, dropout=1.0), "dropout"),
        (dict(vocabulary=VOCABULARY, clip_norm=0), "clip_norm"),
    ]:
        with pytest.raises(ValueError, match=word):
            CharLanguageModel(**bad)


def test_ids_from_text_and_back():
    model = _model()
    texts = ["ab—\nc", "", "tab z", "\n"]
    ids, lengths = model.ids_from_text(tf.constant(texts))
    unknown = model.unknown_id
    assert ids.dtype == tf.int32 and lengths.dtype == tf.int32
    np.testing.assert_array_equal(lengths, [5, 0, 5, 1])
    np.testing.assert_array_equal(
        ids,
        [[0, 1, 6, 5, 2], [unknown] * 5, [3, 0, 1, 4, unknown], [5] + [unknown] * 4],
    )
    back = [t.decode("utf-8") for t in model.text_from_ids(ids).numpy()]
    assert [b[:n] for b, n in zip(back, lengths.numpy())] == ["ab—\nc", "", "tab \ufffd", "\n"]
    np.testing.assert_array_equal(model.encode("tab z"), ids[2])
    assert model.decode(model.encode("ab—\nz")) == "ab—\n\ufffd"
    # Traced with symbolic shapes, as a serving signature runs it.
    traced = tf.function(model.ids_from_text).get_concrete_function(tf.TensorSpec([None], tf.string))
    np.testing.assert_array_equal(traced(tf.constant(texts))[0], ids)


def test_score_ids_matches_numpy_and_ignores_padding():
    model = _model("lstm", scale=0.5)
    rng = np.random.default_rng(1)
    ids = rng.integers(0, model.vocabulary_size, (4, 9)).astype(np.int32)
    lengths = np.array([9, 5, 1, 0], np.int32)
    bits, counted = model.score_ids(ids, lengths)
    logits = keras.ops.convert_to_numpy(model(ids)).astype(np.float64)
    log_probs = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    expected = [
        -sum(log_probs[i, t - 1, ids[i, t]] for t in range(1, n)) / np.log(2) for i, n in enumerate(lengths)
    ]
    np.testing.assert_allclose(bits, expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(counted, [8, 4, 0, 0])
    # Whatever fills the padding (even invalid ids), the bits stay.
    noisy = ids.copy()
    for i, n in enumerate(lengths):
        noisy[i, n:] = rng.integers(-3, model.vocabulary_size + 3, 9 - n)
    np.testing.assert_allclose(model.score_ids(noisy, lengths)[0], bits, rtol=1e-6)
    text = model.decode(ids[0])
    np.testing.assert_allclose(
        model.bits_per_character([text, "a", ""]), [expected[0] / 8, np.nan, np.nan], rtol=1e-5
    )


def test_generation_is_reproducible():
    model = _model("lstm")
    greedy = _generate(model, ["ab"], 50)
    assert greedy.shape == (1, 50) and greedy.dtype == np.int32
    np.testing.assert_array_equal(_generate(model, ["ab"], 50), greedy)
    sampled = _generate(model, ["ab"], 50, temperature=1.0, seed=7)
    np.testing.assert_array_equal(_generate(model, ["ab"], 50, temperature=1.0, seed=7), sampled)
    assert not np.array_equal(_generate(model, ["ab"], 50, temperature=1.0, seed=8), sampled)
    # top_k=1 is greedy; ids stay in range.
    np.testing.assert_array_equal(_generate(model, ["ab"], 50, temperature=1.0, top_k=1, seed=3), greedy)
    assert sampled.min() >= 0 and sampled.max() < model.vocabulary_size
    assert _generate(model, ["ab"], 0).shape == (1, 0)
    assert len(model.generate("ab", length=12, seed=1)) == 12
    assert model.generate("ab", length=12, seed=1) == model.generate("ab", length=12, seed=1)


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_batch_of_prompts_equals_each_prompt_alone(cell):
    model = _model(cell, scale=0.8, num_layers=2)
    prompts = ["ab—c", "", "t", "cat \nb"]
    batch = _generate(model, prompts, 12)
    alone = np.concatenate([_generate(model, [p], 12) for p in prompts])
    np.testing.assert_array_equal(batch, alone)
    assert len({tuple(row) for row in batch}) > 1, "the prompts should lead to different continuations"
    # An empty batch width (every prompt empty) is fine too.
    np.testing.assert_array_equal(_generate(model, ["", ""], 12), alone[[1, 1]])


def test_generation_traced_and_in_a_saved_model(tmp_path):
    model = _model("gru", scale=0.8)
    traced = tf.function(model.generate_ids).get_concrete_function(*GENERATE_SPECS)
    prompts = ["ab", "", "c—t."]
    eager = _generate(model, prompts, 20, temperature=0.8, top_k=3, seed=5)
    np.testing.assert_array_equal(_generate(model, prompts, 20, 0.8, 3, 5, function=traced), eager)

    model.generate("ab", length=3)  # the Python conveniences' own traced functions are not saved
    module = tf.Module()
    module.model = model

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string), *GENERATE_SPECS[2:]])
    def generate(prompts, length, temperature, top_k, seed):
        ids, lengths = model.ids_from_text(prompts)
        return {
            "text": model.text_from_ids(model.generate_ids(ids, lengths, length, temperature, top_k, seed))
        }

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
    def score(texts):
        bits, counted = model.score_ids(*model.ids_from_text(texts))
        return {"bits": bits, "counted": counted}

    tf.saved_model.save(module, str(tmp_path / "lm"), signatures={"generate": generate, "score": score})
    restored = tf.saved_model.load(str(tmp_path / "lm"))
    args = dict(length=tf.constant(20), temperature=tf.constant(0.8), top_k=tf.constant(3))
    texts = restored.signatures["generate"](
        prompts=tf.constant(prompts), seed=tf.constant(5, tf.int64), **args
    )
    assert [t.decode("utf-8") for t in texts["text"].numpy()] == [model.decode(row) for row in eager]
    scores = restored.signatures["score"](texts=tf.constant(["abc.", "t"]))
    bits, counted = model.score_ids(*model.ids_from_text(tf.constant(["abc.", "t"])))
    np.testing.assert_allclose(scores["bits"], bits, rtol=1e-5)
    np.testing.assert_array_equal(scores["counted"], counted)


def test_learns_a_periodic_text():
    text = "the cat sat. " * 200
    keras.utils.set_random_seed(2)
    model = CharLanguageModel.from_text(text, cell="lstm", units=32, embedding_dim=16, clip_norm=1.0)
    ids = model.encode(text)
    starts = np.random.default_rng(2).integers(0, len(ids) - 33, 32 * 250)
    windows = ids[starts[:, None] + np.arange(33)]
    model.compile(keras.optimizers.Adam(0.01))
    model.fit(windows[:, :-1], windows[:, 1:], batch_size=32, epochs=1, verbose=0)
    assert model.bits_per_character(text)[0] < 0.3
    assert model.generate("the c", length=26, temperature=0) == "at sat. the cat sat. the c"


def test_compile_clips_by_global_norm(tmp_path):
    model = _model(clip_norm=2.5)
    model.compile()
    assert model.optimizer.global_clipnorm == 2.5
    assert isinstance(model.loss, keras.losses.SparseCategoricalCrossentropy)
    # A compiled model comes back from a .keras file compiled, optimizer state included.
    ids = np.random.default_rng(0).integers(0, model.vocabulary_size, (2, 6))
    model.train_on_batch(ids[:, :-1], ids[:, 1:])
    model.save(tmp_path / "lm.keras")
    restored = keras.saving.load_model(tmp_path / "lm.keras")
    assert restored.optimizer.global_clipnorm == 2.5 and int(restored.optimizer.iterations) == 1
    restored.train_on_batch(ids[:, :-1], ids[:, 1:])
    model.compile(keras.optimizers.SGD(0.1, clipnorm=1.0))
    assert model.optimizer.clipnorm == 1.0 and model.optimizer.global_clipnorm is None
    unclipped = _model()
    unclipped.compile("adam")
    assert unclipped.optimizer.global_clipnorm is None


@pytest.mark.parametrize("cell", ["lstm", "orthogonal_rnn"])
def test_mixed_precision(cell):
    model = _model(cell, dtype="mixed_float16", clip_norm=1.0)
    ids = np.random.default_rng(0).integers(0, model.vocabulary_size, (4, 11))
    logits = model(ids)
    assert logits.dtype == "float32" and model.recurrent_layers[0].compute_dtype == "float16"
    model.compile()
    assert isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)
    assert model.optimizer.inner_optimizer.global_clipnorm == 1.0
    before = [w.copy() for w in model.get_weights()]
    loss = model.train_on_batch(ids[:, :-1], ids[:, 1:])
    assert np.isfinite(loss)
    assert any(not np.allclose(a, b) for a, b in zip(before, model.get_weights()))
    assert _generate(model, ["ab", ""], 5).shape == (2, 5)
    assert np.isfinite(model.bits_per_character(["abc"])).all()
