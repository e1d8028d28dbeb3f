"""Normalising the inputs (course chapter 4; LeCun, Bottou, Orr & Müller 1998, "Efficient BackProp",
section 4.3).

Gradient descent on a linear model moves along the eigenvectors of the Hessian, which for the
squared loss is the inputs' second-moment matrix E[x xᵀ] (for the logistic loss, a weighted one).
The largest eigenvalue caps the learning rate (η < 2/λ_max), the small ones set how slowly the rest
is learned. Inputs with a large common mean add a direction with eigenvalue ≈ ‖mean‖²; features on
very different scales spread the eigenvalues over many orders of magnitude. Subtracting the mean
and dividing by the deviation removes both, so the same number of steps goes much further.

Two cases, each with its own best step size:
- scikit-learn's breast-cancer set (features from 10⁻³ to 10³): logistic regression by full-batch
  gradient descent at η = 1/L (L = λ_max/4, the gradient's Lipschitz constant), raw vs standardised.
- Fashion-MNIST pixels (all positive, mean 0.29): softmax regression by mini-batch SGD at the
  best of a few learning rates, pixels in [0, 1] vs centred vs standardised.
"""

import dataclasses

import keras
import numpy as np
from tqdm import tqdm

from tools.experiments import curves, data
from tools.experiments.report import Finding, Report, plot_panels, status

CLAIM = (
    "Inputs with a non-zero mean or unequal scales slow gradient descent down (they spread the Hessian's "
    "eigenvalues); shifting them to zero mean and scaling them to unit variance makes it converge in far "
    "fewer steps."
)
FEWER = 2.0  # "far fewer": the normalised inputs need at most half the steps to the same loss
LOWER = 0.98  # a train loss 2 % lower after the same SGD epochs (one seed; the runs are deterministic)
SPREAD = 2.0  # centring must shrink λ_max / λ_mean at least this much to count as the cause


@dataclasses.dataclass(frozen=True)
class Config:
    gd_steps: int = 2000  # logistic regression on breast cancer
    train_size: int = 10000  # softmax regression on Fashion-MNIST
    test_size: int = 0
    sgd_epochs: int = 3
    batch: int = 32
    learning_rates: tuple = (0.003, 0.01, 0.03, 0.1)


FULL = Config()
QUICK = Config(gd_steps=100, train_size=600, test_size=250, sgd_epochs=1, learning_rates=(0.01, 0.1))


def spread(x):
    """(λ_max, λ_max / λ_mean, κ = λ_max / λ_min) of the second-moment matrix xᵀx / n; κ is None when
    the matrix is singular (Fashion-MNIST's always-blank corner pixels)."""
    eigenvalues = np.linalg.eigvalsh(x.T.astype("float64") @ x / len(x))
    top, bottom = eigenvalues[-1], eigenvalues[0]
    kappa = float(top / bottom) if bottom > 1e-13 * top else None
    return float(top), float(top / eigenvalues.mean()), kappa


def logistic_gd(x, y, steps):
    """Full-batch gradient descent on the mean logistic loss at η = 1/L; returns the loss after each step."""
    x = np.hstack([x, np.ones((len(x), 1))])  # the bias as a constant input
    lipschitz = np.linalg.eigvalsh(x.T @ x / len(x))[-1] / 4  # σ' ≤ 1/4
    w = np.zeros(x.shape[1])
    losses = []
    for _ in range(steps):
        z = x @ w
        losses.append(float(np.mean(np.logaddexp(0, z) - y * z)))
        w -= (x.T @ (1 / (1 + np.exp(-z)) - y) / len(x)) / lipschitz
    return losses


def steps_to(losses, level):
    hit = curves.first_epoch_at_or_below(losses, level)
    return hit if hit is not None else len(losses)


def judge(cancer, pixels, spreads):
    raw, std = cancer["raw"], cancer["standardised"]
    level = raw[-1]  # the loss the raw inputs reach in the whole budget
    n_std = steps_to(std, level)
    fewer = len(raw) / max(n_std, 1)
    scales = Finding(
        "unequal scales",
        "standardising badly scaled features speeds up gradient descent",
        status(fewer >= FEWER),
        f"breast cancer, logistic regression: the raw features reach loss {level:.4f} in {len(raw)} steps, "
        f"the standardised ones in {n_std} ({fewer:.0f}× fewer; counts from {FEWER:.0f}×)",
    )
    best = {name: min(v for v in c["train_loss"] if v is not None) for name, c in pixels.items()}
    raw_name = "pixels in [0, 1]"
    shrink = spreads[raw_name][1] / spreads["centred"][1]
    mean = Finding(
        "zero mean",
        "centring all-positive inputs speeds up gradient descent, by removing the mean's eigenvalue",
        status(best["centred"] <= LOWER * best[raw_name], shrink >= SPREAD),
        f"Fashion-MNIST softmax regression, best train loss over the learning rates: [0, 1] "
        f"{best[raw_name]:.4f}, centred {best['centred']:.4f}, standardised {best['standardised']:.4f} "
        f"(lower counts from {1 - LOWER:.0%}); λ_max / λ_mean of xᵀx/n {spreads[raw_name][1]:.0f} → "
        f"{spreads['centred'][1]:.0f} after centring ({shrink:.1f}×, counts from {SPREAD:.0f}×)",
    )
    return [scales, mean]


def pixel_runs(config, seed, quick, bar):
    d = data.fashion_mnist(config.train_size, config.test_size, seed=seed, quick=quick)
    mean = d.x_train.mean(axis=0)
    variants = {
        "pixels in [0, 1]": (d.x_train, d.x_test),
        "centred": (d.x_train - mean, d.x_test - mean),
        "standardised": data.standardize(d.x_train, d.x_test),
    }
    runs, spreads = {}, {}
    for name, (x_train, x_test) in variants.items():
        spreads[name] = spread(x_train)
        variant = dataclasses.replace(d, x_train=x_train, x_test=x_test)
        tried = {}
        for lr in config.learning_rates:
            model = curves.compile_classifier(curves.mlp((), seed=seed), keras.optimizers.SGD(lr))
            tried[lr] = curves.fit(model, variant, epochs=config.sgd_epochs, batch_size=config.batch, bar=bar)
        lr = min(tried, key=lambda k: min(v if v is not None else np.inf for v in tried[k]["train_loss"]))
        runs[name] = {**tried[lr], "learning_rate": lr}
    return d, runs, spreads


def _spread_cells(spread):
    top, ratio, kappa = spread
    return f"{top:.3g}", f"{ratio:.3g}", "singular" if kappa is None else f"{kappa:.3g}"


def run(output_dir, quick=False, seed=0):
    config = QUICK if quick else FULL
    cancer_data = data.sklearn_split("breast_cancer", seed=seed)
    (x_std,) = data.standardize(cancer_data.x_train)
    cancer = {
        "raw": logistic_gd(cancer_data.x_train, cancer_data.y_train, config.gd_steps),
        "standardised": logistic_gd(x_std, cancer_data.y_train, config.gd_steps),
    }
    cancer_spread = {name: spread(x) for name, x in (("raw", cancer_data.x_train), ("standardised", x_std))}
    total = 3 * len(config.learning_rates) * config.sgd_epochs
    with tqdm(total=total, unit="epoch", desc="input_normalization") as bar:
        d, pixels, spreads = pixel_runs(config, seed, quick, bar)

    headers = ["data", "inputs", "λ_max of xᵀx/n", "λ_max / λ_mean", "κ", "step size", "final train loss"]
    rows = [
        ["breast cancer (GD)", name, *_spread_cells(cancer_spread[name]), "1/L",
         f"{losses[-1]:.4f}"]
        for name, losses in cancer.items()
    ] + [
        ["Fashion-MNIST (SGD)", name, *_spread_cells(spreads[name]),
         f"{c['learning_rate']} (best)", f"{c['train_loss'][-1]:.4f}"]
        for name, c in pixels.items()
    ]  # fmt: skip
    steps = np.arange(1, config.gd_steps + 1)
    plot = plot_panels(
        f"{output_dir}/convergence.png",
        [("breast cancer: logistic regression, GD at 1/L", {k: (steps, v) for k, v in cancer.items()}),
         ("Fashion-MNIST: softmax regression, SGD", {k: (c["epoch"], c["train_loss"])
                                                    for k, c in pixels.items()})],
        xlabel="step (left) / epoch (right)", ylabel="training loss",
    )  # fmt: skip
    return Report(
        name="input_normalization",
        claim=CLAIM,
        setup=[
            cancer_data.source
            + f": logistic regression (weights and bias from 0), {config.gd_steps} steps of "
            "full-batch gradient descent at η = 1/L, L = λ_max(xᵀx/n)/4 (each input form its own L).",
            d.source + f": softmax regression (784-10), {config.sgd_epochs} epochs of SGD in batches of "
            f"{config.batch}, the best of learning rates {', '.join(map(str, config.learning_rates))} per "
            "input form; the same initial weights for all. Centred: the training-set mean pixel subtracted; "
            "standardised: also divided by each pixel's deviation.",
            "λ_max / λ_mean and κ = λ_max / λ_min: the largest eigenvalue of the inputs' second-moment "
            "matrix over the average and the smallest one.",
        ],
        headers=headers,
        rows=rows,
        plots=[("Training loss for each input form", plot)],
        findings=judge(cancer, pixels, spreads),
        results={
            "config": dataclasses.asdict(config),
            "breast_cancer": {k: {"loss": v, "spread": cancer_spread[k]} for k, v in cancer.items()},
            "fashion_mnist": {k: {**c, "spread": spreads[k]} for k, c in pixels.items()},
        },
    )
