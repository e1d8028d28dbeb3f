import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_models.generative import DCGAN, EBGAN, GAN, CycleGAN, networks
from keras_models.generative.cyclegan import l1, lsgan_discriminator_loss, lsgan_generator_loss
from keras_models.generative.ebgan import energy, margin_loss, pulling_away
from tests.keras_harness import check_model

SHAPE = (8, 8, 1)

# Tiny versions of every model, keyed by a test id.
BUILDERS = {
    "gan": lambda shape=SHAPE, **kw: GAN(
        shape, latent_dim=4, generator_units=(8,), discriminator_units=(8,), seed=1, **kw
    ),
    "dcgan": lambda shape=SHAPE, **kw: DCGAN(shape, latent_dim=4, filters=2, seed=1, **kw),
    "ebgan": lambda shape=SHAPE, **kw: EBGAN(shape, latent_dim=4, filters=2, seed=1, **kw),
    "cyclegan": lambda shape=SHAPE, **kw: CycleGAN(shape, filters=2, residual_blocks=1, **kw),
}
NOISE = ["gan", "dcgan", "ebgan"]


def random_images(count, shape=SHAPE, seed=0):
    return np.random.default_rng(seed).random((count, *shape), dtype=np.float32)


def model_inputs(model, count=3):
    """What `model(...)` takes: noise for the noise-driven GANs, images for CycleGAN."""
    if isinstance(model, CycleGAN):
        return random_images(count, model.image_shape)
    return np.random.default_rng(1).normal(size=(count, model.latent_dim)).astype("float32")


def weights(networks_):
    return [w.copy() for network in networks_ for w in network.get_weights()]


def steps(model, images, graph):
    """(discriminator step, generator step) as no-argument callables on `images` (and reversed ones)."""
    d_step, g_step = model.discriminator_step, model.generator_step
    if graph:
        d_step, g_step = tf.function(d_step), tf.function(g_step)
    if isinstance(model, CycleGAN):
        return (lambda: d_step(images, images[::-1])), (lambda: g_step(images, images[::-1]))
    return (lambda: d_step(images)), (lambda: g_step(tf.constant(len(images))))


@pytest.mark.parametrize("key", BUILDERS)
def test_harness(key, tmp_path):
    model = check_model(BUILDERS[key], model_inputs(BUILDERS[key]()), (3, *SHAPE), tmp_path)
    outputs = keras.ops.convert_to_numpy(model(model_inputs(model)))
    assert outputs.dtype == np.float32 and outputs.min() >= 0.0 and outputs.max() <= 1.0


@pytest.mark.parametrize("key", ["dcgan", "ebgan", "cyclegan"])
@pytest.mark.parametrize("shape", [(28, 28, 1), (32, 32, 3)])
def test_mnist_and_color_shapes(key, shape):
    model = BUILDERS[key](shape)
    outputs = model.translate(random_images(2, shape)) if key == "cyclegan" else model.generate(2, 0)
    assert outputs.shape == (2, *shape)


@pytest.mark.parametrize("graph", [False, True], ids=["eager", "graph"])
@pytest.mark.parametrize("key", BUILDERS)
def test_each_step_changes_only_its_players_weights(key, graph):
    """Compares every weight, batch-norm moving statistics included: the other player runs in
    training mode (batch statistics) but its moving statistics are restored (`frozen_statistics`);
    all of the player's own weights move, its moving statistics too."""
    model = BUILDERS[key]()
    model.compile()
    d_step, g_step = steps(model, random_images(4), graph)
    for step, own, other in [
        (d_step, model.discriminator_networks, model.generator_networks),
        (g_step, model.generator_networks, model.discriminator_networks),
    ]:
        own_before, other_before = weights(own), weights(other)
        step()
        for before, after in zip(other_before, weights(other)):
            np.testing.assert_array_equal(before, after)
        assert all(not np.array_equal(a, b) for a, b in zip(own_before, weights(own)))


@pytest.mark.parametrize("key", BUILDERS)
def test_fit_and_evaluate_give_finite_tracked_losses(key):
    model = BUILDERS[key]()
    model.compile(d_steps=2 if key == "dcgan" else 1)
    x = random_images(8)
    data = (x, x[::-1]) if key == "cyclegan" else (x,)
    history = model.fit(*data, batch_size=4, epochs=1, verbose=0).history
    assert set(history) == {m.name for m in model.metrics}
    assert all(np.isfinite(values[-1]) for values in history.values()), history
    results = model.evaluate(*data, batch_size=4, verbose=0, return_dict=True)
    assert set(results) == set(history) and all(np.isfinite(list(results.values())))
    d_updates = 2 * (2 if key == "dcgan" else 1)
    assert int(model.discriminator_optimizer.iterations) == d_updates
    assert int(model.generator_optimizer.iterations) == 2


def test_tracked_metrics():
    assert [m.name for m in BUILDERS["gan"]().metrics] == ["d_loss", "g_loss", "d_real", "d_fake"]
    assert [m.name for m in BUILDERS["ebgan"]().metrics] == [
        "d_loss",
        "g_loss",
        "energy_real",
        "energy_fake",
        "pull_away",
    ]
    cycle = ["g_loss", "f_loss", "d_a_loss", "d_b_loss", "cycle_loss"]
    assert [m.name for m in BUILDERS["cyclegan"]().metrics] == cycle
    assert [m.name for m in BUILDERS["cyclegan"](lambda_identity=0.5).metrics] == [*cycle, "identity_loss"]


def test_cyclegan_fits_a_zipped_dataset():
    model = BUILDERS["cyclegan"](lambda_identity=0.5)
    model.compile()
    batches = [tf.data.Dataset.from_tensor_slices(random_images(6, seed=s)).batch(3) for s in (1, 2)]
    history = model.fit(tf.data.Dataset.zip(*batches), epochs=1, verbose=0).history
    assert np.isfinite(history["identity_loss"][-1])
    with pytest.raises(ValueError, match="images_a, images_b"):
        model.fit(random_images(4), epochs=1, verbose=0)


@pytest.mark.parametrize("key", NOISE)
def test_generate_is_deterministic_per_seed(key):
    model = BUILDERS[key]()
    images = keras.ops.convert_to_numpy(model.generate(5, 3))
    assert images.shape == (5, *SHAPE) and images.dtype == np.float32
    assert images.min() >= 0.0 and images.max() <= 1.0
    np.testing.assert_array_equal(model.generate(5, 3), images)
    np.testing.assert_array_equal(model.generate(tf.constant(5), tf.constant(3)), images)
    assert not np.allclose(model.generate(5, 4), images)
    assert not np.allclose(images[0], images[1])


def test_bce_losses_against_numpy():
    rng = np.random.default_rng(0)
    real, fake = rng.normal(size=(6, 1)).astype("float32"), rng.normal(size=(6, 1)).astype("float32")
    sigmoid = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    expected_d = -np.mean(np.log(sigmoid(real))) - np.mean(np.log(1 - sigmoid(fake)))
    np.testing.assert_allclose(networks.discriminator_loss(real, fake), expected_d, rtol=1e-5)
    np.testing.assert_allclose(networks.non_saturating_loss(fake), -np.mean(np.log(sigmoid(fake))), rtol=1e-5)

    model = BUILDERS["gan"]()
    real_images, fakes = random_images(4) * 2 - 1, random_images(4, seed=1) * 2 - 1
    real_logits = keras.ops.convert_to_numpy(model.discriminator(real_images))
    fake_logits = keras.ops.convert_to_numpy(model.discriminator(fakes))
    terms = model.discriminator_losses(real_images, fakes)
    np.testing.assert_allclose(
        terms["d_loss"],
        -np.mean(np.log(sigmoid(real_logits))) - np.mean(np.log(1 - sigmoid(fake_logits))),
        rtol=1e-5,
    )
    np.testing.assert_allclose(terms["d_real"], np.mean(sigmoid(real_logits)), rtol=1e-5)
    np.testing.assert_allclose(terms["d_fake"], np.mean(sigmoid(fake_logits)), rtol=1e-5)
    np.testing.assert_allclose(
        model.generator_losses(fakes)["g_loss"], -np.mean(np.log(sigmoid(fake_logits))), rtol=1e-5
    )


def test_ebgan_losses_on_hand_made_examples():
    images = np.array([[[[1.0], [-1.0]]], [[[0.5], [0.5]]]], "float32")  # [2, 1, 2, 1]
    reconstructions = np.array([[[[0.0], [-1.0]]], [[[0.5], [-0.5]]]], "float32")
    np.testing.assert_allclose(energy(images, reconstructions), [0.5, 0.5])
    # D(x) = 0.2 real; fakes of energy 0.4 (hinge 0.6) and 1.5 (above the margin: 0).
    loss = margin_loss(np.array([0.1, 0.3], "float32"), np.array([0.4, 1.5], "float32"), 1.0)
    np.testing.assert_allclose(loss, 0.2 + (0.6 + 0.0) / 2, rtol=1e-6)
    # cos^2: (s1, s2) orthogonal 0, (s1, s3) and (s2, s3) 1/2: 2 * (0 + 1/2 + 1/2) / (3 * 2).
    codes = np.array([[1.0, 0.0], [0.0, 2.0], [3.0, 3.0]], "float32")
    np.testing.assert_allclose(pulling_away(codes), 1 / 3, rtol=1e-6)
    np.testing.assert_allclose(pulling_away(codes[:1]), 0.0)
    np.testing.assert_allclose(pulling_away(np.repeat(codes[:1], 4, axis=0)), 1.0, rtol=1e-6)

    codes = np.random.default_rng(0).normal(size=(5, 7)).astype("float32")
    unit = codes / np.linalg.norm(codes, axis=1, keepdims=True)
    expected = sum((unit[i] @ unit[j]) ** 2 for i in range(5) for j in range(5) if i != j) / 20
    np.testing.assert_allclose(pulling_away(codes), expected, rtol=1e-5)

    model = BUILDERS["ebgan"](pt_weight=0.5)
    fakes = random_images(4) * 2 - 1
    reconstructions, model_codes = (keras.ops.convert_to_numpy(t) for t in model.discriminator(fakes))
    energies = np.mean((fakes - reconstructions) ** 2, axis=(1, 2, 3))
    terms = model.generator_losses(fakes)
    np.testing.assert_allclose(terms["pull_away"], pulling_away(model_codes), rtol=1e-5)
    np.testing.assert_allclose(terms["g_loss"], energies.mean() + 0.5 * terms["pull_away"], rtol=1e-5)
    assert model.margin == 0.2 and BUILDERS["ebgan"]().pt_weight == 0.1


def test_lsgan_and_l1_against_numpy():
    rng = np.random.default_rng(0)
    real, fake = rng.normal(size=(2, 3, 3, 1)), rng.normal(size=(2, 3, 3, 1))
    np.testing.assert_allclose(
        lsgan_discriminator_loss(real, fake), 0.5 * (np.mean((real - 1) ** 2) + np.mean(fake**2)), rtol=1e-5
    )
    np.testing.assert_allclose(lsgan_generator_loss(fake), np.mean((fake - 1) ** 2), rtol=1e-5)
    np.testing.assert_allclose(l1(real, fake), np.mean(np.abs(real - fake)), rtol=1e-5)


def test_cyclegan_objective_and_identity_generators(monkeypatch):
    model = BUILDERS["cyclegan"](lambda_cycle=5.0, lambda_identity=0.5)
    a, b = random_images(3) * 2 - 1, random_images(3, seed=1) * 2 - 1
    terms = model.generator_losses(a, b)
    g, f = model.generator_g, model.generator_f
    expected_cycle = np.mean(np.abs(f(g(a)) - a)) + np.mean(np.abs(g(f(b)) - b))
    np.testing.assert_allclose(terms["cycle_loss"], expected_cycle, rtol=1e-5)
    np.testing.assert_allclose(terms["g_loss"], np.mean((model.discriminator_b(g(a)) - 1) ** 2), rtol=1e-5)
    np.testing.assert_allclose(
        terms["objective"],
        terms["g_loss"] + terms["f_loss"] + 5.0 * terms["cycle_loss"] + 2.5 * terms["identity_loss"],
        rtol=1e-5,
    )
    identity = lambda images, training=False: images  # noqa: E731
    monkeypatch.setattr(model, "generator_g", identity)
    monkeypatch.setattr(model, "generator_f", identity)
    terms = model.generator_losses(a, b)
    assert float(terms["cycle_loss"]) == 0.0 and float(terms["identity_loss"]) == 0.0
    np.testing.assert_allclose(model.cycle(a, "b_to_a"), a, atol=1e-6)


class Exported(tf.Module):
    """What a serving export wraps: `generate`, or CycleGAN's translations, as tf.functions."""

    def __init__(self, model):
        super().__init__()
        self.model = model
        if isinstance(model, CycleGAN):
            images = [tf.TensorSpec([None, *model.image_shape], tf.float32)]
            self.a_to_b = tf.function(lambda x: model.translate(x, "a_to_b"), input_signature=images)
            self.b_to_a = tf.function(lambda x: model.translate(x, "b_to_a"), input_signature=images)
        else:
            scalar = tf.TensorSpec([], tf.int32)
            self.generate = tf.function(model.generate, input_signature=[scalar, scalar])


@pytest.mark.parametrize("key", ["dcgan", "cyclegan"])
def test_saved_model_export(key, tmp_path):
    model = BUILDERS[key]()
    x = random_images(3)
    calls = {"a_to_b": (x,), "b_to_a": (x,)} if key == "cyclegan" else {"generate": (4, 9)}
    calls = {name: [tf.constant(a) for a in args] for name, args in calls.items()}
    exported = Exported(model)
    expected = {name: getattr(exported, name)(*args) for name, args in calls.items()}
    tf.saved_model.save(exported, str(tmp_path / key))
    restored = tf.saved_model.load(str(tmp_path / key))
    for name, args in calls.items():
        np.testing.assert_allclose(getattr(restored, name)(*args), expected[name], rtol=1e-6)
    if key == "cyclegan":
        np.testing.assert_allclose(restored.b_to_a(x), model.translate(x, "b_to_a"), rtol=1e-6)
    else:
        np.testing.assert_array_equal(restored.generate(4, 9), model.generate(4, 9))


@pytest.mark.parametrize("key", BUILDERS)
def test_mixed_precision(key):
    model = BUILDERS[key](dtype="mixed_float16")
    assert model.generator_networks[0].layers[-1].compute_dtype == "float16"
    model.compile()
    for optimizer in (model.generator_optimizer, model.discriminator_optimizer):
        assert isinstance(optimizer, keras.optimizers.LossScaleOptimizer)
    x = random_images(4)
    logs = model.train_on_batch(*((x, x[::-1]) if key == "cyclegan" else (x,)), return_dict=True)
    assert all(np.isfinite(v) for v in logs.values()), logs
    outputs = model(model_inputs(model))
    assert outputs.dtype == "float32"
    assert type(model).from_config(model.get_config()).dtype_policy.name == "mixed_float16"


def test_compile_defaults_options_and_errors():
    model = BUILDERS["dcgan"]()
    model.compile()
    for optimizer in (model.generator_optimizer, model.discriminator_optimizer):
        assert isinstance(optimizer, keras.optimizers.Adam) and optimizer.beta_1 == 0.5
        np.testing.assert_allclose(optimizer.learning_rate, 2e-4)
    assert model.d_steps == 1 and model.generator_optimizer is not model.discriminator_optimizer
    model.compile(keras.optimizers.SGD(0.1), "rmsprop", d_steps=3)
    assert isinstance(model.discriminator_optimizer, keras.optimizers.RMSprop) and model.d_steps == 3
    with pytest.raises(ValueError, match="losses are built in"):
        model.compile(loss="mse")
    with pytest.raises(ValueError, match="two instances"):
        shared = keras.optimizers.Adam()
        model.compile(shared, shared)
    with pytest.raises(ValueError, match="d_steps"):
        model.compile(d_steps=0)


def test_keras_file_restores_the_compiled_optimizers(tmp_path):
    model = BUILDERS["gan"]()
    model.compile(keras.optimizers.Adam(1e-3), keras.optimizers.SGD(0.01), d_steps=2)
    model.fit(random_images(4), batch_size=4, epochs=1, verbose=0)
    model.save(tmp_path / "gan.keras")
    restored = keras.saving.load_model(tmp_path / "gan.keras")
    assert restored.d_steps == 2 and isinstance(restored.discriminator_optimizer, keras.optimizers.SGD)
    assert int(restored.generator_optimizer.iterations) == 1
    assert int(restored.discriminator_optimizer.iterations) == 2
    for a, b in zip(model.get_weights(), restored.get_weights()):
        np.testing.assert_array_equal(a, b)
    restored.fit(random_images(4), batch_size=4, epochs=1, verbose=0)


def test_argument_errors():
    with pytest.raises(ValueError, match="divisible by 4"):
        DCGAN((30, 30, 1))
    with pytest.raises(ValueError, match="image_shape is"):
        GAN((28, 28))
    with pytest.raises(ValueError, match="dropout"):
        GAN(dropout=1.0)
    with pytest.raises(ValueError, match="generator_units"):
        GAN(generator_units=())
    with pytest.raises(ValueError, match="latent_dim"):
        DCGAN(latent_dim=0)
    with pytest.raises(ValueError, match="margin"):
        EBGAN(margin=0.0)
    with pytest.raises(ValueError, match="lambda_cycle"):
        CycleGAN(lambda_cycle=-1.0)
    model = BUILDERS["cyclegan"]()
    with pytest.raises(ValueError, match="direction"):
        model.translate(random_images(1), "a_to_c")
    gan = BUILDERS["gan"]()
    gan.compile()
    with pytest.raises(ValueError, match="Flattened images"):
        gan.fit(random_images(4).reshape(4, -1), epochs=1, verbose=0)
