"""Elastic Averaging SGD against SGD (course chapter 4; Zhang, Choromanska & LeCun 2015, "Deep learning
with Elastic Averaging SGD").

p = 4 workers, simulated in one process (`keras_models.optimizers.ElasticAveraging`), each run SGD on
their own shuffles of Fashion-MNIST; every τ steps an elastic force pulls each worker towards a centre
variable and the centre towards the workers. EAMSGD is the same with Nesterov momentum in the local
steps. The baselines are the same code with one worker and no elastic force: plain SGD, and SGD with
the same Nesterov momentum. All start from the same weights.

The comparison is at equal numbers of samples processed *per worker* (the x-axis): the paper's view,
where the p workers run in parallel, so a worker's samples measure wall-clock time; in total EASGD has
seen p times more examples. The claim holds if the centre (the model EASGD delivers) ends with the
baseline's test accuracy, within two standard errors of a difference of accuracies.
"""

import dataclasses

import keras
import numpy as np
from tqdm import tqdm

from components import plots
from keras_models.optimizers import elastic_averaging
from tools.experiments import curves, data
from tools.experiments.report import Finding, Report, finite

CLAIM = (
    "EASGD with p = 4 workers tied to a centre variable by an elastic force reaches the same test accuracy "
    "as SGD at the same number of samples per worker, and so does its momentum variant EAMSGD."
)
SAME_SIGMAS = (
    2.0  # "the same accuracy": within 2 standard errors of a difference (≈ 1 point on 10,000 images)
)


@dataclasses.dataclass(frozen=True)
class Config:
    train_size: int = 30_000
    test_size: int = 0  # 0: the whole 10,000-image test split
    hidden: tuple = (256, 256)
    epochs: int = 8  # passes of every worker over the training set
    batch: int = 64
    workers: int = 4
    learning_rate: float = 0.05  # SGD and EASGD
    momentum: float = 0.9  # Nesterov, for momentum SGD and EAMSGD
    momentum_learning_rate: float = 0.01
    period: int = 10  # τ, the paper's choice for EASGD on CIFAR-10
    beta: float = elastic_averaging.PAPER_BETA  # β = pα
    evals_per_epoch: int = 2


FULL = Config()
QUICK = Config(train_size=1000, test_size=250, hidden=(32,), epochs=2, batch=50, evals_per_epoch=1)


@dataclasses.dataclass(frozen=True)
class Method:
    label: str
    elastic: bool  # p workers and an elastic force, or one worker alone
    momentum: bool
    baseline: str = ""  # the method it is judged against


METHODS = {
    "sgd": Method("SGD", elastic=False, momentum=False),
    "msgd": Method("momentum SGD", elastic=False, momentum=True),
    "easgd": Method("EASGD", elastic=True, momentum=False, baseline="sgd"),
    "eamsgd": Method("EAMSGD", elastic=True, momentum=True, baseline="msgd"),
}


def strategy(kind, config, seed):
    """The ElasticAveraging of one method; every method's centre starts from the same weights."""
    method = METHODS[kind]
    p = config.workers if method.elastic else 1
    return elastic_averaging.ElasticAveraging(
        lambda: curves.mlp(config.hidden, activation="relu", seed=seed),
        workers=p,
        learning_rate=config.momentum_learning_rate if method.momentum else config.learning_rate,
        moving_rate=config.beta / p if method.elastic else 0.0,
        period=config.period,
        momentum=config.momentum if method.momentum else 0.0,
        seed=seed,
    )


def train(kind, d, config, seed, bar):
    """The curves of one method: test accuracy and loss of the centre and of every worker."""
    easgd = strategy(kind, config, seed)
    steps = len(d.x_train) // config.batch
    history = easgd.fit(
        d.x_train, d.y_train, epochs=config.epochs, batch_size=config.batch,
        validation_data=(d.x_test, d.y_test), eval_every=max(1, steps // config.evals_per_epoch),
        progress=bar,
    )  # fmt: skip
    # A baseline's model is its one worker (its centre, with no elastic force, never moves).
    delivered = history["center"] if METHODS[kind].elastic else history["workers"][0]
    return {
        "method": kind,
        **{k: v for k, v in easgd.config.items() if k != "devices"},
        "samples_per_worker": history["samples_per_worker"],
        "accuracy": delivered["accuracy"],
        "loss": [finite(v) for v in delivered["loss"]],
        "worker_accuracy": [w["accuracy"] for w in history["workers"]],
        "final_accuracy": delivered["accuracy"][-1],
        "best_accuracy": max(delivered["accuracy"]),
        "final_worker_accuracy": [w["accuracy"][-1] for w in history["workers"]],
    }


def judge(runs, n_test):
    """EASGD against SGD and EAMSGD against momentum SGD: reproduced when the centre is within the
    tolerance of (or above) the baseline, partly when only a worker is, not reproduced otherwise."""
    findings = []
    for kind in ("easgd", "eamsgd"):
        run, base = runs[kind], runs[METHODS[kind].baseline]
        margin = curves.accuracy_margin(base["final_accuracy"], n_test, sigmas=SAME_SIGMAS)
        centre_ok = run["final_accuracy"] >= base["final_accuracy"] - margin
        worker_ok = max(run["final_worker_accuracy"]) >= base["final_accuracy"] - margin
        status = "reproduced" if centre_ok else "partly reproduced" if worker_ok else "not reproduced"
        workers = ", ".join(f"{a:.3f}" for a in run["final_worker_accuracy"])
        findings.append(Finding(
            METHODS[kind].label,
            f"{METHODS[kind].label} (p = {run['workers']}) reaches {METHODS[METHODS[kind].baseline].label}'s "
            "test accuracy at equal samples per worker",
            status,
            f"final test accuracy: centre {run['final_accuracy']:.3f}, {METHODS[run['method']].label}'s "
            f"workers {workers}; {METHODS[base['method']].label} {base['final_accuracy']:.3f} (difference "
            f"{100 * (run['final_accuracy'] - base['final_accuracy']):+.2f} points; the same within "
            f"{100 * margin:.2f} points, {SAME_SIGMAS:.0f} standard errors on {n_test} test images)"
            + (f"; plain SGD {runs['sgd']['final_accuracy']:.3f}" if base["method"] != "sgd" else ""),
        ))  # fmt: skip
    return findings


def _table(runs):
    headers = ["method", "p", "η", "δ (Nesterov)", "α (β = pα)", "τ", "samples per worker"]
    headers += ["final test acc.", "best test acc.", "final test loss", "workers' final test acc."]
    rows = []
    for kind, r in runs.items():
        elastic = METHODS[kind].elastic
        rows.append([
            METHODS[kind].label, r["workers"], r["learning_rate"], r["momentum"] or "-",
            f"{r['moving_rate']:.3g} ({r['workers'] * r['moving_rate']:.2g})" if elastic else "-",
            r["period"] if elastic else "-", f"{r['samples_per_worker'][-1]:,}",
            f"{r['final_accuracy']:.4f}" + (" (centre)" if elastic else ""), f"{r['best_accuracy']:.4f}",
            f"{r['loss'][-1]:.4f}" if r["loss"][-1] is not None else "diverged",
            ", ".join(f"{a:.4f}" for a in r["final_worker_accuracy"]) if elastic else "-",
        ])  # fmt: skip
    return headers, rows


def _plot(runs, path):
    """One panel per elastic method: its centre, its workers (thin) and its baseline (dashed)."""
    plt = plots.pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), sharey=True)
    later = [a for r in runs.values() for c in (r["accuracy"], *r["worker_accuracy"]) for a in c[1:]]
    for ax, kind in zip(axes, ("easgd", "eamsgd")):
        run, base = runs[kind], runs[METHODS[kind].baseline]
        x = np.asarray(run["samples_per_worker"]) / 1000
        for i, curve in enumerate(run["worker_accuracy"]):
            ax.plot(x, curve, linewidth=0.8, alpha=0.6, label=f"worker {i + 1}")
        ax.plot(x, run["accuracy"], color="black", linewidth=2, label=f"{METHODS[kind].label} centre")
        ax.plot(np.asarray(base["samples_per_worker"]) / 1000, base["accuracy"], color="crimson",
                linestyle="--", linewidth=1.5, label=METHODS[base["method"]].label)  # fmt: skip
        ax.set_title(
            f"{METHODS[kind].label} (p = {run['workers']}) vs {METHODS[base['method']].label}", fontsize=9
        )
        ax.set_xlabel("thousands of samples processed per worker", fontsize=8)
        ax.legend(fontsize=7, loc="lower right")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("test accuracy", fontsize=8)
    axes[0].set_ylim(min(later) - 0.01, max(later) + 0.005)
    plots.save(fig, path)
    return path.rsplit("/", 1)[-1]


def _setup(d, config, seed, quick):
    hidden = "-".join(map(str, config.hidden))
    return [
        d.source + "; inputs standardised (training-set mean and deviation per pixel).",
        f"MLP 784-{hidden}-10, ReLU, softmax cross-entropy; every run starts from the same weights "
        f"(seed {seed}).",
        f"EASGD and EAMSGD: p = {config.workers} simulated workers "
        "(`keras_models.optimizers.ElasticAveraging`, synchronous), moving rate α = β/p with "
        f"β = {config.beta} (the paper's), period τ = {config.period}; each worker shuffles the training "
        "set on its own every epoch.",
        "Baselines: the same code with one worker and no elastic force: SGD "
        f"(η = {config.learning_rate}) and SGD with Nesterov momentum δ = {config.momentum} "
        f"(η = {config.momentum_learning_rate}), the same local steps as EASGD and EAMSGD.",
        f"{config.epochs} epochs of batches of {config.batch} for every worker; test accuracy "
        f"{config.evals_per_epoch}× per epoch. Compared at equal samples per worker (EASGD processes "
        f"{config.workers}× more in total); the centre is the model EASGD delivers.",
        f"Same accuracy: within {SAME_SIGMAS:.0f} standard errors of the difference of two accuracies on "
        f"the {len(d.y_test)} test images, √(2a(1 − a)/n).",
        f"Seed {seed}."
        + (" `--quick`: a smoke run, too short for its verdict to mean much." if quick else ""),
    ]


def run(output_dir, quick=False, seed=0):
    config = QUICK if quick else FULL
    keras.utils.set_random_seed(seed)
    d = data.fashion_mnist(config.train_size, config.test_size, seed=seed, quick=quick, standardized=True)
    steps = len(d.x_train) // config.batch * config.epochs
    with tqdm(total=steps * len(METHODS), unit="step", desc="easgd") as bar:
        runs = {}
        for kind in METHODS:
            bar.set_postfix_str(METHODS[kind].label)
            runs[kind] = train(kind, d, config, seed, bar)
    headers, rows = _table(runs)
    plot = _plot(runs, f"{output_dir}/accuracy_curves.png")
    return Report(
        name="easgd",
        claim=CLAIM,
        setup=_setup(d, config, seed, quick),
        headers=headers,
        rows=rows,
        plots=[
            ("Test accuracy against samples per worker: the centre (black), the workers, the baseline", plot)
        ],
        findings=judge(runs, len(d.y_test)),
        results={"quick": quick, "seed": seed, "config": dataclasses.asdict(config), "runs": runs},
    )
