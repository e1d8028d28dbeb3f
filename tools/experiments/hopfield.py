"""The capacity of a Hopfield network (course 11.3; Hopfield 1982; Amit, Gutfreund & Sompolinsky 1985,
"Storing infinite numbers of patterns in a spin-glass model of neural networks").

P random ±1 patterns of N units are stored by the Hebbian rule (`keras_models.energy.HopfieldNetwork`)
at loads α = P/N from 0.02 to 0.30, in networks of N = 100 and 400 units. For each stored pattern: is
it a fixed point of the dynamics, and where does asynchronous recall started from a copy with 10 % of
its bits flipped end up? The overlap m = ξ·s/N of the final state with the pattern measures the
recall. Amit et al.'s mean-field theory says retrieval states (m ≥ 0.967) exist up to α_c ≈ 0.138
and vanish beyond it: recall collapses.
The measured capacity is the load where the fraction of recalls ending at m ≥ 0.9 crosses 1/2, judged
in the larger network: at finite N the transition is smeared and shifted to higher loads, less so as N
grows (Hopfield's own simulations of N ≤ 100 units found "about 0.15 N").

Correlated patterns hold far less: binarised Fashion-MNIST images (pixel > 0.5 → +1) overlap by much
more than random patterns' ±1/√N, the cross-talk adds up, and recall falls into mixtures at loads
where random patterns are recalled perfectly.
"""

import dataclasses

import numpy as np
import tensorflow as tf
from tqdm import tqdm

from components import plots
from keras_models.energy import HopfieldNetwork
from tools.experiments import data
from tools.experiments.report import Finding, Report, image_rows, status

CLAIM = (
    "A Hopfield network stores random ±1 patterns by the Hebbian rule as fixed points and recalls them "
    "from corrupted copies up to a load of about 0.138 N patterns (Amit, Gutfreund & Sompolinsky 1985), "
    "where recall collapses; correlated patterns such as images are recalled far worse at the same load."
)
CRITICAL_LOAD = 0.138  # α_c of Amit, Gutfreund & Sompolinsky (1985), for N → ∞
RECOVERED = 0.9  # a recall ends at overlap m ≥ 0.9: near the pattern (theory: m ≥ 0.967 below α_c)
CROSSING = 0.5  # the measured capacity: where half of the recalls still recover their pattern
CAPACITY_TOLERANCE = 0.03  # "near": |measured − 0.138| ≤ 0.03, room for the finite-N shift (Hopfield: 0.15)
LOW_LOAD = 0.05  # well below α_c: every pattern should be a fixed point and be recovered
LOW_LOAD_RECALL = 0.95  # ... at least 95 % of them (a few unlucky patterns at small N)
COLLAPSED = 0.2  # at 2 α_c at most a fifth of the recalls still recover their pattern
CORRELATED_GAP = 0.3  # images recovered at least 30 points less often than random patterns, same load


@dataclasses.dataclass(frozen=True)
class Config:
    sizes: tuple = (100, 400)  # N, the networks' units; the last is judged
    loads: tuple = tuple(round(0.02 * i, 2) for i in range(1, 16))  # 0.02 ... 0.30
    trials: tuple = (8, 3)  # independent pattern sets per load, for each size
    corruption: float = 0.1  # fraction of the bits flipped before recall
    images: int = 10  # Fashion-MNIST images stored together (one per class)
    image_trials: int = 3  # sets of images
    train_size: int = 2000  # the images are drawn from this subset


FULL = Config()
QUICK = Config(sizes=(60,), loads=(0.05, 0.15, 0.3), trials=(1,), images=4, image_trials=1, train_size=1000)


def corrupt(patterns, fraction, rng):
    """The patterns with `fraction` of their bits (exactly, rounded) flipped at random positions."""
    flips = np.argsort(rng.random(patterns.shape), axis=1) < round(fraction * patterns.shape[1])
    return np.where(flips, -patterns, patterns).astype("float32")


def recall_patterns(net, recall, patterns, fraction, rng):
    """(fixed-point flags, final overlaps) of stored `patterns`, recalling from corrupted copies."""
    net.store(patterns)
    fixed = net.is_fixed_point(patterns).numpy()
    final, _ = recall(corrupt(patterns, fraction, rng))
    return fixed, np.mean(final.numpy() * patterns, axis=1)


def compiled_recall(net):
    return tf.function(net.recall, input_signature=[tf.TensorSpec([None, net.units], tf.float32)])


def capacity_curve(units, trials, config, rng, bar):
    """Per load, in a network of `units`: the fraction of fixed points, of recoveries (m ≥ RECOVERED)
    and the mean final overlap, over `trials` sets of patterns."""
    net = HopfieldNetwork(units, seed=int(rng.integers(2**31)))
    recall = compiled_recall(net)
    curve = {"load": [], "patterns": [], "fixed_points": [], "recovered": [], "overlap": []}
    for load in config.loads:
        count = max(1, round(load * units))
        fixed, overlaps = [], []
        for _ in range(trials):
            patterns = rng.choice([-1.0, 1.0], size=(count, units)).astype("float32")
            f, m = recall_patterns(net, recall, patterns, config.corruption, rng)
            fixed.append(f)
            overlaps.append(m)
            bar.update(1)
        fixed, overlaps = np.concatenate(fixed), np.concatenate(overlaps)
        curve["load"].append(count / units)
        curve["patterns"].append(count)
        curve["fixed_points"].append(float(np.mean(fixed)))
        curve["recovered"].append(float(np.mean(overlaps >= RECOVERED)))
        curve["overlap"].append(float(np.mean(overlaps)))
    return curve


def crossing(loads, values, level=CROSSING):
    """The first load where `values` falls below `level`, interpolated linearly; None if it never does
    (and the first load if it starts below)."""
    for i, value in enumerate(values):
        if value < level:
            if i == 0:
                return float(loads[0])
            x0, x1, y0, y1 = loads[i - 1], loads[i], values[i - 1], value
            return float(x0 + (y0 - level) * (x1 - x0) / (y0 - y1))
    return None


def image_patterns(config, seed, quick):
    """`image_trials` sets of `images` binarised Fashion-MNIST images as ±1 [sets, images, 784], one per
    class in each set, and the mean |overlap| between two images of a set."""
    d = data.fashion_mnist(config.train_size, 1, seed=seed, quick=quick)
    rng = np.random.default_rng(seed)
    sets = []
    for _ in range(config.image_trials):
        classes = rng.choice(10, size=config.images, replace=config.images > 10)
        picks = [rng.choice(np.flatnonzero(d.y_train == c)) for c in classes]
        sets.append(np.where(d.x_train[picks] > 0.5, 1.0, -1.0).astype("float32"))
    sets = np.stack(sets)
    gram = np.einsum("sin,sjn->sij", sets, sets) / sets.shape[-1]
    off_diagonal = ~np.eye(config.images, dtype=bool)
    return sets, float(np.mean(np.abs(gram[:, off_diagonal]))), d.source


def image_recall(config, seed, quick, rng):
    """Fashion-MNIST images against random patterns at the same load (N = 784)."""
    sets, image_overlap, source = image_patterns(config, seed, quick)
    net = HopfieldNetwork(sets.shape[-1], seed=seed)
    recall = compiled_recall(net)
    result = {"images": [], "random": []}
    for patterns in sets:
        net.store(patterns)
        noisy = corrupt(patterns, config.corruption, rng)
        final = recall(noisy)[0].numpy()
        result["images"].append(np.mean(final * patterns, axis=1))
        shown = (patterns, noisy, final)  # the last set is drawn
        random = rng.choice([-1.0, 1.0], size=patterns.shape).astype("float32")
        result["random"].append(recall_patterns(net, recall, random, config.corruption, rng)[1])
    overlaps = {k: np.concatenate(v) for k, v in result.items()}
    return {
        "units": int(sets.shape[-1]),
        "load": config.images / sets.shape[-1],
        "mean_abs_overlap_between_images": image_overlap,
        "random_pattern_overlap_scale": float(1 / np.sqrt(sets.shape[-1])),
        "image_recovered": float(np.mean(overlaps["images"] >= RECOVERED)),
        "random_recovered": float(np.mean(overlaps["random"] >= RECOVERED)),
        "image_overlap": [float(m) for m in overlaps["images"]],
        "random_overlap": [float(m) for m in overlaps["random"]],
        "source": source,
    }, shown


def judge(curves, images):
    """The findings and the measured capacity of each size; the largest network's decides the capacity."""
    low_fixed = min(f for c in curves.values() for a, f in zip(c["load"], c["fixed_points"]) if a <= LOW_LOAD)
    low_recovered = min(
        r for c in curves.values() for a, r in zip(c["load"], c["recovered"]) if a <= LOW_LOAD
    )
    stores = Finding(
        "low load",
        f"at loads ≤ {LOW_LOAD} the stored patterns are fixed points and are recalled from 10 % corruption",
        status(low_fixed >= LOW_LOAD_RECALL, low_recovered >= LOW_LOAD_RECALL),
        f"at loads ≤ {LOW_LOAD}: at least {low_fixed:.0%} of the patterns fixed points and "
        f"{low_recovered:.0%} recovered (m ≥ {RECOVERED}); {LOW_LOAD_RECALL:.0%} needed",
    )
    capacities = {n: crossing(c["load"], c["recovered"]) for n, c in curves.items()}
    largest = max(curves)
    capacity, curve = capacities[largest], curves[largest]
    far = [r for a, r in zip(curve["load"], curve["recovered"]) if a >= 2 * CRITICAL_LOAD - 1e-9]
    collapsed = max(far, default=float("nan"))
    near = capacity is not None and abs(capacity - CRITICAL_LOAD) <= CAPACITY_TOLERANCE
    text = ", ".join(f"N = {n}: {'no crossing' if c is None else f'{c:.3f}'}" for n, c in capacities.items())
    drop = Finding(
        "capacity ≈ 0.138 N",
        "recall collapses near a load of 0.138",
        status(near, collapsed <= COLLAPSED),
        f"the recovered fraction crosses {CROSSING} at load {text} (judged: N = {largest}, 0.138 ± "
        f"{CAPACITY_TOLERANCE}); at loads ≥ {2 * CRITICAL_LOAD:.3f} at most {collapsed:.0%} recovered "
        f"({COLLAPSED:.0%} allowed)",
    )
    gap = images["random_recovered"] - images["image_recovered"]
    correlated = Finding(
        "correlated patterns",
        "binarised Fashion-MNIST images are recalled far worse than random patterns at the same load",
        status(gap >= CORRELATED_GAP),
        f"at load {images['load']:.3f}: images recovered {images['image_recovered']:.0%}, random patterns "
        f"{images['random_recovered']:.0%} (a gap of {CORRELATED_GAP:.0%} needed); mean |overlap| between "
        f"two images {images['mean_abs_overlap_between_images']:.2f}, random ≈ "
        f"{images['random_pattern_overlap_scale']:.2f}",
    )
    return [stores, drop, correlated], capacities


def plot_curves(path, curves, capacities):
    plt = plots.pyplot()
    fig, ax = plt.subplots(figsize=(6.6, 4.0))
    largest = max(curves)
    for (n, curve), style in zip(sorted(curves.items()), (":", "--", "-")[-len(curves) :]):
        ax.plot(curve["load"], curve["recovered"], "o" + style, color="C0", markersize=3,
                label=f"N = {n}: recovered from 10 % noise (m ≥ {RECOVERED})")  # fmt: skip
    curve = curves[largest]
    ax.plot(
        curve["load"],
        curve["overlap"],
        "s-",
        color="C1",
        markersize=3,
        label=f"N = {largest}: mean overlap m",
    )
    ax.plot(curve["load"], curve["fixed_points"], "^-", color="C2", markersize=3,
            label=f"N = {largest}: stored pattern is a fixed point")  # fmt: skip
    ax.axvline(CRITICAL_LOAD, color="gray", linestyle="--", label="α_c = 0.138 (Amit et al.)")
    if capacities[largest] is not None:
        ax.axvline(capacities[largest], color="red", linestyle=":",
                   label=f"measured capacity, N = {largest}: {capacities[largest]:.3f}")  # fmt: skip
    ax.axhline(CROSSING, color="lightgray", linewidth=0.8)
    ax.set_xlabel("load α = P / N")
    ax.set_ylabel("fraction / overlap")
    ax.legend(fontsize=7)
    plots.save(fig, path)
    return path.rsplit("/", 1)[-1]


def plot_images(path, shown):
    rows = [(group + 1) / 2 for group in shown]  # ±1 → 0/1
    titles = ["stored", "10 % flipped", "recalled"]
    return image_rows(path, rows, titles, "Hopfield recall of binarised Fashion-MNIST images")


def table(curves, images, config):
    headers = [
        "N",
        "load P/N",
        "patterns P",
        "fixed points",
        f"recovered (m ≥ {RECOVERED})",
        "mean overlap m",
    ]
    rows = []
    for n, c in curves.items():
        columns = zip(c["load"], c["patterns"], c["fixed_points"], c["recovered"], c["overlap"])
        rows += [
            [str(n), f"{a:.3f}", str(p), f"{f:.2f}", f"{r:.2f}", f"{m:.3f}"] for a, p, f, r, m in columns
        ]
    rows.append([f"{images['units']} (images)", f"{images['load']:.3f}", str(config.images), "–",
                 f"{images['image_recovered']:.2f}", f"{np.mean(images['image_overlap']):.3f}"])  # fmt: skip
    return headers, rows


def run(output_dir, quick=False, seed=0):
    config = QUICK if quick else FULL
    rng = np.random.default_rng(seed)
    tf.random.set_seed(seed)
    with tqdm(total=len(config.loads) * sum(config.trials), unit="trial", desc="hopfield") as bar:
        curves = {n: capacity_curve(n, t, config, rng, bar) for n, t in zip(config.sizes, config.trials)}
    images, shown = image_recall(config, seed, quick, rng)
    findings, capacities = judge(curves, images)
    headers, rows = table(curves, images, config)
    return Report(
        name="hopfield",
        claim=CLAIM,
        setup=[
            f"Random ±1 patterns, N = {' and '.join(map(str, config.sizes))} units, loads "
            f"{config.loads[0]}–{config.loads[-1]}, {' and '.join(map(str, config.trials))} pattern sets "
            f"per load (numpy seed {seed}).",
            "Hebbian weights W = (1/N) Σ ξξᵀ, zero diagonal; asynchronous recall in a random order per "
            "sweep until a sweep changes nothing (keras_models.energy.HopfieldNetwork).",
            f"Recall starts from each stored pattern with {config.corruption:.0%} of its bits flipped; "
            f"recovered when the final overlap m ≥ {RECOVERED}; measured capacity: the load where the "
            f"recovered fraction crosses {CROSSING} (linear interpolation).",
            f"Images: {images['source']}; {config.image_trials} sets of {config.images} images (pixel > 0.5 "
            f"→ +1, else −1; N = 784), against random patterns at the same load (last row of the table).",
        ],
        headers=headers,
        rows=rows,
        plots=[
            (
                "Recall against load P/N: the 0.138 line of Amit et al. and the measured capacity",
                plot_curves(f"{output_dir}/capacity.png", curves, capacities),
            ),
            (
                "Binarised Fashion-MNIST images: stored, corrupted and recalled (one set)",
                plot_images(f"{output_dir}/images.png", shown),
            ),
        ],  # fmt: skip
        findings=findings,
        results={
            "config": dataclasses.asdict(config),
            "capacity_curves": {str(n): c for n, c in curves.items()},
            "measured_capacity": {str(n): c for n, c in capacities.items()},
            "images": images,
        },
    )
