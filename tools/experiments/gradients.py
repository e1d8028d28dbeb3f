"""Exploding and vanishing gradients (course chapter 11), measured on the adding problem.

The adding problem (Hochreiter & Schmidhuber 1997; Le et al. 2015): a sequence of T pairs
(value ~ U(0, 1), marker), two markers set, one in each half; the target is the sum of the two
marked values. The answer depends on steps up to T - 1 in the past, so a model only learns it
when the gradient reaches them. Four models of the same size train on the same batches at
growing T: a SimpleRNN, the same SimpleRNN (same initial weights) with its gradients clipped,
an orthogonal RNN and an LSTM. Each run records the eval MSE, the global gradient norm of every
step, and ‖∂L/∂s_k‖, the gradient reaching the state of step k, before and after training.
"""

import dataclasses

import keras
import numpy as np
import tensorflow as tf
from tqdm import tqdm

from keras_models.sequence import OrthogonalRNNCell
from tools.experiments.report import Finding, Report, jsonable, plot_panels, status

CLAIM = (
    "Plain RNNs fail to learn long dependencies (their gradients vanish) and their gradients can explode; "
    "clipping tames the explosion but not the vanishing; the LSTM and the orthogonal RNN keep learning "
    "as the sequences grow."
)
BASELINE_MSE = 1 / 6  # always answering 1, the mean: Var(U1 + U2) = 2/12
ONE_VALUE_MSE = 1 / 12  # the best one can do from one of the two marked values: Var(U)
SOLVED_MSE = 0.05  # below ONE_VALUE_MSE: the model uses both marked values
SPIKE = 10.0  # a gradient norm this many times the run's median (after the warm-up) is an explosion
WARMUP = 0.1  # the first steps' gradients are large in every model: not counted as explosions
VANISHED = 0.01  # reach = ‖∂L/∂s_1‖ / ‖∂L/∂s_T‖ below this: the first steps get (almost) no gradient


@dataclasses.dataclass(frozen=True)
class Config:
    lengths: tuple = (10, 25, 50, 100)
    steps: int = 2500
    units: int = 64
    batch: int = 64
    learning_rate: float = 3e-3
    clipnorm: float = 1.0
    eval_every: int = 50
    eval_size: int = 512
    probe_size: int = 256


FULL = Config()
QUICK = Config(lengths=(10, 20), steps=40, units=32, eval_every=10, eval_size=128, probe_size=32)


@dataclasses.dataclass(frozen=True)
class Model:
    label: str
    cell: type  # called with `units`: a Keras RNN cell
    clipped: bool = False


MODELS = {
    "rnn": Model("SimpleRNN", keras.layers.SimpleRNNCell),
    "rnn_clipped": Model("SimpleRNN + clipping", keras.layers.SimpleRNNCell, clipped=True),
    "orthogonal": Model("orthogonal RNN", OrthogonalRNNCell),
    "lstm": Model("LSTM", keras.layers.LSTMCell),
}


def adding_problem(rng, n, length):
    """x [n, length, 2] float32 (value, marker) and y [n, 1], the sum of the two marked values."""
    values = rng.uniform(size=(n, length)).astype("float32")
    markers = np.zeros((n, length), "float32")
    rows = np.arange(n)
    markers[rows, rng.integers(0, length // 2, n)] = 1
    markers[rows, rng.integers(length // 2, length, n)] = 1
    return np.stack([values, markers], axis=-1), (values * markers).sum(axis=1, keepdims=True)


def build_model(kind, units, length, seed):
    """RNN(cell) -> Dense(1); the same seed gives the same weights (rnn and rnn_clipped start equal)."""
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.layers.RNN(MODELS[kind].cell(units)), keras.layers.Dense(1)])
    model.build((None, length, 2))
    return model


def unroll(model, x):
    """The model's own cell stepped by hand: (prediction [n, 1], the state list after every step)."""
    rnn, head = model.layers
    state = rnn.cell.get_initial_state(batch_size=x.shape[0])
    states = []
    for t in range(x.shape[1]):
        output, state = rnn.cell(x[:, t], state)
        states.append(state)
    return head(output), states


def state_gradient_norms(model, x, y):
    """‖∂L/∂s_k‖ for k = 1..T: L the batch's MSE, s_k the state after step k (h_k; h_k, c_k in an LSTM)."""
    x = tf.convert_to_tensor(x)
    with tf.GradientTape() as tape:
        prediction, states = unroll(model, x)
        loss = tf.reduce_mean(tf.square(prediction - y))
    grads = tape.gradient(loss, states, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    return np.array([float(tf.linalg.global_norm(g)) for g in grads])


def _train_step(model, config, clipped):
    optimizer = keras.optimizers.Adam(config.learning_rate)

    @tf.function
    def step(x, y):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(x, training=True) - y))
        grads = tape.gradient(loss, model.trainable_variables)
        norm = tf.linalg.global_norm(grads)
        if clipped:
            grads, _ = tf.clip_by_global_norm(grads, config.clipnorm, use_norm=norm)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return norm

    return step


def train(kind, length, config, seed, bar):
    """One model at one length; every model at this length sees the same batches."""
    model = build_model(kind, config.units, length, seed)
    step = _train_step(model, config, MODELS[kind].clipped)
    evaluate = tf.function(lambda x, y: tf.reduce_mean(tf.square(model(x) - y)))
    batches = np.random.default_rng([seed, length])
    x_eval, y_eval = adding_problem(np.random.default_rng([seed, length, 1]), config.eval_size, length)
    probe = x_eval[: config.probe_size], y_eval[: config.probe_size]

    reach_before = state_gradient_norms(model, *probe)
    norms, curve = [], [float(evaluate(x_eval, y_eval))]
    for i in range(1, config.steps + 1):
        norms.append(float(step(*adding_problem(batches, config.batch, length))))
        if i % config.eval_every == 0:
            curve.append(float(evaluate(x_eval, y_eval)))
        bar.update()
    return _summary(kind, length, config, norms, curve, reach_before, state_gradient_norms(model, *probe))


def _summary(kind, length, config, norms, curve, reach_before, reach_after):
    norms = np.asarray(norms)
    later = norms[int(WARMUP * len(norms)) :]
    later_curve = np.asarray(curve[1 + int(WARMUP * (len(curve) - 1)) :])
    spike = later.max() / np.median(later) if np.all(np.isfinite(later)) else np.inf
    return {
        "model": kind,
        "length": length,
        "final_mse": curve[-1],
        "worst_later_mse": float(np.max(later_curve)) if np.all(np.isfinite(later_curve)) else np.inf,
        "max_grad_norm": float(np.max(norms)),
        "spike": float(spike),
        "reach_init": float(reach_before[0] / reach_before[-1]),
        "reach_trained": float(reach_after[0] / reach_after[-1]),
        "eval_steps": [i * config.eval_every for i in range(len(curve))],
        "eval_mse": curve,
        "grad_norm": norms.tolist(),
        "state_grad_init": reach_before.tolist(),
        "state_grad_trained": reach_after.tolist(),
    }


def _solved(run):
    return run["final_mse"] < SOLVED_MSE


def judge(runs, lengths):
    """The claim's four parts, each judged from `runs` ((model, T) -> summary)."""
    short, long = lengths[0], lengths[-1]
    rnn, clipped = runs["rnn", long], runs["rnn_clipped", long]
    mses = {kind: ", ".join(f"{runs[kind, t]['final_mse']:.3f}" for t in lengths) for kind in MODELS}
    at = f"at T = {', '.join(map(str, lengths))}"

    learns_short, vanishes = _solved(runs["rnn", short]), rnn["reach_init"] < VANISHED
    vanishing = Finding(
        "vanishing",
        "plain RNNs fail to learn long dependencies: their gradients vanish",
        status(learns_short and not _solved(rnn), vanishes),
        f"SimpleRNN eval MSE {mses['rnn']} {at} (solved < {SOLVED_MSE}); the gradient reaching s_1 is "
        f"{rnn['reach_init']:.1e} of that at s_T (T = {long}) at initialisation, {rnn['reach_trained']:.1e} "
        "after training",
    )

    # A run whose loss reaches ~0 has a tiny median gradient, so spikes count only beyond the LSTM's.
    exploded = [t for t in lengths if runs["rnn", t]["spike"] >= max(SPIKE, runs["lstm", t]["spike"])]
    spikes = {kind: ", ".join(f"{runs[kind, t]['spike']:.0f}×" for t in lengths) for kind in ("rnn", "lstm")}
    explosion = Finding(
        "explosion",
        "plain RNN gradients can explode",
        status(bool(exploded)),
        f"largest gradient norm over the run's median: SimpleRNN {spikes['rnn']}, LSTM {spikes['lstm']} "
        f"{at}; explosion (≥ {SPIKE:.0f}×, beyond the LSTM's) at T = {', '.join(map(str, exploded)) or '-'}",
    )

    tamed = [
        t for t in exploded if runs["rnn_clipped", t]["worst_later_mse"] <= runs["rnn", t]["worst_later_mse"]
    ]
    worst = ", ".join(
        f"T={t}: {runs['rnn_clipped', t]['worst_later_mse']:.3f} vs {runs['rnn', t]['worst_later_mse']:.3f}"
        for t in exploded
    )
    taming = f"worst eval MSE after warm-up, clipped vs not, where the SimpleRNN exploded: {worst}"
    clipping = Finding(
        "clipping",
        "clipping tames the explosion but not the vanishing",
        status(bool(exploded) and tamed == exploded, not _solved(clipped)),
        (taming if exploded else "no explosion to tame")
        + f"; clipped SimpleRNN eval MSE {mses['rnn_clipped']} {at}",
    )

    keep = [kind for kind in ("lstm", "orthogonal") if _solved(runs[kind, long])]
    reach = {
        kind: f"{runs[kind, long]['reach_init']:.1e} → {runs[kind, long]['reach_trained']:.1e}"
        for kind in MODELS
    }
    gated = Finding(
        "LSTM and orthogonal RNN",
        "the LSTM and the orthogonal RNN keep learning as T grows",
        status("lstm" in keep, "orthogonal" in keep),
        f"LSTM eval MSE {mses['lstm']}, orthogonal RNN {mses['orthogonal']} {at}; reach at T = {long} from "
        f"initialisation to trained: LSTM {reach['lstm']}, orthogonal RNN {reach['orthogonal']}, "
        f"SimpleRNN {reach['rnn']}",
    )
    return [vanishing, explosion, clipping, gated]


def _table(runs, lengths):
    headers = ["T", "model", "final eval MSE", f"solved (< {SOLVED_MSE})", "max ‖g‖", "spike (max/median)"]
    headers += ["reach at init", "reach trained"]
    rows = [
        [t, MODELS[kind].label, f"{r['final_mse']:.4f}", "yes" if _solved(r) else "no"]
        + [
            f"{r['max_grad_norm']:.3g}",
            f"{r['spike']:.1f}",
            f"{r['reach_init']:.1e}",
            f"{r['reach_trained']:.1e}",
        ]
        for t in lengths
        for kind in MODELS
        for r in [runs[kind, t]]
    ]
    return headers, rows


def _plots(runs, lengths, output_dir):
    def panels(x_key, y_key, title="T = {}"):
        return [
            (title.format(t), {MODELS[kind].label: _xy(runs[kind, t], x_key, y_key) for kind in MODELS})
            for t in lengths
        ]

    loss = plot_panels(
        f"{output_dir}/loss_curves.png",
        panels("eval_steps", "eval_mse"),
        xlabel="training step",
        ylabel="eval MSE",
        hlines=[(BASELINE_MSE, "baseline (always 1)"), (SOLVED_MSE, "solved")],
    )
    norms = plot_panels(
        f"{output_dir}/gradient_norms.png",
        panels(None, "grad_norm"),
        xlabel="training step",
        ylabel="global gradient norm (before clipping)",
    )
    reach = plot_panels(
        f"{output_dir}/state_gradients.png",
        panels(None, "state_grad_init", "T = {}, at initialisation")
        + panels(None, "state_grad_trained", "T = {}, after training"),
        xlabel="step k",
        ylabel="‖∂L/∂s_k‖",
        rows=2,
    )
    return [
        ("Eval MSE during training, one panel per sequence length", loss),
        ("Global gradient norm at every training step (before clipping)", norms),
        ("Gradient reaching the state of step k, ‖∂L/∂s_k‖, before and after training", reach),
    ]


def _xy(run, x_key, y_key):
    y = np.asarray(run[y_key], dtype=float)
    x = run[x_key] if x_key else np.arange(1, len(y) + 1)
    return x, np.where(np.isfinite(y), y, np.nan)


def _setup(config, seed, quick):
    return [
        f"Adding problem: T pairs (value ~ U(0, 1), marker), one marker in each half; target: the sum of "
        f"the two marked values. Always answering 1 scores MSE {BASELINE_MSE:.3f}; the best answer from "
        f"one marked value {ONE_VALUE_MSE:.3f}. Solved: final eval MSE < {SOLVED_MSE}.",
        f"T ∈ {{{', '.join(map(str, config.lengths))}}}; {config.steps} training steps of {config.batch} "
        f"fresh sequences (Adam, learning rate {config.learning_rate}); eval MSE every {config.eval_every} "
        f"steps on {config.eval_size} held-out sequences. Every model at a given T sees the same batches.",
        f"Models, {config.units} units then Dense(1): SimpleRNN (tanh, Keras defaults: orthogonal recurrent "
        f"init); the same SimpleRNN, same initial weights, with gradients clipped to global norm "
        f"{config.clipnorm}; orthogonal RNN (`keras_models.sequence.OrthogonalRNNCell`, tanh, Cayley "
        "transform); LSTM (Keras defaults, forget-gate bias 1).",
        f"Explosion: a gradient norm ≥ {SPIKE:.0f}× the run's median after the first {WARMUP:.0%} of the "
        "steps, and a larger ratio than the LSTM's at the same T (a run that solves the task has a tiny "
        "median, so its ordinary steps count as spikes).",
        f"‖∂L/∂s_k‖: gradient of the MSE of {config.probe_size} held-out sequences with respect to "
        "the state after step k (h_k; h_k and c_k for the LSTM), the model's own cell unrolled by hand; "
        f"reach = ‖∂L/∂s_1‖ / ‖∂L/∂s_T‖, vanished below {VANISHED}.",
        f"Seed {seed}; TensorFlow {tf.__version__}, Keras {keras.__version__}."
        + (" `--quick`: a smoke run, too short for its verdict to mean much." if quick else ""),
    ]


def run(output_dir, quick=False, seed=0):
    config = QUICK if quick else FULL
    runs = {}
    with tqdm(total=len(config.lengths) * len(MODELS) * config.steps, unit="step", desc="gradients") as bar:
        for length in config.lengths:
            for kind in MODELS:
                bar.set_postfix_str(f"T={length} {MODELS[kind].label}")
                runs[kind, length] = train(kind, length, config, seed, bar)
    headers, rows = _table(runs, config.lengths)
    summaries = [{k: jsonable(v) for k, v in r.items()} for r in runs.values()]
    return Report(
        name="gradients",
        claim=CLAIM,
        setup=_setup(config, seed, quick),
        headers=headers,
        rows=rows,
        plots=_plots(runs, config.lengths, output_dir),
        findings=judge(runs, config.lengths),
        results={"quick": quick, "seed": seed, "config": dataclasses.asdict(config), "runs": summaries},
    )
