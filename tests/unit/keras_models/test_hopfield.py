"""HopfieldNetwork: Hebbian weights against NumPy, fixed points and recall at low load, the energy never
rising during asynchronous updates, and the failure beyond capacity."""

import numpy as np
import pytest

from keras_models.energy import HopfieldNetwork

UNITS = 64


def _patterns(count, units=UNITS, seed=0):
    return np.random.default_rng(seed).choice([-1.0, 1.0], size=(count, units)).astype("float32")


def _corrupt(patterns, fraction, seed=1):
    flips = np.random.default_rng(seed).random(patterns.shape) < fraction
    return np.where(flips, -patterns, patterns).astype("float32")


def test_hebbian_weights_match_numpy():
    patterns = _patterns(3)
    net = HopfieldNetwork(UNITS, seed=0)
    net.store(patterns)
    expected = sum(np.outer(p, p) for p in patterns) / UNITS
    np.fill_diagonal(expected, 0)
    np.testing.assert_allclose(net.kernel, expected, atol=1e-6)
    states = _patterns(4, seed=2)
    np.testing.assert_allclose(
        net.energy(states), -0.5 * np.einsum("bi,ij,bj->b", states, expected, states), rtol=1e-5
    )
    with pytest.raises(ValueError, match="units"):
        net.store(_patterns(2, units=10))


def test_stored_patterns_are_fixed_points_at_low_load():
    patterns = _patterns(3)  # load 3/64 ≈ 0.05
    net = HopfieldNetwork(UNITS, seed=0)
    net.store(patterns)
    assert np.all(net.is_fixed_point(patterns))
    recalled, sweeps = net.recall(patterns)
    np.testing.assert_array_equal(recalled, patterns)
    assert int(sweeps) == 1  # one sweep that changes nothing
    assert not np.any(net.is_fixed_point(_corrupt(patterns, 0.2)))


def test_energy_never_increases_during_asynchronous_updates():
    net = HopfieldNetwork(UNITS, seed=0)
    net.store(_patterns(12))  # a high load: many updates do change the state
    states = _patterns(8, seed=3)
    energy, changes = net.energy(states).numpy(), 0
    for i in np.random.default_rng(4).permutation(np.tile(np.arange(UNITS), 3)):
        new = net.update_unit(states, int(i)).numpy()
        new_energy = net.energy(new).numpy()
        assert np.all(new_energy <= energy + 1e-5)
        changes += int(np.sum(new != states))
        states, energy = new, new_energy
    assert changes > 0


def test_recall_from_a_corrupted_pattern_at_low_load():
    patterns = _patterns(4)  # load 0.06
    net = HopfieldNetwork(UNITS, seed=0)
    net.store(patterns)
    noisy = _corrupt(patterns, 0.1)
    assert np.all(np.mean(noisy != patterns, axis=1) > 0)
    recalled = net(noisy).numpy()
    np.testing.assert_array_equal(recalled, patterns)
    assert np.all(net.is_fixed_point(recalled))


def test_far_beyond_capacity_the_patterns_are_lost():
    patterns = _patterns(32)  # load 0.5 ≫ 0.138
    net = HopfieldNetwork(UNITS, seed=0)
    net.store(patterns)
    assert np.mean(net.is_fixed_point(patterns)) < 0.2
    overlap = np.mean(net(patterns).numpy() * patterns, axis=1)
    assert np.mean(overlap) < 0.9


def test_config_round_trip():
    net = HopfieldNetwork(UNITS, max_sweeps=7, seed=3)
    clone = HopfieldNetwork.from_config(net.get_config())
    assert (clone.units, clone.max_sweeps, clone.seed) == (UNITS, 7, 3)
    with pytest.raises(ValueError):
        HopfieldNetwork(1)
