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


@pytest.mark.parametrize("kwargs", [{"input_shape": (64, 64, 1)}, {"pooling": "median"}])
def test_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        LeNet5(**kwargs)


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
