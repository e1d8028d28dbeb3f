"""A restricted Boltzmann machine on binarised Fashion-MNIST (course chapter 21; Hinton 2002, "Training
products of experts by minimizing contrastive divergence"; Tieleman 2008, "Training Restricted
Boltzmann Machines using Approximations to the Likelihood Gradient").

Binary RBMs (`keras_models.energy.RBM`) learn images binarised at pixel > 0.5, by CD-1 and by
persistent CD (PCD-1, 100 persistent chains), with the same SGD. Measured each epoch on the test
images: the reconstruction error (mean squared error per pixel of the mean-field reconstruction) and the
stochastic pseudo-log-likelihood (scikit-learn's: V · log σ(F(ṽ) − F(v)) with one random bit flipped).
After training: the filters (W's columns as 28×28 images) and samples: Gibbs chains started from noise
(1,000 steps), and one step from test images. The chains' last pictures (mean-field pixels, binarised
at 0.5 like the data) are judged against real test images: a model of the data makes pictures about as
close to their nearest training image as new images of the data are (Hamming distance), and as varied
(distance between two of them): chains that all fall into one blurry mode are close to some training
image but not varied.

The likelihood itself needs log Z, a sum over 2^H hidden vectors: exact for a small RBM (H = 14; cf.
Tieleman's 25-unit MNIST RBMs), on which CD-1 and PCD are compared by their exact test log-likelihood:
PCD, whose negative samples come from chains that have run for the whole training, should be better.
"""

import dataclasses

import keras
import numpy as np
import tensorflow as tf
from tqdm import tqdm

from keras_models.energy import RBM
from tools.experiments import data
from tools.experiments.report import Finding, Report, image_rows, plot_panels, status

CLAIM = (
    "An RBM trained by contrastive divergence (CD-1) on binarised Fashion-MNIST learns the data: its "
    "reconstruction error falls, its test pseudo-log-likelihood rises, Gibbs sampling makes images that look "
    "like the data, and persistent CD (Tieleman 2008) gives a higher likelihood than CD-1."
)
METHODS = {"cd": ("CD-1", False), "pcd": ("PCD-1", True)}
FALLS = 0.8  # "falls": the final test reconstruction error at most 80 % of the first epoch's
RISE_SIGMAS = 3.0  # "rises": final test pseudo-log-likelihood above the first epoch's by 3 standard errors
SAMPLE_DISTANCE = 1.5  # samples' nearest-training-image distance at most 1.5× a test image's
NOISE_DISTANCE = 0.5  # ... and below half of a noise image's (which is ≈ 0.3 of the pixels)
SPREAD = 0.5  # samples as varied as the data: distance between two at least half of two test images'
BETTER_SIGMAS = 2.0  # PCD's exact test log-likelihood above CD-1's by 2 standard errors (paired)


@dataclasses.dataclass(frozen=True)
class Config:
    train_size: int = 30_000
    test_size: int = 0  # 0: the whole test split
    hidden: int = 256
    small_hidden: int = 14  # the RBM whose log Z is summed exactly (2^14 hidden vectors: 0.5 s)
    epochs: int = 10
    batch: int = 50
    learning_rate: float = 0.05  # decays linearly to a tenth over the training
    momentum: float = 0.5
    chains: int = 100  # PCD's persistent chains (fantasy particles)
    samples: int = 100  # chains from noise
    sample_steps: int = 1000
    nearest_probe: int = 500  # test images whose nearest training image is measured
    shown: int = 12  # images per row of the samples figure
    filters: int = 64


FULL = Config()
QUICK = Config(train_size=500, test_size=200, hidden=32, small_hidden=8, epochs=1, batch=25, chains=20,
               samples=12, sample_steps=20, nearest_probe=50, filters=16)  # fmt: skip


def binarised(config, seed, quick):
    d = data.fashion_mnist(config.train_size, config.test_size, seed=seed, quick=quick)
    return (d.x_train > 0.5).astype("float32"), (d.x_test > 0.5).astype("float32"), d.source


def build(config, hidden, persistent, train, seed):
    model = RBM(784, hidden, k=1, persistent=persistent, chains=config.chains, seed=seed)
    model.init_visible_bias(train)
    steps = config.epochs * (len(train) // config.batch)
    schedule = keras.optimizers.schedules.PolynomialDecay(config.learning_rate, steps,
                                                          config.learning_rate / 10)  # fmt: skip
    model.compile(optimizer=keras.optimizers.SGD(schedule, momentum=config.momentum))
    return model


def measure(model, test, log_partition=False):
    """Test reconstruction error, pseudo-log-likelihood (mean and standard error), exact log-likelihood."""
    pll = model.pseudo_log_likelihood(test).numpy()
    out = {"reconstruction_error": float(np.mean(model.reconstruction_error(test))),
           "pll": float(pll.mean()), "pll_se": float(pll.std() / np.sqrt(len(pll)))}  # fmt: skip
    if log_partition:
        out["log_likelihood"] = model.log_likelihood(test).numpy()
    return out


def train(config, hidden, persistent, train_x, test, seed, bar, exact=False):
    """Trains one RBM epoch by epoch; its curves (epoch 0: before training)."""
    keras.utils.set_random_seed(seed)
    model = build(config, hidden, persistent, train_x, seed)
    history = []
    for epoch in range(config.epochs + 1):
        if epoch:
            model.fit(train_x, epochs=1, batch_size=config.batch, shuffle=True, verbose=0)
            bar.update(1)
        history.append(measure(model, test, exact))
    curves = {key: [h[key] for h in history] for key in ("reconstruction_error", "pll", "pll_se")}
    if exact:
        curves["log_likelihood"] = [float(np.mean(h["log_likelihood"])) for h in history]
        curves["final_log_likelihood"] = curves["log_likelihood"][-1]
    return model, curves, history[-1].get("log_likelihood")


def nearest_distance(images, train_x):
    """The Hamming distance (fraction of the 784 pixels) from each image to its nearest training image."""
    images, train_x = np.asarray(images, "float32"), np.asarray(train_x, "float32")
    matches = images @ train_x.T + (1 - images) @ (1 - train_x).T  # equal pixels
    return 1 - matches.max(axis=1) / images.shape[1]


def spread(images):
    """The median Hamming distance (fraction of pixels) between two different images of the set."""
    images = np.asarray(images, "float32")
    matches = images @ images.T + (1 - images) @ (1 - images).T
    return float(np.median(1 - matches[~np.eye(len(images), dtype=bool)] / images.shape[1]))


def sample_statistics(pictures, train_x):
    """Per set of binary pictures: the median distance to the nearest training image, and the spread."""
    return {name: {"nearest": float(np.median(nearest_distance(x, train_x))), "spread": spread(x)}
            for name, x in pictures.items()}  # fmt: skip


def sample(model, config):
    """(binary samples, mean-field pictures) of `samples` chains from noise after `sample_steps` steps."""
    chains = tf.function(model.gibbs)(model.random_visible(config.samples), config.sample_steps)
    return chains.numpy(), model.visible_probabilities(model.sample_hidden(chains)).numpy()


def judge(runs, statistics, per_image):
    cd = runs["cd"]
    first, last = cd["reconstruction_error"][1], cd["reconstruction_error"][-1]
    falls = Finding(
        "reconstruction error",
        "CD-1's reconstruction error falls over training",
        status(last <= FALLS * first, last < cd["reconstruction_error"][0]),
        f"test reconstruction error {cd['reconstruction_error'][0]:.4f} before training, {first:.4f} after "
        f"epoch 1, {last:.4f} at the end (≤ {FALLS} × epoch 1's needed)",
    )
    rise = cd["pll"][-1] - cd["pll"][1]
    se = np.hypot(cd["pll_se"][-1], cd["pll_se"][1])
    rises = Finding(
        "pseudo-log-likelihood",
        "CD-1's test pseudo-log-likelihood rises over training",
        status(rise >= RISE_SIGMAS * se, cd["pll"][-1] > cd["pll"][0]),
        f"{cd['pll'][0]:.1f} before training, {cd['pll'][1]:.1f} after epoch 1, {cd['pll'][-1]:.1f} at the "
        f"end: +{rise:.1f} ± {se:.1f} (≥ {RISE_SIGMAS:g} standard errors needed)",
    )
    test, noise = statistics["test images"], statistics["noise"]
    good = {name: st["nearest"] <= SAMPLE_DISTANCE * test["nearest"]
            and st["nearest"] <= NOISE_DISTANCE * noise["nearest"] and st["spread"] >= SPREAD * test["spread"]
            for name, st in statistics.items() if name.endswith("from noise")}  # fmt: skip
    samples = Finding(
        "samples",
        "Gibbs chains from noise make images like the data",
        status(*good.values()),
        "median distance to the nearest training image / between two images: "
        + ", ".join(f"{k} {st['nearest']:.3f} / {st['spread']:.3f}" for k, st in statistics.items())
        + f" (samples: nearest ≤ {SAMPLE_DISTANCE}× the test images' and ≤ {NOISE_DISTANCE}× noise's, "
        f"spread ≥ {SPREAD}× the test images')",
    )
    diff = per_image["pcd"] - per_image["cd"]
    gain, gain_se = float(np.mean(diff)), float(np.std(diff) / np.sqrt(len(diff)))
    pcd = Finding(
        "PCD vs CD-1",
        "persistent CD reaches a higher likelihood than CD-1 (exact log Z, small RBM)",
        status(gain >= BETTER_SIGMAS * gain_se) if gain > 0 else "not reproduced",
        f"exact log-likelihood of the {len(diff)} test images under the small RBMs: CD-1 "
        f"{np.mean(per_image['cd']):.2f}, PCD {np.mean(per_image['pcd']):.2f} nats per image: PCD − CD-1 = "
        f"{gain:+.2f} ± {gain_se:.2f} (≥ {BETTER_SIGMAS:g} standard errors needed)",
    )
    return [falls, rises, samples, pcd]


def plot_filters(path, model, count):
    kernel = model.kernel.numpy()[:, :count].T
    low, high = kernel.min(axis=1, keepdims=True), kernel.max(axis=1, keepdims=True)
    scaled = (kernel - low) / np.maximum(high - low, 1e-8)  # each filter on its own grey scale
    rows = [scaled[i : i + 16] for i in range(0, count, 16)]
    return image_rows(
        path, rows, [""] * len(rows), f"The first {count} filters (W's columns) of the CD-1 RBM"
    )


def plot_samples(path, config, models, test, drawn):
    """Rows: test images, their one-step reconstructions, chains from noise, PCD's persistent chains."""
    show, cd = config.shown, models["cd"]
    from_test = cd.visible_probabilities(cd.sample_hidden(test[:show])).numpy()
    rows = {"test images": test, "CD-1: one Gibbs step from them": from_test}
    rows.update({f"{METHODS[k][0]}: {config.sample_steps} steps from noise": drawn[k][1] for k in METHODS})
    rows["PCD's persistent chains"] = models["pcd"].persistent_chains.numpy()
    title = "RBM samples (mean-field pixels of the last step)"
    return image_rows(path, [images[:show] for images in rows.values()], list(rows), title)


def plot_curves(path, config, runs, small):
    epochs = np.arange(config.epochs + 1)

    def panel(title, results, key):
        return title, {METHODS[k][0]: (epochs, r[key]) for k, r in results.items()}

    panels = [
        panel("test reconstruction error", runs, "reconstruction_error"),
        panel("test pseudo-log-likelihood", runs, "pll"),
        panel(f"exact test log-likelihood, H = {config.small_hidden}", small, "log_likelihood"),
    ]
    return plot_panels(path, panels, xlabel="epoch", ylabel="per image", logy=False)


def table(config, runs, small):
    headers = ["model", "hidden", "epoch", "test reconstruction error", "test pseudo-log-likelihood",
               "exact test log-likelihood"]  # fmt: skip
    rows = []
    for key, (label, _) in METHODS.items():
        lines = [(config.hidden, e, runs[key]) for e in sorted({1, config.epochs})]
        for hidden, e, r in [*lines, (config.small_hidden, config.epochs, small[key])]:
            exact = f"{r['log_likelihood'][e]:.2f}" if "log_likelihood" in r else "–"
            rows.append([label, str(hidden), str(e), f"{r['reconstruction_error'][e]:.4f}",
                         f"{r['pll'][e]:.1f} ± {r['pll_se'][e]:.1f}", exact])  # fmt: skip
    return headers, rows


def run(output_dir, quick=False, seed=0):
    config = QUICK if quick else FULL
    train_x, test, source = binarised(config, seed, quick)
    runs, small, models, per_image = {}, {}, {}, {}
    with tqdm(total=4 * config.epochs, unit="epoch", desc="rbm") as bar:
        for key, (_, persistent) in METHODS.items():
            models[key], runs[key], _ = train(config, config.hidden, persistent, train_x, test, seed, bar)
            _, small[key], per_image[key] = train(
                config, config.small_hidden, persistent, train_x, test, seed, bar, exact=True
            )
    keras.utils.set_random_seed(seed)
    drawn = {key: sample(models[key], config) for key in METHODS}
    noise = np.random.default_rng(seed).random((config.samples, 784)) < train_x.mean()
    pictures = {"test images": test[: config.nearest_probe], "noise": noise}
    pictures.update({f"{METHODS[k][0]} from noise": drawn[k][1] > 0.5 for k in METHODS})
    statistics = sample_statistics(pictures, train_x)
    binary = {k: float(np.median(nearest_distance(drawn[k][0], train_x))) for k in METHODS}
    headers, rows = table(config, runs, small)
    return Report(
        name="rbm",
        claim=CLAIM,
        setup=[
            source + "; pixels binarised at > 0.5.",
            f"Binary RBMs 784-{config.hidden} (and 784-{config.small_hidden} for the exact likelihood), W ~ "
            "N(0, 0.01²), visible biases log(p/(1 − p)) of the training pixels; keras_models.energy.RBM.",
            f"CD-1 and PCD-1 ({config.chains} persistent chains); SGD, learning rate {config.learning_rate} "
            f"decaying linearly to a tenth, momentum {config.momentum}, batches of {config.batch}, "
            f"{config.epochs} epochs; seed {seed}.",
            f"Samples: {config.samples} chains from noise, {config.sample_steps} Gibbs steps; their last "
            "mean-field pictures binarised at 0.5. Median Hamming distances: to the nearest of the "
            f"{len(train_x)} training images, and between two pictures of a set ({config.nearest_probe} "
            "test images; noise with the data's mean intensity).",
        ],
        headers=headers,
        rows=rows,
        plots=[
            (
                "Test reconstruction error, pseudo-log-likelihood and (small RBMs) exact log-likelihood",
                plot_curves(f"{output_dir}/training.png", config, runs, small),
            ),
            (
                "Samples: test images and their one-step reconstructions, chains from noise, PCD's chains",
                plot_samples(f"{output_dir}/samples.png", config, models, test, drawn),
            ),
            (
                "Filters of the CD-1 RBM",
                plot_filters(f"{output_dir}/filters.png", models["cd"], config.filters),
            ),
        ],  # fmt: skip
        findings=judge(runs, statistics, per_image),
        results={
            "config": dataclasses.asdict(config),
            "runs": runs,
            "small_runs": small,
            "sample_statistics": statistics,
            "binary_sample_nearest_distance": binary,
        },  # fmt: skip
    )
