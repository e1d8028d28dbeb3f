import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_models.vision import FCDenseNet
from tests.keras_harness import check_model

TINY = {"layers_per_block": [1, 2, 1, 2, 1], "growth_rate": 4, "first_filters": 8, "pools": 2, "dropout": 0.1}


@pytest.fixture
def images():
    return np.random.default_rng(0).random((2, 16, 16, 1), dtype=np.float32)


def test_harness(images, tmp_path):
    check_model(
        lambda: FCDenseNet(num_classes=3, input_shape=(16, 16, 1), **TINY), images, (2, 16, 16, 3), tmp_path
    )


def test_the_pipeline_default_takes_64x64_canvases():
    model = FCDenseNet.from_preset("fc_densenet_small")
    probabilities = keras.ops.convert_to_numpy(model(np.zeros((1, 64, 64, 1), "float32")))
    assert probabilities.shape == (1, 64, 64, 11)
    np.testing.assert_allclose(probabilities.sum(axis=-1), 1.0, rtol=1e-5)


# The paper's parameter counts (Table 2 and section 4.1), for 3-channel images and CamVid's 11 classes.
@pytest.mark.parametrize(
    "preset, paper", [("fc_densenet56", 1.5e6), ("fc_densenet67", 3.5e6), ("fc_densenet103", 9.4e6)]
)
def test_parameter_counts_match_the_paper(preset, paper):
    model = FCDenseNet.from_preset(preset, num_classes=11, input_shape=(224, 224, 3))
    assert model.count_params() == pytest.approx(paper, rel=0.1)


def test_feature_maps_of_fc_densenet103_follow_the_paper():
    """Table 2's m: 48 after the first convolution, then the down path's block outputs; the bottleneck
    passes on its 15 x 16 new maps only, transposed-convolved and joined to the skip (896 = 240 + 656);
    each up block likewise passes on its new maps only; the last block's whole stack (256) is
    classified."""
    model = FCDenseNet.from_preset("fc_densenet103", num_classes=11, input_shape=(224, 224, 3))
    channels = lambda name: model.get_layer(name).output.shape[-1]  # noqa: E731
    assert channels("first_conv") == 48
    down = [channels(f"down{i + 1}_concat{n}") for i, n in enumerate([4, 5, 7, 10, 12])]
    assert down == [112, 192, 304, 464, 656]
    assert channels("transition_up1_input") == 15 * 16
    assert [channels(f"transition_up{i + 1}") for i in range(5)] == [240, 192, 160, 112, 80]
    assert [channels(f"skip{i + 1}") for i in range(5)] == [896, 656, 464, 304, 192]
    assert channels("up5_concat4") == 192 + 4 * 16
    assert model.get_layer("transition_down5_pool").output.shape[1:3] == (7, 7)
    assert model.get_layer("probabilities").output.shape[1:] == (224, 224, 11)


def test_other_sizes_divisible_by_two_to_the_pools():
    model = FCDenseNet(num_classes=4, input_shape=(32, 48, 3), **TINY)
    assert model(np.zeros((1, 32, 48, 3), "float32")).shape == (1, 32, 48, 4)


def test_learns_a_per_pixel_rule():
    """Pixels above 0.5 are class 1, the others class 0: a broken network (wiring, frozen weights,
    a wrong axis) stays near the 50 % it starts at."""
    rng = np.random.default_rng(1)
    x = rng.random((64, 8, 8, 1), dtype=np.float32)
    y = (x[..., 0] > 0.5).astype("int32")
    keras.utils.set_random_seed(0)
    model = FCDenseNet(num_classes=2, input_shape=(8, 8, 1), **{**TINY, "dropout": 0.0})
    model.compile(
        optimizer=keras.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    model.fit(x, y, epochs=10, batch_size=16, verbose=0)
    _, accuracy = model.evaluate(x, y, verbose=0)
    assert accuracy > 0.95


def test_saved_model_round_trip(images, tmp_path):
    model = FCDenseNet(num_classes=3, input_shape=(16, 16, 1), **TINY)
    model.export(str(tmp_path / "saved"))
    restored = tf.saved_model.load(str(tmp_path / "saved"))
    np.testing.assert_allclose(
        restored.serve(tf.constant(images)).numpy(),
        keras.ops.convert_to_numpy(model(images, training=False)),
        rtol=1e-5,
        atol=1e-6,
    )


def test_mixed_precision_trains_a_step_with_float32_probabilities():
    images = np.random.default_rng(0).random((2, 8, 8, 1), dtype=np.float32)
    model = FCDenseNet(num_classes=3, input_shape=(8, 8, 1), dtype="mixed_float16", **TINY)
    assert model.get_layer("first_conv").compute_dtype == "float16"
    assert keras.ops.convert_to_numpy(model(images)).dtype == np.float32
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    assert isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)
    before = [w.copy() for w in model.get_weights()]
    loss = model.train_on_batch(images, np.zeros((2, 8, 8), "int32"))
    assert np.isfinite(loss)
    assert any(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"input_shape": (56, 56, 1)}, "divisible by 16, got input_shape=\\(56, 56, 1\\)"),
        ({"layers_per_block": [2, 3, 4]}, "needs 2 \\* pools \\+ 1 = 9 entries"),
        ({"layers_per_block": [2, 3, 0, 5, 4, 3, 2], "pools": 3}, "at least 1 layer"),
        ({"num_classes": 1}, "num_classes of at least 2, got 1"),
        ({"input_shape": (64, 64)}, "input_shape is \\(height, width, channels\\)"),
        ({"dropout": 1.0}, "dropout must be in \\[0, 1\\)"),
        ({"pools": 0, "layers_per_block": 2}, "pools must be at least 1"),
    ],
)
def test_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        FCDenseNet(**kwargs)


def test_unknown_presets_are_named():
    with pytest.raises(
        ValueError, match="unknown FC-DenseNet preset 'fc_densenet42'; the presets are fc_densenet56"
    ):
        FCDenseNet.from_preset("fc_densenet42")


def test_batches_without_a_channel_axis_are_taken():
    model = FCDenseNet(num_classes=3, input_shape=(16, 16, 1), **TINY)
    images = np.random.default_rng(0).random((2, 16, 16)).astype("float32")
    assert model.predict(images, verbose=0).shape == (2, 16, 16, 3)
