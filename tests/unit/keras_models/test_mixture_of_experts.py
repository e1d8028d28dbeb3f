"""MixtureOfExperts and HierarchicalMoE against NumPy: the gate-weighted sum, the gates, top-k, the balance
losses, the hierarchy's products, serialisation, and a tiny model that learns to route."""

import keras
import numpy as np
import pytest

from keras_models.moe import HierarchicalMoE, MixtureOfExperts, importance_loss, route, switch_loss
from tests.keras_harness import check_config_round_trip, check_saved_model_file

FEATURES, EXPERTS, UNITS = 5, 4, 3


def inputs(n=16, seed=0):
    return np.random.default_rng(seed).normal(size=(n, FEATURES)).astype("float32")


def numpy_softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def spread_gate(layer, seed=1):
    """Gate weights large enough that the gates differ clearly from one input to the next."""
    rng = np.random.default_rng(seed)
    layer.gate_kernel.assign(rng.normal(size=layer.gate_kernel.shape).astype("float32"))
    layer.gate_bias.assign(rng.normal(size=layer.gate_bias.shape).astype("float32"))


def numpy_gates(layer, x):
    """Softmax of x W_g + b_g; with top_k, the k largest logits kept and renormalised."""
    logits = x @ layer.gate_kernel.numpy() + layer.gate_bias.numpy()
    if layer.top_k is None:
        return numpy_softmax(logits)
    kept = np.argsort(-logits, axis=-1)[:, : layer.top_k]
    masked = np.full_like(logits, -np.inf)
    np.put_along_axis(masked, kept, np.take_along_axis(logits, kept, -1), -1)
    return numpy_softmax(masked)


def numpy_experts(layer, x):
    """Each expert's MLP written out, one expert at a time: [n, E, units]."""
    outputs = []
    for e in range(layer.num_experts):
        h = x
        for i, (kernel, bias) in enumerate(zip(layer.expert_kernels, layer.expert_biases)):
            h = (np.maximum(h, 0) if i else h) @ kernel.numpy()[e] + bias.numpy()[e]  # ReLU between layers
        outputs.append(h)
    return np.stack(outputs, axis=1)


def built(layer, x):
    layer(x)
    for bias in layer.expert_biases:  # non-zero biases, so a forgotten bias would show
        bias.assign(np.random.default_rng(2).normal(size=bias.shape).astype("float32"))
    spread_gate(layer)
    return layer


@pytest.mark.parametrize(
    "settings",
    [{}, {"expert_hidden": (6, 4)}, {"top_k": 2, "expert_hidden": (6,)}],
    ids=["linear", "mlp", "top2"],
)
def test_output_is_the_gate_weighted_sum_of_the_experts(settings):
    x = inputs()
    layer = built(MixtureOfExperts(EXPERTS, UNITS, **settings), x)
    gates, experts = numpy_gates(layer, x), numpy_experts(layer, x)
    expected = np.einsum("ne,neu->nu", gates, experts)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer(x)), expected, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer.gate_values(x)), gates, rtol=1e-5, atol=1e-6)
    # The experts do differ, and so do the gates: the weighting is really exercised.
    assert np.abs(experts[:, 0] - experts[:, 1]).max() > 0.1 and gates.std(axis=0).max() > 0.1


def test_large_batches_and_extra_axes_match_numpy():
    """A batch of 256 two-feature inputs (where tf.einsum("...d,edh->...eh") sums wrongly in TF 2.16),
    and inputs with an extra axis, treated as a batch of their last axis."""
    x = np.random.default_rng(3).normal(size=(256, 2)).astype("float32")
    layer = MixtureOfExperts(2, 1)
    layer(x)
    spread_gate(layer)
    expected = np.einsum("ne,neu->nu", numpy_gates(layer, x), numpy_experts(layer, x))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer(x)), expected, rtol=1e-4, atol=1e-5)
    got = keras.ops.convert_to_numpy(layer(x.reshape(8, 32, 2)))
    np.testing.assert_allclose(got, expected.reshape(8, 32, 1), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("top_k", [None, 1, 2, 3])
def test_gates_are_a_distribution_and_top_k_keeps_exactly_k(top_k):
    x = inputs(64)
    layer = built(MixtureOfExperts(EXPERTS, UNITS, top_k=top_k), x)
    gates = keras.ops.convert_to_numpy(layer.gate_values(x))
    np.testing.assert_allclose(gates.sum(axis=-1), 1.0, rtol=1e-5)
    assert (gates >= 0).all()
    assert ((gates > 0).sum(axis=-1) == (top_k or EXPERTS)).all()
    if top_k:  # the kept experts are those with the largest logits
        logits = x @ layer.gate_kernel.numpy() + layer.gate_bias.numpy()
        top = np.sort(np.argsort(-logits, axis=-1)[:, :top_k], axis=-1)
        np.testing.assert_array_equal(np.sort(np.argsort(-gates, axis=-1)[:, :top_k], axis=-1), top)


def test_switch_style_top_k_keeps_the_probabilities_unrenormalised():
    logits = np.array([[2.0, 1.0, 0.5, -1.0]], "float32")
    probabilities, gates, mask = (keras.ops.convert_to_numpy(t) for t in route(logits, 2, renormalize=False))
    np.testing.assert_allclose(gates, numpy_softmax(logits) * [1, 1, 0, 0], rtol=1e-6)
    np.testing.assert_array_equal(mask, [[1, 1, 0, 0]])
    np.testing.assert_allclose(probabilities, numpy_softmax(logits), rtol=1e-6)


def routings(n=32, experts=EXPERTS, seed=0):
    """(name, gates): uniform, balanced one-hot, random softmax, half collapsed, collapsed."""
    rng = np.random.default_rng(seed)
    one_hot = np.eye(experts, dtype="float32")
    return [
        ("uniform", np.full((n, experts), 1 / experts, "float32")),
        ("balanced one-hot", one_hot[np.arange(n) % experts]),
        ("random", numpy_softmax(rng.normal(size=(n, experts))).astype("float32")),
        ("half collapsed", one_hot[np.where(np.arange(n) % 2, 0, np.arange(n) % experts)]),
        ("collapsed", one_hot[np.zeros(n, int)]),
    ]


def test_balance_losses_are_smallest_for_uniform_routing_and_largest_when_collapsed():
    importance, switch = [], []
    for _, gates in routings():
        mask = np.eye(EXPERTS, dtype="float32")[gates.argmax(-1)]
        importance.append(float(importance_loss(gates)))
        switch.append(float(switch_loss(gates, mask)))
    assert importance[0] == pytest.approx(0, abs=1e-6) and importance[1] == pytest.approx(0, abs=1e-6)
    assert switch[0] == pytest.approx(1) and switch[1] == pytest.approx(1)
    assert importance[-1] == pytest.approx(EXPERTS - 1) and switch[-1] == pytest.approx(EXPERTS)
    for losses in (importance, switch):  # random < half collapsed < collapsed, all above uniform
        assert losses[0] < losses[2] < losses[3] < losses[4]
    # The importance loss is CV² of each expert's summed gates, written out.
    gates = routings()[2][1]
    total = gates.sum(axis=0)
    assert importance[2] == pytest.approx(total.var() / total.mean() ** 2, rel=1e-4)


@pytest.mark.parametrize("kind", ["importance", "switch"])
def test_the_layer_adds_the_weighted_balance_loss_only_while_training(kind):
    x = inputs(32)
    layer = built(MixtureOfExperts(EXPERTS, UNITS, top_k=2, load_balance=0.3, balance_loss=kind), x)
    layer(x, training=True)
    (loss,) = layer.losses
    gates = numpy_gates(layer, x)
    logits = x @ layer.gate_kernel.numpy() + layer.gate_bias.numpy()
    mask = (gates > 0).astype("float32")
    expected = importance_loss(gates) if kind == "importance" else switch_loss(numpy_softmax(logits), mask)
    assert float(loss) == pytest.approx(0.3 * float(expected), rel=1e-4) and float(loss) > 0
    layer(x, training=False)
    assert layer.losses == []


def test_noisy_gating_is_random_while_training_and_deterministic_otherwise():
    x = inputs(32)
    layer = built(MixtureOfExperts(EXPERTS, UNITS, top_k=2, noisy_gating=True, seed=3), x)
    train_a, train_b = (keras.ops.convert_to_numpy(layer.gate_values(x, training=True)) for _ in range(2))
    assert np.abs(train_a - train_b).max() > 0.01
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(layer.gate_values(x)), numpy_gates(layer, x), rtol=1e-5
    )


def test_hierarchical_gates_multiply_along_the_tree():
    x = inputs()
    layer = HierarchicalMoE(num_groups=2, experts_per_group=3, units=UNITS, expert_hidden=(4,))
    layer(x)
    spread_gate(layer, seed=5)
    for j, group in enumerate(layer.groups):
        spread_gate(group, seed=6 + j)
    top = numpy_softmax(x @ layer.gate_kernel.numpy() + layer.gate_bias.numpy())
    within = [numpy_gates(group, x) for group in layer.groups]
    leaves = np.concatenate([top[:, j : j + 1] * within[j] for j in range(2)], axis=-1)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer.gate_values(x)), leaves, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(leaves.sum(axis=-1), 1.0, rtol=1e-5)
    experts = np.concatenate([numpy_experts(group, x) for group in layer.groups], axis=1)
    expected = np.einsum("ne,neu->nu", leaves, experts)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer(x)), expected, rtol=1e-4, atol=1e-5)
    # Both levels add their balance loss while training: the top gate's and each group's.
    layer(x, training=True)
    assert len(layer.losses) == 3


@pytest.mark.parametrize(
    "build",
    [
        lambda: MixtureOfExperts(
            EXPERTS,
            UNITS,
            expert_hidden=(6,),
            expert_activation="tanh",
            top_k=2,
            noisy_gating=True,
            balance_loss="switch",
            seed=4,
        ),  # fmt: skip
        lambda: HierarchicalMoE(2, 2, UNITS, expert_hidden=(3,), top_k=1, renormalize=False, group_top_k=1),
    ],
    ids=["flat", "hierarchical"],
)
def test_config_round_trip_and_keras_file(build, tmp_path):
    layer = build()
    config = layer.get_config()
    assert type(layer).from_config(config).get_config() == config
    model = keras.Sequential([keras.Input((FEATURES,)), layer])
    check_config_round_trip(model, inputs())
    check_saved_model_file(model, inputs(), tmp_path)


def test_invalid_settings_are_refused():
    with pytest.raises(ValueError, match="top_k"):
        MixtureOfExperts(EXPERTS, UNITS, top_k=0)
    with pytest.raises(ValueError, match="balance_loss"):
        MixtureOfExperts(EXPERTS, UNITS, balance_loss="cv")


def test_a_tiny_mixture_of_two_linear_experts_fits_what_one_linear_model_cannot():
    """Two sub-populations (x₀ near -2 or +2), each with its own linear rule of x₁."""
    rng = np.random.default_rng(0)
    side = rng.integers(0, 2, 256)
    x = np.stack([np.where(side, 2.0, -2.0) + rng.normal(0, 0.3, 256), rng.normal(size=256)], 1)
    y = np.where(side, 3 * x[:, 1] + 1, -2 * x[:, 1])[:, None]
    design = np.c_[x, np.ones(256)]
    linear = np.mean((y - design @ np.linalg.lstsq(design, y, rcond=None)[0]) ** 2)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((2,)), MixtureOfExperts(2, 1, load_balance=0.01)])
    model.compile(keras.optimizers.Adam(0.05), "mse")
    model.fit(x, y, batch_size=32, epochs=25, verbose=0)
    after = float(np.mean((model.predict(x, verbose=0) - y) ** 2))
    assert linear > 0.5 * y.var() and after < 0.1 * y.var() and after < 0.2 * linear
