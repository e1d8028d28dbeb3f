"""Chapter 4's optimizers: SGD, momentum, Nesterov, Adagrad, RMSProp and Adam, compared.

- Momentum, the heavy ball (Polyak 1964): v ← βv − η∇f, w ← w + v. In a long narrow valley the
  gradient's zig-zag across the valley cancels in v while the push along it accumulates, so it needs
  about √κ times fewer steps than plain gradient descent on a quadratic of condition number κ.
  Nesterov's variant (1983; Sutskever et al. 2013) steps with the look-ahead w + βv − η∇f.
- Adagrad (Duchi et al. 2011), RMSProp (Tieleman & Hinton 2012) and Adam (Kingma & Ba 2015) divide
  each coordinate's step by a running size of its gradient, so every weight moves at about the
  learning rate from the first steps on.

Part (a) follows each method on two 2-D problems, an ill-conditioned rotated quadratic and
Rosenbrock's valley, with the exact gradient (no noise), each at its best learning rate from a grid;
the update rules are Keras's, transcribed into vectorised NumPy (one row per learning rate; the
tests check them against keras.optimizers). Part (b) trains the same MLP on Fashion-MNIST with each
Keras optimizer at a common learning rate for it, on the same batches from the same initial weights.
"""

import dataclasses

import keras
import numpy as np
import tensorflow as tf
from tqdm import tqdm

from components import plots
from tools.experiments import data
from tools.experiments.report import Finding, Report, finite, status

CLAIM = (
    "Momentum (heavy ball, Nesterov) crosses an ill-conditioned valley in far fewer steps than plain "
    "gradient descent; adaptive methods (Adagrad, RMSProp, Adam) lower a network's training loss faster "
    "than plain SGD early on."
)
NAMES = ("SGD", "momentum", "Nesterov", "Adagrad", "RMSProp", "Adam")
ADAPTIVE = ("Adagrad", "RMSProp", "Adam")
MOMENTUM = 0.9  # β of momentum and Nesterov (the common choice; Keras's default is 0)
TOLERANCE = 1e-4  # (a): steps until f − f* ≤ TOLERANCE·(f(start) − f*)
SPEEDUP = 2.0  # momentum needs at most half of GD's steps: at κ = 100 and β = 0.9 heavy-ball theory
# gives about ln(1/tol)/(1 − β) ≈ 90 steps, GD at its best step about κ/4·ln(1/tol) ≈ 230 (≈ 2.5×)
EARLY_MARGIN = 0.0  # (b): adaptive "faster early" = a lower mean training loss over the first epoch


@dataclasses.dataclass(frozen=True)
class Config:
    kappa: float = 100.0  # condition number of the quadratic's Hessian
    angle: float = 30.0  # the quadratic's axes turned by this many degrees (no help from per-axis scaling)
    lr_grid: tuple = tuple(np.geomspace(1e-3, 10.0, 25))
    max_steps: int = 5000  # (a): a method not at the tolerance by then "did not reach" it
    train_size: int = 20_000
    test_size: int = 0  # 0: all 10,000 test images
    hidden: int = 256
    epochs: int = 8
    batch: int = 64
    log_every: int = 20  # (b): the loss curve's points average this many steps
    # (b): each optimizer's learning rate: Keras's defaults, but Adagrad's 0.001 barely moves (0.01 is
    # Duchi et al.'s scale); plain SGD twice, at Keras's default and 10× it, and judged by its better run.
    learning_rates: tuple = (("SGD", 0.01), ("SGD", 0.1), ("momentum", 0.01), ("Nesterov", 0.01),
                             ("Adagrad", 0.01), ("RMSProp", 0.001), ("Adam", 0.001))  # fmt: skip


FULL = Config()
QUICK = Config(lr_grid=tuple(np.geomspace(1e-2, 1.0, 5)), max_steps=300, train_size=1000, test_size=250,
               hidden=32, epochs=1, batch=100, log_every=2)  # fmt: skip


def keras_optimizer(name, learning_rate):
    """The Keras optimizer the course's name stands for."""
    return {
        "SGD": lambda: keras.optimizers.SGD(learning_rate),
        "momentum": lambda: keras.optimizers.SGD(learning_rate, momentum=MOMENTUM),
        "Nesterov": lambda: keras.optimizers.SGD(learning_rate, momentum=MOMENTUM, nesterov=True),
        "Adagrad": lambda: keras.optimizers.Adagrad(learning_rate),
        "RMSProp": lambda: keras.optimizers.RMSprop(learning_rate),
        "Adam": lambda: keras.optimizers.Adam(learning_rate),
    }[name]()


def update(name, w, g, state, lr, epsilon=1e-7):
    """One step of Keras's rule `name` (its default constants) on rows of w; lr [rows, 1]; state a dict
    it fills on the first call. Returns the new w."""
    if name == "SGD":
        return w - lr * g
    if name in ("momentum", "Nesterov"):
        v = state["v"] = MOMENTUM * state.get("v", 0.0) - lr * g
        return w + (MOMENTUM * v - lr * g if name == "Nesterov" else v)
    if name == "Adagrad":
        a = state["a"] = state.get("a", 0.1) + g**2  # Keras starts the accumulator at 0.1
        return w - lr * g / np.sqrt(a + epsilon)
    if name == "RMSProp":
        s = state["s"] = 0.9 * state.get("s", 0.0) + 0.1 * g**2
        return w - lr * g / np.sqrt(s + epsilon)
    if name == "Adam":
        t, m, v = state.get("t", 0) + 1, state.get("m", 0.0), state.get("v", 0.0)
        m, v = m + (g - m) * (1 - 0.9), v + (g**2 - v) * (1 - 0.999)  # β₁ = 0.9, β₂ = 0.999
        state.update(t=t, m=m, v=v)
        return w - lr * np.sqrt(1 - 0.999**t) / (1 - 0.9**t) * m / (np.sqrt(v) + epsilon)
    raise ValueError(f"unknown optimizer {name!r}")


@dataclasses.dataclass(frozen=True)
class Problem:
    name: str
    f: object  # rows of w [n, 2] -> f [n]
    grad: object  # rows of w -> ∇f [n, 2]
    start: tuple
    argmin: tuple
    minimum: float  # f*


def quadratic(kappa, angle):
    """f(w) = ½ wᵀHw, H with eigenvalues 1 and 1/kappa along axes turned by `angle` degrees; the start
    (1, √kappa) in those axes puts half of f(start) along the flat direction, half along the steep one."""
    turn = np.deg2rad(angle)
    rotation = np.array([[np.cos(turn), -np.sin(turn)], [np.sin(turn), np.cos(turn)]])
    h = rotation @ np.diag([1.0, 1.0 / kappa]) @ rotation.T
    return Problem(f"quadratic, κ = {kappa:g}", lambda w: 0.5 * np.einsum("ni,ij,nj->n", w, h, w),
                   lambda w: w @ h, tuple(rotation @ [-1.0, -np.sqrt(kappa)]), (0.0, 0.0), 0.0)  # fmt: skip


def rosenbrock():
    """f(x, y) = (1 − x)² + 100(y − x²)², the curved valley, minimum 0 at (1, 1)."""
    return Problem(
        "Rosenbrock",
        lambda w: (1 - w[:, 0]) ** 2 + 100 * (w[:, 1] - w[:, 0] ** 2) ** 2,
        lambda w: np.c_[-2 * (1 - w[:, 0]) - 400 * w[:, 0] * (w[:, 1] - w[:, 0] ** 2),
                        200 * (w[:, 1] - w[:, 0] ** 2)],
        (-1.2, 1.0), (1.0, 1.0), 0.0,
    )  # fmt: skip


def steps_to_tolerance(name, problem, lrs, max_steps, tol=TOLERANCE):
    """For each learning rate: the step from which f − f* stays ≤ tol·(f(start) − f*) up to max_steps
    (a lucky pass through the target while bouncing around does not count), or None."""
    lr = np.asarray(lrs, dtype=float)[:, None]
    w = np.tile(np.asarray(problem.start, dtype=float), (len(lr), 1))
    target = problem.minimum + tol * (problem.f(w[:1])[0] - problem.minimum)
    last_above = np.zeros(len(lr), dtype=int)
    state = {}
    with np.errstate(all="ignore"):  # a too-large step overflows: NaN is never within the target
        for step in range(1, max_steps + 1):
            w = update(name, w, problem.grad(w), state, lr)
            last_above[~(problem.f(w) <= target)] = step
    return [int(s) + 1 if s < max_steps else None for s in last_above]


def trajectory(name, problem, lr, steps):
    """The path [steps + 1, 2] of one run (diverged points as NaN)."""
    w, state, path = np.array([problem.start], dtype=float), {}, [problem.start]
    with np.errstate(all="ignore"):
        for _ in range(steps):
            w = update(name, w, problem.grad(w), state, np.array([[lr]]))
            path.append(tuple(w[0]))
    path = np.array(path)
    return np.where(np.isfinite(path), path, np.nan)


def toy_study(config):
    """Steps to tolerance of each method at each grid learning rate, on both problems, and its best."""
    out = {}
    for problem in (quadratic(config.kappa, config.angle), rosenbrock()):
        out[problem.name] = {"problem": problem}
        for name in NAMES:
            steps = steps_to_tolerance(name, problem, config.lr_grid, config.max_steps)
            done = [(s, lr) for s, lr in zip(steps, config.lr_grid) if s is not None]
            best_steps, best_lr = min(done) if done else (None, None)
            path_lr = best_lr if best_lr is not None else config.lr_grid[0]
            path = trajectory(name, problem, path_lr, best_steps or config.max_steps)
            out[problem.name][name] = {"steps": steps, "best_steps": best_steps, "best_lr": best_lr,
                                       "path": path}  # fmt: skip
    return out


def mlp(inputs, hidden, seed):
    """inputs → hidden ReLU → 10 logits; the same seed, the same initial weights."""
    keras.utils.set_random_seed(seed)
    return keras.Sequential([keras.Input((inputs,)), keras.layers.Dense(hidden, activation="relu"),
                             keras.layers.Dense(10)])  # fmt: skip


def train(name, lr, dataset, config, seed, bar):
    """One MLP trained with Keras's `name` optimizer: (step losses, test accuracy)."""
    model = mlp(dataset.x_train.shape[1], config.hidden, seed)
    optimizer = keras_optimizer(name, lr)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    @tf.function
    def step(x, y):
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    order = np.random.default_rng([seed, 1])  # the same batches for every optimizer
    losses = []
    for _ in range(config.epochs):
        rows = order.permutation(len(dataset.x_train))
        for start in range(0, len(rows) - config.batch + 1, config.batch):
            batch = rows[start : start + config.batch]
            losses.append(float(step(dataset.x_train[batch], dataset.y_train[batch])))
            bar.update()
    predicted = np.argmax(model(dataset.x_test, training=False), axis=1)
    return np.array(losses), float(np.mean(predicted == dataset.y_test))


def mlp_study(config, seed, quick):
    dataset = data.fashion_mnist(
        config.train_size, config.test_size, seed=seed, quick=quick, standardized=True
    )
    steps_per_epoch = len(dataset.x_train) // config.batch
    runs = []
    with tqdm(total=len(config.learning_rates) * config.epochs * steps_per_epoch, desc="optimizers") as bar:
        for name, lr in config.learning_rates:
            bar.set_postfix_str(f"{name} η={lr:g}")
            losses, accuracy = train(name, lr, dataset, config, seed, bar)
            usable = len(losses) // config.log_every * config.log_every
            runs.append({
                "optimizer": name, "learning_rate": lr, "test_accuracy": accuracy,
                "first_epoch_loss": finite(losses[:steps_per_epoch].mean()),
                "final_epoch_loss": finite(losses[-steps_per_epoch:].mean()),
                "curve": [finite(v) for v in losses[:usable].reshape(-1, config.log_every).mean(axis=1)],
            })  # fmt: skip
    return {"source": dataset.source, "steps_per_epoch": steps_per_epoch, "runs": runs}


def _steps(value):
    return "did not reach" if value is None else f"{value}"


def _early(run):
    return np.inf if run["first_epoch_loss"] is None else run["first_epoch_loss"]


def judge(toy, study, quadratic_name):
    """One Finding per part of the claim, from the measured numbers."""
    q = toy[quadratic_name]
    gd = q["SGD"]["best_steps"]
    faster = [
        q[name]["best_steps"] is not None and (gd is None or q[name]["best_steps"] * SPEEDUP <= gd)
        for name in ("momentum", "Nesterov")
    ]
    momentum = Finding(
        "momentum",
        "momentum crosses an ill-conditioned quadratic in far fewer steps than plain gradient descent",
        status(*faster),
        f"{quadratic_name}, steps until f − f* stays ≤ {TOLERANCE:g}× its start value, each at its best η: "
        f"GD {_steps(gd)}, momentum {_steps(q['momentum']['best_steps'])}, Nesterov "
        f"{_steps(q['Nesterov']['best_steps'])} (far fewer: ≤ 1/{SPEEDUP:g} of GD's)",
    )
    runs = study["runs"]
    sgd_runs = [r for r in runs if r["optimizer"] == "SGD"]
    best_sgd = min(sgd_runs, key=_early)
    adaptive = {r["optimizer"]: r for r in runs if r["optimizer"] in ADAPTIVE}
    ahead = [n for n, r in adaptive.items() if _early(r) < _early(best_sgd) - EARLY_MARGIN]
    losses = ", ".join(f"{n} {_early(r):.3f}" for n, r in adaptive.items())
    early = Finding(
        "adaptive early",
        "adaptive methods lower the training loss faster than plain SGD early on",
        status(*(n in ahead for n in adaptive)),
        f"Fashion-MNIST MLP, mean training loss over the first epoch: {losses}; plain SGD "
        + ", ".join(f"{_early(r):.3f} at η = {r['learning_rate']:g}" for r in sgd_runs)
        + f" (judged against the better, η = {best_sgd['learning_rate']:g}); ahead: "
        f"{', '.join(ahead) or 'none'}",
    )
    return [momentum, early]


def _table(toy, study):
    problems = list(toy)
    headers = ["optimizer", *(f"{p}: best η, steps" for p in problems), "F-MNIST η",
               "first-epoch train loss", "last-epoch train loss", "test accuracy"]  # fmt: skip
    rows, seen = [], set()
    for r in study["runs"]:
        name = r["optimizer"]
        toys = ["(as above)"] * len(problems) if name in seen else [
            f"{toy[p][name]['best_lr']:.3g}, {toy[p][name]['best_steps']}" if toy[p][name]["best_steps"]
            else "did not reach" for p in problems]  # fmt: skip
        seen.add(name)
        rows.append([name, *toys, f"{r['learning_rate']:g}", _cell(r["first_epoch_loss"]),
                     _cell(r["final_epoch_loss"]), f"{r['test_accuracy']:.1%}"])  # fmt: skip
    return headers, rows


def _cell(value):
    return "diverged" if value is None else f"{value:.3f}"


def _plots(toy, study, config, output_dir):
    plt = plots.pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.4))
    for ax, (problem_name, results) in zip(axes, toy.items()):
        problem = results["problem"]
        paths = [results[n]["path"] for n in NAMES]
        points = np.concatenate([p[np.isfinite(p).all(axis=1)] for p in paths])
        low, high = np.percentile(points, 1, axis=0), np.percentile(points, 99, axis=0)
        pad = 0.15 * (high - low) + 0.1
        gx, gy = np.meshgrid(np.linspace(low[0] - pad[0], high[0] + pad[0], 200),
                             np.linspace(low[1] - pad[1], high[1] + pad[1], 200))  # fmt: skip
        fz = problem.f(np.c_[gx.ravel(), gy.ravel()]).reshape(gx.shape) - problem.minimum
        ax.contour(gx, gy, np.log10(fz + 1e-6), levels=15, colors="lightgray", linewidths=0.7)
        for name, path in zip(NAMES, paths):
            r = results[name]
            label = f"{name} (η {r['best_lr']:.2g}, {_steps(r['best_steps'])})" if r["best_lr"] else name
            ax.plot(path[:, 0], path[:, 1], linewidth=0.9, label=label)
        ax.plot(*problem.start, "ko", markersize=4)
        ax.plot(*problem.argmin, "k*", markersize=9)
        ax.set_xlim(gx.min(), gx.max())
        ax.set_ylim(gy.min(), gy.max())
        ax.set_title(f"{problem_name}: paths at each method's best η", fontsize=9)
        ax.legend(fontsize=6)
    plots.save(fig, f"{output_dir}/trajectories.png")

    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    for r in study["runs"]:
        curve = np.array([np.nan if v is None else v for v in r["curve"]], dtype=float)
        steps = (np.arange(len(curve)) + 0.5) * config.log_every
        for ax in axes:
            ax.plot(steps, curve, linewidth=0.9, label=f"{r['optimizer']} η={r['learning_rate']:g}")
    axes[1].set_xlim(0, study["steps_per_epoch"])
    for ax, title in zip(axes, ("all epochs", "the first epoch")):
        ax.set_yscale("log")
        ax.set_xlabel("training step")
        ax.set_title(f"Fashion-MNIST MLP, training loss ({title})", fontsize=9)
    axes[0].set_ylabel(f"cross-entropy (mean of {config.log_every} steps)")
    axes[0].legend(fontsize=7)
    plots.save(fig, f"{output_dir}/training_loss.png")
    return [
        ("Paths on the ill-conditioned quadratic and on Rosenbrock's valley, each at its best learning rate",
         "trajectories.png"),
        ("Training loss of the Fashion-MNIST MLP with each optimizer", "training_loss.png"),
    ]  # fmt: skip


def _setup(config, study, seed, quick):
    lrs = config.lr_grid
    return [
        f"(a) f = ½wᵀHw, H's eigenvalues 1 and 1/{config.kappa:g} along axes turned {config.angle:g}°, and "
        "Rosenbrock's (1 − x)² + 100(y − x²)² from (−1.2, 1); exact gradients. Keras's update rules in NumPy "
        f"(β = {MOMENTUM} for momentum and Nesterov, Keras's other defaults). Each method at {len(lrs)} "
        f"learning rates from {lrs[0]:g} to {lrs[-1]:g}; steps until f − f* stays ≤ {TOLERANCE:g}·(f(start) "
        f"− f*) up to {config.max_steps} steps; the best learning rate's count is reported.",
        f"(b) {study['source']}, standardised with the training statistics. MLP 784-{config.hidden}-10 "
        f"(ReLU), softmax cross-entropy, batches of {config.batch}, {config.epochs} epochs; every optimizer "
        "starts from the same weights and sees the same batches. Learning rates: "
        + ", ".join(f"{n} {lr:g}" for n, lr in config.learning_rates)
        + " (Keras's defaults except Adagrad's 0.001, too small; plain SGD also at 10× its default).",
        f"Seed {seed}; TensorFlow {tf.__version__}, Keras {keras.__version__}."
        + (" `--quick`: a smoke run, too short for its verdict to mean much." if quick else ""),
    ]


def run(output_dir, quick=False, seed=0):
    config = QUICK if quick else FULL
    toy = toy_study(config)
    study = mlp_study(config, seed, quick)
    headers, rows = _table(toy, study)
    quadratic_name = next(iter(toy))
    toy_results = {
        p: {n: {k: v for k, v in r[n].items() if k != "path"} for n in NAMES} for p, r in toy.items()
    }
    return Report(
        name="optimizers",
        claim=CLAIM,
        setup=_setup(config, study, seed, quick),
        headers=headers,
        rows=rows,
        plots=_plots(toy, study, config, output_dir),
        findings=judge(toy, study, quadratic_name),
        results={
            "quick": quick,
            "seed": seed,
            "config": {**dataclasses.asdict(config), "lr_grid": list(map(float, config.lr_grid))},
            "toy": toy_results,
            "mlp": study,
        },
    )
