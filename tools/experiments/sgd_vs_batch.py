"""Stochastic vs batch learning, and shuffling (course chapter 4; LeCun, Bottou, Orr & Müller 1998,
"Efficient BackProp", sections 4.1-4.2).

The same MLP, from the same initial weights, learns Fashion-MNIST three ways:
- batch gradient descent: one step per pass over the data, on the exact gradient, at the best of a
  few learning rates;
- mini-batch SGD: many noisy steps per pass, the examples shuffled every epoch;
- the same SGD with the examples grouped by class (all T-shirts, then all trousers, ...), the
  order that Efficient BackProp warns against.
The x-axis is passes over the training set (epochs), i.e. equal numbers of gradient evaluations.
On a large, redundant training set the claim is that one pass of SGD does more than many passes of
batch descent, and that SGD needs its examples mixed.
"""

import dataclasses

import keras
import numpy as np
from tqdm import tqdm

from tools.experiments import curves, data
from tools.experiments.report import Finding, Report, plot_panels, status

CLAIM = (
    "On a large, redundant training set stochastic (mini-batch) gradient descent learns much faster than "
    "batch gradient descent per pass over the data, and its examples must be shuffled: presented grouped "
    "by class, SGD forgets the earlier classes."
)


@dataclasses.dataclass(frozen=True)
class Config:
    train_size: int = 20000
    test_size: int = 0  # 0: the whole 10,000-image test split
    hidden: tuple = (100,)
    sgd_batch: int = 16
    sgd_learning_rate: float = 0.02
    sgd_epochs: int = 5
    batch_epochs: int = 60  # batch descent gets 12 times SGD's passes
    batch_learning_rates: tuple = (0.1, 0.3, 1.0)  # the best one counts
    probe: int = 5000


FULL = Config()
QUICK = Config(
    train_size=600, test_size=250, hidden=(16,), sgd_epochs=1, batch_epochs=3, batch_learning_rates=(0.3,),
    probe=300,
)  # fmt: skip


def class_sorted(d):
    """The same examples, grouped by class (stable: within a class, the original order)."""
    order = np.argsort(d.y_train, kind="stable")
    return dataclasses.replace(d, x_train=d.x_train[order], y_train=d.y_train[order])


def train(d, config, seed, *, batch_size, learning_rate, epochs, shuffle, bar, probe=None):
    """(model, curves) of one run; every run starts from the same weights (the same seed)."""
    model = curves.mlp(config.hidden, seed=seed)
    curves.compile_classifier(model, keras.optimizers.SGD(learning_rate))
    probe = probe or config.probe
    fitted = curves.fit(model, d, epochs=epochs, batch_size=batch_size, shuffle=shuffle, probe=probe, bar=bar)
    return model, fitted


def judge(sgd, batch, sorted_, n_test):
    """Two findings: SGD's first pass against all of batch descent's passes; shuffled against sorted."""
    one_pass = sgd["train_loss"][1]
    best_batch = min(v for v in batch["train_loss"] if v is not None)
    reached = curves.first_epoch_at_or_below(batch["train_loss"], one_pass)
    passes = f"after {reached} passes" if reached else f"not within its {len(batch['epoch']) - 1} passes"
    faster = Finding(
        "stochastic vs batch",
        "SGD learns much faster per pass than batch descent",
        status(reached is None or reached >= 5),  # five passes: an order of magnitude in spirit, not noise
        f"train loss after 1 pass of SGD {one_pass:.3f}; batch descent's best {best_batch:.3f} "
        f"(learning rate {batch['learning_rate']}); it reaches SGD's one-pass loss {passes}",
    )
    shuffled_acc, sorted_acc = sgd["test_accuracy"][-1], sorted_["test_accuracy"][-1]
    margin = curves.accuracy_margin(shuffled_acc, n_test)
    shuffling = Finding(
        "shuffling",
        "examples grouped by class make SGD worse than shuffled examples",
        status(shuffled_acc - sorted_acc > margin),
        f"test accuracy shuffled {shuffled_acc:.3f}, grouped by class {sorted_acc:.3f} "
        f"(a difference counts beyond {margin:.3f}, 3 standard errors); the grouped model's last "
        f"class seen takes {sorted_['last_class_share']:.0%} of its test predictions",
    )
    return [faster, shuffling]


def _loss(value):
    return "diverged" if value is None else f"{value:.3f}"


def run(output_dir, quick=False, seed=0):
    config = QUICK if quick else FULL
    d = data.fashion_mnist(config.train_size, config.test_size, seed=seed, quick=quick, standardized=True)
    total = 2 * config.sgd_epochs + len(config.batch_learning_rates) * config.batch_epochs
    sgd_args = dict(
        batch_size=config.sgd_batch, learning_rate=config.sgd_learning_rate, epochs=config.sgd_epochs
    )
    with tqdm(total=total, unit="epoch", desc="sgd_vs_batch") as bar:
        _, sgd = train(d, config, seed, shuffle=True, bar=bar, **sgd_args)
        by_class = class_sorted(d)
        probe = d.x_train[: config.probe], d.y_train[: config.probe]  # the same images as the others'
        model, sorted_ = train(by_class, config, seed, shuffle=False, bar=bar, probe=probe, **sgd_args)
        predictions = np.argmax(model.predict(d.x_test, verbose=0), axis=1)
        sorted_["last_class_share"] = float(np.mean(predictions == by_class.y_train[-1]))
        batches = {
            lr: train(
                d,
                config,
                seed,
                batch_size=len(d.x_train),
                learning_rate=lr,
                epochs=config.batch_epochs,
                shuffle=True,
                bar=bar,
            )[1]  # fmt: skip
            for lr in config.batch_learning_rates
        }
    best_lr = min(batches, key=lambda lr: min(v for v in batches[lr]["train_loss"] if v is not None))
    batch = {**batches[best_lr], "learning_rate": best_lr}

    runs = {"SGD, shuffled": sgd, "SGD, grouped by class": sorted_}
    runs |= {f"batch GD, lr {lr}": c for lr, c in batches.items()}
    headers = ["training", "passes", "train loss after 1 pass", "final train loss", "final test accuracy"]
    rows = [
        [label, len(c["epoch"]) - 1, _loss(c["train_loss"][1]), _loss(c["train_loss"][-1]),
         f"{c['test_accuracy'][-1]:.3f}"]
        for label, c in runs.items()
    ]  # fmt: skip
    train_loss = {k: (c["epoch"], c["train_loss"]) for k, c in runs.items()}
    accuracy = {k: (c["epoch"], c["test_accuracy"]) for k, c in runs.items()}
    loss_plot = plot_panels(
        f"{output_dir}/train_loss.png",
        [("train loss (probe of the training set)", train_loss), ("test accuracy", accuracy)],
        xlabel="passes over the training set", ylabel="", logy=False,
    )  # fmt: skip
    return Report(
        name="sgd_vs_batch",
        claim=CLAIM,
        setup=[
            d.source + "; inputs standardised (training-set mean and deviation per pixel).",
            f"MLP 784-{'-'.join(map(str, config.hidden))}-10, tanh, softmax cross-entropy; the same initial "
            f"weights (seed {seed}) for every run; plain SGD (no momentum).",
            f"SGD: batches of {config.sgd_batch}, learning rate {config.sgd_learning_rate}, "
            f"{config.sgd_epochs} passes, shuffled every pass, or grouped by class in the same order "
            f"every pass. Batch gradient descent: the whole training set per step, {config.batch_epochs} "
            f"steps, at learning rates {', '.join(map(str, config.batch_learning_rates))} (the best final "
            "train loss counts).",
            f"Train loss measured on the first {config.probe} training images with the weights at the end of "
            "each pass; test accuracy on the test split.",
        ],
        headers=headers,
        rows=rows,
        plots=[("Train loss and test accuracy against passes over the data", loss_plot)],
        findings=judge(sgd, batch, sorted_, len(d.y_test)),
        results={"config": dataclasses.asdict(config), "runs": runs, "best_batch_learning_rate": best_lr},
    )
