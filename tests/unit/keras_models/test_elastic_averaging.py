"""ElasticAveraging: EASGD's elastic update and EAMSGD's Nesterov steps against NumPy; its known limits."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_models.optimizers.elastic_averaging import ElasticAveraging, default_devices

D = 5  # inputs of the linear models


def linear_model():
    return keras.Sequential([keras.Input((D,)), keras.layers.Dense(1)])


def mlp():
    return keras.Sequential(
        [keras.Input((D,)), keras.layers.Dense(8, activation="tanh"), keras.layers.Dense(3)]
    )


def _easgd(build=linear_model, devices=("/CPU:0",), **kwargs):
    keras.utils.set_random_seed(0)
    loss = "mse" if build is linear_model else None
    return ElasticAveraging(build, loss=loss, devices=devices, **kwargs)


def _flat(model):
    return np.concatenate([w.ravel() for w in model.get_weights()])


def _batches(rng, steps, p, batch=6, classes=None):
    xs = rng.normal(size=(steps, p, batch, D)).astype("float32")
    if classes:
        return xs, rng.integers(0, classes, size=(steps, p, batch))
    return xs, rng.normal(size=(steps, p, batch, 1)).astype("float32")


def _scatter(easgd, rng):
    """Every worker and the centre at its own random point."""
    for model in [easgd.center, *easgd.workers]:
        model.set_weights([rng.normal(size=w.shape).astype("float32") for w in model.get_weights()])


def numpy_eamsgd(w0, xs, ys, lr, alpha, period, momentum):
    """The paper's Algorithm 2, synchronous, for y = x·w + b under the mean squared error; w0 = [w; b]."""
    p = xs.shape[1]
    center, workers, velocity = (
        w0.copy(),
        [w0.copy() for _ in range(p)],
        [np.zeros_like(w0) for _ in range(p)],
    )

    def grad(w, x, y):
        residual = x @ w[:-1] + w[-1] - y[:, 0]
        return np.append(2 * x.T @ residual, 2 * residual.sum()) / len(x)

    for t in range(len(xs)):
        pull = np.zeros_like(w0)
        for i in range(p):
            x = workers[i]
            g = grad(x + momentum * velocity[i], xs[t, i].astype(np.float64), ys[t, i].astype(np.float64))
            d = x - center if t % period == 0 else 0.0
            pull += d
            velocity[i] = momentum * velocity[i] - lr * g
            workers[i] = x - alpha * d + velocity[i]
        center = center + alpha * pull
    return center, workers


@pytest.mark.parametrize("momentum", [0.0, 0.9], ids=["EASGD", "EAMSGD"])
def test_steps_match_the_papers_algorithm_in_numpy(momentum):
    easgd = _easgd(workers=2, learning_rate=0.05, moving_rate=0.3, period=2, momentum=momentum)
    w0 = _flat(easgd.center).astype(np.float64)
    xs, ys = _batches(np.random.default_rng(1), steps=5, p=2)
    for x, y in zip(xs, ys):
        easgd.train_step(x, y)
    center, workers = numpy_eamsgd(w0, xs, ys, lr=0.05, alpha=0.3, period=2, momentum=momentum)
    np.testing.assert_allclose(_flat(easgd.center), center, rtol=1e-5, atol=1e-6)
    for model, reference in zip(easgd.workers, workers):
        np.testing.assert_allclose(_flat(model), reference, rtol=1e-5, atol=1e-6)
    assert not np.allclose(workers[0], workers[1])  # the workers saw different batches


def test_elastic_update_alone_matches_numpy_and_conserves_the_total():
    easgd = _easgd(workers=3, learning_rate=0.0, moving_rate=0.2, period=1)
    rng = np.random.default_rng(2)
    _scatter(easgd, rng)
    center, workers = _flat(easgd.center), [_flat(m) for m in easgd.workers]
    easgd.train_step(*[b[0] for b in _batches(rng, 1, 3)])
    diffs = [w - center for w in workers]
    np.testing.assert_allclose(_flat(easgd.center), center + 0.2 * sum(diffs), rtol=1e-5, atol=1e-6)
    for model, w, d in zip(easgd.workers, workers, diffs):
        np.testing.assert_allclose(_flat(model), w - 0.2 * d, rtol=1e-5, atol=1e-6)
    total = sum(_flat(m) for m in easgd.workers) + _flat(easgd.center)
    np.testing.assert_allclose(total, sum(workers) + center, rtol=1e-5, atol=1e-5)


def test_without_gradients_everyone_converges_to_the_mean_of_all():
    """η = 0: the elastic force alone drives workers and centre to one point, the conserved mean of the
    p + 1 starting points (the centre is then the workers' average)."""
    easgd = _easgd(workers=3, learning_rate=0.0, moving_rate=0.2, period=1)
    rng = np.random.default_rng(3)
    _scatter(easgd, rng)
    mean = (sum(_flat(m) for m in easgd.workers) + _flat(easgd.center)) / 4
    x, y = [b[0] for b in _batches(rng, 1, 3)]
    for _ in range(60):  # the spread shrinks by |1 − (p + 1)α| = 0.2 per step
        easgd.train_step(x, y)
    for model in [easgd.center, *easgd.workers]:
        np.testing.assert_allclose(_flat(model), mean, atol=1e-5)


def test_with_beta_one_the_centre_becomes_the_workers_average():
    """β = pα = 1: an elastic update sets x̃ ← (1 − β) x̃ + β mean_i x_i, the workers' mean before it."""
    easgd = _easgd(build=mlp, workers=4, learning_rate=0.1, moving_rate=0.25, period=3)
    xs, ys = _batches(np.random.default_rng(4), 7, 4, classes=3)
    for t, (x, y) in enumerate(zip(xs, ys)):
        before = np.mean([_flat(m) for m in easgd.workers], axis=0)
        center = _flat(easgd.center)
        easgd.train_step(x, y)
        if t % 3 == 0:
            np.testing.assert_allclose(_flat(easgd.center), before, rtol=1e-5, atol=1e-6)
        else:  # between elastic updates the centre does not move
            np.testing.assert_array_equal(_flat(easgd.center), center)
    assert easgd.iterations == 7


def test_alpha_zero_gives_independent_sgd_runs():
    easgd = _easgd(build=mlp, workers=2, learning_rate=0.1, moving_rate=0.0, period=1)
    start = easgd.center.get_weights()
    xs, ys = _batches(np.random.default_rng(5), 4, 2, classes=3)
    for x, y in zip(xs, ys):
        easgd.train_step(x, y)
    np.testing.assert_array_equal(_flat(easgd.center), np.concatenate([w.ravel() for w in start]))
    for i, worker in enumerate(easgd.workers):
        alone = mlp()
        alone.set_weights(start)
        alone.compile(
            optimizer=keras.optimizers.SGD(0.1), loss=keras.losses.SparseCategoricalCrossentropy(True)
        )
        for x, y in zip(xs, ys):
            alone.train_on_batch(x[i], y[i])
        np.testing.assert_allclose(_flat(worker), _flat(alone), rtol=1e-5, atol=1e-6)


def test_one_worker_with_alpha_one_swaps_with_the_centre():
    """p = 1, τ = 1, α = 1: the centre takes the worker's value, the worker restarts from the old centre."""
    easgd = _easgd(build=mlp, workers=1, learning_rate=0.1, moving_rate=1.0, period=1)
    xs, ys = _batches(np.random.default_rng(6), 3, 1, classes=3)
    for x, y in zip(xs, ys):
        worker, center = _flat(easgd.workers[0]), _flat(easgd.center)
        probe = mlp()
        probe.set_weights(easgd.workers[0].get_weights())
        probe.compile(
            optimizer=keras.optimizers.SGD(0.1), loss=keras.losses.SparseCategoricalCrossentropy(True)
        )
        probe.train_on_batch(x[0], y[0])  # x_i − η∇f(x_i)
        easgd.train_step(x, y)
        np.testing.assert_allclose(_flat(easgd.center), worker, rtol=1e-6)
        np.testing.assert_allclose(
            _flat(easgd.workers[0]), _flat(probe) - worker + center, rtol=1e-4, atol=1e-6
        )


def test_fit_lowers_the_loss_and_records_every_curve():
    rng = np.random.default_rng(7)
    x = rng.normal(size=(480, D)).astype("float32")
    y = (x[:, 0] + x[:, 1] > 0).astype("int64") + (x[:, 2] > 1)
    easgd = _easgd(build=mlp, workers=3, learning_rate=0.1, period=4, momentum=0.5)
    history = easgd.fit(x, y, epochs=2, batch_size=32, validation_data=(x[:100], y[:100]), eval_every=5)
    assert history["step"] == [0, 5, 10, 15, 20, 25, 30] and history["samples_per_worker"][-1] == 30 * 32
    assert history["train_loss"][0] is None and history["train_loss"][-1] < history["train_loss"][1]
    assert history["center"]["loss"][-1] < 0.8 * history["center"]["loss"][0]
    assert history["center"]["accuracy"][-1] > 0.7
    for curves in history["workers"]:
        assert len(curves["accuracy"]) == 7 and curves["loss"][-1] < curves["loss"][0]


def test_unbuilt_models_are_built_on_the_first_batch_with_the_centres_weights():
    def unbuilt():
        return keras.Sequential([keras.layers.Dense(3)])

    keras.utils.set_random_seed(0)
    easgd = ElasticAveraging(unbuilt, workers=2, learning_rate=0.0, devices=["/CPU:0"])
    easgd.train_step(np.ones((2, 4, D), "float32"), np.zeros((2, 4), "int64"))
    for worker in easgd.workers:
        np.testing.assert_array_equal(_flat(worker), _flat(easgd.center))


def test_devices_place_each_worker_in_turn():
    easgd = _easgd(workers=3, devices=["/CPU:0"])
    assert [easgd.device(i) for i in range(3)] == ["/CPU:0"] * 3
    assert all(w.value.device.endswith("CPU:0") for m in easgd.workers for w in m.weights)
    assert default_devices() == ([d.name for d in tf.config.list_logical_devices("GPU")] or ["/CPU:0"])
    assert _easgd(workers=4).moving_rate == pytest.approx(0.9 / 4)  # the paper's β = 0.9
    with pytest.raises(ValueError, match="period"):
        ElasticAveraging(linear_model, period=0)
