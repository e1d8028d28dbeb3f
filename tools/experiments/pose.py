"""Heat-map regression against direct coordinate regression for pose estimation (course chapter 17;
Toshev & Szegedy 2014, "DeepPose"; Tompson et al. 2014, "Joint training of a convolutional network and a
graphical model for human pose estimation").

Two networks with the same convolutional layers learn to locate the 14 joints of generated stick
figures (keras_models.vision.stick_figures):
- heat maps: the fully convolutional HeatmapKeypointNet outputs one map per joint, trained towards a
  Gaussian bump on the joint (MSE per pixel); the joint is read back at the map's peak, refined between
  pixels from its neighbours;
- direct regression: the same convolutions, then a dense layer and 2J outputs, trained on the
  coordinates (MSE) as DeepPose did.
Judged by PCK, the percentage of correct keypoints: a joint is correct within α × the figure's torso
length (neck to the middle of the hips, 9-14 px here); PCK@0.2 is the headline, the whole curve for α
from 0 to 0.5 is drawn.
"""

import dataclasses
import time

import keras
import numpy as np
from tqdm import tqdm

from components import plots
from keras_models.vision import stick_figures as figures
from keras_models.vision.keypoints import HeatmapKeypointNet, HeatmapMSE, decode, pck
from tools.experiments.report import Finding, Report, plot_panels, status

CLAIM = (
    "Regressing one heat map per joint with a fully convolutional network localises body joints better "
    "than regressing their coordinates directly with a dense head."
)
ALPHA = 0.2  # the headline PCK@0.2: within a fifth of the torso length, 2-3 px on these figures
ALPHAS = np.round(np.linspace(0, 0.5, 51), 3)  # the PCK curve
LOCALISED = 0.8  # PCK@0.2 a network that finds the joints reaches (a wrong limb is far beyond 0.2)
ROUGHLY = 0.5  # ... half of the joints: it finds some
MARGIN = 0.05  # heat maps better: PCK@0.2 higher by 5 points, many standard errors on ~7,000 joints
CURVE_FROM = 0.05  # the curves compared from α = 0.05 (below, a fraction of a pixel: both near 0)
CURVE_SLACK = 0.01  # "above" allows a point of noise where both curves are near 100 %
MODELS = ("heat maps", "direct regression", "heat maps, argmax only")  # the order of the plots' colours


@dataclasses.dataclass(frozen=True)
class Config:
    size: int = 64
    train_size: int = 4000
    test_size: int = 500
    noise: float = 0.05
    sigma: float = 1.5  # heat-map bump, pixels
    filters: tuple = (16, 32, 32)
    dilations: tuple = (2, 4)
    dense: int = 256  # direct regression's hidden layer
    epochs: int = 8
    batch: int = 32
    learning_rate: float = 2e-3
    examples: int = 6


FULL = Config()
QUICK = Config(train_size=160, test_size=48, filters=(8, 8, 8), dense=32, epochs=1, examples=3)


def coordinate_regressor(config, num_joints):
    """DeepPose-style direct regression: the heat-map network's encoder, then Flatten → Dense → 2J."""
    stem, half, deep = config.filters
    conv = lambda f, k, **kw: keras.layers.Conv2D(f, k, padding="same", activation="relu", **kw)  # noqa: E731
    dilated = [conv(deep, 3, dilation_rate=r) for r in config.dilations]
    return keras.Sequential(
        [keras.Input((config.size, config.size, 1)), conv(stem, 5, strides=2), conv(half, 3),
         keras.layers.MaxPooling2D(2), conv(deep, 3), *dilated,
         keras.layers.Flatten(), keras.layers.Dense(config.dense, activation="relu"),
         keras.layers.Dense(2 * num_joints), keras.layers.Reshape((num_joints, 2))],
        name="coordinate_regressor",
    )  # fmt: skip


def train(model, loss, x, y, test, predict, config, bar):
    """Adam on MSE, one epoch at a time: the train loss and test PCK@ALPHA after each epoch."""
    # XLA (Keras' default where it can) compiles for seconds and trains no faster on CPU here.
    model.compile(optimizer=keras.optimizers.Adam(config.learning_rate), loss=loss, jit_compile=False)
    x_test, joints_test, torso_test = test
    test_pck = lambda: float(pck(predict(x_test), joints_test, torso_test, ALPHA))  # noqa: E731
    history = {"epoch": [0], "train_loss": [None], "test_pck": [test_pck()]}
    started = time.perf_counter()
    for epoch in range(1, config.epochs + 1):
        fitted = model.fit(x, y, batch_size=config.batch, epochs=1, verbose=0)
        history["epoch"].append(epoch)
        history["train_loss"].append(float(fitted.history["loss"][-1]))
        history["test_pck"].append(test_pck())
        bar.update()
    history["seconds"] = time.perf_counter() - started
    return history


def evaluate(predicted, joints, torso):
    """The numbers of one model: the PCK curve, PCK@ALPHA per joint, the mean error in pixels."""
    return {
        "pck": pck(predicted, joints, torso, ALPHAS).tolist(),
        "pck_at_alpha": float(pck(predicted, joints, torso, ALPHA)),
        "per_joint": {
            name: float(pck(predicted[:, j : j + 1], joints[:, j : j + 1], torso, ALPHA))
            for j, name in enumerate(figures.JOINTS)
        },
        "mean_error_px": float(np.mean(np.linalg.norm(predicted - joints, axis=-1))),
    }


def judge(scores):
    """Findings from {model: evaluate(...)} of MODELS."""
    heat, direct = scores["heat maps"], scores["direct regression"]
    at, d_at = heat["pck_at_alpha"], direct["pck_at_alpha"]
    localises = Finding(
        "localises",
        "the heat-map network finds the joints",
        status(at >= LOCALISED, at >= ROUGHLY),
        f"heat maps' PCK@{ALPHA} {at:.1%}, mean error {heat['mean_error_px']:.2f} px (reproduced from "
        f"{LOCALISED:.0%}, partly from {ROUGHLY:.0%})",
    )
    compared = ALPHAS >= CURVE_FROM
    gaps = np.array(heat["pck"])[compared] - np.array(direct["pck"])[compared]
    above = bool(np.all(gaps >= -CURVE_SLACK))
    widest = ALPHAS[compared][np.argmax(gaps)]
    better = Finding(
        "better than direct",
        "heat maps localise better than direct coordinate regression",
        status(at - d_at >= MARGIN, above),
        f"PCK@{ALPHA} {at:.1%} against {d_at:.1%} ({at - d_at:+.1%}; better from +{MARGIN:.0%}); mean "
        f"error {heat['mean_error_px']:.2f} against {direct['mean_error_px']:.2f} px; heat-map curve "
        f"{'above' if above else 'not above'} the direct one for α ≥ {CURVE_FROM} (smallest gap "
        f"{gaps.min():+.1%}, widest {gaps.max():+.1%} at α = {widest:g})",
    )
    return [localises, better]


def draw_skeleton(ax, joints, color, marker="o"):
    for a, b in figures.BONES:
        (xa, ya), (xb, yb) = joints[figures.J[a]], joints[figures.J[b]]
        ax.plot([xa, xb], [ya, yb], color=color, linewidth=1)
    ax.plot(joints[:, 0], joints[:, 1], marker, color=color, markersize=2.5, linestyle="none")


def example_plot(path, images, joints, predictions, heatmaps):
    """Rows: each model's joints (red) over the true skeleton (green); then the heat maps' maximum."""
    plt = plots.pyplot()
    rows = [*predictions, "heat maps (max over joints)"]
    fig, axes = plt.subplots(len(rows), len(images), figsize=(1.7 * len(images), 1.8 * len(rows)),
                             squeeze=False)  # fmt: skip
    for r, name in enumerate(rows):
        for k, ax in enumerate(axes[r]):
            ax.axis("off")
            if name in predictions:
                ax.imshow(images[k, ..., 0], cmap="gray", vmin=0, vmax=1)
                draw_skeleton(ax, joints[k], "lime")
                draw_skeleton(ax, predictions[name][k], "red", marker="x")
            else:
                ax.imshow(heatmaps[k].max(axis=-1), cmap="magma")
        axes[r][0].set_title(name, fontsize=8, loc="left")
    plots.save(fig, path)
    return path.rsplit("/", 1)[-1]


def run(output_dir, quick=False, seed=0):
    config = QUICK if quick else FULL
    keras.utils.set_random_seed(seed)
    size = config.size
    x, joints = figures.stick_figures(config.train_size, size=size, seed=seed, noise=config.noise)
    x_test, joints_test = figures.stick_figures(config.test_size, size=size, seed=seed + 10_000,
                                                noise=config.noise)  # fmt: skip
    torso_test = figures.torso_length(joints_test)
    test = (x_test, joints_test, torso_test)
    num_joints, centre = len(figures.JOINTS), (size - 1) / 2

    heat_model = HeatmapKeypointNet(num_joints, (size, size, 1), config.filters, config.dilations)
    direct_model = coordinate_regressor(config, num_joints)
    direct_predict = lambda images: direct_model.predict(images, batch_size=256, verbose=0) * centre + centre  # noqa: E731
    with tqdm(total=2 * config.epochs, unit="epoch", desc="pose", disable=quick) as bar:
        histories = {
            "heat maps": train(heat_model, HeatmapMSE(config.sigma), x, joints, test, heat_model.keypoints,
                               config, bar),
            "direct regression": train(direct_model, "mse", x, (joints - centre) / centre, test,
                                       direct_predict, config, bar),
        }  # fmt: skip
    heatmaps = heat_model.predict(x_test, batch_size=256, verbose=0)
    predictions = {"heat maps": decode(heatmaps), "direct regression": direct_predict(x_test),
                   "heat maps, argmax only": decode(heatmaps, subpixel=False)}  # fmt: skip
    scores = {name: evaluate(p, joints_test, torso_test) for name, p in predictions.items()}
    parameters = {"heat maps": heat_model.count_params(), "direct regression": direct_model.count_params()}

    headers = ["model", "output", "parameters", "PCK@0.1", f"PCK@{ALPHA}", "PCK@0.5", "mean error (px)",
               "final train loss", "training (s)"]  # fmt: skip
    rows = []
    for name, s in scores.items():
        trained = "heat maps" if name.startswith("heat") else name
        h = histories[trained]
        pcks = [s["pck"][int(np.argmin(np.abs(ALPHAS - a)))] for a in (0.1, ALPHA, 0.5)]
        output = f"{num_joints} maps {size}×{size}" if trained == "heat maps" else f"{2 * num_joints} numbers"
        rows.append([name, output, f"{parameters[trained]:,}", *(f"{p:.1%}" for p in pcks),
                     f"{s['mean_error_px']:.2f}", f"{h['train_loss'][-1]:.2e}",
                     f"{h['seconds']:.0f}"])  # fmt: skip

    curve_plot = plot_panels(
        f"{output_dir}/pck.png",
        [("PCK against α (fraction of the torso length)",
          {n: (ALPHAS, s["pck"]) for n, s in scores.items()}),
         (f"test PCK@{ALPHA} during training",
          {n: (h["epoch"], h["test_pck"]) for n, h in histories.items()})],
        xlabel="α  /  epoch", ylabel="fraction of joints correct", logy=False,
    )  # fmt: skip
    shown = slice(0, config.examples)
    examples = example_plot(f"{output_dir}/examples.png", x_test[shown], joints_test[shown],
                            {n: predictions[n][shown] for n in ("heat maps", "direct regression")},
                            heatmaps[shown])  # fmt: skip
    return Report(
        name="pose",
        claim=CLAIM,
        setup=[
            f"Generated stick figures (keras_models.vision.stick_figures, seeds {seed} and {seed + 10_000}): "
            f"{config.train_size} training and {config.test_size} test images of {size}×{size}, 14 joints, "
            f"torso 9-14 px, random pose and position, pixel noise σ = {config.noise}.",
            f"Heat maps: HeatmapKeypointNet, filters {config.filters}, dilations {config.dilations}, MSE to "
            f"Gaussian maps (σ = {config.sigma} px), joints at the peaks (sub-pixel: parabola through the "
            "log of the peak and its neighbours).",
            f"Direct regression: the same convolutions, Flatten → Dense {config.dense} → {2 * num_joints} "
            "coordinates (scaled to [−1, 1]), MSE.",
            f"Both: Adam, learning rate {config.learning_rate}, batches of {config.batch}, {config.epochs} "
            f"epochs, seed {seed}.",
            f"PCK@α: a joint is correct within α × its figure's torso length (neck to mid-hips); "
            f"headline α = {ALPHA}.",
        ],
        headers=headers,
        rows=rows,
        plots=[
            ("PCK curves on the test figures (left) and test PCK@0.2 during training (right)", curve_plot),
            (
                "Test figures: true skeleton (green) and predicted joints (red); last row, the heat maps",
                examples,
            ),
        ],
        findings=judge(scores),
        results={
            "config": dataclasses.asdict(config),
            "alphas": ALPHAS.tolist(),
            "models": {
                n: {**s, "parameters": parameters["heat maps" if n.startswith("heat") else n]}
                for n, s in scores.items()
            },
            "training": histories,
        },
    )
