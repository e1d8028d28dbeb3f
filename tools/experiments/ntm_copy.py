"""Neural Turing Machine vs LSTM on the copy task (Graves, Wayne & Danihelka 2014, section 4.1).

Both models read a sequence of random 8-bit vectors and a delimiter, then must write the sequence
back. They train on lengths 1-20 only; the claim is about what happens beyond: the NTM learns a
copy *algorithm* (write each vector at the next memory location, then walk the read head along
the same locations), so it keeps working on longer sequences, while the LSTM stores the sequence
in its state and fails once the sequence is longer than what it has seen. Errors are measured
the paper's way: outputs thresholded at 1/2, wrong bits counted.
"""

import dataclasses
import math
import time

import keras
import numpy as np
import tensorflow as tf
from tqdm import tqdm

from components import plots
from keras_models.memory import algorithmic
from keras_models.memory.ntm import NTM
from tools.experiments.report import Finding, Report, finite, plot_panels

CLAIM = (
    "An NTM trained on copy with lengths 1-20 generalises to longer sequences (30, 60, 120); "
    "an LSTM (the paper's 3 x 256, 20 times the NTM's parameters) does not."
)
BITS = 8
CLEARLY_BELOW = 0.5  # the NTM's error per bit must be at most half the LSTM's ...
MARGIN = 0.02  # ... and at least this much lower (absolute), to count as clearly below


@dataclasses.dataclass(frozen=True)
class Config:
    steps: int = 4000
    batch: int = 32
    train_lengths: tuple = (1, 20)
    eval_lengths: tuple = (10, 20, 30, 60, 120)
    learning_rate: float = 1e-3
    clipnorm: float = 10.0
    ntm_units: int = 100
    memory_size: int = 128
    memory_width: int = 20
    lstm_units: int = 256
    lstm_layers: int = 3
    log_every: int = 50
    eval_size: int = 128
    trace_length: int = 30


FULL = Config()
QUICK = Config(
    steps=30, batch=8, ntm_units=16, memory_width=8, lstm_units=32, lstm_layers=1, log_every=10, eval_size=8
)


def build(kind, config, seed):
    """The NTM (LSTM controller, one read and one write head) or the LSTM baseline; logits out."""
    keras.utils.set_random_seed(seed)
    if kind == "ntm":
        return NTM(
            BITS + 1,
            BITS,
            units=config.ntm_units,
            memory_size=config.memory_size,
            memory_width=config.memory_width,
        )
    layers = [keras.Input((None, BITS + 1))]
    layers += [keras.layers.LSTM(config.lstm_units, return_sequences=True) for _ in range(config.lstm_layers)]
    return keras.Sequential([*layers, keras.layers.Dense(BITS)], name="lstm")


def batch(rng, config, size, length):
    """A copy batch, padded to the longest training length so every training step has one shape."""
    x, y, mask = algorithmic.copy(rng, size, length, bits=BITS)
    steps = 2 * max(config.train_lengths[1], int(np.max(length))) + 1
    pad = steps - x.shape[1]
    return (
        np.pad(x, ((0, 0), (0, pad), (0, 0))),
        np.pad(y, ((0, 0), (0, pad), (0, 0))),
        np.pad(mask, ((0, 0), (0, pad))),
    )


def _train_step(model, config):
    optimizer = keras.optimizers.Adam(config.learning_rate)

    @tf.function(jit_compile=True)
    def step(x, y, mask):
        with tf.GradientTape() as tape:
            cost = tf.nn.sigmoid_cross_entropy_with_logits(y, model(x, training=True)) * mask[..., None]
            loss = tf.reduce_sum(cost) / tf.cast(tf.shape(x)[0], tf.float32)  # nats per sequence
        grads = tape.gradient(loss, model.trainable_variables)
        grads, _ = tf.clip_by_global_norm(grads, config.clipnorm)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    return step


def train(kind, config, seed, bar):
    """Trains one model on fresh batches (the same batches for both models); returns (model, summary)."""
    model = build(kind, config, seed)
    step = _train_step(model, config)
    rng = np.random.default_rng([seed, 1])
    costs, curve = [], []
    started = time.perf_counter()
    for i in range(1, config.steps + 1):
        costs.append(float(step(*batch(rng, config, config.batch, config.train_lengths))) / math.log(2))
        if i % config.log_every == 0:
            curve.append(float(np.mean(costs[-config.log_every :])))
        bar.update()
    seconds = time.perf_counter() - started
    return model, {
        "model": kind,
        "parameters": int(model.count_params()),
        "train_seconds": seconds,
        "sequences_seen": [i * config.log_every * config.batch for i in range(1, len(curve) + 1)],
        "cost_bits_per_sequence": curve,
    }


def evaluate(model, config, seed):
    """Error per bit and wrong bits per sequence at each eval length, on fresh sequences."""
    predict = tf.function(
        lambda x: tf.sigmoid(model(x)), input_signature=[tf.TensorSpec([None, None, BITS + 1], tf.float32)]
    )
    errors = {}
    for length in config.eval_lengths:
        x, y, mask = algorithmic.copy(np.random.default_rng([seed, 2, length]), config.eval_size, length)
        outputs = predict(x).numpy()
        errors[length] = {
            "error_per_bit": algorithmic.error_per_bit(outputs, y, mask),
            "bits_wrong_per_sequence": algorithmic.bit_error_per_sequence(outputs, y, mask),
        }
    return errors


def judge(errors, lengths=(30, 60), far=(120,)):
    """Two parts: clearly lower NTM error at 30 and 60 (the verdict's core), and at 120."""

    def clearly_below(length):
        ntm, lstm = errors["ntm"][length]["error_per_bit"], errors["lstm"][length]["error_per_bit"]
        return ntm <= CLEARLY_BELOW * lstm and lstm - ntm >= MARGIN

    def status(held):
        return "reproduced" if all(held) else "partly reproduced" if any(held) else "not reproduced"

    def numbers(ls):
        pairs = [(n, errors["ntm"][n]["error_per_bit"], errors["lstm"][n]["error_per_bit"]) for n in ls]
        return "; ".join(f"L={n}: NTM {ntm:.4f} vs LSTM {lstm:.4f}" for n, ntm, lstm in pairs)

    rule = f"(clearly below: at most {CLEARLY_BELOW:g}× the LSTM's and {MARGIN} lower)"
    trained = numbers([n for n in errors["ntm"] if n <= 20])
    return [
        Finding(
            "generalisation to 30 and 60",
            "the NTM's error per bit at lengths 30 and 60 is clearly below the LSTM's",
            status([clearly_below(n) for n in lengths]),
            f"error per bit {numbers(lengths)} {rule}; within the training lengths: {trained}",
        ),
        Finding(
            "length 120",
            "the NTM still copies 120-vector sequences better than the LSTM",
            status([clearly_below(n) for n in far]),
            f"error per bit {numbers(far)} {rule}",
        ),
    ]


def _heatmaps(models, config, seed, path):
    """Input, target, both outputs, and the NTM's write and read weightings on one sequence."""
    length = config.trace_length
    x, y, mask = algorithmic.copy(np.random.default_rng([seed, 3]), 1, length)
    trace = models["ntm"].trace(x)
    ntm_out = tf.sigmoid(trace["logits"]).numpy()[0]
    lstm_out = tf.sigmoid(models["lstm"](x)).numpy()[0]
    write, read = trace["write_weights"].numpy()[0, :, 0], trace["read_weights"].numpy()[0, :, 0]
    # Memory is circular: roll it so the first write sits mid-way, then crop to the rows the heads used.
    n = config.memory_size
    shift = n // 2 - int(write[0].argmax())
    write, read = (np.roll(w, shift, axis=1) for w in (write, read))
    used = np.flatnonzero((write.max(axis=0) > 0.05) | (read.max(axis=0) > 0.05))
    low, high = (max(int(used.min()) - 3, 0), min(int(used.max()) + 4, n)) if used.size else (0, n)
    first, last = (low - shift) % n, (high - 1 - shift) % n
    where = f"locations {first}-{last}" if first <= last else f"locations {first}-{n - 1}, 0-{last}"
    panels = [
        ("input (bits + delimiter)", x[0].T),
        ("target", (y[0] * mask[0][:, None]).T),
        ("NTM output", (ntm_out * mask[0][:, None]).T),
        ("LSTM output", (lstm_out * mask[0][:, None]).T),
        (f"NTM write weighting ({where})", write[:, low:high].T),
        (f"NTM read weighting ({where})", read[:, low:high].T),
    ]
    plt = plots.pyplot()
    heights = [min(p[1].shape[0], 48) for p in panels]
    fig, axes = plt.subplots(len(panels), 1, figsize=(7, 1.2 + 0.06 * sum(heights)), sharex=True,
                             gridspec_kw={"height_ratios": heights})  # fmt: skip
    for ax, (title, image) in zip(axes, panels):
        ax.imshow(image, aspect="auto", cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
        ax.set_title(title, fontsize=8, loc="left")
        ax.tick_params(labelsize=6)
    axes[-1].set_xlabel(f"time step (a length-{length} copy: {length} inputs, delimiter, {length} outputs)")
    fig.suptitle(f"Copy of length {length}, after training on lengths 1-20", fontsize=9)
    plots.save(fig, path)
    return path.rsplit("/", 1)[-1]


def _plots(runs, errors, models, config, seed, output_dir):
    labels = {"ntm": "NTM", "lstm": "LSTM"}
    curves = plot_panels(
        f"{output_dir}/learning_curves.png",
        [
            (
                f"copy, lengths {config.train_lengths[0]}-{config.train_lengths[1]}",
                {labels[k]: (r["sequences_seen"], r["cost_bits_per_sequence"]) for k, r in runs.items()},
            )
        ],
        xlabel="sequences seen",
        ylabel="cost per sequence (bits)",
    )
    lengths = list(config.eval_lengths)
    by_length = plot_panels(
        f"{output_dir}/error_vs_length.png",
        [
            (
                f"trained on lengths {config.train_lengths[0]}-{config.train_lengths[1]}",
                {labels[k]: (lengths, [errors[k][n]["error_per_bit"] for n in lengths]) for k in errors},
            )
        ],
        xlabel="sequence length",
        ylabel="error per bit",
        hlines=[(0.5, "guessing")],
        logy=False,
    )
    heat = _heatmaps(models, config, seed, f"{output_dir}/ntm_heatmaps.png")
    return [
        ("Training cost per sequence (bits, mean over each logging window) vs sequences seen", curves),
        ("Error per bit on fresh sequences vs length (trained on 1-20)", by_length),
        (
            f"A length-{config.trace_length} copy: inputs, targets, outputs, NTM write and read weightings",
            heat,
        ),
    ]


def _setup(config, runs, seed, quick):
    n = {k: r["parameters"] for k, r in runs.items()}
    return [
        f"Copy task: random {BITS}-bit vectors, then a delimiter on a 9th input channel; the target is the "
        f"sequence again, scored only on the output steps. Training lengths uniform in "
        f"{config.train_lengths[0]}-{config.train_lengths[1]} (a fresh batch every step, padded to "
        f"{2 * config.train_lengths[1] + 1} steps); both models see the same batches.",
        f"NTM: LSTM controller of {config.ntm_units} units, memory {config.memory_size} x "
        f"{config.memory_width}, one read and one write head, shifts [-1, 0, 1]; memory initialised to "
        f"1e-6, learned initial read vector and weightings, head parameters clipped to [-20, 20] "
        f"(Collier & Beel 2018); {n['ntm']:,} parameters.",
        f"LSTM baseline: {config.lstm_layers} stacked layer(s) of {config.lstm_units} units then a linear "
        f"layer; {n['lstm']:,} parameters (the paper's baseline is 3 x 256).",
        f"Training: {config.steps} steps of {config.batch} sequences ({config.steps * config.batch:,} "
        f"sequences), Adam (learning rate {config.learning_rate}), gradients clipped to global norm "
        f"{config.clipnorm}, sigmoid cross-entropy summed over the scored bits. Training time: NTM "
        f"{runs['ntm']['train_seconds']:.0f} s, LSTM {runs['lstm']['train_seconds']:.0f} s.",
        f"Evaluation: {config.eval_size} fresh sequences per length; outputs thresholded at 1/2; error per "
        "bit = wrong bits / scored bits (guessing: 0.5); bits wrong per sequence as in the paper.",
        f"Seed {seed}; TensorFlow {tf.__version__}, Keras {keras.__version__}."
        + (" `--quick`: a smoke run, too short for its verdict to mean much." if quick else ""),
    ]


def run(output_dir, quick=False, seed=0):
    config = QUICK if quick else FULL
    models, runs, errors = {}, {}, {}
    with tqdm(total=2 * config.steps, unit="step", desc="ntm_copy") as bar:
        for kind in ("ntm", "lstm"):
            bar.set_postfix_str(kind)
            models[kind], runs[kind] = train(kind, config, seed, bar)
            errors[kind] = evaluate(models[kind], config, seed)
    headers = ["length", "NTM error per bit", "NTM bits wrong / seq", "LSTM error per bit"]
    headers += ["LSTM bits wrong / seq", "scored bits / seq"]
    rows = [
        [n] + [f"{errors[k][n][key]:{fmt}}" for k in ("ntm", "lstm") for key, fmt in _COLUMNS] + [BITS * n]
        for n in config.eval_lengths
    ]
    results = {
        "quick": quick,
        "seed": seed,
        "config": dataclasses.asdict(config),
        "runs": [
            {**r, "cost_bits_per_sequence": [finite(c) for c in r["cost_bits_per_sequence"]]}
            for r in runs.values()
        ],  # fmt: skip
        "errors": {
            k: {str(n): {key: finite(v) for key, v in e.items()} for n, e in by.items()}
            for k, by in errors.items()
        },  # fmt: skip
    }
    return Report(
        name="ntm_copy",
        claim=CLAIM,
        setup=_setup(config, runs, seed, quick),
        headers=headers,
        rows=rows,
        plots=_plots(runs, errors, models, config, seed, output_dir),
        findings=judge(errors),
        results=results,
    )


_COLUMNS = (("error_per_bit", ".4f"), ("bits_wrong_per_sequence", ".2f"))
