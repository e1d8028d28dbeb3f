import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_models.vision import zoo
from keras_models.vision.resnet import ResNet
from tests.keras_harness import check_model


@pytest.fixture
def images():
    return np.random.default_rng(0).random((4, 28, 28, 1), dtype=np.float32)


@pytest.mark.parametrize(
    "depth, paper_millions",
    # He et al. 2015, table 6 (CIFAR-10, option A shortcuts).
    [(20, 0.27), (32, 0.46), (44, 0.66), (56, 0.85), (110, 1.7)],
)
def test_parameter_counts_match_the_paper(depth, paper_millions):
    model = ResNet(depth=depth, num_classes=10, input_shape=(32, 32, 3))
    assert model.count_params() / 1e6 == pytest.approx(paper_millions, rel=0.03)
    # 6n + 2 weighted layers: the convolutions and the softmax layer.
    weighted = [
        layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D | keras.layers.Dense)
    ]
    assert len(weighted) == depth


@pytest.mark.parametrize("name", ["resnet20", "resnet20_v2", "plain20"])
def test_harness(name, images, tmp_path):
    check_model(lambda: zoo.build(name, 10, (28, 28, 1)), images, (4, 10), tmp_path)


def test_plain_network_has_no_shortcuts_and_v2_is_pre_activation():
    plain = zoo.build("plain20", 10, (28, 28, 1))
    assert not [layer for layer in plain.layers if isinstance(layer, keras.layers.Add)]
    residual = zoo.build("resnet20", 10, (28, 28, 1))
    assert len([layer for layer in residual.layers if isinstance(layer, keras.layers.Add)]) == 9
    v2 = zoo.build("resnet20_v2", 10, (28, 28, 1))
    # A v2 unit adds the raw convolution output: no BN or ReLU between its last conv and the add.
    add = v2.get_layer("stage1_unit2_add")
    assert {node.operation.name for node in add._inbound_nodes[0].parent_nodes} == {
        "stage1_unit1_add",
        "stage1_unit2_conv2",
    }


def test_identity_shortcut_subsamples_and_zero_pads():
    model = ResNet(depth=20, num_classes=10, input_shape=(8, 8, 16))
    shortcut = model.get_layer("stage2_unit1_shortcut")
    x = np.arange(2 * 8 * 8 * 16, dtype="float32").reshape(2, 8, 8, 16)
    y = keras.ops.convert_to_numpy(shortcut(x))
    assert y.shape == (2, 4, 4, 32)
    np.testing.assert_array_equal(y[..., 8:24], x[:, ::2, ::2, :])
    assert not y[..., :8].any() and not y[..., 24:].any()


def test_projection_shortcuts_add_1x1_convolutions():
    identity = ResNet(depth=20, input_shape=(32, 32, 3))
    projection = ResNet(depth=20, input_shape=(32, 32, 3), shortcut="projection")
    # Two shape changes: 16->32 and 32->64 channels, each a 1x1 conv (and BN: 4 weights per channel).
    extra = (16 * 32 + 4 * 32) + (32 * 64 + 4 * 64)
    assert projection.count_params() - identity.count_params() == extra


def test_builds_for_imagenet_sized_inputs_with_the_imagenet_stem():
    model = ResNet(depth=20, num_classes=1000, input_shape=(224, 224, 3))
    assert model.get_layer("stem_pool").output.shape[1:3] == (56, 56)
    assert model(np.zeros((1, 224, 224, 3), "float32")).shape == (1, 1000)


def test_bad_arguments_say_what_is_allowed():
    with pytest.raises(ValueError, match=r"6n \+ 2"):
        ResNet(depth=21)
    with pytest.raises(ValueError, match="shortcut must be"):
        ResNet(shortcut="dense")
    with pytest.raises(ValueError, match="unknown model 'resnet21'; choose one of: lenet5"):
        zoo.build("resnet21", 10, (28, 28, 1))


def test_trains_a_step_and_round_trips_through_a_saved_model(images, tmp_path):
    model = zoo.build("resnet20", 10, (28, 28, 1), weight_decay=1e-4)
    model.compile(keras.optimizers.SGD(0.1, momentum=0.9), "sparse_categorical_crossentropy")
    before = [w.copy() for w in model.get_weights()]
    history = model.fit(images, np.arange(4), epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert any(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
    # The L2 penalties of every conv and the dense kernel are part of the loss.
    assert len(model.losses) == 20

    path = str(tmp_path / "saved")
    model.export(path)
    restored = tf.saved_model.load(path)
    np.testing.assert_allclose(
        restored.serve(tf.constant(images)).numpy(), model.predict(images, verbose=0), rtol=1e-5, atol=1e-6
    )


def test_mixed_precision_trains_and_keeps_float32_probabilities(images):
    model = zoo.build("resnet20_v2", 10, (28, 28, 1), dtype="mixed_float16")
    assert model.get_layer("stage1_unit1_conv1").compute_dtype == "float16"
    model.compile(keras.optimizers.SGD(0.05), "sparse_categorical_crossentropy")
    assert isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)
    history = model.fit(images, np.arange(4), epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert model(images).dtype == "float32"
