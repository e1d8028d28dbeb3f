"""Activation functions and the choice of targets (course chapter 4), measured on Fashion-MNIST.

1. A deep-ish MLP (5 hidden layers) trained with each activation from the same Glorot-uniform
   initialisations: the logistic sigmoid (not zero-centred, saturating), tanh and LeCun's scaled
   tanh 1.7159 tanh(2x/3) (zero-centred), ReLU, leaky ReLU and ELU (not saturating for x > 0) and
   softplus. Before training, the gradient of the loss with respect to each layer's weights shows
   how far the gradient reaches back to the first layer (Glorot & Bengio 2010; LeCun, Bottou, Orr &
   Müller 1998, "Efficient BackProp"). ReLU is also run with He initialisation (He et al. 2015),
   its usual partner, to tell the activation from the initialisation.
2. RBF units — exp(−½‖x − w_j‖²), the course's Euclidean module then an exponential — against
   sigmoid units, one hidden layer each, on generated 2-D data: an RBF unit answers only near its
   centre (local), a sigmoid unit on a whole half-plane (global), so far from the data the RBF net
   falls back to its biases while the sigmoid net extrapolates with confidence.
3. Targets of a scaled-tanh output trained with MSE: at ±1, where f'' peaks and the unit is still
   responsive, or at the asymptotes ±1.7159, which the unit can only approach by growing its
   weights into saturation (Efficient BackProp, section 4.5).
"""

import dataclasses

import keras
import numpy as np
import tensorflow as tf
from tqdm import tqdm

from components import plots
from keras_models.layers.backprop import Euclidean, scaled_tanh
from keras_models.layers.backprop.scaled_tanh import AMPLITUDE
from tools.experiments import curves, data
from tools.experiments.report import Finding, Report, jsonable, status

CLAIM = (
    "In a deep net the sigmoid (not zero-centred, saturating) trains slowest and passes the least gradient "
    "back, zero-centred tanh and scaled tanh beat it and the ReLU family trains fastest; RBF units are local "
    "where sigmoid units are global; targets of a scaled tanh at ±1 train faster and keep the weights "
    "smaller than targets at its asymptotes."
)
ACTIVATIONS = {  # key: (label, activation, kernel initialiser)
    "sigmoid": ("sigmoid", "sigmoid", "glorot_uniform"),
    "tanh": ("tanh", "tanh", "glorot_uniform"),
    "scaled_tanh": ("scaled tanh", scaled_tanh, "glorot_uniform"),
    "relu": ("ReLU", "relu", "glorot_uniform"),
    "leaky_relu": ("leaky ReLU (0.2)", "leaky_relu", "glorot_uniform"),
    "elu": ("ELU", "elu", "glorot_uniform"),
    "softplus": ("softplus", "softplus", "glorot_uniform"),
    "relu_he": ("ReLU, He init", "relu", "he_normal"),  # not judged: tells activation from initialisation
}
JUDGED = [k for k in ACTIVATIONS if k != "relu_he"]
RELU_FAMILY = ("relu", "leaky_relu", "elu")
ZERO_CENTRED = ("tanh", "scaled_tanh")
# Mean training losses within 5% of each other count as a tie: one activation's loss has a standard
# deviation of 2-4% between initialisation seeds (0.006-0.016 nats at ~0.3 in the full run).
TIE = 0.05
RESPONDS = 0.5  # a hidden unit "responds" to a point where its output is above half its maximum (1)
LOCAL = 0.05  # far from the data, at most this fraction of RBF units respond: local
GLOBAL = 0.25  # far from the data, at least this fraction of sigmoid units still respond: global
SATURATED = 1.6  # |f(a)| > 1.6: f'(a) is below 13% of its peak, the output unit is saturated
WEIGHT_GROWTH = 1.25  # asymptote targets' output weights at least 25% larger: "larger weights"


@dataclasses.dataclass(frozen=True)
class Config:
    train_size: int = 10000
    test_size: int = 5000
    hidden: tuple = (128,) * 5
    epochs: int = 6
    seeds: int = 3  # initialisation (and batch order) seeds per activation, averaged
    batch: int = 64
    learning_rate: float = 0.01
    momentum: float = 0.9
    gradient_rows: int = 1000
    rbf_units: int = 8
    rbf_points: int = 400
    rbf_steps: int = 300
    rbf_learning_rate: float = 0.05
    target_hidden: int = 64
    target_epochs: int = 8


FULL = Config()
QUICK = Config(train_size=300, test_size=100, hidden=(16,) * 3, epochs=1, seeds=1, batch=100,
               gradient_rows=100, rbf_points=100, rbf_steps=20, target_hidden=16,
               target_epochs=1)  # fmt: skip


def fashion(config, seed, quick):
    return data.fashion_mnist(config.train_size, config.test_size, seed=seed, quick=quick, standardized=True)


def layer_gradient_norms(model, x, y):
    """‖∂L/∂W_l‖ of every Dense kernel, first layer first, L the cross-entropy of (x, y)."""
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(y, model(x), from_logits=True))
    return [float(tf.norm(g)) for g in tape.gradient(loss, [layer.kernel for layer in model.layers])]


def _inf(values):
    return [np.inf if v is None else v for v in values]  # a diverged loss counts as infinitely slow


def train_activation(key, split, config, seed, quick, bar):
    """One activation trained from `config.seeds` initialisations: curves and gradient norms averaged
    over the seeds; speed = the mean training loss over the epochs (per seed, then mean and sd)."""
    _, activation, initializer = ACTIVATIONS[key]
    rows, per_seed = slice(0, config.gradient_rows), []
    for k in range(config.seeds):
        model = curves.mlp(
            config.hidden, activation=activation, seed=seed + k, kernel_initializer=initializer
        )
        norms = layer_gradient_norms(model, split.x_train[rows], split.y_train[rows])
        curves.compile_classifier(model, keras.optimizers.SGD(config.learning_rate, momentum=config.momentum))
        model.run_eagerly = quick  # a smoke run: tracing would cost more than its few steps
        result = curves.fit(model, split, epochs=config.epochs, batch_size=config.batch, bar=bar)
        per_seed.append({**result, "layer_gradient_norms": norms})
    measures = ("train_loss", "test_loss", "test_accuracy", "layer_gradient_norms")
    mean = {m: np.mean([_inf(s[m]) for s in per_seed], axis=0).tolist() for m in measures}
    speeds = [float(np.mean(_inf(s["train_loss"][1:]))) for s in per_seed]
    norms = mean["layer_gradient_norms"]
    return {**mean, "epoch": per_seed[0]["epoch"], "reach": norms[0] / norms[-1],
            "mean_train_loss": float(np.mean(speeds)), "mean_train_loss_sd": float(np.std(speeds)),
            "mean_train_loss_per_seed": speeds}  # fmt: skip


def blobs(rng, n):
    """XOR of four Gaussian blobs at (±2, ±2), σ 0.6: class 1 on one diagonal, 0 on the other."""
    corners = rng.integers(0, 4, n)
    centres = np.array([[2, 2], [-2, -2], [2, -2], [-2, 2]], "float32")
    return centres[corners] + rng.normal(scale=0.6, size=(n, 2)).astype("float32"), (corners >= 2).astype(
        "int64"
    )


def local_vs_global(config, seed):
    """One hidden layer of RBF units vs sigmoid units on the XOR blobs: accuracy, and how many hidden
    units respond near the data and far from it (on a circle 3× the data's radius)."""
    rng = np.random.default_rng(seed)
    (x, y), (x_test, y_test) = blobs(rng, config.rbf_points), blobs(rng, config.rbf_points)
    radius = 3 * float(np.abs(x).max())
    angles = np.linspace(0, 2 * np.pi, 64, endpoint=False)
    far = (radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)).astype("float32")
    keras.utils.set_random_seed(seed)
    centres, gaussian = Euclidean(config.rbf_units), keras.layers.Lambda(lambda d: keras.ops.exp(-d))
    sigmoid = keras.layers.Dense(config.rbf_units, activation="sigmoid")
    hidden = {kind: keras.Sequential([keras.Input((2,)), *layers])
              for kind, layers in (("rbf", [centres, gaussian]), ("sigmoid", [sigmoid]))}  # fmt: skip
    centres.set_weights([x[rng.choice(len(x), config.rbf_units, replace=False)].T])
    results, nets = {}, {}
    for kind, features in hidden.items():
        nets[kind] = net = keras.Sequential([features, keras.layers.Dense(2)])
        optimizer = keras.optimizers.Adam(config.rbf_learning_rate)

        @tf.function
        def step(x, y, net=net, optimizer=optimizer):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(
                    keras.losses.sparse_categorical_crossentropy(y, net(x), from_logits=True)
                )
            optimizer.apply_gradients(
                zip(tape.gradient(loss, net.trainable_variables), net.trainable_variables)
            )

        for _ in range(config.rbf_steps):
            step(x, y)
        results[kind] = {
            "test_accuracy": float(np.mean(np.argmax(net(x_test), axis=-1) == y_test)),
            "respond_near": float(np.mean(features(x_test) > RESPONDS)),
            "respond_far": float(np.mean(features(far) > RESPONDS)),
            "confidence_far": float(np.mean(np.max(keras.ops.softmax(net(far)), axis=-1))),
        }
    return results, nets, (x, y), radius


def targets_run(level, split, config, seed, bar):
    """Scaled-tanh hidden and output layers, MSE to one-hot targets ±level; per epoch: test accuracy,
    the output layer's weight norm and the fraction of saturated outputs on 2,000 training images."""
    keras.utils.set_random_seed(seed)
    layers = [keras.layers.Dense(units, activation=scaled_tanh) for units in (config.target_hidden, 10)]
    model = keras.Sequential([keras.Input((784,)), *layers])
    model.compile(keras.optimizers.SGD(config.learning_rate, momentum=config.momentum), "mse")
    targets = np.where(np.eye(10, dtype=bool)[split.y_train], level, -level).astype("float32")
    run = {"test_accuracy": [], "output_weight_norm": [], "saturated": []}
    for _ in range(config.target_epochs):
        model.fit(split.x_train, targets, batch_size=config.batch, epochs=1, verbose=0)
        run["test_accuracy"].append(float(np.mean(np.argmax(model(split.x_test), -1) == split.y_test)))
        run["output_weight_norm"].append(float(np.linalg.norm(model.layers[-1].kernel)))
        run["saturated"].append(float(np.mean(np.abs(model(split.x_train[:2000])) > SATURATED)))
        bar.update()
    return run


def judge(runs, rbf, targets, test_size):
    """The claim's five parts, each judged from the numbers."""
    speed = {k: runs[k]["mean_train_loss"] for k in JUDGED}
    order = sorted(speed, key=speed.get)
    reach = {k: runs[k]["reach"] for k in JUDGED}
    slowest = Finding(
        "sigmoid slowest",
        "the sigmoid trains slowest and passes the least gradient back to the first layer",
        status(order[-1] == "sigmoid", min(reach, key=reach.get) == "sigmoid"),
        "mean training loss over the epochs (nats, fastest first): "
        + ", ".join(f"{ACTIVATIONS[k][0]} {speed[k]:.3f}" for k in order)
        + "; ‖∂L/∂W_1‖ / ‖∂L/∂W_out‖ at initialisation: "
        + ", ".join(f"{ACTIVATIONS[k][0]} {reach[k]:.1e}" for k in JUDGED),
    )
    centred = Finding(
        "zero-centred",
        "zero-centred tanh and scaled tanh beat the sigmoid",
        status(*(speed[k] < (1 - TIE) * speed["sigmoid"] for k in ZERO_CENTRED)),
        f"mean training loss tanh {speed['tanh']:.3f}, scaled tanh {speed['scaled_tanh']:.3f}, sigmoid "
        f"{speed['sigmoid']:.3f} (beat: more than {TIE:.0%} lower)",
    )
    best, first = min(RELU_FAMILY, key=speed.get), order[0]
    fastest = Finding(
        "ReLU fastest",
        "the ReLU family trains fastest",
        status(first in RELU_FAMILY, speed[best] <= (1 + TIE) * speed[first]),
        f"fastest {ACTIVATIONS[first][0]} ({speed[first]:.3f}); best of the ReLU family "
        f"{ACTIVATIONS[best][0]} ({speed[best]:.3f}; within {TIE:.0%} of the fastest: a tie, partly); "
        f"ReLU with He initialisation {runs['relu_he']['mean_train_loss']:.3f}",
    )
    r, s = rbf["rbf"], rbf["sigmoid"]
    local = Finding(
        "RBF local",
        "RBF units are local, sigmoid units global",
        status(r["respond_far"] <= LOCAL, s["respond_far"] >= GLOBAL),
        f"far from the data {r['respond_far']:.0%} of RBF units respond (local ≤ {LOCAL:.0%}) vs "
        f"{s['respond_far']:.0%} of sigmoid units (global ≥ {GLOBAL:.0%}); near it {r['respond_near']:.0%} "
        f"vs {s['respond_near']:.0%}; confidence far away {r['confidence_far']:.2f} vs "
        f"{s['confidence_far']:.2f}; test accuracy {r['test_accuracy']:.3f} vs {s['test_accuracy']:.3f}",
    )
    one, asymptote = targets["1"], targets["asymptote"]
    growth = asymptote["output_weight_norm"][-1] / one["output_weight_norm"][-1]
    area = {k: float(np.mean(v["test_accuracy"])) for k, v in targets.items()}
    margin = curves.accuracy_margin(area["1"], test_size)
    choice = Finding(
        "targets",
        "targets at ±1 train faster and keep the weights smaller than targets at the asymptotes",
        status(area["1"] > area["asymptote"] + margin, growth >= WEIGHT_GROWTH),
        f"mean test accuracy over the epochs ±1 {area['1']:.3f} vs ±{AMPLITUDE} {area['asymptote']:.3f} "
        f"(faster: by more than {margin:.3f}); final output-weight norm {one['output_weight_norm'][-1]:.2f} "
        f"vs {asymptote['output_weight_norm'][-1]:.2f} ({growth:.2f}×, larger ≥ {WEIGHT_GROWTH}×); saturated "
        f"outputs {one['saturated'][-1]:.0%} vs {asymptote['saturated'][-1]:.0%}",
    )
    return [slowest, centred, fastest, local, choice]


def _table(runs, rbf, targets):
    rows = [
        ["activation", ACTIVATIONS[k][0], f"{r['test_accuracy'][-1]:.3f}",
         f"mean training loss {r['mean_train_loss']:.3f} ± {r['mean_train_loss_sd']:.3f} over seeds (final "
         f"{r['train_loss'][-1]:.3f}); ‖∂L/∂W_1‖ / ‖∂L/∂W_out‖ at init {r['reach']:.1e}"]
        for k, r in runs.items()
    ]  # fmt: skip
    rows += [
        ["local vs global", f"{kind} units", f"{r['test_accuracy']:.3f}",
         f"units responding near the data {r['respond_near']:.0%}, far from it {r['respond_far']:.0%}; "
         f"confidence far away {r['confidence_far']:.2f}"]
        for kind, r in (("RBF", rbf["rbf"]), ("sigmoid", rbf["sigmoid"]))
    ]  # fmt: skip
    rows += [
        ["targets", f"±{level}", f"{r['test_accuracy'][-1]:.3f} (mean {np.mean(r['test_accuracy']):.3f})",
         f"output-weight norm {r['output_weight_norm'][-1]:.2f}; saturated outputs {r['saturated'][-1]:.0%}"]
        for level, r in (("1", targets["1"]), (f"{AMPLITUDE}", targets["asymptote"]))
    ]  # fmt: skip
    return ["part", "model", "test accuracy", "measured"], rows


def _plots(runs, rbf_nets, rbf_data, radius, targets, output_dir):
    plt = plots.pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.3))
    for k, r in runs.items():
        style = ":" if k == "relu_he" else "-"
        axes[0].plot(r["epoch"], np.where(np.isfinite(r["train_loss"]), r["train_loss"], np.nan), style,
                     label=ACTIVATIONS[k][0])  # fmt: skip
        axes[1].plot(r["epoch"], r["test_accuracy"], style)
        norms = r["layer_gradient_norms"]
        axes[2].plot(range(1, len(norms) + 1), norms, style + "o", markersize=3)
    axes[0].set(
        xlabel="epoch", ylabel="training loss (nats)", yscale="log", title="Training loss (mean of seeds)"
    )
    axes[1].set(xlabel="epoch", ylabel="test accuracy", title="Test accuracy")
    axes[2].set(
        xlabel="layer (1 = first)", ylabel="‖∂L/∂W‖", yscale="log", title="Gradient per layer at init"
    )
    axes[0].legend(fontsize=7)
    _save(fig, axes, f"{output_dir}/activations.png")

    fig, axes = plt.subplots(1, 2, figsize=(8.6, 3.8))
    grid = np.linspace(-1.1 * radius, 1.1 * radius, 121, dtype="float32")
    points = np.stack(np.meshgrid(grid, grid), axis=-1).reshape(-1, 2)
    x, y = rbf_data
    for ax, (kind, net) in zip(axes, rbf_nets.items()):
        p = keras.ops.convert_to_numpy(keras.ops.softmax(net(points)))[:, 1].reshape(len(grid), len(grid))
        image = ax.contourf(grid, grid, p, levels=np.linspace(0, 1, 11), cmap="coolwarm")
        ax.scatter(x[:, 0], x[:, 1], c=y, cmap="coolwarm", s=4, edgecolors="k", linewidths=0.2)
        ax.add_patch(plt.Circle((0, 0), radius, fill=False, linestyle=":", color="k"))
        ax.set(
            title=f"{'RBF' if kind == 'rbf' else 'sigmoid'} units: p(class 1); dotted: 'far'", aspect="equal"
        )
    fig.colorbar(image, ax=axes[-1], fraction=0.046)
    _save(fig, axes, f"{output_dir}/rbf_vs_sigmoid.png")

    fig, axes = plt.subplots(1, 3, figsize=(11, 3.1))
    for key, label in (("1", "targets ±1"), ("asymptote", f"targets ±{AMPLITUDE}")):
        for ax, measure in zip(axes, ("test_accuracy", "output_weight_norm", "saturated")):
            ax.plot(
                range(1, len(targets[key][measure]) + 1),
                targets[key][measure],
                "o-",
                markersize=3,
                label=label,
            )
    for ax, ylabel in zip(axes, ("test accuracy", "‖W_out‖", f"outputs with |y| > {SATURATED}")):
        ax.set(xlabel="epoch", ylabel=ylabel, title=ylabel)
    axes[0].legend(fontsize=7)
    _save(fig, axes, f"{output_dir}/targets.png")
    return [
        ("Deep MLP on Fashion-MNIST: training loss, test accuracy and per-layer gradient norms at "
         "initialisation for each activation", "activations.png"),
        ("One hidden layer of RBF vs sigmoid units on XOR blobs, 3× beyond the data", "rbf_vs_sigmoid.png"),
        ("Scaled-tanh outputs trained with MSE: targets at ±1 vs at the asymptotes", "targets.png"),
    ]  # fmt: skip


def _save(fig, axes, path):
    for ax in np.ravel(axes):
        ax.title.set_fontsize(9)
    plots.save(fig, path)


def _setup(config, split, seed, quick):
    return [
        f"Data: {split.source}; pixels standardised with the training subset's statistics.",
        f"Activations: 784 → {' → '.join(map(str, config.hidden))} → 10 logits, one activation in every "
        f"hidden layer, Glorot-uniform initial weights (seeds {seed}..{seed + config.seeds - 1}, the same "
        "for every activation) but for 'ReLU, He init' (He normal, not judged); SGD learning rate "
        f"{config.learning_rate}, momentum {config.momentum}, batches of {config.batch}, {config.epochs} "
        "epochs; training loss on a fixed probe of (up to) 2,000 training images after each epoch. Speed: "
        "the mean of those losses over the epochs, averaged over the seeds. Gradient reach: ‖∂L/∂W_1‖ / "
        f"‖∂L/∂W_out‖ of the cross-entropy of {config.gradient_rows} training images at initialisation.",
        f"Local vs global: XOR of four Gaussian blobs (numpy, seed {seed}, {config.rbf_points} train and "
        f"test points); 2 → {config.rbf_units} hidden units → 2 logits, RBF units exp(−½‖x − w_j‖²) "
        "(`keras_models.layers.backprop.Euclidean`, centres started on training points) vs sigmoid units; "
        f"Adam {config.rbf_learning_rate}, {config.rbf_steps} full-batch steps. A unit responds where its "
        f"output exceeds {RESPONDS}; 'far': 64 points on a circle 3× the data's radius.",
        f"Targets: 784 → {config.target_hidden} → 10, scaled tanh on both layers, MSE to one-hot targets at "
        f"±1 or ±{AMPLITUDE} (seed {seed}); same optimiser, {config.target_epochs} epochs; saturated: "
        f"|y| > {SATURATED}.",
        f"TensorFlow {tf.__version__}, Keras {keras.__version__}."
        + (" `--quick`: a smoke run, too short for its verdict to mean much." if quick else ""),
    ]


def run(output_dir, quick=False, seed=0):
    config = QUICK if quick else FULL
    split = fashion(config, seed, quick)
    levels = {"1": 1.0, "asymptote": AMPLITUDE}
    with tqdm(total=len(ACTIVATIONS) * config.seeds * config.epochs + 2 * config.target_epochs,
              unit="epoch", desc="activations") as bar:  # fmt: skip
        runs = {}
        for key in ACTIVATIONS:
            bar.set_postfix_str(ACTIVATIONS[key][0])
            runs[key] = train_activation(key, split, config, seed, quick, bar)
        bar.set_postfix_str("targets")
        targets = {key: targets_run(level, split, config, seed, bar) for key, level in levels.items()}
    rbf, rbf_nets, rbf_data, radius = local_vs_global(config, seed)
    headers, rows = _table(runs, rbf, targets)
    return Report(
        name="activations",
        claim=CLAIM,
        setup=_setup(config, split, seed, quick),
        headers=headers,
        rows=rows,
        plots=_plots(runs, rbf_nets, rbf_data, radius, targets, output_dir),
        findings=judge(runs, rbf, targets, len(split.y_test)),
        results={
            "quick": quick,
            "seed": seed,
            "config": dataclasses.asdict(config),
            "runs": {k: jsonable(r) for k, r in runs.items()},
            "local_vs_global": rbf,
            "targets": {k: jsonable(r) for k, r in targets.items()},
        },
    )
