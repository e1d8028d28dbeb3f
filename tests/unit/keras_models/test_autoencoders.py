import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_models.autoencoders import (
    PSD,
    SWWAE,
    VAE,
    Autoencoder,
    DenoisingAutoencoder,
    SparseAutoencoder,
)
from keras_models.autoencoders.psd import soft_threshold
from keras_models.autoencoders.sparse import kl_sparsity
from keras_models.autoencoders.swwae import max_pool_with_switches, unpool
from keras_models.autoencoders.vae import gaussian_kl
from tests.keras_harness import check_model

# Tiny versions of every model, keyed by a test id.
BUILDERS = {
    "dense_ae": lambda shape=(28, 28, 1): Autoencoder(shape, latent_dim=4, hidden_units=(16,)),
    "conv_ae": lambda shape=(28, 28, 1): Autoencoder(
        shape, latent_dim=4, architecture="conv", filters=(4, 8)
    ),
    "dae": lambda shape=(28, 28, 1): DenoisingAutoencoder(
        input_shape=shape, noise="salt_and_pepper", latent_dim=4, hidden_units=(16,), seed=1
    ),
    "sparse": lambda shape=(28, 28, 1): SparseAutoencoder(shape, latent_dim=8),
    "psd": lambda shape=(28, 28, 1): PSD(shape, latent_dim=8, ista_steps=3),
    "vae": lambda shape=(28, 28, 1): VAE(shape, latent_dim=3, hidden_units=(16,), seed=1),
    "conv_vae_gaussian": lambda shape=(28, 28, 1): VAE(
        shape, latent_dim=3, architecture="conv", decoder="gaussian", filters=(4, 8), seed=1
    ),
    "swwae": lambda shape=(28, 28, 1): SWWAE(shape, filters=(4, 8), code_channels=2),
}


def random_images(count, shape=(28, 28, 1), seed=0):
    return np.random.default_rng(seed).random((count, *shape), dtype=np.float32)


@pytest.fixture
def images():
    return random_images(3)


@pytest.mark.parametrize("key", BUILDERS)
def test_harness(key, images, tmp_path):
    model = check_model(BUILDERS[key], images, (3, 28, 28, 1), tmp_path)
    assert model.image_shape == (28, 28, 1)
    codes = model.encode(images)
    assert codes.shape == (3, model.code_size) and codes.dtype == "float32"
    for out in (model(images), model.decode(codes)):
        out = keras.ops.convert_to_numpy(out)
        assert out.shape == (3, 28, 28, 1) and out.dtype == np.float32
        assert out.min() >= 0.0 and out.max() <= 1.0


@pytest.mark.parametrize("key", ["conv_ae", "conv_vae_gaussian", "swwae"])
def test_harness_color_32x32(key, tmp_path):
    check_model(lambda: BUILDERS[key]((32, 32, 3)), random_images(2, (32, 32, 3)), (2, 32, 32, 3), tmp_path)


@pytest.mark.parametrize("key", BUILDERS)
def test_fit_changes_weights_with_finite_losses(key):
    model = BUILDERS[key]()
    model.compile(optimizer=keras.optimizers.Adam(1e-2))
    before = [w.copy() for w in model.get_weights()]
    history = model.fit(random_images(64), epochs=1, batch_size=32, verbose=0).history
    assert "loss" in history and "mse" in history
    assert all(np.isfinite(values[-1]) for values in history.values()), history
    changed = [not np.array_equal(a, b) for a, b in zip(before, model.get_weights())]
    assert sum(changed) >= len(model.trainable_weights), "some trainable weights did not move"


def test_fit_and_evaluate_take_datasets_with_labels():
    model = BUILDERS["vae"]()
    model.compile(optimizer="adam")
    labeled = tf.data.Dataset.from_tensor_slices((random_images(16), np.zeros(16, "int64"))).batch(8)
    model.fit(labeled, epochs=1, verbose=0)
    unlabeled = tf.data.Dataset.from_tensor_slices(random_images(16)).batch(8)
    one_tuples = unlabeled.map(lambda x: (x,))
    history = model.fit(unlabeled, validation_data=one_tuples, epochs=1, verbose=0).history
    assert "val_kl_loss" in history
    results = model.evaluate(labeled, verbose=0, return_dict=True)
    assert set(results) == {"loss", "reconstruction_loss", "kl_loss", "mse"}
    np.testing.assert_allclose(
        results["loss"], results["reconstruction_loss"] + results["kl_loss"], rtol=1e-5
    )


def test_regularisation_losses_are_in_the_loss():
    model = SparseAutoencoder(latent_dim=8, weight_decay=0.1)
    terms, batch_size = model._total_loss_terms(random_images(4), training=False)
    assert batch_size == 4
    decay = 0.1 * sum(np.sum(w.numpy() ** 2) for w in model.trainable_weights if w.path.endswith("kernel"))
    expected = terms["reconstruction_loss"] + terms["sparsity_loss"] + decay
    np.testing.assert_allclose(terms["loss"], expected, rtol=1e-5)


def test_reconstruction_losses_against_numpy():
    x = random_images(2)
    model = Autoencoder(latent_dim=2, hidden_units=(4,), loss="mse")
    logits = keras.ops.convert_to_numpy(model.decoder(model.encoder(x)))
    p = 1 / (1 + np.exp(-logits))
    terms = model._loss_terms(x, training=True)
    np.testing.assert_allclose(terms["loss"], np.mean(np.sum((x - p) ** 2, axis=(1, 2, 3))), rtol=1e-5)
    np.testing.assert_allclose(terms["mse"], np.mean((x - p) ** 2), rtol=1e-5)
    model.loss_type = "bce"
    bce = -(x * np.log(p) + (1 - x) * np.log(1 - p))
    np.testing.assert_allclose(
        model._loss_terms(x, training=True)["loss"], np.mean(np.sum(bce, axis=(1, 2, 3))), rtol=1e-5
    )


# --- sparse autoencoder ---


def test_kl_sparsity_against_numpy():
    rho, rho_hat = 0.05, np.array([0.01, 0.05, 0.3, 0.9], "float32")
    expected = np.sum(rho * np.log(rho / rho_hat) + (1 - rho) * np.log((1 - rho) / (1 - rho_hat)))
    np.testing.assert_allclose(kl_sparsity(rho, rho_hat), expected, rtol=1e-5)
    assert float(kl_sparsity(rho, np.full(4, rho, "float32"))) == pytest.approx(0.0, abs=1e-6)


def test_sparse_autoencoder_penalises_batch_mean_activations():
    model = SparseAutoencoder(latent_dim=8, rho=0.1, beta=2.0)
    x = random_images(5)
    codes = keras.ops.convert_to_numpy(model.encode(x))
    rho_hat = codes.mean(axis=0)
    expected = 2.0 * np.sum(0.1 * np.log(0.1 / rho_hat) + 0.9 * np.log(0.9 / (1 - rho_hat)))
    terms = model._loss_terms(x, training=True)
    np.testing.assert_allclose(terms["sparsity_loss"], expected, rtol=1e-4)
    np.testing.assert_allclose(terms["mean_activation"], codes.mean(), rtol=1e-5)
    # Code biases start at logit(rho).
    np.testing.assert_allclose(
        model.encoder.get_layer("encoder_code").bias.numpy(), np.log(0.1 / 0.9), rtol=1e-6
    )


# --- VAE ---


def test_gaussian_kl_against_closed_form():
    rng = np.random.default_rng(1)
    mean, log_var = rng.normal(size=(4, 3)).astype("float32"), rng.normal(size=(4, 3)).astype("float32")
    # KL(N(m, s^2) || N(0, 1)) = log(1 / s) + (s^2 + m^2) / 2 - 1/2 per dimension.
    sigma = np.exp(0.5 * log_var)
    expected = np.sum(np.log(1 / sigma) + (sigma**2 + mean**2) / 2 - 0.5, axis=1)
    np.testing.assert_allclose(gaussian_kl(mean, log_var), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("key", ["vae", "conv_vae_gaussian"])
def test_vae_elbo(key):
    model = BUILDERS[key]()
    x = random_images(4)
    result = {k: keras.ops.convert_to_numpy(v) for k, v in model.elbo(x, seed=3).items()}
    assert all(v.shape == (4,) for v in result.values())
    np.testing.assert_allclose(result["elbo"], -(result["reconstruction_nll"] + result["kl"]), rtol=1e-6)
    mean, log_var = (keras.ops.convert_to_numpy(t) for t in model.posterior(x))
    kl = 0.5 * np.sum(np.exp(log_var) + mean**2 - 1 - log_var, axis=1)
    np.testing.assert_allclose(result["kl"], kl, rtol=1e-5, atol=1e-6)
    again = keras.ops.convert_to_numpy(model.elbo(x, seed=3)["elbo"])
    np.testing.assert_array_equal(result["elbo"], again)
    assert not np.allclose(result["elbo"], keras.ops.convert_to_numpy(model.elbo(x, seed=4)["elbo"]))
    assert np.allclose(keras.ops.convert_to_numpy(model.encode(x)), mean)


def test_vae_gaussian_nll_against_numpy():
    model = BUILDERS["conv_vae_gaussian"]()
    model.log_sigma.assign(-1.5)
    x, z = random_images(2), np.random.default_rng(2).normal(size=(2, 3)).astype("float32")
    mu = keras.ops.convert_to_numpy(model.decode(z))
    nll = keras.ops.convert_to_numpy(model.negative_log_likelihood(x, model.decoder(z)))
    per_pixel = 0.5 * np.log(2 * np.pi) - 1.5 + (x - mu) ** 2 / (2 * np.exp(-3.0))
    np.testing.assert_allclose(nll, per_pixel.sum(axis=(1, 2, 3)), rtol=1e-5)


def test_vae_sample_is_deterministic_per_seed():
    model = BUILDERS["vae"]()
    a, b, c = (keras.ops.convert_to_numpy(model.sample(5, seed)) for seed in (7, 7, 8))
    assert a.shape == (5, 28, 28, 1) and 0 <= a.min() and a.max() <= 1
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    tensor_args = model.sample(tf.constant(5), tf.constant(7))
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(tensor_args), a)


# --- denoising autoencoder ---


@pytest.mark.parametrize("noise", ["gaussian", "masking", "salt_and_pepper"])
def test_corrupt_is_deterministic_per_seed(noise):
    model = DenoisingAutoencoder(noise=noise, noise_level=0.25, latent_dim=2, hidden_units=(4,))
    x = random_images(8)
    a, b, c = (keras.ops.convert_to_numpy(model.corrupt(x, seed)) for seed in (1, 1, 2))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert a.min() >= 0 and a.max() <= 1 and a.shape == x.shape
    changed = a != x
    if noise == "gaussian":
        assert changed.mean() > 0.9
    else:
        assert 0.2 < changed.mean() < 0.3
        assert set(np.unique(a[changed])) <= ({0.0} if noise == "masking" else {0.0, 1.0})


def test_dae_trains_on_noisy_inputs_against_clean_targets():
    model = BUILDERS["dae"]()
    x = random_images(4)
    seen = []
    encoder = model.encoder
    model.encoder = lambda inputs: seen.append(keras.ops.convert_to_numpy(inputs)) or encoder(inputs)
    terms = model._loss_terms(x, training=True)
    noisy = seen[-1]
    assert 0.05 < np.mean(noisy != x) < 0.2  # salt and pepper at the default 0.1
    logits = encoder.predict(noisy, verbose=0)
    p = 1 / (1 + np.exp(-model.decoder.predict(logits, verbose=0)))
    np.testing.assert_allclose(terms["mse"], np.mean((p - x) ** 2), rtol=1e-4)  # target: clean images
    model._loss_terms(x, training=False)
    np.testing.assert_array_equal(seen[-1], x)  # evaluation does not corrupt


def test_noise_and_argument_errors():
    with pytest.raises(ValueError, match="noise must be one of"):
        DenoisingAutoencoder(noise="speckle")
    with pytest.raises(ValueError, match="fraction of pixels"):
        DenoisingAutoencoder(noise="masking", noise_level=1.5)
    with pytest.raises(ValueError, match="architecture must be"):
        Autoencoder(architecture="rnn")
    with pytest.raises(ValueError, match="divisible by 4"):
        Autoencoder((30, 30, 1), architecture="conv")
    with pytest.raises(ValueError, match="loss must be"):
        Autoencoder(loss="l1")
    with pytest.raises(ValueError, match="rho"):
        SparseAutoencoder(rho=1.5)
    with pytest.raises(ValueError, match="decoder must be"):
        VAE(decoder="poisson")
    with pytest.raises(ValueError, match="input_shape"):
        PSD((28, 28))


# --- PSD ---


def psd_with_random_dictionary(latent_dim=16, seed=0, **kwargs):
    model = PSD(latent_dim=latent_dim, **kwargs)
    d = np.random.default_rng(seed).normal(size=(latent_dim, 784)).astype("float32")
    model.dictionary.assign(d / np.linalg.norm(d, axis=1, keepdims=True))
    return model


def test_power_iteration_estimates_the_lipschitz_constant():
    model = psd_with_random_dictionary(alpha=0.5, power_iterations=100)
    s = np.linalg.norm(model.dictionary.numpy(), 2)
    np.testing.assert_allclose(model.lipschitz_constant(), 2 * (s**2 + 0.5), rtol=2e-2)


def test_ista_one_step_is_soft_thresholding():
    model = psd_with_random_dictionary(sparsity_weight=0.7, alpha=0.5)
    x = random_images(3)
    z0 = np.random.default_rng(5).normal(size=(3, 16)).astype("float32")
    d, f = model.dictionary.numpy(), keras.ops.convert_to_numpy(model.encode(x)).astype(np.float64)
    step = 1 / float(model.lipschitz_constant())
    flat = x.reshape(3, -1)
    gradient = 2 * (z0 @ d - flat) @ d.T + 2 * 0.5 * (z0 - f)
    u = z0 - step * gradient
    expected = np.sign(u) * np.maximum(np.abs(u) - step * 0.7, 0)
    got = keras.ops.convert_to_numpy(model.infer_codes(x, steps=1, initial_codes=z0))
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)
    assert (got == 0).any()
    np.testing.assert_array_equal(soft_threshold(np.array([-2.0, -0.5, 0.5, 3.0]), 1.0), [-1.0, 0, 0, 2.0])


def test_ista_reduces_the_energy():
    model = psd_with_random_dictionary(sparsity_weight=0.5, alpha=0.1)
    # Images made of 3 atoms each: a sparse code explains them.
    rng = np.random.default_rng(3)
    true_codes = np.zeros((4, 16), "float32")
    for row in true_codes:
        row[rng.choice(16, 3, replace=False)] = rng.uniform(2, 4, 3)
    x = (true_codes @ model.dictionary.numpy()).reshape(4, 28, 28, 1)
    start = keras.ops.convert_to_numpy(model.encode(x))
    energies = [keras.ops.convert_to_numpy(model.energy(x, start))]
    for steps in (1, 10, 100):
        energies.append(keras.ops.convert_to_numpy(model.energy(x, model.infer_codes(x, steps=steps))))
    energies = np.stack(energies)
    assert np.all(np.diff(energies, axis=0) <= 1e-3), energies
    assert np.all(energies[-1] < 0.5 * energies[0]), energies
    codes = keras.ops.convert_to_numpy(model.infer_codes(x, steps=100))
    assert np.mean(np.abs(codes) < 1e-3) > 0.3


def test_psd_keeps_unit_norm_atoms():
    model = BUILDERS["psd"]()
    model.compile(optimizer=keras.optimizers.Adam(0.05))
    model.fit(random_images(32), epochs=1, batch_size=16, verbose=0)
    np.testing.assert_allclose(np.linalg.norm(model.dictionary.numpy(), axis=1), 1.0, rtol=1e-5)


# --- SWWAE ---


def test_pooling_switches_and_unpooling():
    x = np.array(
        [
            [1, 5, 0, 0],
            [3, 2, 0, 0],  # right window: all ties -> top-left
            [0, 0, 4, 7],
            [9, 0, 7, 1],  # right window: tie between 7s -> first in row-major order
        ],
        "float32",
    )[None, :, :, None]
    pooled, mask = (keras.ops.convert_to_numpy(t) for t in max_pool_with_switches(x))
    np.testing.assert_array_equal(pooled[0, :, :, 0], [[5, 0], [9, 7]])
    expected_mask = [[0, 1, 1, 0], [0, 0, 0, 0], [0, 0, 0, 1], [1, 0, 0, 0]]
    np.testing.assert_array_equal(mask[0, :, :, 0], expected_mask)
    what = np.array([[10, 20], [30, 40]], "float32")[None, :, :, None]
    unpooled = keras.ops.convert_to_numpy(unpool(what, mask))[0, :, :, 0]
    np.testing.assert_array_equal(unpooled, [[0, 10, 20, 0], [0, 0, 0, 0], [0, 0, 0, 40], [30, 0, 0, 0]])
    upsampled = keras.ops.convert_to_numpy(unpool(what, np.ones_like(mask)))[0, :, :, 0]
    np.testing.assert_array_equal(upsampled, np.repeat(np.repeat(what[0, :, :, 0], 2, 0), 2, 1))


def test_swwae_call_uses_the_switches():
    model = BUILDERS["swwae"]()
    x = random_images(2)
    assert model.code_size == 7 * 7 * 2
    with_switches = keras.ops.convert_to_numpy(model(x))
    without = keras.ops.convert_to_numpy(model.decode(model.encode(x)))
    assert not np.allclose(with_switches, without)
    terms = model._loss_terms(x, training=True)
    np.testing.assert_allclose(terms["loss"], terms["reconstruction_loss"] + 0.1 * terms["middle_loss"])


# --- export as the pipeline does ---


class Exported(tf.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model
        images = tf.TensorSpec([None, *model.image_shape], tf.float32)
        scalar = tf.TensorSpec([], tf.int32)
        self.reconstruct = tf.function(lambda x: model(x), input_signature=[images])
        self.encode = tf.function(model.encode, input_signature=[images])
        self.decode = tf.function(model.decode, input_signature=[tf.TensorSpec([None, model.code_size])])
        if isinstance(model, VAE):
            self.sample = tf.function(model.sample, input_signature=[scalar, scalar])
            self.elbo = tf.function(model.elbo, input_signature=[images, scalar])
        if isinstance(model, DenoisingAutoencoder):
            self.corrupt = tf.function(model.corrupt, input_signature=[images, scalar])


@pytest.mark.parametrize("key", ["vae", "dae", "sparse", "psd", "swwae"])
def test_saved_model_export(key, tmp_path):
    model = BUILDERS[key]()
    x = random_images(3)
    codes = model.encode(x)
    calls = {
        "reconstruct": (x,),
        "encode": (x,),
        "decode": (codes,),
        "sample": (tf.constant(4), tf.constant(9)),
        "elbo": (x, tf.constant(2)),
        "corrupt": (x, tf.constant(5)),
    }
    exported = Exported(model)
    calls = {name: args for name, args in calls.items() if hasattr(exported, name)}
    expected = {name: getattr(exported, name)(*args) for name, args in calls.items()}
    tf.saved_model.save(exported, str(tmp_path / key))
    restored = tf.saved_model.load(str(tmp_path / key))
    for name, args in calls.items():
        got = getattr(restored, name)(*args)
        tf.nest.map_structure(lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-6), got, expected[name])
    if key == "vae":
        np.testing.assert_allclose(restored.sample(tf.constant(4), tf.constant(9)), model.sample(4, 9))
        np.testing.assert_allclose(
            restored.elbo(x, tf.constant(2))["elbo"], model.elbo(x, 2)["elbo"], rtol=1e-5
        )
    if key == "dae":
        np.testing.assert_array_equal(restored.corrupt(x, tf.constant(5)), model.corrupt(x, 5))
