"""RBM: energies against NumPy, the CD-1 update against a NumPy reference with fixed noise, PCD's chains,
the pseudo-log-likelihood against scikit-learn, exact log Z, training lowers the reconstruction error."""

import itertools

import keras
import numpy as np
import pytest
from sklearn.neural_network import BernoulliRBM

from keras_models.energy import RBM

VISIBLE, HIDDEN = 7, 4


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _model(**kwargs):
    model = RBM(VISIBLE, HIDDEN, weight_stddev=0.5, seed=0, **kwargs)
    rng = np.random.default_rng(1)
    model.visible_bias.assign(rng.normal(size=VISIBLE).astype("float32"))
    model.hidden_bias.assign(rng.normal(size=HIDDEN).astype("float32"))
    return model


def _binary(n, seed=2):
    return (np.random.default_rng(seed).random((n, VISIBLE)) < 0.4).astype("float32")


def _weights(model):
    return (w.numpy().astype("float64") for w in (model.kernel, model.visible_bias, model.hidden_bias))


def test_energy_and_free_energy_match_numpy():
    model = _model()
    w, a, b = _weights(model)
    v = _binary(5)
    h = (np.random.default_rng(3).random((5, HIDDEN)) < 0.5).astype("float32")
    np.testing.assert_allclose(model.energy(v, h), -v @ a - h @ b - np.sum((v @ w) * h, axis=1), rtol=1e-5)
    free = -v @ a - np.sum(np.logaddexp(0, v @ w + b), axis=1)
    np.testing.assert_allclose(model.free_energy(v), free, rtol=1e-5)
    # F(v) = −log Σ_h exp(−E(v, h)), summing the 2^H hidden vectors.
    hs = np.array(list(itertools.product([0, 1], repeat=HIDDEN)), "float32")
    energies = np.stack([model.energy(np.repeat(v[i : i + 1], len(hs), 0), hs) for i in range(5)])
    np.testing.assert_allclose(free, -np.log(np.exp(-energies.astype("float64")).sum(1)), rtol=1e-4)


def test_cd1_gradient_matches_a_numpy_reference_with_fixed_noise():
    model = _model()
    w, a, b = _weights(model)
    v0 = _binary(6)
    rng = np.random.default_rng(4)
    u_hidden, u_visible = rng.random((6, HIDDEN)), rng.random((6, VISIBLE))
    h0 = (u_hidden < _sigmoid(v0 @ w + b)).astype("float64")
    v1 = (u_visible < _sigmoid(h0 @ w.T + a)).astype("float64")
    positive, negative = _sigmoid(v0 @ w + b), _sigmoid(v1 @ w + b)
    expected = [-(v0.T @ positive - v1.T @ negative) / 6, -(v0 - v1).mean(0), -(positive - negative).mean(0)]

    mine = model.sample_visible(model.sample_hidden(v0, noise=u_hidden), noise=u_visible)
    np.testing.assert_array_equal(mine, v1)
    _, gradients = model.contrastive_divergence(v0, mine)
    assert [w.name for w in model.trainable_weights] == ["kernel", "visible_bias", "hidden_bias"]
    for got, reference in zip(gradients, expected):
        np.testing.assert_allclose(got, reference, rtol=1e-5, atol=1e-6)


def _fit_one_batch(model, v):
    model.fit(v, batch_size=len(v), epochs=1, shuffle=False, verbose=0)


def test_a_training_step_is_sgd_on_the_cd_gradient():
    """fit's step: negatives from k Gibbs steps of the batch (the model's own seed), then W −= lr ∇."""
    model = _model(k=2)
    model.compile(optimizer=keras.optimizers.SGD(0.3))
    v = _binary(8)
    before, seed_state = [w.numpy() for w in model.trainable_weights], model.seed_generator.state.numpy()
    _fit_one_batch(model, v)
    after = [w.numpy() for w in model.trainable_weights]
    for weight, value in zip(model.trainable_weights, before):
        weight.assign(value)
    model.seed_generator.state.assign(seed_state)
    _, gradients = model.contrastive_divergence(v, model.gibbs(v, 2))  # the same samples again
    for old, new, gradient in zip(before, after, gradients):
        np.testing.assert_allclose(new, old - 0.3 * gradient.numpy(), rtol=1e-5, atol=1e-6)


def test_pcd_keeps_its_chains_between_batches():
    model = _model(persistent=True, chains=5, k=1)
    model.compile(optimizer=keras.optimizers.SGD(0.0))  # weights fixed: the chains' moves are comparable
    cd = _model(k=1)
    cd.compile(optimizer=keras.optimizers.SGD(0.0))
    first, second = _binary(4, seed=5), _binary(4, seed=6)
    start = model.persistent_chains.numpy()
    assert set(np.unique(start)) == {0.0, 1.0}
    _fit_one_batch(model, first)
    chains, seed_state = model.persistent_chains.numpy(), model.seed_generator.state.numpy()
    assert not np.array_equal(chains, start)
    _fit_one_batch(model, second)
    model.seed_generator.state.assign(seed_state)
    np.testing.assert_array_equal(model.persistent_chains, model.gibbs(chains, 1))  # continued, not restarted
    unchanged = cd.persistent_chains.numpy()
    _fit_one_batch(cd, first)
    np.testing.assert_array_equal(cd.persistent_chains, unchanged)  # CD starts from the data instead


def test_pseudo_log_likelihood_equals_sklearn_score_samples():
    model = _model()
    w, a, b = _weights(model)
    v = _binary(20)
    sklearn_rbm = BernoulliRBM(n_components=HIDDEN, random_state=7)
    sklearn_rbm.components_, sklearn_rbm.intercept_hidden_, sklearn_rbm.intercept_visible_ = w.T, b, a
    sklearn_rbm.n_features_in_ = VISIBLE
    flips = np.random.RandomState(7).randint(0, VISIBLE, len(v))  # the bits score_samples flips
    np.testing.assert_allclose(
        model.pseudo_log_likelihood(v, flip=flips), sklearn_rbm.score_samples(v), rtol=1e-5, atol=1e-4
    )
    random_flips = model.pseudo_log_likelihood(v).numpy()
    assert random_flips.shape == (20,) and np.all(random_flips <= 0)


def test_exact_log_likelihood_sums_to_one():
    model = _model()
    vs = np.array(list(itertools.product([0, 1], repeat=VISIBLE)), "float32")
    assert np.exp(model.log_likelihood(vs).numpy()).sum() == pytest.approx(1.0, rel=1e-9)
    with pytest.raises(ValueError, match="hidden"):
        RBM(4, 30).exact_log_partition()


def test_training_lowers_the_reconstruction_error_and_round_trips():
    rng = np.random.default_rng(0)
    prototypes = rng.random((2, 16)) < 0.5  # two noisy prototypes: an easy distribution
    clean = prototypes[rng.integers(0, 2, 256)]
    v = np.where(rng.random((256, 16)) < 0.05, ~clean, clean).astype("float32")
    keras.utils.set_random_seed(0)
    model = RBM(16, 8, seed=0, persistent=True, chains=32)
    model.compile(optimizer=keras.optimizers.SGD(0.1, momentum=0.9))
    before = model.evaluate(v, batch_size=64, verbose=0, return_dict=True)
    history = model.fit(v, batch_size=16, epochs=3, verbose=0)
    after = model.evaluate(v, batch_size=64, verbose=0, return_dict=True)
    assert set(history.history) == {"loss", "reconstruction_error"}
    assert after["reconstruction_error"] < 0.5 * before["reconstruction_error"]
    assert after["pseudo_log_likelihood"] > before["pseudo_log_likelihood"]
    clone = RBM.from_config(model.get_config())
    clone.set_weights(model.get_weights())
    assert clone.persistent and clone.chains == 32
    np.testing.assert_allclose(clone(v[:4]), model(v[:4]), rtol=1e-6)
