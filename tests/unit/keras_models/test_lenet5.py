import keras
import numpy as np
import pytest

from keras_models.vision import LeNet5
from tests.keras_harness import check_model


@pytest.fixture
def images():
    return np.random.default_rng(0).random((3, 28, 28, 1), dtype=np.float32)


def test_harness(images, tmp_path):
    check_model(lambda: LeNet5(num_classes=10, activation="relu", pooling="max"), images, (3, 10), tmp_path)


def test_architecture_follows_the_paper():
    model = LeNet5(num_classes=10)
    shapes = {
        name: model.get_layer(name).output.shape[1:]
        for name in ("pad_to_32", "c1", "s2", "c3", "s4", "c5", "f6")
    }
    assert shapes == {
        "pad_to_32": (32, 32, 1),
        "c1": (28, 28, 6),
        "s2": (14, 14, 6),
        "c3": (10, 10, 16),
        "s4": (5, 5, 16),
        "c5": (1, 1, 120),
        "f6": (84,),
    }
    # 156 (C1) + 2,416 (C3) + 48,120 (C5) + 10,164 (F6) + 850 (output).
    assert model.count_params() == 61_706


def test_outputs_are_probabilities(images):
    probabilities = keras.ops.convert_to_numpy(LeNet5(num_classes=10)(images))
    np.testing.assert_allclose(probabilities.sum(axis=-1), 1.0, rtol=1e-5)


def test_32x32_input_needs_no_padding():
    model = LeNet5(num_classes=4, input_shape=(32, 32, 3))
    assert model.get_layer("c1").output.shape[1:] == (28, 28, 6)
    assert model(np.zeros((1, 32, 32, 3), "float32")).shape == (1, 4)


def test_mixed_precision_keeps_float32_probabilities(images):
    model = LeNet5(num_classes=10, dtype="mixed_float16")
    assert model.get_layer("c1").compute_dtype == "float16"
    assert keras.ops.convert_to_numpy(model(images)).dtype == np.float32
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    assert isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"input_shape": (64, 64, 1)}, "up to 32x32"),
        ({"pooling": "median"}, "pooling must be"),
        ({"num_classes": 0}, "num_classes must be at least 2, got 0"),
        ({"num_classes": 1}, "num_classes must be at least 2, got 1"),
        ({"input_shape": (28, 28)}, "input_shape is \\(height, width, channels\\)"),
    ],
)
def test_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        LeNet5(**kwargs)


def test_batches_of_the_wrong_shape_get_a_value_error_that_says_what_to_pass():
    model = LeNet5()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match=r"got shape \(4, 784\)\. Flattened images\? Reshape them"):
        model.predict(np.zeros((4, 784), "float32"), verbose=0)
    with pytest.raises(ValueError, match="A single image\\? Add a batch axis"):
        model.predict(np.zeros((28, 28, 1), "float32"), verbose=0)
    with pytest.raises(ValueError, match=r"takes images of shape \(batch, 28, 28, 1\) or \(batch, 28, 28\)"):
        model.fit(np.zeros((2, 32, 32, 3), "float32"), np.zeros(2), verbose=0)
    with pytest.raises(ValueError, match="got shape"):
        model.evaluate(np.zeros((2, 28, 28, 3), "float32"), np.zeros(2), verbose=0)


def test_batches_without_a_channel_axis_and_nested_lists_are_taken():
    model = LeNet5()
    images = np.random.default_rng(0).uniform(0, 1, (3, 28, 28)).astype("float32")
    expected = model.predict(images[..., None], verbose=0)
    np.testing.assert_allclose(model.predict(images, verbose=0), expected, rtol=1e-5)
    np.testing.assert_allclose(model.predict(images.tolist(), verbose=0), expected, rtol=1e-5)


def test_learns_a_separable_problem():
    """A broken model (wrong wiring, frozen weights) would stay at chance here."""
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 2, 512)
    images = rng.normal(0.0, 0.3, (512, 28, 28, 1)).astype("float32")
    images[labels == 1, 4:14, 4:14] += 1.0  # class 1: a bright top-left square
    model = LeNet5(num_classes=2)
    model.compile(
        optimizer=keras.optimizers.Adam(3e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    model.fit(images[:384], labels[:384], epochs=3, batch_size=32, verbose=0)
    _, accuracy = model.evaluate(images[384:], labels[384:], verbose=0)
    assert accuracy > 0.95
