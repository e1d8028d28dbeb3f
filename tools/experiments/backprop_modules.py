"""Backpropagation as a chain of modules (course chapter 3), checked and trained.

Each module of `keras_models.layers.backprop` has the course's two halves written out: a forward
pass (fprop) and a hand-written backward pass (bprop) that Keras uses through `tf.custom_gradient`.
The experiment (1) checks every module's backward against float64 central differences
(`gradient_check`), and (2) trains Linear → ScaledTanh → Linear → SoftmaxTemperature on
scikit-learn's 8×8 digits next to the same network built from Keras's layers (Dense with LeCun's
scaled tanh, Dense, softmax), from the same initial weights on the same mini-batches: if the
hand-written derivatives are right, the two loss curves coincide up to float32 rounding. It then
varies the softmax's temperature on the trained network (LeCun, Bottou, Orr & Müller 1998,
"Efficient BackProp"; Hinton, Vinyals & Dean 2015 for the temperature).
"""

import dataclasses

import keras
import numpy as np
import tensorflow as tf
from tqdm import tqdm

from components import plots
from keras_models.layers import backprop as bp
from tools.experiments import data
from tools.experiments.report import Finding, Report, finite, status

CLAIM = (
    "Backprop is a chain of modules, each with a forward pass and a backward derivative; the hand-written "
    "derivatives agree with finite differences, and a network built from the modules trains like the same "
    "network built from Keras's layers."
)
GRADIENT_TOLERANCE = 1e-6  # the acceptance point: max relative error against central differences
# Two float32 computations of the same gradient differ by rounding (~1e-7 relative per step); over a
# run that drift stays far below 1e-3 nats, where two curves could first be told apart on the plot.
COINCIDE = 1e-3
LEARNED = 0.9  # test accuracy a 2-layer MLP reaches on the digits (10 classes; chance 0.1)
CLASSES = 10


@dataclasses.dataclass(frozen=True)
class Config:
    hidden: int = 32
    epochs: int = 30
    batch: int = 32
    learning_rate: float = 0.05
    train_rows: int = 0  # 0: all of the digits' training split
    temperatures: tuple = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0)


FULL = Config()
QUICK = Config(epochs=2, train_rows=256, temperatures=(0.5, 1.0, 4.0))


def module_checks(seed):
    """{module: (course name, max relative error over its inputs and weights)} on small float64 inputs."""
    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)

    def normal(*shape, scale=1.0):
        return rng.normal(scale=scale, size=shape)

    cases = {
        "Linear": ("linear module y = Wx + b", bp.Linear(4, bias_initializer="random_normal"), normal(3, 5)),
        "Euclidean": ("Euclidean distance ½‖x − w_j‖² (RBF unit)", bp.Euclidean(4), normal(3, 5)),
        "YConnector": ("Y-connector (fan-out)", bp.YConnector(3), normal(3, 5)),
        "Adder": ("adder (sum)", bp.Adder(), [normal(3, 5) for _ in range(3)]),
        "Switch": ("switch (max)", bp.Switch(), [normal(3, 5) for _ in range(3)]),
        "SoftmaxTemperature": ("softmax, T = 2", bp.SoftmaxTemperature(2.0), normal(3, 5, scale=2.0)),
        "ScaledTanh": ("scaled tanh 1.7159 tanh(2x/3)", bp.ScaledTanh(), normal(3, 5, scale=2.0)),
    }
    return {
        name: (course, max(bp.gradient_check(layer, inputs, seed=seed).values()))
        for name, (course, layer, inputs) in cases.items()
    }


def networks(inputs, hidden, seed):
    """(modules net, Keras net) with the same initial weights; both end in a softmax at T = 1."""
    keras.utils.set_random_seed(seed)
    modules = keras.Sequential([
        keras.Input((inputs,)), bp.Linear(hidden), bp.ScaledTanh(), bp.Linear(CLASSES),
        bp.SoftmaxTemperature(1.0),
    ])  # fmt: skip
    layers = keras.Sequential([
        keras.Input((inputs,)), keras.layers.Dense(hidden, activation=bp.scaled_tanh),
        keras.layers.Dense(CLASSES), keras.layers.Softmax(),
    ])  # fmt: skip
    layers.set_weights(modules.get_weights())
    return modules, layers


def nll(p, y):
    """Mean −log p(y): written out, so both nets' losses go through the same ops."""
    return -tf.reduce_mean(tf.math.log(tf.gather(p, y, batch_dims=1)))


def train(model, split, config, seed, bar):
    """Plain SGD on mini-batches in a seeded order; the loss of every step and, per epoch, the whole
    training set's loss and the test accuracy (epoch 0: the untrained net)."""
    optimizer = keras.optimizers.SGD(config.learning_rate)

    @tf.function
    def step(x, y):
        with tf.GradientTape() as tape:
            loss = nll(model(x, training=True), y)
        optimizer.apply_gradients(
            zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables)
        )
        return loss

    def evaluate():
        train_loss = float(nll(model(split.x_train), split.y_train))
        accuracy = float(np.mean(np.argmax(model(split.x_test), axis=-1) == split.y_test))
        return train_loss, accuracy

    order = np.random.default_rng(seed)
    curves = {"step_loss": [], "train_loss": [], "test_accuracy": []}
    for epoch in range(config.epochs + 1):
        if epoch:
            for batch in np.array_split(
                order.permutation(len(split.x_train)), len(split.x_train) // config.batch
            ):
                curves["step_loss"].append(float(step(split.x_train[batch], split.y_train[batch])))
            bar.update()
        train_loss, accuracy = evaluate()
        curves["train_loss"].append(train_loss)
        curves["test_accuracy"].append(accuracy)
    return curves


def temperature_sweep(modules, x_test, y_test, temperatures):
    """Mean entropy (nats), test NLL and accuracy of softmax(logits / T) of the trained modules net."""
    logits = keras.Sequential(modules.layers[:-1])(x_test)
    sweep = {"temperature": list(temperatures), "entropy": [], "nll": [], "accuracy": []}
    for t in temperatures:
        p = bp.SoftmaxTemperature(t)(logits)
        sweep["entropy"].append(float(tf.reduce_mean(-tf.reduce_sum(p * tf.math.log(p + 1e-30), axis=-1))))
        sweep["nll"].append(float(nll(p, y_test)))
        sweep["accuracy"].append(float(np.mean(np.argmax(p, axis=-1) == y_test)))
    return sweep


def judge(checks, runs, test_size):
    """The claim's three parts, judged from the numbers."""
    passed = [name for name, (_, error) in checks.items() if error < GRADIENT_TOLERANCE]
    worst = max(checks, key=lambda name: checks[name][1])
    derivatives = Finding(
        "derivatives",
        "every module's hand-written derivative agrees with central differences",
        "reproduced" if len(passed) == len(checks) else "partly reproduced" if passed else "not reproduced",
        f"{len(passed)} of {len(checks)} modules within {GRADIENT_TOLERANCE:.0e} relative error in float64; "
        f"worst {worst} at {checks[worst][1]:.1e}",
    )
    modules, layers = runs["modules"], runs["keras"]
    gap = _max_gap(modules["step_loss"], layers["step_loss"])
    accuracy_gap = abs(modules["test_accuracy"][-1] - layers["test_accuracy"][-1])
    same = Finding(
        "same training",
        "the modules' network trains like the same network of Keras layers",
        status(gap < COINCIDE, accuracy_gap * test_size <= 1),
        f"largest |Δ loss| over {len(modules['step_loss'])} SGD steps {gap:.1e} nats (coincide < "
        f"{COINCIDE:.0e}); test accuracy {modules['test_accuracy'][-1]:.4f} (modules) vs "
        f"{layers['test_accuracy'][-1]:.4f} (Keras)",
    )
    first, last = modules["train_loss"][0], modules["train_loss"][-1]
    trains = Finding(
        "trains",
        "a network built from the modules learns",
        status(last < first, modules["test_accuracy"][-1] >= LEARNED),
        f"training loss {first:.3f} → {last:.3f} nats; test accuracy {modules['test_accuracy'][-1]:.3f} "
        f"(learned ≥ {LEARNED})",
    )
    return [derivatives, same, trains]


def _max_gap(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b))) if np.all(np.isfinite(a)) and np.all(np.isfinite(b)) else np.inf


def _table(checks, runs, sweep):
    rows = [
        [f"gradient check (< {GRADIENT_TOLERANCE:.0e})", f"{name}: {course}", f"{error:.1e}",
         "yes" if error < GRADIENT_TOLERANCE else "no"]
        for name, (course, error) in checks.items()
    ]  # fmt: skip
    gap = _max_gap(runs["modules"]["step_loss"], runs["keras"]["step_loss"])
    accuracies = " / ".join(f"{runs[k]['test_accuracy'][-1]:.4f}" for k in ("modules", "keras"))
    losses = " / ".join(f"{runs[k]['train_loss'][-1]:.4f}" for k in ("modules", "keras"))
    rows += [
        [f"training (< {COINCIDE:.0e})", "largest abs. Δ step loss, modules vs Keras", f"{gap:.1e}",
         "yes" if gap < COINCIDE else "no"],
        ["training", "final training loss, modules / Keras (nats)", losses, ""],
        ["training", "test accuracy, modules / Keras", accuracies, ""],
    ]  # fmt: skip
    rows += [
        ["temperature", f"T = {t:g}: mean entropy / test NLL / accuracy", f"{h:.3f} / {n:.3f} / {a:.4f}", ""]
        for t, h, n, a in zip(sweep["temperature"], sweep["entropy"], sweep["nll"], sweep["accuracy"])
    ]
    return ["part", "what", "measured", "within threshold"], rows


def _plots(runs, sweep, output_dir):
    plt = plots.pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.1))
    for key, label, style in (
        ("modules", "modules (hand-written bprop)", "-"),
        ("keras", "Keras layers", "--"),
    ):
        axes[0].plot(runs[key]["train_loss"], style, label=label, linewidth=1.2)
    axes[0].set(xlabel="epoch", ylabel="training loss (nats)", yscale="log", title="Training loss, same init")
    axes[0].legend(fontsize=7)
    difference = np.abs(np.subtract(runs["modules"]["step_loss"], runs["keras"]["step_loss"]))
    axes[1].plot(np.flatnonzero(difference), difference[difference > 0], ".", markersize=1.5)
    axes[1].axhline(COINCIDE, color="gray", linestyle="--", label="coincide threshold")
    axes[1].set(xlabel="SGD step", ylabel="|Δ loss| (nats)", yscale="log", title="Modules − Keras, each step")
    axes[1].legend(fontsize=7)
    axes[2].plot(sweep["temperature"], sweep["entropy"], "o-", label="mean entropy")
    axes[2].plot(sweep["temperature"], sweep["nll"], "s-", label="test NLL")
    axes[2].axhline(np.log(CLASSES), color="gray", linestyle=":", label="uniform: ln 10")
    axes[2].set(xlabel="temperature T", ylabel="nats", xscale="log", title="Softmax temperature")
    axes[2].legend(fontsize=7)
    for ax in axes:
        ax.title.set_fontsize(9)
    plots.save(fig, f"{output_dir}/backprop_modules.png")
    return [
        (
            "Modules vs Keras layers on the digits, and the softmax temperature's effect",
            "backprop_modules.png",
        )
    ]


def _setup(config, split, seed, quick):
    return [
        f"Gradient check: each module in float64 on small random inputs (3 rows of 5 features), weights from "
        f"seed {seed}; the analytic gradient of Σ r ⊙ output (r a fixed random projection) against central "
        f"differences, ε = 1e-6, for every input and weight; max relative error |a − n| / max(|a| + |n|, "
        f"1e-3 × the largest component), passes below {GRADIENT_TOLERANCE:.0e}.",
        f"Data: {split.source}; features standardised with the training split's statistics; float32.",
        f"Networks: 64 → Linear({config.hidden}) → ScaledTanh → Linear(10) → SoftmaxTemperature(1), built "
        f"from `keras_models.layers.backprop`, and Dense({config.hidden}, activation=scaled_tanh) → "
        "Dense(10) → Softmax from Keras, the second given the first's initial weights (Glorot uniform, zero "
        "biases).",
        f"Training: plain SGD, learning rate {config.learning_rate}, batches of {config.batch} in the same "
        f"seeded order for both, {config.epochs} epochs; loss −log p(y) written out for both.",
        f"Temperature: the trained modules net's logits through softmax(·/T), T ∈ "
        f"{{{', '.join(f'{t:g}' for t in config.temperatures)}}}.",
        f"Seed {seed}; TensorFlow {tf.__version__}, Keras {keras.__version__}."
        + (" `--quick`: a smoke run, too short for its verdict to mean much." if quick else ""),
    ]


def run(output_dir, quick=False, seed=0):
    config = QUICK if quick else FULL
    checks = module_checks(seed)
    split = data.sklearn_split("digits", seed=seed)
    x_train, x_test = data.standardize(split.x_train.astype("float32"), split.x_test.astype("float32"))
    rows = config.train_rows or len(x_train)
    split = dataclasses.replace(split, x_train=x_train[:rows], y_train=split.y_train[:rows], x_test=x_test)
    runs = {}
    with tqdm(total=2 * config.epochs, unit="epoch", desc="backprop_modules") as bar:
        for key, model in zip(("modules", "keras"), networks(x_train.shape[1], config.hidden, seed)):
            runs[key] = train(model, split, config, seed, bar)
            if key == "modules":
                sweep = temperature_sweep(model, split.x_test, split.y_test, config.temperatures)
    headers, rows = _table(checks, runs, sweep)
    return Report(
        name="backprop_modules",
        claim=CLAIM,
        setup=_setup(config, split, seed, quick),
        headers=headers,
        rows=rows,
        plots=_plots(runs, sweep, output_dir),
        findings=judge(checks, runs, len(split.y_test)),
        results={
            "quick": quick,
            "seed": seed,
            "config": dataclasses.asdict(config),
            "gradient_check": {name: finite(error) for name, (_, error) in checks.items()},
            "runs": {
                k: {key: [finite(v) for v in values] for key, values in r.items()} for k, r in runs.items()
            },
            "temperature": sweep,
        },
    )
