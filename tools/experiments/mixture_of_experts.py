"""Mixture of experts against a dense network of the same size (course chapter 16; Jacobs, Jordan, Nowlan &
Hinton 1991, "Adaptive Mixtures of Local Experts"; Jordan & Jacobs 1994; Shazeer et al. 2017).

Generated regression data with K = 4 clear sub-populations: inputs x = μ_k + z, z ~ N(0, I), around
orthogonal centres far apart (8.5 σ between two centres), and in population k a linear rule of its own,

    y = A_k z + b_k   (random A_k: features → outputs, random offset b_k),

plus a little noise. One linear expert per population fits its rule exactly (Jordan & Jacobs' experts
are linear too); a dense network of the same size has to carve the input space into the populations
and fit four unrelated linear maps with the same few units.

Models, trained the same way (Adam, mean squared error): a mixture of 4 linear experts with dense
softmax gating (Jacobs et al. 1991), the same with noisy top-2 gating and Shazeer et al.'s importance
loss (load balancing), a two-level hierarchical mixture (Jordan & Jacobs 1994: 2 groups of 2 experts),
and ReLU MLPs of one and of two hidden layers whose widths give the dense-gating mixture's number of
parameters. Measured: test error (mean squared error over the variance of y), learning curves, and the
gate's routing of the test points, population × argmax expert, scored by the best one-to-one matching
of populations to experts (and by the normalised mutual information).
"""

import dataclasses

import keras
import numpy as np
from scipy.optimize import linear_sum_assignment
from tqdm import tqdm

from components import plots
from keras_models.moe import HierarchicalMoE, MixtureOfExperts
from tools.experiments.report import Finding, Report, finite, plot_panels, status

CLAIM = (
    "On data made of clear sub-populations a mixture of experts beats a dense network with the same number "
    "of parameters, and its gate learns to route each sub-population to its own expert."
)
POPULATIONS = 4
BEATS = 0.5  # "beats": test error at most half the best same-size dense net's, far beyond seed noise
ROUTED = 0.9  # "its own expert": ≥ 90% of test points reach the expert matched one-to-one to their population
MIXTURES = ("MoE, dense gating", "MoE, noisy top-2 + balance loss", "hierarchical MoE (2 × 2)")
DENSE = ("dense MLP, 1 hidden layer", "dense MLP, 2 hidden layers")


@dataclasses.dataclass(frozen=True)
class Config:
    features: int = 8
    outputs: int = 4
    separation: float = 6.0  # distance of each centre from the origin, in units of the populations' σ
    noise: float = 0.05  # deviation of the noise on y (y varies by about 1.3): a floor of MSE / var ≈ 0.0015
    train_size: int = 4000
    test_size: int = 2000
    dense_activation: str = "relu"  # ReLU MLPs did better than tanh ones here
    top_k: int = 2
    load_balance: float = 0.01
    epochs: int = 60  # the dense nets have levelled off by then; the mixtures reach the noise floor
    batch: int = 32
    learning_rate: float = 0.01
    eager: bool = False  # run eagerly: for the few steps of --quick, cheaper than tracing each model


FULL = Config()
QUICK = Config(train_size=300, test_size=200, epochs=2, eager=True)


def world(config, rng):
    """The populations: orthogonal centres μ_k [K, features], maps A_k [K, features, outputs], offsets b_k."""
    q, _ = np.linalg.qr(rng.normal(size=(config.features, POPULATIONS)))
    maps = rng.normal(size=(POPULATIONS, config.features, config.outputs)) / np.sqrt(config.features)
    return config.separation * q.T, maps, rng.normal(size=(POPULATIONS, config.outputs))


def sample(n, config, the_world, rng):
    """(x [n, features], y [n, outputs], population [n]): equal shares of the populations, shuffled."""
    centres, maps, offsets = the_world
    population = rng.permutation(np.arange(n) % POPULATIONS)
    z = rng.normal(size=(n, config.features))
    y = np.einsum("nd,ndo->no", z, maps[population]) + offsets[population]
    y += rng.normal(0, config.noise, y.shape)
    return (centres[population] + z).astype("float32"), y.astype("float32"), population


def mixture(name, config, seed):
    """The MoE layer of `name`: linear experts (expert_hidden=())."""
    keras.utils.set_random_seed(seed)
    if name == MIXTURES[0]:
        return MixtureOfExperts(POPULATIONS, config.outputs, load_balance=0.0)
    if name == MIXTURES[1]:
        return MixtureOfExperts(POPULATIONS, config.outputs, top_k=config.top_k, noisy_gating=True,
                                load_balance=config.load_balance, seed=seed)  # fmt: skip
    return HierarchicalMoE(2, POPULATIONS // 2, config.outputs, load_balance=0.0)


def dense_params(features, width, depth, outputs):
    """Parameters of a features-(width × depth)-outputs MLP."""
    return features * width + width + (depth - 1) * (width * width + width) + width * outputs + outputs


def matched_width(config, depth, target):
    """The hidden width whose MLP has the number of parameters nearest `target`."""
    count = lambda width: dense_params(config.features, width, depth, config.outputs)  # noqa: E731
    return min(range(1, 2000), key=lambda width: abs(count(width) - target))


def build(name, config, seed, target):
    """(model, the MoE layer or None); dense MLPs are sized to `target` parameters."""
    inputs = keras.Input((config.features,))
    if name in MIXTURES:
        layer = mixture(name, config, seed)
        return keras.Model(inputs, layer(inputs)), layer
    depth = DENSE.index(name) + 1
    width = matched_width(config, depth, target)
    keras.utils.set_random_seed(seed)
    h = inputs
    for _ in range(depth):
        h = keras.layers.Dense(width, activation=config.dense_activation)(h)
    return keras.Model(inputs, keras.layers.Dense(config.outputs)(h)), None


def routing(gates, population):
    """Population × argmax-expert counts, the best one-to-one matching's share, NMI(population; expert)."""
    experts = gates.argmax(axis=-1)
    table = np.zeros((population.max() + 1, gates.shape[-1]))
    np.add.at(table, (population, experts), 1)
    rows, cols = linear_sum_assignment(-table)
    joint = table / table.sum()
    p, q = joint.sum(1, keepdims=True), joint.sum(0, keepdims=True)
    nonzero = joint > 0
    mutual = np.sum(joint[nonzero] * np.log(joint[nonzero] / (p @ q)[nonzero]))
    entropy = lambda d: -np.sum(d[d > 0] * np.log(d[d > 0]))  # noqa: E731
    nmi = mutual / max(np.sqrt(entropy(p) * entropy(q)), 1e-12)
    return table, float(table[rows, cols].sum() / table.sum()), float(nmi)


def nmse(model, x, y):
    """Mean squared error over the variance of y (0: perfect; 1: no better than predicting the mean)."""
    return finite(np.mean((keras.ops.convert_to_numpy(model(x, training=False)) - y) ** 2) / y.var())


def train(name, config, data, seed, target, bar):
    x, y, x_test, y_test, population = data
    model, layer = build(name, config, seed, target)
    model.compile(keras.optimizers.Adam(config.learning_rate), "mse", run_eagerly=config.eager)
    test = [nmse(model, x_test, y_test)]

    def record(epoch, logs):
        test.append(nmse(model, x_test, y_test))
        bar.update()

    model.fit(x, y, batch_size=config.batch, epochs=config.epochs, verbose=0,
              callbacks=[keras.callbacks.LambdaCallback(on_epoch_end=record)])  # fmt: skip
    result = {
        "model": name,
        "parameters": int(model.count_params()),
        "test_nmse": test,
        "final_test_nmse": test[-1],
        "train_nmse": nmse(model, x, y),
    }
    if layer is not None:
        gates = keras.ops.convert_to_numpy(layer.gate_values(x_test))
        table, matched, nmi = routing(gates, population)
        usage = (gates.argmax(-1)[:, None] == np.arange(gates.shape[-1])).mean(0)
        result.update(routing=table.tolist(), routing_accuracy=matched, nmi=nmi, usage=usage.tolist())
    return result


def judge(runs):
    """Each mixture against the best same-size dense net, and each mixture's routing."""
    best_dense = min((runs[n] for n in DENSE), key=lambda r: r["final_test_nmse"])
    errors = {n: runs[n]["final_test_nmse"] for n in MIXTURES}
    beats = [errors[n] <= BEATS * best_dense["final_test_nmse"] for n in MIXTURES]
    accuracy = Finding(
        "accuracy",
        "a mixture of experts beats a dense network with the same number of parameters",
        status(*beats),
        "test error (MSE / variance of y): "
        + ", ".join(f"{n} {errors[n]:.4f}" for n in MIXTURES)
        + f"; best dense net ({best_dense['model']}, {best_dense['parameters']} parameters) "
        f"{best_dense['final_test_nmse']:.4f}; beats when at most {BEATS:g}× the dense net's",
    )
    routed = [runs[n]["routing_accuracy"] >= ROUTED for n in MIXTURES]
    specialisation = Finding(
        "routing",
        "the gate routes each sub-population to its own expert",
        status(*routed),
        "share of test points sent (argmax gate) to the expert matched one-to-one to their population: "
        + ", ".join(f"{n} {runs[n]['routing_accuracy']:.3f} (NMI {runs[n]['nmi']:.2f})" for n in MIXTURES)
        + f"; specialised from {ROUTED:g}",
    )
    return [accuracy, specialisation]


def _heat_maps(runs, path):
    plt = plots.pyplot()
    fig, axes = plt.subplots(1, len(MIXTURES), figsize=(3.6 * len(MIXTURES), 3.2))
    for ax, name in zip(axes, MIXTURES):
        table = np.asarray(runs[name]["routing"])
        share = table / np.maximum(table.sum(1, keepdims=True), 1)
        ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
        for (i, j), value in np.ndenumerate(share):
            ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=7,
                    color="white" if value > 0.5 else "black")  # fmt: skip
        ax.set_xticks(range(share.shape[1]))
        ax.set_yticks(range(POPULATIONS))
        ax.set_xlabel("argmax expert" + (" (group by group)" if "hierarchical" in name else ""), fontsize=8)
        ax.set_title(f"{name}\nrouting {runs[name]['routing_accuracy']:.2f}", fontsize=8)
    axes[0].set_ylabel("population", fontsize=8)
    plots.save(fig, path)
    return path.rsplit("/", 1)[-1]


def _setup(config, seed, target, widths, quick):
    def architecture(name):
        return "-".join(
            map(str, (config.features, *[widths[name]] * (DENSE.index(name) + 1), config.outputs))
        )

    return [
        f"Generated data (numpy, seed {seed}): {POPULATIONS} populations of equal size around orthogonal "
        f"centres at distance {config.separation:g} from the origin in {config.features} dimensions, "
        f"x = μ_k + z with z ~ N(0, I); y = A_k z + b_k + noise (deviation {config.noise:g}) with "
        f"{config.outputs} outputs, A_k ~ N(0, 1/{config.features}), b_k ~ N(0, 1); {config.train_size} "
        f"training and {config.test_size} test points.",
        f"Mixtures (`keras_models.moe`): {POPULATIONS} linear experts "
        f"({config.features} → {config.outputs}), "
        "linear softmax gates. MoE: dense gating, no balance loss. Top-k: the same with noisy "
        f"top-{config.top_k} gating (Shazeer et al. 2017) and the importance loss CV(Σ_batch g)² × "
        f"{config.load_balance:g}. Hierarchical (Jordan & Jacobs 1994): a top gate over 2 groups of 2 "
        "experts, each group with its own gate.",
        f"Dense {config.dense_activation} MLPs {architecture(DENSE[0])} and {architecture(DENSE[1])}, "
        f"sized to the dense-gating MoE's {target} parameters.",
        f"Adam (learning rate {config.learning_rate}), mean squared error, batches of {config.batch}, "
        f"{config.epochs} epochs; every model seeded with {seed}.",
        "Routing: each test point's argmax gate (for the hierarchy, the leaf's product g_j · g_i|j); "
        "score: the share of points on the best one-to-one matching of populations to experts (Hungarian).",
    ] + (["`--quick`: a smoke run, too short for its verdict to mean much."] if quick else [])


def run(output_dir, quick=False, seed=0):
    config = QUICK if quick else FULL
    rng = np.random.default_rng(seed)
    the_world = world(config, rng)
    x, y, _ = sample(config.train_size, config, the_world, rng)
    x_test, y_test, population = sample(config.test_size, config, the_world, rng)
    data = (x, y, x_test, y_test, population)
    target = build(MIXTURES[0], config, seed, 0)[0].count_params()
    runs = {}
    with tqdm(total=(len(MIXTURES) + len(DENSE)) * config.epochs, unit="epoch",
              desc="mixture_of_experts") as bar:  # fmt: skip
        for name in MIXTURES + DENSE:
            runs[name] = train(name, config, data, seed, target, bar)

    headers = ["model", "parameters", "test MSE / var(y)", "train MSE / var(y)", "routing (one-to-one)",
               "NMI(population; expert)", "share of test points per expert"]  # fmt: skip
    rows = [
        [name, str(r["parameters"]), f"{r['final_test_nmse']:.4f}", f"{r['train_nmse']:.4f}",
         f"{r['routing_accuracy']:.3f}" if "routing" in r else "-", f"{r['nmi']:.2f}" if "nmi" in r else "-",
         ", ".join(f"{u:.2f}" for u in r["usage"]) if "usage" in r else "-"]
        for name, r in runs.items()
    ]  # fmt: skip
    floor = config.noise**2 / float(y_test.var())
    curve_plot = plot_panels(
        f"{output_dir}/learning_curves.png",
        [("test MSE / var(y)", {n: (np.arange(config.epochs + 1), r["test_nmse"]) for n, r in runs.items()})],
        xlabel="epoch", ylabel="test MSE / var(y)", hlines=[(floor, "noise floor")],
    )  # fmt: skip
    widths = {n: matched_width(config, DENSE.index(n) + 1, target) for n in DENSE}
    return Report(
        name="mixture_of_experts",
        claim=CLAIM,
        setup=_setup(config, seed, target, widths, quick),
        headers=headers,
        rows=rows,
        plots=[
            ("Test error during training (MSE over the variance of y; log scale)", curve_plot),
            (
                "Routing of the test points: share of each population sent to each expert (argmax gate)",
                _heat_maps(runs, f"{output_dir}/routing.png"),
            ),
        ],  # fmt: skip
        findings=judge(runs),
        results={
            "config": dataclasses.asdict(config),
            "noise_floor": finite(floor),
            "dense_widths": widths,
            "runs": runs,
        },  # fmt: skip
    )
