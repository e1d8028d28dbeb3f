"""Weight initialisation (course chapter 4; LeCun et al. 1998, "Efficient BackProp" 4.6; Glorot &
Bengio 2010; He et al. 2015).

A deep MLP starts from five initialisations and learns Fashion-MNIST with the same SGD:
- zeros: every unit of a layer computes the same thing and gets the same gradient, so they stay
  equal for ever (and with zero weights downstream, the gradient is zero anyway);
- small random, N(0, 0.01²): each layer shrinks the signal by about 0.01·√fan-in, so after a few
  layers the activations and the gradients are vanishingly small;
- 1/√fan-in (LeCun), Xavier/Glorot (√(2/(fan-in + fan-out))) and He (√(2/fan-in)): scaled so that
  the activations' variance stays about constant through the layers, He's with the factor 2 that
  ReLU's halving of the variance needs.
Measured at initialisation: the deviation of each layer's activations and the norm of each layer's
weight gradient on one batch; then training curves and test accuracy.
"""

import dataclasses

import keras
import numpy as np
import tensorflow as tf
from tqdm import tqdm

from tools.experiments import curves, data
from tools.experiments.report import Finding, Report, plot_panels, status

CLAIM = (
    "Initialisation decides whether a deep net trains: all-zero weights never break the symmetry between "
    "units, small random weights make the signal and the gradient vanish with depth, and weights scaled by "
    "fan-in (LeCun, Xavier; He for ReLU) keep the activations' scale through the layers and train."
)
INITIALIZERS = {
    "zeros": lambda seed: "zeros",
    "small random N(0, 0.01²)": lambda seed: keras.initializers.RandomNormal(stddev=0.01, seed=seed),
    "1/√fan-in (LeCun)": lambda seed: keras.initializers.LecunNormal(seed=seed),
    "Xavier (Glorot)": lambda seed: keras.initializers.GlorotUniform(seed=seed),
    "He": lambda seed: keras.initializers.HeNormal(seed=seed),
}
FITTING = {"tanh": ("1/√fan-in (LeCun)", "Xavier (Glorot)"), "relu": ("He",)}  # derived for each activation
VANISHED = 1e-3  # last hidden layer's activation deviation below this fraction of the first layer's
KEPT = 4.0  # "keeps the scale": last over first layer's deviation within a factor of 4 either way
TRAINS = 0.7  # test accuracy a trained net clears (a linear model gets about 0.8; chance 0.1)


@dataclasses.dataclass(frozen=True)
class Config:
    depth: int = 8
    width: int = 256
    activations: tuple = ("tanh", "relu")
    train_size: int = 10000
    test_size: int = 0
    epochs: int = 4
    batch: int = 64
    learning_rate: float = 0.02
    probe: int = 1000


FULL = Config()
QUICK = Config(depth=3, width=16, train_size=300, test_size=250, epochs=1, probe=100)


def build(config, activation, initializer, seed):
    init = INITIALIZERS[initializer](seed)
    return curves.mlp(
        (config.width,) * config.depth, activation=activation, seed=seed, kernel_initializer=init
    )


def signal(model, x, y):
    """Per hidden layer: the deviation of its activations and the norm of its kernel's gradient."""
    x = tf.convert_to_tensor(x)
    with tf.GradientTape() as tape:
        h, deviations = x, []
        for layer in model.layers:
            h = layer(h)
            deviations.append(float(tf.math.reduce_std(h)))
        loss = keras.losses.sparse_categorical_crossentropy(y, h, from_logits=True)
        loss = tf.reduce_mean(loss)
    kernels = [layer.kernel for layer in model.layers]
    grads = tape.gradient(loss, kernels)
    return deviations[:-1], [float(tf.norm(g)) for g in grads[:-1]]


def unit_spread(model):
    """The largest difference between two units of the first hidden layer (0: still symmetric)."""
    kernel = model.layers[0].kernel.numpy()
    return float(np.max(np.abs(kernel - kernel[:, :1])))


def judge(runs, config):
    acts = config.activations
    zeros = [runs[a, "zeros"] for a in acts]
    symmetric = all(r["unit_spread"] == 0 for r in zeros)
    zero_acc = ", ".join(f"{a} {runs[a, 'zeros']['test_accuracy'][-1]:.2f}" for a in acts)
    symmetry = Finding(
        "zeros",
        "all-zero weights never break the symmetry",
        status(symmetric, all(r["test_accuracy"][-1] < TRAINS for r in zeros)),
        f"largest difference between two first-layer units after training: "
        f"{max(r['unit_spread'] for r in zeros):.2g}; test accuracy {zero_acc}",
    )
    small = {a: runs[a, "small random N(0, 0.01²)"] for a in acts}
    ratio = {a: r["deviation"][-1] / r["deviation"][0] for a, r in small.items()}
    vanishing = Finding(
        "small random",
        "small random weights make the signal vanish with depth and training stall",
        status(
            all(v < VANISHED for v in ratio.values()),
            all(r["test_accuracy"][-1] < TRAINS for r in small.values()),
        ),
        "last over first hidden layer's activation deviation: "
        + ", ".join(f"{a} {ratio[a]:.1e}" for a in acts)
        + f" (vanished below {VANISHED:g}); test accuracy "
        + ", ".join(f"{a} {small[a]['test_accuracy'][-1]:.2f}" for a in acts),
    )
    kept, trained, why = [], [], []
    for a in acts:
        for name in FITTING.get(a, ()):
            r = runs[a, name]
            spread = r["deviation"][-1] / r["deviation"][0]
            kept.append(1 / KEPT <= spread <= KEPT)
            trained.append(r["test_accuracy"][-1] >= TRAINS)
            why.append(
                f"{a} + {name}: deviation ratio {spread:.2f}, test accuracy {r['test_accuracy'][-1]:.3f}"
            )
    scaled = Finding(
        "scaled by fan-in",
        "fan-in-scaled weights keep the activations' scale and train",
        status(all(kept), all(trained)),
        "; ".join(why) + f" (kept within {KEPT:g}× either way; trains from {TRAINS} test accuracy)",
    )
    return [symmetry, vanishing, scaled]


def run(output_dir, quick=False, seed=0):
    config = QUICK if quick else FULL
    d = data.fashion_mnist(config.train_size, config.test_size, seed=seed, quick=quick, standardized=True)
    runs = {}
    with tqdm(total=len(config.activations) * len(INITIALIZERS) * config.epochs, unit="epoch",
              desc="initialization") as bar:  # fmt: skip
        for activation in config.activations:
            for name in INITIALIZERS:
                model = build(config, activation, name, seed)
                deviation, gradient = signal(model, d.x_train[: config.probe], d.y_train[: config.probe])
                optimizer = keras.optimizers.SGD(config.learning_rate)
                curves.compile_classifier(model, optimizer)
                fitted = curves.fit(model, d, epochs=config.epochs, batch_size=config.batch, bar=bar)
                runs[activation, name] = {**fitted, "deviation": deviation, "gradient_norm": gradient,
                                          "unit_spread": unit_spread(model)}  # fmt: skip

    headers = [
        "activation",
        "initialisation",
        "activation deviation, layer 1 → last",
        "‖∂L/∂W‖, layer 1 → last",
    ]
    headers += ["final train loss", "test accuracy"]
    rows = [
        [a, name, f"{r['deviation'][0]:.2g} → {r['deviation'][-1]:.2g}",
         f"{r['gradient_norm'][0]:.2g} → {r['gradient_norm'][-1]:.2g}",
         f"{r['train_loss'][-1]:.3f}", f"{r['test_accuracy'][-1]:.3f}"]
        for (a, name), r in runs.items()
    ]  # fmt: skip
    layers = np.arange(1, config.depth + 1)
    by_act = lambda key: [  # noqa: E731
        (
            f"{a}: {key.replace('_', ' ')}",
            {n: (layers, runs[a, n][key]) for n in INITIALIZERS if n != "zeros"},
        )
        for a in config.activations
    ]
    signal_plot = plot_panels(
        f"{output_dir}/signal.png", by_act("deviation") + by_act("gradient_norm"), rows=2,
        xlabel="hidden layer", ylabel="at initialisation",
    )  # fmt: skip
    curve_plot = plot_panels(
        f"{output_dir}/training.png",
        [(f"{a}: test accuracy", {n: (r["epoch"], r["test_accuracy"]) for n in INITIALIZERS
                                  for r in [runs[a, n]]})
         for a in config.activations],
        xlabel="epoch", ylabel="test accuracy", logy=False,
    )  # fmt: skip
    return Report(
        name="initialization",
        claim=CLAIM,
        setup=[
            d.source + "; inputs standardised.",
            f"MLP 784-({config.width} × {config.depth})-10, tanh or ReLU, biases 0, softmax cross-entropy.",
            f"Plain SGD, learning rate {config.learning_rate}, batches of {config.batch}, {config.epochs} "
            "epochs.",
            f"At initialisation, on {config.probe} training images: each hidden layer's activation deviation "
            "and the norm of its weight gradient.",
        ],
        headers=headers,
        rows=rows,
        plots=[
            (
                "Activation deviation (top) and weight-gradient norm (bottom) per layer at initialisation "
                "(zeros: all 0, not drawn on the log scale)",
                signal_plot,
            ),
            ("Test accuracy during training", curve_plot),
        ],  # fmt: skip
        findings=judge(runs, config),
        results={
            "config": dataclasses.asdict(config),
            "runs": [{"activation": a, "initialization": n, **r} for (a, n), r in runs.items()],
        },  # fmt: skip
    )
