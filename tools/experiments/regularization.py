"""Regularisation (course chapter 9), measured on 1,000 Fashion-MNIST images.

A net with far more weights than training images fits them all and does worse on new ones: the
train-test gap. Each of the course's remedies is set against the same net without it:

- weight penalties added to the loss. L2, λ·Σw² (weight decay, Krogh & Hertz 1992), pulls each
  weight toward 0 in proportion to its size: weights get small but stay dense. L1, λ·Σ|w| (the
  lasso, Tibshirani 1996), pulls every weight by the same amount, so the weights the data do not
  need reach 0 and stay there: a sparse net. λ is a hyperparameter: each penalty's is the one of
  its grid with the lowest validation loss.
- dropout (Srivastava et al. 2014): each step zeroes 20% of the inputs and 50% of the hidden units.
- data augmentation, on a small CNN (convolutions can use shifted copies): every epoch, each image
  shifted by up to 2 pixels and, half the time, mirrored. A mirrored shirt or bag is still one; shoes
  then point the other way, which no test image does: label-preserving, but off the test distribution
  (a run with shifts alone shows what the flips add).
- early stopping: keep the epoch of lowest validation loss (1,000 other training images), read off
  the unregularised MLP's curves.
"""

import dataclasses
import math

import keras
import numpy as np
import tensorflow as tf
from tqdm import tqdm

from components import plots
from tools.experiments import data as datasets
from tools.experiments.report import Finding, Report, jsonable, plot_panels

CLAIM = (
    "On a small training set, L1 and L2 weight penalties narrow the train-test gap (L1 by driving many "
    "weights to zero, L2 by shrinking them all), dropout narrows it and raises test accuracy, data "
    "augmentation raises test accuracy, and early stopping halts where the validation loss turns up."
)
Z = 2.0  # differences beyond 2 binomial standard errors of the test accuracies (~95%) count
MIN_MARGIN = 0.005  # however many test images: half a point is within the spread between seeds
SMALL_WEIGHT = 1e-4  # a first-layer weight under this moves its unit by < 0.08 with all 784 pixels at 1
SPARSE = 0.5  # L1 is "sparse" when at least half the first-layer weights are that small
DENSE = 0.2  # L2 stays "dense" when fewer than a fifth are (of a Gaussian of RMS 0.01: < 1%)
SHRUNK = 0.75  # L2 "shrinks" the weights: their RMS at most 3/4 of the unpenalised net's
TURN_UP = 0.1  # the validation loss "turns up": its final value ≥ 10% above its minimum
BINS = np.linspace(-12, 0, 61)  # log10 |w| bins of the weight histograms


@dataclasses.dataclass(frozen=True)
class Config:
    train_size: int = 1000
    val_size: int = 1000  # other training images: the validation set of λ and early stopping
    test_size: int = 0  # 0: all 10,000 test images
    width: int = 256
    epochs: int = 100
    batch: int = 50
    learning_rate: float = 0.05
    momentum: float = 0.9
    l1_grid: tuple = (1e-4, 3e-4, 1e-3, 3e-3)
    l2_grid: tuple = (1e-3, 3e-3, 1e-2, 3e-2)
    dropout: tuple = (0.2, 0.5)  # input, hidden (Srivastava et al. 2014)
    max_shift: int = 2
    quick: bool = False  # the tests' 1,000/250-image fixture


FULL = Config()
QUICK = Config(train_size=200, val_size=200, test_size=250, width=32, epochs=2, l1_grid=(3e-4,),
               l2_grid=(3e-3,), quick=True)  # fmt: skip


@dataclasses.dataclass(frozen=True)
class Variant:
    label: str
    model: str  # "mlp" or "cnn"
    penalty: str = ""  # "l1" or "l2", of weight `strength` (λ)
    strength: float = 0.0
    dropout: bool = False
    shifts: bool = False  # augmentation
    flips: bool = False


def variants(config):
    """Every run, by key; the penalised ones once per λ of their grid."""
    runs = {"none": Variant("MLP", "mlp")}
    for penalty, grid in (("l1", config.l1_grid), ("l2", config.l2_grid)):
        for strength in grid:
            label = f"MLP + {penalty.upper()} (λ={strength:g})"
            runs[f"{penalty}_{strength:g}"] = Variant(label, "mlp", penalty, strength)
    runs |= {"dropout": Variant("MLP + dropout", "mlp", dropout=True), "cnn": Variant("CNN", "cnn"),
             "cnn_shifts": Variant("CNN + shifts", "cnn", shifts=True)}  # fmt: skip
    return runs | {"cnn_shifts_flips": Variant("CNN + shifts + flips", "cnn", shifts=True, flips=True)}


def augment(images, rng, max_shift, flips):
    """Each image [n, 28, 28, c] moved by (dy, dx) ~ U{-max_shift..max_shift}², zeros filling in;
    mirrored left-right half the time when `flips`."""
    n, height, width = images.shape[:3]
    padded = np.pad(images, ((0, 0), (max_shift, max_shift), (max_shift, max_shift), (0, 0)))
    dy, dx = rng.integers(0, 2 * max_shift + 1, (2, n))
    rows = dy[:, None] + np.arange(height)  # [n, height]: the rows of `padded` each image keeps
    columns = dx[:, None] + np.arange(width)
    out = padded[np.arange(n)[:, None, None], rows[:, :, None], columns[:, None, :]]
    if flips:
        mirrored = rng.random(n) < 0.5
        out[mirrored] = out[mirrored, :, ::-1]
    return out


def small_fraction(weights, threshold=SMALL_WEIGHT):
    return float(np.mean(np.abs(np.asarray(weights)) < threshold))  # the fraction with |w| < threshold


def margin(accuracy_a, accuracy_b, n):
    """The smallest difference between two test accuracies on n images taken as real."""
    se = math.sqrt(accuracy_a * (1 - accuracy_a) / n + accuracy_b * (1 - accuracy_b) / n)
    return max(MIN_MARGIN, Z * se)


def chosen(runs, penalty):
    """The key of the penalty's run with the lowest final validation loss."""
    keys = [k for k in runs if k.startswith(f"{penalty}_")]
    return min(keys, key=lambda k: runs[k]["val_loss"][-1])


# --- models and training ---


def build(variant, config, seed):
    keras.utils.set_random_seed(seed)  # the MLPs start from the same weights, so do the CNNs
    layers = keras.layers
    if variant.model == "cnn":
        body = [layers.Conv2D(16, 3, activation="relu"), layers.MaxPooling2D(),
                layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(), layers.Flatten(),
                layers.Dense(64, activation="relu")]  # fmt: skip
        return keras.Sequential([keras.Input((28, 28, 1)), *body, layers.Dense(10)])
    penalty = {"l1": keras.regularizers.L1, "l2": keras.regularizers.L2}.get(variant.penalty)
    regularizer = penalty(variant.strength) if penalty else None
    stack = [keras.Input((28, 28, 1)), layers.Flatten()]
    for rate, units in zip(config.dropout, (config.width, config.width)):
        stack += [layers.Dropout(rate)] if variant.dropout else []
        stack += [layers.Dense(units, activation="relu", kernel_regularizer=regularizer)]
    stack += [layers.Dropout(config.dropout[1])] if variant.dropout else []
    return keras.Sequential([*stack, layers.Dense(10, kernel_regularizer=regularizer)])


def _functions(model, config, steps):
    schedule = keras.optimizers.schedules.CosineDecay(config.learning_rate, steps)
    optimizer = keras.optimizers.SGD(schedule, momentum=config.momentum)
    cross_entropy = keras.losses.SparseCategoricalCrossentropy(from_logits=True, reduction="sum")
    optimizer.build(model.trainable_variables)  # before tracing: one trace, not two
    signature = [tf.TensorSpec([None, 28, 28, 1], tf.float32), tf.TensorSpec([None], tf.int64)]

    @tf.function(input_signature=signature)
    def step(x, y):
        with tf.GradientTape() as tape:
            loss = cross_entropy(y, model(x, training=True)) / tf.cast(tf.shape(x)[0], tf.float32)
            total = loss + tf.add_n(model.losses) if model.losses else loss
        grads = tape.gradient(total, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))

    @tf.function(input_signature=signature)
    def sums(x, y):  # summed cross-entropy (no penalty) and right answers, in inference mode
        logits = model(x, training=False)
        return cross_entropy(y, logits), tf.reduce_sum(tf.cast(tf.argmax(logits, -1) == y, tf.float32))

    def evaluate(x, y, chunk=1000):
        totals = np.sum([sums(x[i : i + chunk], y[i : i + chunk]) for i in range(0, len(x), chunk)], axis=0)
        return float(totals[0] / len(x)), float(totals[1] / len(x))

    return step, evaluate


def train(key, variant, config, sets, seed, bar):
    """One net (every net sees the same batches): its curves, final numbers and first-layer weights."""
    (x, y), steps = sets["train"], len(sets["train"][0]) // config.batch
    model = build(variant, config, seed)
    step, evaluate = _functions(model, config, config.epochs * steps)
    batches, shifts = np.random.default_rng([seed, 1]), np.random.default_rng([seed, 2])
    tracked = ["train", "val"] + (["test"] if key == "none" else [])  # early stopping: test every epoch
    curves = {f"{split}_{m}": [] for split in tracked for m in ("loss", "acc")}
    bar.set_postfix_str(variant.label)
    for _ in range(config.epochs):
        images = augment(x, shifts, config.max_shift, variant.flips) if variant.shifts else x
        order = batches.permutation(len(x))
        for i in range(steps):
            batch = order[i * config.batch : (i + 1) * config.batch]
            step(images[batch], y[batch])
        for split in tracked:
            for measure, value in zip(("loss", "acc"), evaluate(*sets[split])):
                curves[f"{split}_{measure}"].append(value)
        bar.update()
    curves = {(f"epoch_{k}" if k.startswith("test") else k): v for k, v in curves.items()}
    test_loss, test_acc = evaluate(*sets["test"])
    summary = {"key": key, "label": variant.label, "model": variant.model, "strength": variant.strength,
               "test_loss": test_loss, "test_acc": test_acc,
               "gap": curves["train_acc"][-1] - test_acc}  # fmt: skip
    first = next(layer.kernel for layer in model.layers if hasattr(layer, "kernel")).numpy().ravel()
    if variant.model == "mlp":
        summary.update(small_fraction=small_fraction(first), weight_rms=float(np.sqrt(np.mean(first**2))))
    return {**summary, **curves}, first


# --- judging ---


def _status(*held):
    return "reproduced" if all(held) else "partly reproduced" if any(held) else "not reproduced"


def _versus(runs, key, n, base="none"):
    """(gap narrower, test accuracy higher, text) of run `key` against run `base`."""
    r, b = runs[key], runs[base]
    m = margin(r["test_acc"], b["test_acc"], n)
    text = (
        f"train-test accuracy gap {r['gap']:.1%} vs {b['gap']:.1%} without, test accuracy "
        f"{r['test_acc']:.1%} vs {b['test_acc']:.1%} (margin {m:.1%}); test loss {r['test_loss']:.2f} vs "
        f"{b['test_loss']:.2f}"
    )
    return b["gap"] - r["gap"] > m, r["test_acc"] - b["test_acc"] > m, text


def early_stop(run):
    """The unregularised MLP's early stopping: best epochs (1-based) by validation loss and accuracy."""
    best, by_acc = int(np.argmin(run["val_loss"])), int(np.argmax(run["val_acc"]))
    at = {f"{k}_at_best": run[k][best] for k in ("train_loss", "train_acc", "val_loss", "epoch_test_loss")}
    return {"best_epoch": best + 1, **at, "test_acc_at_best": run["epoch_test_acc"][best],
            "final_val_loss": run["val_loss"][-1], "final_train_loss": run["train_loss"][-1],
            "final_test_acc": run["epoch_test_acc"][-1], "best_epoch_by_val_acc": by_acc + 1,
            "test_acc_at_best_val_acc": run["epoch_test_acc"][by_acc]}  # fmt: skip


def judge(runs, n_test, l1, l2):
    """The claim's five parts from `runs` (key -> summary); l1, l2: the keys of the chosen penalties."""
    none, findings = runs["none"], []
    for key, penalty in ((l1, "L1"), (l2, "L2")):
        r = runs[key]
        narrower, _, text = _versus(runs, key, n_test)
        weights = (
            f"λ={r['strength']:g} (lowest validation loss of its grid): {r['small_fraction']:.1%} of the "
            f"first-layer weights below {SMALL_WEIGHT:g} (no penalty: {none['small_fraction']:.1%}), "
            f"weight RMS {r['weight_rms']:.4f} vs {none['weight_rms']:.4f}"
        )
        if penalty == "L1":
            held = (r["small_fraction"] >= SPARSE, narrower)
            part = f"L1 drives many weights to zero (≥ {SPARSE:.0%} below {SMALL_WEIGHT:g}), narrows the gap"
        else:
            held = (r["weight_rms"] <= SHRUNK * none["weight_rms"], r["small_fraction"] < DENSE, narrower)
            part = f"L2 shrinks the weights (RMS ≤ {SHRUNK}×), keeps them dense (< {DENSE:.0%} small), "
            part += "narrows the gap"
        findings.append(Finding(penalty, part, _status(*held), f"{weights}; {text}"))

    narrower, higher, text = _versus(runs, "dropout", n_test)
    part = "dropout narrows the gap and raises test accuracy"
    findings.append(Finding("dropout", part, _status(narrower, higher), text))
    _, higher, text = _versus(runs, "cnn_shifts_flips", n_test, base="cnn")
    part = "augmentation (shifts and flips) raises the CNN's test accuracy"
    why = f"{text}; shifts alone: test accuracy {runs['cnn_shifts']['test_acc']:.1%}"
    findings.append(Finding("augmentation", part, _status(higher), why))

    s = early_stop(none)
    turns = s["final_val_loss"] >= (1 + TURN_UP) * s["val_loss_at_best"]
    falls = s["final_train_loss"] < s["train_loss_at_best"]
    m = margin(s["test_acc_at_best"], s["final_test_acc"], n_test)
    part = f"the validation loss turns up (≥ {TURN_UP:.0%} above its minimum) while the training loss falls, "
    part += "and stopping at its minimum costs no test accuracy"
    why = (
        f"validation loss lowest at epoch {s['best_epoch']} ({s['val_loss_at_best']:.3f}), "
        f"{s['final_val_loss']:.3f} at the end; training loss {s['train_loss_at_best']:.3g} → "
        f"{s['final_train_loss']:.3g}; test accuracy {s['test_acc_at_best']:.1%} at epoch {s['best_epoch']} "
        f"vs {s['final_test_acc']:.1%} at the end (margin {m:.1%}); the epoch of best validation accuracy "
        f"({s['best_epoch_by_val_acc']}) scores {s['test_acc_at_best_val_acc']:.1%}"
    )
    costless = s["test_acc_at_best"] >= s["final_test_acc"] - m
    findings.append(Finding("early stopping", part, _status(turns and falls, costless), why))
    return findings


def _row(label, accuracies, losses, r=None):
    (train_acc, test_acc), weights = accuracies, ["-", "-"]
    if r is not None and "small_fraction" in r:
        weights = [f"{r['small_fraction']:.1%}", f"{r['weight_rms']:.4f}"]
    cells = [f"{a:.1%}" for a in (train_acc, test_acc, train_acc - test_acc)]
    return [label, *cells, *(f"{v:.3f}" for v in losses), *weights]


def _table(runs, chosen_keys):
    headers = ["net", "train acc", "test acc", "gap", "train loss", "test loss", "val loss"]
    headers += [f"first-layer |w| < {SMALL_WEIGHT:g}", "weight RMS"]
    rows = [
        _row(r["label"] + (" (chosen)" if key in chosen_keys else ""), (r["train_acc"][-1], r["test_acc"]),
             (r["train_loss"][-1], r["test_loss"], r["val_loss"][-1]), r)
        for key, r in runs.items()
    ]  # fmt: skip
    s = early_stop(runs["none"])
    label = f"MLP, early-stopped at epoch {s['best_epoch']}"
    losses = (s["train_loss_at_best"], s["epoch_test_loss_at_best"], s["val_loss_at_best"])
    return headers, rows + [_row(label, (s["train_acc_at_best"], s["test_acc_at_best"]), losses)]


def _log10_abs(weights):
    return np.log10(np.maximum(np.abs(weights), 1e-12))  # |w| < 1e-12 counted at 1e-12


def _plots(runs, firsts, keys, output_dir):
    def curves(group, split):
        return {runs[k]["label"]: (np.arange(1, len(runs[k][split]) + 1), runs[k][split]) for k in group}

    groups = {"mlp": ["none", *keys, "dropout"], "cnn": ["cnn", "cnn_shifts", "cnn_shifts_flips"]}
    files = {
        net: plot_panels(f"{output_dir}/{net}_curves.png", [(f"{split[:-5]} loss", curves(group, split))
                         for split in ("train_loss", "val_loss")], xlabel="epoch", ylabel="cross-entropy")
        for net, group in groups.items()
    }  # fmt: skip

    plt = plots.pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    for key in ("none", *keys):
        ax.hist(_log10_abs(firsts[key]), BINS, histtype="step", label=runs[key]["label"])
    ax.axvline(np.log10(SMALL_WEIGHT), color="gray", linestyle="--", label=f"|w| = {SMALL_WEIGHT:g}")
    ax.set(yscale="log", xlabel="log10 |w| (first layer; |w| < 1e-12 counted at -12)", ylabel="weights")
    ax.legend(fontsize=7)
    plots.save(fig, f"{output_dir}/weights.png")

    none, s = runs["none"], early_stop(runs["none"])
    epochs = np.arange(1, len(none["train_loss"]) + 1)
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    ax.plot(epochs, none["train_loss"], label="training loss")
    ax.plot(epochs, none["val_loss"], label="validation loss")
    ax.axvline(s["best_epoch"], color="gray", linestyle="--", label=f"early stop (epoch {s['best_epoch']})")
    ax.set(yscale="log", xlabel="epoch", ylabel="cross-entropy")
    right = ax.twinx()
    right.plot(epochs, none["epoch_test_acc"], color="tab:green", linewidth=0.8, label="test accuracy")
    right.set_ylabel("test accuracy")
    ax.legend(loc="center right", fontsize=7), right.legend(loc="upper right", fontsize=7)
    plots.save(fig, f"{output_dir}/early_stopping.png")
    return [
        ("The MLPs' training and validation loss per epoch (data loss only, inference mode)", files["mlp"]),
        ("The CNNs' training and validation loss per epoch, with and without augmentation", files["cnn"]),
        ("First-layer weights of the MLP without penalty, with L1 and with L2 (log scale)", "weights.png"),
        ("Early stopping: the unregularised MLP, the epoch of lowest validation loss", "early_stopping.png"),
    ]


def _setup(config, source, seed, quick):
    shift = config.max_shift
    return [
        f"{source}; the first {config.train_size} of the subset train, the other {config.val_size} validate "
        "(λ and early stopping); pixels in [0, 1].",
        f"MLP: 784-{config.width}-{config.width}-10, ReLU, Glorot init; penalties on every kernel; "
        f"dropout {config.dropout[0]:.0%} on the inputs and {config.dropout[1]:.0%} on each hidden layer. "
        "CNN: conv 3×3×16, max-pool, conv 3×3×32, max-pool, dense 64, dense 10.",
        f"λ grids: L1 {', '.join(map(str, config.l1_grid))}; L2 {', '.join(map(str, config.l2_grid))}: "
        "the lowest final validation loss chosen.",
        f"SGD, momentum {config.momentum}, learning rate {config.learning_rate} decayed to 0 by a cosine, "
        f"{config.epochs} epochs of batches of {config.batch}; every net sees the same batches and each "
        "architecture starts from the same weights.",
        f"Augmentation: every epoch, each image shifted by (dy, dx) ~ U{{-{shift}..{shift}}}² (zeros fill "
        "in) and, for the flips, mirrored left-right with probability 1/2 (label-preserving: a mirrored "
        "garment or bag is the same class; shoes then point the other way, unlike the test set).",
        f"Judged: a difference in test accuracy (or in the gap) counts beyond {Z:g} binomial standard errors "
        f"of the two accuracies (at least {MIN_MARGIN:.1%}); sparse: ≥ {SPARSE:.0%} of first-layer |w| < "
        f"{SMALL_WEIGHT:g}; dense: < {DENSE:.0%}; shrunk: weight RMS ≤ {SHRUNK}× the unpenalised net's.",
        f"Seed {seed}; TensorFlow {tf.__version__}, Keras {keras.__version__}."
        + (" `--quick`: a smoke run, too short for its verdict to mean much." if quick else ""),
    ]


def run(output_dir, quick=False, seed=0):
    config = QUICK if quick else FULL
    d = datasets.fashion_mnist(config.train_size + config.val_size, config.test_size, seed=seed,
                               quick=config.quick, flat=False)  # fmt: skip
    n = config.train_size
    sets = {"train": (d.x_train[:n], d.y_train[:n]), "val": (d.x_train[n:], d.y_train[n:]),
            "test": (d.x_test, d.y_test)}  # fmt: skip
    runs, firsts, plan = {}, {}, variants(config)
    with tqdm(total=len(plan) * config.epochs, unit="epoch", desc="regularization") as bar:
        for key, variant in plan.items():
            runs[key], firsts[key] = train(key, variant, config, sets, seed, bar)
    keys = (chosen(runs, "l1"), chosen(runs, "l2"))
    headers, rows = _table(runs, keys)
    results = {"quick": quick, "seed": seed, "config": dataclasses.asdict(config), "chosen": keys,
               "early_stopping": {k: jsonable(v) for k, v in early_stop(runs["none"]).items()},
               "log10_weight_bins": BINS.tolist(),
               "log10_weight_histograms": {k: np.histogram(_log10_abs(firsts[k]), BINS)[0].tolist()
                                           for k in ("none", *keys)},
               "runs": [{k: jsonable(v) for k, v in r.items()} for r in runs.values()]}  # fmt: skip
    return Report(
        name="regularization",
        claim=CLAIM,
        setup=_setup(config, d.source, seed, quick),
        headers=headers,
        rows=rows,
        plots=_plots(runs, firsts, keys, output_dir),
        findings=judge(runs, len(d.y_test), *keys),
        results=results,
    )
