"""Energy-based learning's loss functionals compared on one task (course chapter 19; LeCun, Chopra,
Hadsell, Ranzato & Huang 2006, "A Tutorial on Energy-Based Learning").

An energy network E(x, y) = −score_y(x) (a linear or MLP scorer) on scikit-learn's digits, trained with
each loss of keras_models.losses. The tutorial's claims, measured:
- the energy loss L = E(Yⁱ) only pushes the correct answer's energy down, so "with some architectures"
  (the tutorial, 2.2.1) it collapses: when the network can lower every answer's energy at once, nothing
  holds the incorrect answers up and all energies go down together. The MLP scorer can (growing its
  shared ReLU units raises every score), so the claim is judged on it; the linear scorer, where only
  the output biases move all energies together and each class's weights learn their own template, is
  reported beside it as the architecture for which the tutorial expects the energy loss to fare better;
- the contrastive losses (perceptron, hinge, log, square-square, square-exponential, NLL), which also
  push the most offending (NLL: every) incorrect answer up, train a classifier;
- the generalized perceptron loss has no margin: it is zero as soon as the correct answer has the lowest
  energy, even by a hair (and on a flat energy surface), so it leaves many training examples closer
  than the hinge's margin m, where the hinge keeps pushing.
"""

import dataclasses

import keras
import numpy as np
from tqdm import tqdm

from components import plots
from keras_models.losses import LOSSES, most_offending_energy
from tools.experiments import data
from tools.experiments.report import Finding, Report, plot_panels, status

CLAIM = (
    "The energy loss alone collapses (it pushes every energy down, with no contrast), while the contrastive "
    "losses (perceptron, hinge, log, square-square, square-exponential, NLL) train a classifier; the "
    "generalized perceptron has no margin."
)
MARGIN = 1.0  # m of the hinge and square-square losses (energies are unnormalised scores: 1 is the unit)
TRAINS = 0.85  # digits test accuracy a trained classifier clears (linear softmax ~95 %, chance 10 %)
FOLLOWS = 0.9  # collapse: the most offending energy falls ≥ 90 % as much as the correct one (together)
WORSE = 0.1  # ... and the energy loss's accuracy is ≥ 10 points below the best contrastive loss's
COLLAPSING = "MLP"  # the scorer whose architecture lets every energy fall at once (the docstring says why)
NO_MARGIN = 0.2  # perceptron: ≥ 20 % of the correctly classified training examples within the margin m
CONTRASTIVE = [name for name in LOSSES if name != "energy"]


@dataclasses.dataclass(frozen=True)
class Config:
    scorers: tuple = ("linear", "MLP")
    hidden: int = 64  # the MLP scorer's ReLU units
    epochs: int = 30
    batch: int = 32
    learning_rate: float = 0.003  # Adam
    train_limit: int = 0  # 0: the whole training split
    probe: int = 500  # training rows whose energies are recorded each epoch
    eager: bool = False  # quick: no graph tracing (it costs more than a few steps of a tiny net)


FULL = Config()
QUICK = Config(scorers=("MLP",), epochs=2, batch=64, train_limit=256, probe=100, eager=True)


def make_loss(name):
    """The loss `name` of keras_models.losses with this experiment's margin (hinge, square-square)."""
    return LOSSES[name](margin=MARGIN) if name in ("hinge", "square-square") else LOSSES[name]()


def energy_network(scorer, hidden, inputs=64, answers=10, seed=0):
    """E(x, y) = −score_y(x): [batch, inputs] → energies [batch, answers]."""
    keras.utils.set_random_seed(seed)
    layers = [keras.Input((inputs,))]
    if scorer == "MLP":
        layers.append(keras.layers.Dense(hidden, activation="relu"))
    layers += [keras.layers.Dense(answers), keras.layers.Rescaling(-1.0)]
    return keras.Sequential(layers)


def energies_summary(energies, y):
    """Means of the correct answer's energy E, of the most offending incorrect one's Ē, of all answers'
    energy, the accuracy (argmin E), and the per-example gaps Ē − E."""
    e = np.asarray(energies, "float64")
    correct = e[np.arange(len(y)), y]
    offending = np.asarray(most_offending_energy(y, e))
    return {"correct": float(correct.mean()), "offending": float(offending.mean()),
            "mean": float(e.mean()), "accuracy": float(np.mean(np.argmin(e, axis=1) == y)),
            "gaps": offending - correct}  # fmt: skip


class _Recorder(keras.callbacks.Callback):
    def __init__(self, probe, test):
        super().__init__()
        self.probe, self.test, self.history = probe, test, []

    def record(self):
        train = energies_summary(self.model(self.probe[0], training=False), self.probe[1])
        test = energies_summary(self.model(self.test[0], training=False), self.test[1])
        self.history.append({"correct": train["correct"], "offending": train["offending"],
                             "mean": train["mean"], "test_accuracy": test["accuracy"]})  # fmt: skip

    def on_epoch_end(self, epoch, logs=None):
        self.record()


def train(name, scorer, config, d, seed, bar):
    model = energy_network(scorer, config.hidden, seed=seed)
    model.compile(
        keras.optimizers.Adam(config.learning_rate),
        loss=make_loss(name),
        jit_compile=False,
        run_eagerly=config.eager,
    )
    probe = (d.x_train[: config.probe], d.y_train[: config.probe])
    recorder = _Recorder(probe, (d.x_test, d.y_test))
    recorder.set_model(model)
    recorder.record()  # epoch 0: the untrained network
    progress = keras.callbacks.LambdaCallback(on_epoch_end=lambda *_: bar.update())
    model.fit(d.x_train, d.y_train, epochs=config.epochs, batch_size=config.batch, verbose=0,
              callbacks=[recorder, progress])  # fmt: skip
    final = energies_summary(model(d.x_train, training=False), d.y_train)
    gaps = final["gaps"][final["gaps"] > 0]  # correctly classified training examples
    curves = {key: [h[key] for h in recorder.history] for key in recorder.history[0]}
    return {**curves, "test_accuracy_final": curves["test_accuracy"][-1],
            "median_gap": float(np.median(gaps)) if len(gaps) else 0.0,
            "within_margin": float(np.mean(gaps < MARGIN)) if len(gaps) else 1.0,
            "flat_loss": float(make_loss(name)(d.y_train[:8], np.zeros((8, 10), "float32")))}  # fmt: skip


def energy_collapse(runs, scorer):
    """(Ē's fall over E's fall, the energy loss's final and best test accuracy, the best contrastive
    loss's final test accuracy) for one scorer."""
    r = runs[scorer, "energy"]
    drop_correct = r["correct"][0] - r["correct"][-1]
    drop_offending = r["offending"][0] - r["offending"][-1]
    follows = drop_offending / drop_correct if drop_correct > 0 else 0.0
    best = max(runs[scorer, n]["test_accuracy_final"] for n in CONTRASTIVE)
    return follows, r["test_accuracy_final"], max(r["test_accuracy"]), best


def judge(runs, scorers):
    judged = COLLAPSING if COLLAPSING in scorers else scorers[-1]
    why = []
    for s in sorted(scorers, key=lambda s: s != judged):
        follows, final, peak, best = energy_collapse(runs, s)
        r = runs[s, "energy"]
        label = f"{s} (judged)" if s == judged else s
        why.append(f"{label}: E {r['correct'][0]:.2f} → {r['correct'][-1]:.3g}, Ē {r['offending'][0]:.2f} → "
                   f"{r['offending'][-1]:.3g} (Ē falls {follows:.2f}× as much as E), test accuracy "
                   f"{final:.1%} (best epoch {peak:.1%}) vs the best contrastive "
                   f"loss's {best:.1%}")  # fmt: skip
    follows, final, _, best = energy_collapse(runs, judged)
    energy = Finding(
        "energy loss collapses",
        "the energy loss alone pushes every energy down, with no contrast, and does not train",
        status(follows >= FOLLOWS, final <= best - WORSE),
        "; ".join(why) + f" (collapse: Ē falls ≥ {FOLLOWS}× as much as E; poor: ≥ {WORSE:.0%} below)",
    )
    accuracies = {(s, n): runs[s, n]["test_accuracy_final"] for s in scorers for n in CONTRASTIVE}
    trained = [a >= TRAINS for a in accuracies.values()]
    contrastive = Finding(
        "contrastive losses train",
        "perceptron, hinge, log, square-square, square-exponential and NLL train a classifier",
        status(*trained),
        "test accuracy "
        + "; ".join(f"{s} {n} {a:.1%}" for (s, n), a in accuracies.items())
        + f" (trains: ≥ {TRAINS:.0%})",
    )
    within = {s: (runs[s, "perceptron"]["within_margin"], runs[s, "hinge"]["within_margin"]) for s in scorers}
    no_margin = Finding(
        "perceptron has no margin",
        "the perceptron loss is satisfied without a margin: many examples stay within m, a flat energy "
        "costs nothing",
        status(all(p >= NO_MARGIN and p > h for p, h in within.values()),
               all(runs[s, "perceptron"]["flat_loss"] == 0 < runs[s, "hinge"]["flat_loss"] for s in scorers)),
        "share of the correctly classified training examples with Ē − E < m = "
        f"{MARGIN:g}: " + "; ".join(f"{s}: perceptron {p:.1%}, hinge {h:.1%}" for s, (p, h) in within.items())
        + f" (no margin: ≥ {NO_MARGIN:.0%} and more than the hinge); loss of a flat energy surface: "
        f"perceptron {runs[scorers[0], 'perceptron']['flat_loss']:.2f}, hinge "
        f"{runs[scorers[0], 'hinge']['flat_loss']:.2f}",
    )  # fmt: skip
    return [energy, contrastive, no_margin]


def _energy_plot(runs, config, output_dir):
    """Per scorer, each loss's path in the (E, Ē) plane over the epochs (a dot at the end): above the
    diagonal Ē = E the correct answer wins; the energy loss runs down along the diagonal."""
    plt = plots.pyplot()
    fig, axes = plt.subplots(1, len(config.scorers), figsize=(4.8 * len(config.scorers), 4.2), squeeze=False)
    for ax, s in zip(axes[0], config.scorers):
        values = []
        for name in LOSSES:
            r = runs[s, name]
            (line,) = ax.plot(r["correct"], r["offending"], linewidth=1, label=name)
            ax.plot(r["correct"][-1], r["offending"][-1], "o", color=line.get_color(), markersize=4)
            values += r["correct"] + r["offending"]
        grid = np.linspace(min(values), max(values), 400)
        ax.plot(grid, grid, ":", color="gray", linewidth=0.9, label="Ē = E (no contrast)")
        ax.plot(grid, grid + MARGIN, "--", color="gray", linewidth=0.9, label=f"Ē = E + m (m = {MARGIN:g})")
        ax.set_xscale("symlog", linthresh=1)
        ax.set_yscale("symlog", linthresh=1)
        ax.set_xlabel("mean E of the correct answer (training probe)", fontsize=8)
        ax.set_ylabel("mean Ē of the most offending incorrect answer", fontsize=8)
        ax.set_title(f"{s} scorer: energies during training", fontsize=9)
        ax.tick_params(labelsize=7)
    axes[0][0].legend(fontsize=7)
    plots.save(fig, f"{output_dir}/energies.png")
    return "energies.png"


def _accuracy_plot(runs, config, output_dir):
    epochs = np.arange(config.epochs + 1)
    panels = [(f"{s} scorer", {name: (epochs, runs[s, name]["test_accuracy"]) for name in LOSSES})
              for s in config.scorers]  # fmt: skip
    return plot_panels(f"{output_dir}/accuracy.png", panels, xlabel="epoch", ylabel="test accuracy",
                       logy=False)  # fmt: skip


def run(output_dir, quick=False, seed=0):
    config = QUICK if quick else FULL
    split = data.sklearn_split("digits", seed=seed)
    x_train, x_test = data.standardize(split.x_train.astype("float32"), split.x_test.astype("float32"))
    limit = config.train_limit or len(x_train)
    d = data.Data(x_train[:limit], split.y_train[:limit], x_test, split.y_test, split.source)
    runs = {}
    with tqdm(
        total=len(config.scorers) * len(LOSSES) * config.epochs, desc="ebm_losses", unit="epoch"
    ) as bar:
        for scorer in config.scorers:
            for name in LOSSES:
                runs[scorer, name] = train(name, scorer, config, d, seed, bar)
    headers = ["scorer", "loss", "test accuracy", "E (correct), start → end",
               "Ē (most offending), start → end", "median Ē − E",
               f"correct with Ē − E < {MARGIN:g}", "loss of a flat energy"]  # fmt: skip
    rows = [[s, n, f"{r['test_accuracy_final']:.1%}", f"{r['correct'][0]:.2f} → {r['correct'][-1]:.3g}",
             f"{r['offending'][0]:.2f} → {r['offending'][-1]:.3g}", f"{r['median_gap']:.3g}",
             f"{r['within_margin']:.1%}", f"{r['flat_loss']:.3g}"] for (s, n), r in runs.items()]  # fmt: skip
    return Report(
        name="ebm_losses",
        claim=CLAIM,
        setup=[
            f"{d.source}; pixels standardised with the training statistics"
            + (f"; training set cut to {limit} rows" if config.train_limit else "")
            + ".",
            f"Energy network E(x, y) = −score_y(x): linear (64 → 10) or MLP (64 → {config.hidden} ReLU → "
            "10); inference: the answer of lowest energy.",
            f"Losses (keras_models.losses): {', '.join(LOSSES)}; margin m = {MARGIN:g} (hinge, "
            "square-square), γ = 1 (square-exponential), β = 1 (NLL).",
            f"Adam {config.learning_rate}, batches of {config.batch}, {config.epochs} epochs, the same "
            f"initial weights for every loss (seed {seed}); energies recorded on {config.probe} training "
            "rows.",
        ]  # fmt: skip
        + (["`--quick`: a smoke run, too small for its verdict to mean much."] if quick else []),
        headers=headers,
        rows=rows,
        plots=[
            (
                "Mean energy of the correct answer (x) and of the most offending incorrect one (y) over the "
                "epochs, per loss (symmetric log scales; a dot at the end)",
                _energy_plot(runs, config, output_dir),
            ),
            ("Test accuracy during training, per loss", _accuracy_plot(runs, config, output_dir)),
        ],  # fmt: skip
        findings=judge(runs, config.scorers),
        results={
            "config": dataclasses.asdict(config),
            "margin": MARGIN,
            "runs": [{"scorer": s, "loss": n, **r} for (s, n), r in runs.items()],
        },
    )
