"""CharCNN: the harness, the paper's quantization and frame lengths, learning, raw-string serving."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_models.text.char_cnn import ALPHABET, CharacterPreprocessor, CharCNN, output_frames
from tests.keras_harness import check_model

TEXTS = ["The cat sat.", "", "A dog ran! 42 times\n" * 12]
TINY = {"max_length": 123, "features": 8, "fc_units": 16}  # 123: the shortest the six convolutions take


def _id(character):
    return ALPHABET.index(character) + 1


def test_harness(tmp_path):
    def build():
        return CharCNN(num_classes=3, **TINY)

    ids = build().preprocessor(tf.constant(TEXTS))
    model = check_model(build, ids, (3, 3), tmp_path)
    assert model.get_layer("conv1").kernel.shape == (7, 70, 8) and model.get_layer("fc8").kernel.shape == (
        16,
        16,
    )


def test_the_alphabet_is_the_papers():
    assert len(ALPHABET) == 70 and ALPHABET[:36] == "abcdefghijklmnopqrstuvwxyz0123456789"
    assert ALPHABET[-1] == "\n" and len(set(ALPHABET)) == 69  # the paper lists "-" twice


def test_quantization_of_a_known_string():
    layer = CharacterPreprocessor(max_length=8)
    # Read backwards: position 0 is the last character. Uppercase is lowercase; a blank, a tab and
    # non-ASCII letters are unknown (0), as is the padding.
    ids = layer(tf.constant(["Hi, 2\t!", "é-Z\n", "abcdefghij"])).numpy()
    assert ids.dtype == np.int32 and ids.shape == (3, 8)
    np.testing.assert_array_equal(ids[0], [_id("!"), 0, _id("2"), 0, _id(","), _id("i"), _id("h"), 0])
    np.testing.assert_array_equal(ids[1], [70, 26, 37, 0, 0, 0, 0, 0])
    assert _id("-") == 37 and _id("\n") == 70
    # A longer text keeps its last max_length characters.
    np.testing.assert_array_equal(ids[2], [_id(c) for c in "jihgfedc"])
    forward = CharacterPreprocessor(max_length=4, backward=False, lowercase=False)
    np.testing.assert_array_equal(forward(tf.constant(["aBcd!"])).numpy(), [[1, 0, 3, 4]])


def test_one_hot_vectors_reach_the_first_convolution():
    model = CharCNN(num_classes=2, **TINY)
    one_hot = keras.Model(model.input, model.get_layer("conv1").input)
    ids = model.preprocessor(tf.constant(["ab é"]))
    vectors = one_hot(ids).numpy()[0]
    assert vectors.shape == (123, 70)
    np.testing.assert_array_equal(vectors.sum(-1)[:6], [0, 0, 1, 1, 0, 0])  # é, blank, b, a, padding
    assert vectors[2, 1] == 1 and vectors[3, 0] == 1  # b is channel 1, a channel 0


def test_layer_lengths_are_the_papers():
    # Small model at l0 = 1014: frames after each convolution and pooling; 34 = (1014 - 96) / 27.
    model = CharCNN(num_classes=4)
    lengths = {
        name: model.get_layer(name).output.shape[1:]
        for name in ("conv1", "pool1", "conv2", "pool2", "conv3", "conv4", "conv5", "conv6", "pool6")
    }
    assert lengths == {
        "conv1": (1008, 256),
        "pool1": (336, 256),
        "conv2": (330, 256),
        "pool2": (110, 256),
        "conv3": (108, 256),
        "conv4": (106, 256),
        "conv5": (104, 256),
        "conv6": (102, 256),
        "pool6": (34, 256),
    }
    assert output_frames(1014) == (1014 - 96) // 27 == 34
    assert model.get_layer("fc7").kernel.shape == (34 * 256, 1024)
    initial = model.get_layer("fc7").kernel_initializer
    assert initial.stddev == 0.05 and model.get_layer("dropout7").rate == 0.5
    with keras.StatelessScope(initialize_variables=False):  # the large model's shapes, no weights drawn
        large = CharCNN(num_classes=4, size="large")
        assert large.get_layer("pool6").output.shape[1:] == (34, 1024)
        assert large.get_layer("fc8").kernel.shape == (2048, 2048)
        assert large.get_layer("conv3").kernel_initializer.stddev == 0.02
    keras.backend.clear_session()


def test_learns_which_characters_a_text_uses_from_raw_strings(tmp_path):
    # Class 0 texts use the letters a-m, class 1 texts n-z, with blanks and digits around them.
    rng = np.random.default_rng(0)
    texts, labels = [], []
    for _ in range(320):
        label = int(rng.integers(2))
        letters = list("abcdefghijklm" if label == 0 else "nopqrstuvwxyz") + [" "] * 4 + list("0123")
        texts.append("".join(rng.choice(letters, int(rng.integers(20, 80)))))
        labels.append(label)
    texts, labels = np.array(texts, dtype=object), np.array(labels)
    keras.utils.set_random_seed(0)
    # 64 features: fewer leave the paper's N(0, 0.05) weights too small for a signal to cross 8 layers.
    model = CharCNN.from_texts(
        texts[:256], labels[:256], dropout=0.1, **{**TINY, "features": 64, "fc_units": 64}
    )
    model.compile(
        optimizer=keras.optimizers.Adam(0.002), loss="sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    model.fit(texts[:256], labels[:256], batch_size=32, epochs=6, verbose=0)
    probabilities = model.predict(texts[256:], verbose=0)
    assert np.mean(probabilities.argmax(-1) == labels[256:]) >= 0.95
    # A raw-strings SavedModel serves the same probabilities.
    tf.saved_model.save(model, str(tmp_path / "saved"))
    served = tf.saved_model.load(str(tmp_path / "saved")).signatures["serving_default"]
    np.testing.assert_allclose(
        served(text=tf.constant(list(texts[256:])))["probabilities"].numpy(), probabilities, atol=1e-5
    )


def test_mixed_float16_outputs_float32_probabilities():
    keras.mixed_precision.set_dtype_policy("mixed_float16")
    try:
        model = CharCNN(num_classes=3, **TINY)
        probabilities = model(model.preprocessor(tf.constant(TEXTS)))
    finally:
        keras.mixed_precision.set_dtype_policy("float32")
    assert model.get_layer("conv1").compute_dtype == "float16" and probabilities.dtype == tf.float32
    np.testing.assert_allclose(probabilities.numpy().sum(-1), 1.0, rtol=1e-5)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"num_classes": 1}, "num_classes >= 2"),
        ({"num_classes": 2, "size": "huge"}, "size must be one of small, large"),
        ({"num_classes": 2, "max_length": 122}, "max_length must be at least 123"),
        ({"num_classes": 2, "dropout": 1.0}, "dropout"),
    ],
)
def test_bad_arguments_say_what_is_wrong(kwargs, match):
    with pytest.raises(ValueError, match=match):
        CharCNN(**kwargs)
