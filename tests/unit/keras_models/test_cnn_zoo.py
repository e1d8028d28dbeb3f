"""The CNN zoo of issue 7: AlexNet, VGG A-E, NiN, GoogLeNet and DenseNet, by their zoo names."""

import contextlib

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_models.vision import VGG, AlexNet, DenseNet, GoogLeNet, NetworkInNetwork, zoo
from tests.keras_harness import check_config_round_trip, check_saved_model_file

NAMES = [
    "alexnet",
    *[f"vgg_{c}" for c in ("a", "a_lrn", "b", "c", "d", "e")],
    "nin",
    "googlenet",
    "densenet_bc_100",
    "densenet121",
]
# densenet121 is DenseNet with other blocks and growth rate: densenet_bc_100's round trips cover its code,
# and its 430 layers would add half a minute of saving, loading and tracing.
ROUND_TRIPS = [name for name in NAMES if name != "densenet121"]
# Small dense layers keep the per-step and round-trip tests fast; the paper's sizes are counted below.
SMALL = {"alexnet": {"fc_units": 64}, **{name: {"fc_units": 64} for name in NAMES if name.startswith("vgg")}}


def images(shape, n=2, seed=0):
    return np.random.default_rng(seed).random((n, *shape), dtype=np.float32)


def build(name, shape, **kwargs):
    return zoo.build(name, num_classes=10, input_shape=shape, **{**SMALL.get(name, {}), **kwargs})


def first_conv(model):
    return next(layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D))


# --- parameter counts at 224x224x3 and 1000 classes, against the papers ---


@contextlib.contextmanager
def uninitialized_weights():
    """Models built in here have their variables' shapes but no values: in a StatelessScope Keras
    defers initialization, so the 138 M weights of VGG-16 are never drawn (0.03 s instead of 5)."""
    with keras.StatelessScope(initialize_variables=False):
        yield
    keras.utils.clear_session()  # forgets the deferred variables instead of initializing them later


def count(cls, *args, **kwargs):
    with uninitialized_weights():
        return cls(*args, **kwargs).count_params()


def test_alexnet_has_the_papers_61_million_parameters():
    single = count(AlexNet, num_classes=1000, input_shape=(224, 224, 3))
    assert single == 62_378_344  # one tower: conv2, conv4 and conv5 see all maps
    assert abs(single - 61e6) / 61e6 < 0.03
    # The paper's two GPUs (grouped conv2, conv4, conv5), from its 227x227 crops: "60 million".
    assert count(AlexNet, num_classes=1000, input_shape=(227, 227, 3), towers=2) == 60_965_224


@pytest.mark.parametrize(
    "configuration, expected, paper",
    [("A", 132_863_336, 133e6), ("D", 138_357_544, 138e6), ("E", 143_667_240, 144e6)],
)
def test_vgg_has_table_2s_parameters(configuration, expected, paper):
    params = count(VGG, configuration, num_classes=1000, input_shape=(224, 224, 3))
    assert params == expected
    assert abs(params - paper) / paper < 0.005


def test_googlenet_has_about_7_million_parameters():
    with uninitialized_weights():
        model = GoogLeNet(num_classes=1000, input_shape=(224, 224, 3))
    assert model.count_params() == 6_998_552
    assert 6.8e6 <= model.count_params() <= 7.0e6
    widths = [
        model.get_layer(f"inception{name}_output").output.shape[1:] for name in ("3a", "4a", "4e", "5b")
    ]
    assert widths == [(28, 28, 256), (14, 14, 512), (14, 14, 832), (7, 7, 1024)]


def test_nin_cifar10_network_has_0_97_million_parameters():
    assert count(NetworkInNetwork, num_classes=10, input_shape=(32, 32, 3)) == 966_986


def test_densenet_bc_100_and_121_parameters():
    def trainable(model):
        return sum(int(np.prod(w.shape)) for w in model.trainable_weights)

    with uninitialized_weights():
        bc100 = DenseNet((16, 16, 16), growth_rate=12, num_classes=10, input_shape=(32, 32, 3))
        d121 = DenseNet((6, 12, 24, 16), growth_rate=32, num_classes=1000, input_shape=(224, 224, 3))
    assert trainable(bc100) == 769_162  # the 0.8 M of the paper's table 2
    assert bc100.get_layer("final_bn").output.shape[-1] == 342  # 24 + 16 * 12 -> 108 -> 150 -> 342
    assert trainable(d121) == 7_978_856
    assert d121.count_params() == 8_062_504  # with BN statistics, as keras.applications.DenseNet121
    assert d121.get_layer("final_bn").output.shape[1:] == (7, 7, 1024)


# --- every zoo name: builds, probabilities, one training step, .keras and SavedModel round trips ---


def test_the_zoo_lists_every_model():
    assert set(NAMES) <= set(zoo.names())
    assert zoo.get("vgg_a_lrn").kwargs == {"configuration": "A-LRN"}


def probabilities_of(model, x):
    probabilities = keras.ops.convert_to_numpy(model(x, training=False))
    assert probabilities.shape == (len(x), 10) and probabilities.dtype == np.float32
    np.testing.assert_allclose(probabilities.sum(axis=-1), 1.0, rtol=1e-5)
    return probabilities


@pytest.mark.parametrize("name", NAMES)
def test_builds_trains_a_step_and_round_trips(name, tmp_path):
    keras.utils.set_random_seed(0)
    assert np.all(probabilities_of(build(name, (28, 28, 1)), images((28, 28, 1))) > 0)

    x, y = images((32, 32, 3), seed=1), np.array([3, 7])
    model = build(name, (32, 32, 3))
    assert np.all(probabilities_of(model, x) > 0)  # no probability underflows at the start
    last = [layer for layer in model.layers if layer.trainable_weights][-1]  # logits (NiN: class maps)
    watched = [first_conv(model).kernel, *last.trainable_weights]
    before = [keras.ops.convert_to_numpy(w) for w in watched]
    # One eager step: tracing and optimizing a DenseNet's training graph takes 30 s or more here.
    model.compile(
        optimizer=keras.optimizers.Adam(1e-4), loss="sparse_categorical_crossentropy", run_eagerly=True
    )
    loss = model.fit(x, y, batch_size=2, epochs=1, verbose=0).history["loss"][0]
    assert np.isfinite(loss) and loss > 0
    for old, new in zip(before, watched):
        # Adam's first step moves each weight that has a gradient by 1e-4: it reaches the first layer.
        assert np.abs(keras.ops.convert_to_numpy(new) - old).max() > 5e-5

    if name not in ROUND_TRIPS:
        return
    # The trained model (batch statistics updated) survives the config, a .keras file and a SavedModel.
    check_config_round_trip(model, x)
    check_saved_model_file(model, x, tmp_path)
    tf.saved_model.save(Served(model), str(tmp_path / "saved_model"))
    restored = tf.saved_model.load(str(tmp_path / "saved_model"))  # keep it: it owns the variables
    served = restored.serve(tf.constant(x)).numpy()
    np.testing.assert_allclose(served, probabilities_of(model, x), atol=1e-6)


class Served(tf.Module):
    """A SavedModel of the model's inference function: its variables and one traced `serve`
    (autograph off: half the time of `model.export` for a DenseNet's 350 layers)."""

    def __init__(self, model):
        super().__init__()
        self.model_variables = model.variables
        self.serve = tf.function(
            lambda images: model(images, training=False),
            input_signature=[tf.TensorSpec((None, *model.image_shape), tf.float32)],
            autograph=False,
        )


# --- one of each family under mixed precision; small-image adaptations; the 224x224 path ---


@pytest.mark.parametrize(
    "make",
    [
        lambda dtype: AlexNet(10, (28, 28, 1), fc_units=32, dtype=dtype),
        lambda dtype: VGG("A-LRN", 10, (28, 28, 1), fc_units=32, dtype=dtype),
        lambda dtype: NetworkInNetwork(10, (28, 28, 1), dtype=dtype),
        lambda dtype: GoogLeNet(10, (16, 16, 1), dtype=dtype),
        lambda dtype: DenseNet((2, 2, 2), 12, num_classes=10, input_shape=(28, 28, 1), dtype=dtype),
    ],
    ids=["alexnet", "vgg", "nin", "googlenet", "densenet"],
)
def test_mixed_precision_keeps_float32_probabilities(make):
    model = make("mixed_float16")
    assert first_conv(model).compute_dtype == "float16"
    x = images(model.image_shape, n=2) * 255.0  # unscaled pixels: LRN's squares would overflow float16
    probabilities = keras.ops.convert_to_numpy(model(x))
    assert probabilities.dtype == np.float32 and np.all(np.isfinite(probabilities))
    np.testing.assert_allclose(probabilities.sum(axis=-1), 1.0, rtol=1e-3)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    assert isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)


def test_small_image_adaptations():
    alexnet = AlexNet(10, (28, 28, 1), fc_units=32)
    assert alexnet.get_layer("conv1").kernel.shape == (5, 5, 1, 96)  # cuda-convnet's stride-1 stem
    assert alexnet.get_layer("conv1").output.shape[1:] == (28, 28, 96)
    assert alexnet.get_layer("pool5").output.shape[1:] == (4, 4, 256)
    big = AlexNet(10, (224, 224, 3), fc_units=32)
    assert big.get_layer("conv1").output.shape[1:] == (55, 55, 96)  # the paper's 55x55 maps
    assert big.get_layer("pool5").output.shape[1:] == (6, 6, 256)

    vgg = VGG("C", 10, (28, 28, 1), fc_units=32)
    assert vgg.get_layer("pad_to_32").output.shape[1:] == (32, 32, 1)
    assert vgg.get_layer("block5_pool").output.shape[1:] == (1, 1, 512)
    assert [vgg.get_layer(f"block{b}_conv3").kernel.shape[:2] for b in (3, 4, 5)] == [(1, 1)] * 3

    nin = NetworkInNetwork(10, (28, 28, 1))
    assert nin.get_layer("class_maps").output.shape[1:] == (7, 7, 10)
    assert not any(isinstance(layer, keras.layers.Dense) for layer in nin.layers)

    googlenet = GoogLeNet(10, (32, 32, 3))
    assert googlenet.get_layer("stem_conv").output.shape[1:] == (32, 32, 192)
    assert googlenet.get_layer("inception3a_output").output.shape[1:] == (32, 32, 256)
    assert googlenet.get_layer("inception5b_output").output.shape[1:] == (8, 8, 1024)

    densenet = DenseNet((16, 16, 16), 12, num_classes=10, input_shape=(28, 28, 1))
    assert densenet.get_layer("stem_conv").output.shape[1:] == (28, 28, 24)  # 2k maps, stride 1
    assert densenet.get_layer("final_bn").output.shape[1:3] == (7, 7)


def test_densenet_runs_224x224_images_through_imagenets_stem():
    model = zoo.build("densenet_bc_100", num_classes=1000, input_shape=(224, 224, 3))
    assert model.get_layer("stem_pool").output.shape[1:] == (56, 56, 24)
    probabilities = keras.ops.convert_to_numpy(model(images((224, 224, 3), n=1)))
    assert probabilities.shape == (1, 1000)
    np.testing.assert_allclose(probabilities.sum(), 1.0, rtol=1e-5)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: AlexNet(1, (28, 28, 1)), "num_classes must be at least 2"),
        (lambda: AlexNet(10, (28, 28, 1), towers=3), "towers must be 1"),
        (lambda: VGG("F", 10, (28, 28, 1)), "configuration must be one of A, A-LRN, B, C, D, E"),
        (lambda: NetworkInNetwork(10, (28, 28)), "input_shape is \\(height, width, channels\\)"),
        (lambda: GoogLeNet(10, (4, 4, 3)), "at least 8x8"),
        (lambda: DenseNet((6, 12, 24, 16), num_classes=10, input_shape=(4, 4, 1)), "at least 8x8"),
        (lambda: DenseNet((4, 4), compression=0.0), "compression"),
    ],
)
def test_rejects_bad_arguments(make, message):
    with pytest.raises(ValueError, match=message):
        make()
