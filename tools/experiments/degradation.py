"""Degradation (He et al. 2015, figures 1 and 6), at small scale on Fashion-MNIST.

Deeper plain networks are harder to optimise: past some depth their *training* error rises (so
it is not overfitting), while residual networks of the same depth keep improving. Four networks
of the paper's CIFAR-10 family (`keras_models.vision.ResNet`: 3x3 convolutions in three stages of
16/32/64 filters, batch normalisation; `residual=False` drops the shortcuts) at two depths train
from the same seed on the same batches with the paper's optimiser (SGD, momentum 0.9, learning
rate 0.1 divided by 10 at 50% and 75% of the run, L2 1e-4), without augmentation. Each epoch
records the running training loss and error (training mode, on the batches), the error on a fixed
training subset in inference mode and the error on held-out test images; at the end, the
inference-mode error on the whole training subset and on the whole test set.

A first full run (6,000 images, 10 epochs of batch 128 = 460 steps, no warm-up) stopped every network
far from fitting its training set (last-epoch losses 0.20 to 0.83, all still falling; ResNet-56's
loss reached 8 in its first steps at rate 0.1): it compared speeds of convergence, not how well
each depth can fit. Hence fewer images, more epochs, smaller batches and the warm-up, at the same cost.
"""

import dataclasses
import math
import os
import time

import keras
import numpy as np
import tensorflow as tf
from tqdm import tqdm

from keras_models.vision.resnet import ResNet
from tools.experiments.data import fashion_mnist_dir, load_split
from tools.experiments.report import Finding, Report, jsonable

CLAIM = (
    "With depth, a plain network's training error gets worse (an optimisation difficulty, not "
    "overfitting), while a residual network of the same depth does not degrade."
)
MIN_MARGIN = 0.005  # differences under half a point are not told apart, however many images
EVAL_BATCH = 500


@dataclasses.dataclass(frozen=True)
class Config:
    depths: tuple = (20, 56)
    train_size: int = 2000  # a seeded random subset of the 60,000 training images
    probe_size: int = 2000  # its first images: the training-error curve (inference mode)
    test_curve_size: int = 1000  # the first test images: the test-error curve
    test_size: int = 0  # the final test error (0: the whole test set)
    epochs: int = 30
    eval_every: int = 3  # epochs between two points of the error curves (and the last epoch)
    batch: int = 64
    learning_rate: float = 0.1
    warmup_epochs: int = 1  # at a tenth of the rate first (the paper's warm-up for its deepest net)
    lr_drops: tuple = (0.5, 0.75)  # fractions of the epochs after which the rate is divided by 10
    momentum: float = 0.9
    weight_decay: float = 1e-4
    data: str = "full"  # "full": the Debian package; "fixture": the tests' fixture when present


FULL = Config()
QUICK = Config(
    depths=(8, 14), train_size=256, probe_size=128, test_curve_size=128, test_size=250, epochs=2,
    eval_every=1, batch=32, data="fixture",
)  # fmt: skip
KINDS = {"plain": False, "resnet": True}  # name prefix -> shortcuts


def name(kind, depth):
    """plain20, resnet56, ...: the zoo's names for these networks."""
    return f"{kind}{depth}"


def label(kind, depth):
    return f"{'plain' if kind == 'plain' else 'ResNet'}-{depth}"


# --- data ---


def load_data(config, seed):
    """Normalised train subset and test set: x/255 minus the subset's per-pixel mean (as the paper)."""
    directory = fashion_mnist_dir(config.data == "fixture")
    x_train, y_train = load_split(directory, "train")
    x_test, y_test = load_split(directory, "test")
    if config.train_size > len(x_train):
        raise ValueError(f"train_size {config.train_size} > the {len(x_train)} images in {directory}")
    keep = np.random.default_rng(seed).permutation(len(x_train))[: config.train_size]
    x_train, y_train = x_train[keep], y_train[keep]
    if config.test_size:
        x_test, y_test = x_test[: config.test_size], y_test[: config.test_size]
    x_train = x_train[..., None].astype("float32") / 255
    mean = x_train.mean(axis=0)
    x_test = x_test[..., None].astype("float32") / 255 - mean
    return {"train": (x_train - mean, y_train), "test": (x_test, y_test), "directory": directory}


def epoch_orders(config, seed):
    """Batch order of every epoch, shared by all four networks (the last partial batch is dropped)."""
    steps = config.train_size // config.batch
    return [
        np.random.default_rng([seed, epoch]).permutation(config.train_size)[: steps * config.batch]
        for epoch in range(config.epochs)
    ]


def learning_rate(config, epoch):
    drops = sum(epoch >= int(f * config.epochs) for f in config.lr_drops)
    return config.learning_rate * 0.1 ** (drops or int(epoch < config.warmup_epochs))


def eval_epochs(config):
    """The epochs (1-based) after which the error curves get a point."""
    return [e for e in range(1, config.epochs + 1) if e % config.eval_every == 0 or e == config.epochs]


# --- training ---


def build(kind, depth, config, seed):
    keras.utils.set_random_seed(seed)
    return ResNet(
        depth=depth,
        num_classes=10,
        input_shape=(28, 28, 1),
        residual=KINDS[kind],
        weight_decay=config.weight_decay,
        name=name(kind, depth),
    )


def _functions(model, config):
    optimizer = keras.optimizers.SGD(config.learning_rate, momentum=config.momentum)
    images = tf.TensorSpec([None, 28, 28, 1], tf.float32)

    @tf.function(input_signature=[images, tf.TensorSpec([None], tf.int64)])
    def step(x, y):
        """One SGD step; returns (cross-entropy, wrong answers) of the batch, in training mode."""
        with tf.GradientTape() as tape:
            probabilities = model(x, training=True)
            loss = tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(y, probabilities))
            total = loss + tf.add_n(model.losses) if model.losses else loss
        grads = tape.gradient(total, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        wrong = tf.reduce_sum(tf.cast(tf.argmax(probabilities, -1) != y, tf.float32))
        return loss, wrong

    @tf.function(input_signature=[images])
    def predict(x):
        return tf.argmax(model(x, training=False), -1)

    return optimizer, step, predict


def error(predict, x, y):
    """Error rate of the model in inference mode (moving batch-norm statistics)."""
    predictions = np.concatenate(
        [predict(x[i : i + EVAL_BATCH]).numpy() for i in range(0, len(x), EVAL_BATCH)]
    )
    return float(np.mean(predictions != y))


def train(kind, depth, config, data, orders, seed):
    started = time.perf_counter()
    model = build(kind, depth, config, seed)
    optimizer, step, predict = _functions(model, config)
    x, y = data["train"]
    x_test, y_test = data["test"]
    probe = x[: config.probe_size], y[: config.probe_size]
    test_curve = x_test[: config.test_curve_size], y_test[: config.test_curve_size]
    steps = len(orders[0]) // config.batch
    curves = {key: [] for key in ("epoch_loss", "epoch_running_error", "probe_error", "test_curve_error")}
    step_loss = []
    with tqdm(total=config.epochs * steps, desc=label(kind, depth), unit="step") as bar:
        for epoch, order in enumerate(orders):
            optimizer.learning_rate = learning_rate(config, epoch)
            losses, wrong = [], 0.0
            for i in range(steps):
                batch = order[i * config.batch : (i + 1) * config.batch]
                loss, miss = step(x[batch], y[batch])
                losses.append(float(loss))
                wrong += float(miss)
                bar.update()
            step_loss += losses
            curves["epoch_loss"].append(float(np.mean(losses)))
            curves["epoch_running_error"].append(wrong / (steps * config.batch))
            if epoch + 1 in eval_epochs(config):
                curves["probe_error"].append(error(predict, *probe))
                curves["test_curve_error"].append(error(predict, *test_curve))
            bar.set_postfix_str(
                f"loss {np.mean(losses):.3f} batch error {curves['epoch_running_error'][-1]:.1%}"
            )
    return {
        "network": name(kind, depth),
        "kind": kind,
        "depth": depth,
        "parameters": int(model.count_params()),
        "train_error": error(predict, x, y),
        "test_error": error(predict, x_test, y_test),
        "final_loss": curves["epoch_loss"][-1],
        "eval_epochs": eval_epochs(config),
        **curves,
        "step_loss": step_loss,
        "wall_seconds": time.perf_counter() - started,
    }


# --- the verdict ---


def margin(error_a, error_b, n):
    """Noise margin for two error rates on the same n images: twice the binomial standard error of a
    difference of two rates near their mean, sqrt(2 p (1 - p) / n), and at least MIN_MARGIN."""
    p = (error_a + error_b) / 2
    return max(MIN_MARGIN, 2 * math.sqrt(2 * p * (1 - p) / n))


PARTS = {
    "plain": "the plain network's training error gets worse from depth {} to {}",
    "resnet": "the residual network's training error does not get worse from depth {} to {}",
}


def _reading(kind, diff, noise, steps):
    after = f" after {steps} SGD steps (the paper trained 64,000 on CIFAR-10)" if steps else ""
    if kind == "plain" and diff > noise:
        return "reproduced", "the deeper plain net fits its training set worse, so it is not overfitting"
    if kind == "plain" and diff > 0:
        return "partly reproduced", "higher, but within the noise margin"
    if kind == "plain":
        return "not reproduced", "the deeper plain net fits the training set at least as well" + after
    if diff > noise:
        return "not reproduced", "the deeper residual net degrades too" + after
    return "reproduced", "the deeper residual net is better" if diff < -noise else "within the noise margin"


def judge(runs, depths, n, steps=None):
    """The claim's two parts, from the final training errors; runs[(kind, depth)] holds 'train_error'
    (inference mode, on the n training images) and 'test_error'."""
    shallow, deep = depths
    findings = []
    for kind, part in PARTS.items():
        a, b = runs[kind, shallow], runs[kind, deep]
        diff, noise = b["train_error"] - a["train_error"], margin(a["train_error"], b["train_error"], n)
        status, reading = _reading(kind, diff, noise, steps)
        why = (
            f"final training error {label(kind, deep)} {b['train_error']:.2%} vs {label(kind, shallow)} "
            f"{a['train_error']:.2%} ({diff:+.2%}; noise margin ±{noise:.2%} on {n} images), test error "
            f"{b['test_error']:.2%} vs {a['test_error']:.2%}; {reading}"
        ) + (f" (plain-{deep}: {runs['plain', deep]['train_error']:.2%})" if kind == "resnet" else "")
        findings.append(Finding(f"{kind} {shallow}→{deep}", part.format(shallow, deep), status, why))
    return findings


def _table(runs, config, n, n_test):
    headers = ["network", "depth", "shortcuts", "parameters", f"train error (all {n}, inference)"]
    headers += ["last epoch: loss, error (batches)", f"test error ({n_test})", "wall s"]
    rows = [
        [label(kind, depth), depth, "identity" if KINDS[kind] else "none", f"{r['parameters']:,}"]
        + [f"{r['train_error']:.2%}", f"{r['final_loss']:.4f}, {r['epoch_running_error'][-1]:.2%}"]
        + [f"{r['test_error']:.2%}", f"{r['wall_seconds']:.0f}"]
        for kind in KINDS
        for depth in config.depths
        for r in [runs[kind, depth]]
    ]
    return headers, rows


def _plots(runs, config, output_dir):
    from components import plots

    plt = plots.pyplot()
    colors = dict(zip(config.depths, ("tab:orange", "tab:red")))

    def figure(file_name, draw, ylabel, logy=False):
        fig, axes = plt.subplots(1, 2, figsize=(8.4, 3.4), sharey=True)
        for ax, kind in zip(axes, KINDS):
            for depth in config.depths:
                draw(ax, runs[kind, depth], depth, colors[depth])
            ax.set_title("plain networks" if kind == "plain" else "residual networks", fontsize=9)
            ax.set_xlabel("epoch", fontsize=8)
            ax.tick_params(labelsize=7)
            ax.grid(alpha=0.3)
            ax.legend(fontsize=7)
            if logy:
                ax.set_yscale("log")
        axes[0].set_ylabel(ylabel, fontsize=8)
        plots.save(fig, os.path.join(output_dir, file_name))
        return file_name

    def errors(ax, r, depth, color):
        for key, style, width, what in (
            ("probe_error", "-", 2.2, "train"),
            ("test_curve_error", "--", 1, "test"),
        ):
            error = 100 * np.asarray(r[key])
            ax.plot(
                r["eval_epochs"], error, style, color=color, linewidth=width, label=f"{depth}-layer {what}"
            )

    def losses(ax, r, depth, color):
        loss = np.asarray(r["step_loss"])
        window = max(1, len(loss) // (4 * config.epochs))
        smooth = np.convolve(loss, np.ones(window) / window, mode="valid")
        x = (np.arange(len(smooth)) + window) * config.epochs / len(loss)
        ax.plot(x, smooth, color=color, linewidth=1.2, label=f"{depth}-layer")

    error_plot = figure("degradation.png", errors, "error (%)")
    loss_plot = figure("training_loss.png", losses, "running training loss (cross-entropy)", logy=True)
    return [
        (
            f"Error: bold = training ({config.probe_size} fixed training images, inference mode), "
            f"dashed = test ({config.test_curve_size} images); plain left, residual right",
            error_plot,
        ),
        ("Running training loss (cross-entropy of the training batches, moving average)", loss_plot),
    ]


def _setup(config, data, seed, quick, steps):
    depths = " and ".join(map(str, config.depths))
    drops = " and ".join(f"{f:.0%}" for f in config.lr_drops)
    quick_note = f" `--quick`: depths {depths}, {config.train_size} images, a smoke run that says nothing."
    quick_note = quick_note if quick else ""
    plain, residual = ("/".join(name(kind, d) for d in config.depths) for kind in KINDS)
    return [
        f"Fashion-MNIST 28x28x1 from `{data['directory']}`: a seeded random subset of {config.train_size} "
        f"training images (x/255 minus the subset's per-pixel mean), {len(data['test'][1])} test images; "
        "no augmentation (the question is how well the training set is fitted).",
        f"Networks: `keras_models.vision.ResNet` v1 (the paper's CIFAR-10 family: 3x3 convolutions, 16/32/64 "
        f"filters, batch normalisation) at depths {depths}; plain = `residual=False` ({plain}), residual = "
        f"identity shortcuts, option A ({residual}).",
        f"Training: SGD, momentum {config.momentum}, batch {config.batch}, {config.epochs} epochs ({steps} "
        f"steps), learning rate {config.learning_rate} (a tenth of it for the first {config.warmup_epochs} "
        f"epoch(s), as the paper's warm-up) divided by 10 after {drops} of the epochs, L2 "
        f"{config.weight_decay} on the kernels (as the paper). Every network starts from seed {seed} and "
        "sees the same batches in the same order.",
        f"Measured each epoch: running cross-entropy and error of the training batches (training mode); "
        f"every {config.eval_every} epoch(s): inference-mode error on the first {config.probe_size} "
        f"training images and the first {config.test_curve_size} test images. Final: inference-mode error "
        f"on all {config.train_size} training and all test images; the verdict uses the training errors.",
        f"Noise margin: two error rates p₁, p₂ on the same n images are told apart only when they differ by "
        f"more than 2·sqrt(2p(1−p)/n), p their mean (twice the binomial standard error of a difference), "
        f"and at least {MIN_MARGIN:.1%}. One seed is what fits the time budget, so this counting noise "
        "stands in for the seed-to-seed spread, which it likely understates.",
        f"TensorFlow {tf.__version__}, Keras {keras.__version__}." + quick_note,
    ]


def run(output_dir, quick=False, seed=0):
    config = QUICK if quick else FULL
    data = load_data(config, seed)
    orders = epoch_orders(config, seed)
    steps = config.epochs * (len(orders[0]) // config.batch)
    runs = {(k, d): train(k, d, config, data, orders, seed) for k in KINDS for d in config.depths}
    n, n_test = config.train_size, len(data["test"][1])
    headers, rows = _table(runs, config, n, n_test)
    return Report(
        name="degradation",
        claim=CLAIM,
        setup=_setup(config, data, seed, quick, steps),
        headers=headers,
        rows=rows,
        plots=_plots(runs, config, output_dir),
        findings=judge(runs, config.depths, n, steps),
        results={
            "quick": quick,
            "seed": seed,
            "config": dataclasses.asdict(config),
            "data": data["directory"],
            "runs": [{k: jsonable(v) for k, v in r.items()} for r in runs.values()],
        },
    )
