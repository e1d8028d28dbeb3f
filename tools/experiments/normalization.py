"""Batch normalisation vs layer normalisation (course chapter 9), measured on Fashion-MNIST.

Batch normalisation (Ioffe & Szegedy 2015) standardises each unit over the mini-batch, then scales
and shifts it by learnt γ and β; at inference, with no batch, it uses statistics of the whole
population instead. It keeps each layer's inputs in a fixed range whatever the weights do, so the
net tolerates larger learning rates and trains in fewer steps. Its price: in training an example's
output depends on the other examples of its batch. At batch 2 every unit becomes about ±1 (above or
below the other example) in training, and something else at inference. Layer normalisation (Ba,
Kiros & Hinton 2016) standardises each example over its own units: the same computation in training
and at inference, whatever the batch.

The net is the paper's MNIST one (section 4.1): 3 hidden layers of 100 sigmoid units, without
normalisation, with BN or with LN before each sigmoid. (a) Plain SGD at learning rates from 0.1 to
10. (b) Adam, the same number of steps at batch 2 and at batch 64: every net loses something at
batch 2 (it sees 32× fewer examples, with noisier gradients); the net without normalisation
measures that loss, and BN and LN are judged by what they lose beyond it. At inference BN uses
population statistics recomputed after training (the paper's Algorithm 2); the accuracies with
Keras's moving averages are reported alongside.
"""

import dataclasses
import math

import keras
import numpy as np
import tensorflow as tf
from tqdm import tqdm

from tools.experiments import data as datasets
from tools.experiments.report import Finding, Report, jsonable, plot_panels, status

CLAIM = (
    "Batch normalisation lets a net train faster and at larger learning rates than without it, but it "
    "depends on the batch: at batch size 2 its training/inference mismatch hurts, while layer "
    "normalisation, which normalises each example on its own, does not care about the batch size."
)
TRAINED = 1.0  # a run "trains" when its final loss is under this: less than half chance's ln 10 = 2.30
FASTER = 0.5  # BN is "faster" when it reaches the plain net's final loss in at most half the steps
FINAL = 0.1  # a run's final loss: its mean over the last tenth of the steps
Z = 2.0  # accuracy differences beyond 2 binomial standard errors (~95%) count
MIN_MARGIN = 0.005  # however many test images: half a point is within the spread between seeds
SHOWN_LOSS = 10.0  # diverging curves are clipped at this in the plots
NORMS = {"none": "no normalisation", "bn": "batch norm", "ln": "layer norm"}


@dataclasses.dataclass(frozen=True)
class Config:
    train_size: int = 10000
    test_size: int = 0  # 0: all 10,000 test images
    depth: int = 3
    width: int = 100
    activation: str = "sigmoid"
    learning_rates: tuple = (0.1, 0.3, 1.0, 3.0, 10.0)  # (a): plain SGD
    steps: int = 312  # (a): 2 epochs
    batch: int = 64
    window: int = 25  # steps of the running mean that smooths the loss curves
    batch_sizes: tuple = (2, 64)  # (b)
    batch_steps: int = 2000  # (b): at each batch size
    adam_rate: float = 1e-3
    quick: bool = False  # the tests' 1,000/250-image fixture


FULL = Config()
QUICK = Config(train_size=600, test_size=250, depth=2, width=32, learning_rates=(3.0,), steps=10, window=5,
               batch_steps=30, quick=True)  # fmt: skip


def build(norm, config, seed):
    """784 -> depth × (Dense, normalisation, activation) -> 10; the same seed, the same Dense weights."""
    keras.utils.set_random_seed(seed)
    stack = [keras.Input((784,))]
    for _ in range(config.depth):
        stack.append(keras.layers.Dense(config.width, use_bias=norm == "none"))  # BN and LN bring β
        if norm != "none":
            stack.append(
                keras.layers.BatchNormalization() if norm == "bn" else keras.layers.LayerNormalization()
            )
        stack.append(keras.layers.Activation(config.activation))
    return keras.Sequential([*stack, keras.layers.Dense(10)])


def train(model, optimizer, x, y, batch, steps, rng, bar):
    """Cross-entropy of every step's batch in training mode (NaN once diverged); a new order every epoch."""
    cross_entropy = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    optimizer.build(model.trainable_variables)  # before tracing: one trace, not two

    @tf.function(input_signature=[tf.TensorSpec([None, 784], tf.float32), tf.TensorSpec([None], tf.int64)])
    def step(xb, yb):
        with tf.GradientTape() as tape:
            loss = cross_entropy(yb, model(xb, training=True))
        optimizer.apply_gradients(
            zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables)
        )
        return loss

    per_epoch = len(x) // batch
    order = np.concatenate(
        [rng.permutation(len(x))[: per_epoch * batch] for _ in range(-(-steps // per_epoch))]
    )
    losses = []
    for i in range(steps):
        chosen = order[i * batch : (i + 1) * batch]
        losses.append(float(step(x[chosen], y[chosen])))
        bar.update()
    return losses


def set_population_statistics(model, x):
    """Algorithm 2 of Ioffe & Szegedy: each BN layer's moving mean and variance become its inputs'
    mean and variance over x, the layers before it in inference mode (theirs already set)."""
    h = x
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.moving_mean.assign(h.mean(axis=0))
            layer.moving_variance.assign(h.var(axis=0))
        h = np.asarray(layer(h, training=False))


def evaluate(model, x, y):
    """(cross-entropy, accuracy) in inference mode."""
    logits = np.asarray(model(x, training=False), dtype="float64")
    logits -= logits.max(axis=1, keepdims=True)
    log_p = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    return float(-log_p[np.arange(len(y)), y].mean()), float(np.mean(logits.argmax(axis=1) == y))


def smooth(losses, window):
    """Running mean over `window` steps (the first ones over fewer)."""
    losses = np.asarray(losses, dtype=float)
    sums = np.cumsum(np.insert(losses, 0, 0.0))
    counts = np.minimum(np.arange(1, len(losses) + 1), window)
    return (sums[1:] - sums[np.arange(1, len(losses) + 1) - counts]) / counts


def steps_to(losses, target, window):
    """The first step (1-based) at which the smoothed loss is ≤ target; None if never."""
    below = np.flatnonzero(smooth(losses, window) <= target)
    return int(below[0]) + 1 if len(below) else None


def final_loss(losses):
    """Mean training loss over the last tenth of the steps (inf when the run diverged)."""
    tail = np.asarray(losses[-max(1, round(FINAL * len(losses))) :], dtype=float)
    return float(tail.mean()) if np.all(np.isfinite(tail)) else math.inf


def margin(accuracies, n):
    """The smallest sum or difference of these test accuracies (each on n images) taken as real."""
    return max(MIN_MARGIN, Z * math.sqrt(sum(a * (1 - a) / n for a in accuracies)))


def best_rate(lr_runs, norm, rates):
    return min(rates, key=lambda lr: lr_runs[norm, lr]["final_loss"])


def largest_trained(lr_runs, norm, rates):
    """The largest learning rate at which `norm`'s net trains (None: at none)."""
    trained = [lr for lr in rates if lr_runs[norm, lr]["final_loss"] < TRAINED]
    return max(trained) if trained else None


def judge(lr_runs, batch_runs, config, n_test):
    """(a) from `lr_runs` ((norm, rate) -> run), (b) from `batch_runs` ((norm, batch) -> run)."""
    rates, window = config.learning_rates, config.window
    best = {norm: best_rate(lr_runs, norm, rates) for norm in NORMS}
    target = lr_runs["none", best["none"]]["final_loss"]
    reach = {norm: steps_to(lr_runs[norm, best[norm]]["losses"], target, window) for norm in NORMS}
    faster = reach["bn"] is not None and reach["bn"] <= FASTER * config.steps
    at = "; ".join(f"{NORMS[n]} (rate {best[n]:g}) at step {reach[n] or 'never'}" for n in NORMS)
    speed = Finding(
        "faster",
        f"BN reaches the plain net's final loss in at most {FASTER:.0%} of the steps",
        status(faster),
        f"the plain net ends at loss {target:.3f} after {config.steps} steps (at its best rate, "
        f"{best['none']:g}); each net at its best rate gets there (running mean of {window} steps): {at}",
    )

    largest = {norm: largest_trained(lr_runs, norm, rates) for norm in NORMS}
    show = {n: "no rate" if largest[n] is None else f"{largest[n]:g}" for n in NORMS}
    losses = "; ".join(
        f"{NORMS[n]} " + ", ".join(f"{lr_runs[n, lr]['final_loss']:.2f}" for lr in rates) for n in NORMS
    )
    tolerates = largest["bn"] is not None and (largest["none"] is None or largest["bn"] > largest["none"])
    rate = Finding(
        "learning rate",
        "BN trains at a larger learning rate than the plain net",
        status(tolerates),
        f"largest rate with a final loss < {TRAINED}: plain {show['none']}, BN {show['bn']}, LN "
        f"{show['ln']}; final losses at rates {', '.join(f'{lr:g}' for lr in rates)}: {losses} "
        "(inf: diverged)",
    )

    small, large = config.batch_sizes
    drop = {n: batch_runs[n, large]["test_acc"] - batch_runs[n, small]["test_acc"] for n in NORMS}
    findings = [speed, rate]
    for norm, hurt in (("bn", True), ("ln", False)):
        accuracies = [batch_runs[n, b]["test_acc"] for n in (norm, "none") for b in (small, large)]
        m, excess = margin(accuracies, n_test), drop[norm] - drop["none"]
        lo, hi = batch_runs[norm, small], batch_runs[norm, large]
        why = (
            f"test accuracy {lo['test_acc']:.1%} at batch {small} vs {hi['test_acc']:.1%} at batch {large}: "
            f"drop {drop[norm]:.1%}, the plain net's {drop['none']:.1%}, excess {excess:.1%} (margin "
            f"{m:.1%}); final training loss at batch {small} {lo['final_loss']:.3f} (training mode) vs "
            f"{lo['train_loss_inference']:.3f} (inference mode)"
        )
        if hurt:
            why += (
                f"; with Keras's moving averages {lo['test_acc_moving']:.1%} vs {hi['test_acc_moving']:.1%}"
            )
            part = f"BN's test accuracy drops at batch {small} beyond the plain net's drop"
        else:
            part = f"LN's test accuracy drops at batch {small} no more than the plain net's"
        findings.append(Finding(f"{norm.upper()} at batch {small}", part, status((excess > m) == hurt), why))
    return findings


def _table(lr_runs, batch_runs, config):
    headers = ["part", "net", "optimiser", "batch", "steps", "final training loss (training mode)"]
    headers += ["training loss (inference mode)", "test acc", "test acc (Keras moving averages)"]
    rows = [
        ["(a)", NORMS[n], f"SGD {lr:g}", config.batch, config.steps, *_cells(r)]
        for (n, lr), r in lr_runs.items()
    ]
    adam = f"Adam {config.adam_rate:g}"
    rows += [["(b)", NORMS[n], adam, b, config.batch_steps, *_cells(r)] for (n, b), r in batch_runs.items()]
    return headers, rows


def _cells(r):
    moving = f"{r['test_acc_moving']:.1%}" if "test_acc_moving" in r else "-"
    return [f"{r['final_loss']:.3f}", f"{r['train_loss_inference']:.3f}", f"{r['test_acc']:.1%}", moving]


def _curve(losses, window, scale=1):
    y = np.minimum(smooth(losses, window), SHOWN_LOSS)
    return np.arange(1, len(y) + 1) * scale, np.where(np.isfinite(y), y, SHOWN_LOSS)


def _plots(lr_runs, batch_runs, config, output_dir):
    curves = {lr: {NORMS[n]: _curve(lr_runs[n, lr]["losses"], config.window) for n in NORMS}
              for lr in config.learning_rates}  # fmt: skip
    panels = [(f"SGD, learning rate {lr:g}", c) for lr, c in curves.items()]
    hline = [(TRAINED, f"trains (< {TRAINED:g})")]
    rates = plot_panels(
        f"{output_dir}/learning_rates.png", panels, xlabel="step", ylabel="training loss", hlines=hline
    )
    curves = {b: {NORMS[n]: _curve(batch_runs[n, b]["losses"], config.window) for n in NORMS}
              for b in config.batch_sizes}  # fmt: skip
    panels = [(f"Adam, batch {b}", c) for b, c in curves.items()]
    ylabel = "training loss (training mode)"
    batches = plot_panels(f"{output_dir}/batch_sizes.png", panels, xlabel="step", ylabel=ylabel)
    smoothing = f"running mean of {config.window} steps"
    return [
        (f"(a) Training loss per learning rate, {smoothing} (clipped at {SHOWN_LOSS:g})", rates),
        (
            f"(b) Training loss at batch sizes {' and '.join(map(str, config.batch_sizes))}, {smoothing}",
            batches,
        ),
    ]


def _setup(config, source, seed, quick):
    rates, sizes = (
        ", ".join(f"{lr:g}" for lr in config.learning_rates),
        " and ".join(map(str, config.batch_sizes)),
    )
    return [
        f"{source}; pixels standardised with the training subset's per-pixel mean and deviation.",
        f"MLP 784-{'-'.join([str(config.width)] * config.depth)}-10, {config.activation}, Glorot init; BN "
        f"(Keras defaults, momentum 0.99) or LN before each {config.activation}, the Dense before it without "
        "bias.",
        f"(a) Plain SGD at learning rates {rates}, {config.steps} steps of batches of {config.batch}; every "
        f"net sees the same batches. Final loss: the mean over the last {FINAL:.0%} of the steps. Trains: "
        f"final loss < {TRAINED:g}. Faster: reaching the plain net's final loss (at its best rate) in ≤ "
        f"{FASTER:.0%} of the steps (running mean of {config.window} steps), at BN's best rate.",
        f"(b) Adam (rate {config.adam_rate:g}), {config.batch_steps} steps at batch sizes {sizes}; test "
        "accuracy in inference mode, BN with population statistics recomputed on the training images; a "
        f"difference of drops counts beyond {Z:g} binomial standard errors of the four accuracies (at least "
        f"{MIN_MARGIN:.1%}).",
        f"Seed {seed}; TensorFlow {tf.__version__}, Keras {keras.__version__}."
        + (" `--quick`: a smoke run, too short for its verdict to mean much." if quick else ""),
    ]


def _finish(model, norm, losses, x, y, test):
    """A run's summary: BN's test accuracy with Keras's moving averages, then with population statistics."""
    run = {"norm": norm, "losses": losses, "final_loss": final_loss(losses)}
    if norm == "bn":
        run["test_acc_moving"] = evaluate(model, *test)[1]
        set_population_statistics(model, x)
    run["train_loss_inference"], run["train_acc_inference"] = evaluate(model, x, y)
    run["test_loss"], run["test_acc"] = evaluate(model, *test)
    return run


def run(output_dir, quick=False, seed=0):
    config = QUICK if quick else FULL
    d = datasets.fashion_mnist(config.train_size, config.test_size, seed=seed, quick=config.quick)
    x, x_test = datasets.standardize(d.x_train, d.x_test)
    y, test = d.y_train, (x_test, d.y_test)
    plan = [("(a)", n, lr, config.batch, config.steps) for lr in config.learning_rates for n in NORMS]
    plan += [("(b)", n, config.adam_rate, b, config.batch_steps) for b in config.batch_sizes for n in NORMS]
    lr_runs, batch_runs = {}, {}
    with tqdm(total=sum(p[-1] for p in plan), unit="step", desc="normalization") as bar:
        for part, norm, lr, batch, steps in plan:
            bar.set_postfix_str(f"{part} {NORMS[norm]}, rate {lr:g}, batch {batch}")
            model = build(norm, config, seed)
            optimizer = keras.optimizers.SGD(lr) if part == "(a)" else keras.optimizers.Adam(lr)
            losses = train(model, optimizer, x, y, batch, steps, np.random.default_rng([seed, batch]), bar)
            runs, key = (lr_runs, (norm, lr)) if part == "(a)" else (batch_runs, (norm, batch))
            runs[key] = _finish(model, norm, losses, x, y, test)
    headers, rows = _table(lr_runs, batch_runs, config)
    summaries = {
        "learning_rates": [{"learning_rate": lr, **jsonable(r)} for (_, lr), r in lr_runs.items()],
        "batch_sizes": [{"batch": b, **jsonable(r)} for (_, b), r in batch_runs.items()],
    }
    return Report(
        name="normalization",
        claim=CLAIM,
        setup=_setup(config, d.source, seed, quick),
        headers=headers,
        rows=rows,
        plots=_plots(lr_runs, batch_runs, config, output_dir),
        findings=judge(lr_runs, batch_runs, config, len(d.y_test)),
        results={"quick": quick, "seed": seed, "config": dataclasses.asdict(config), **summaries},
    )
