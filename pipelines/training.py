"""Training helpers every pipeline's run_fn shares: precision, distribution, curves."""

import json
import math
import os
import time

import keras
import tensorflow as tf

_POLICIES = {"off": "float32", "float16": "mixed_float16", "bfloat16": "mixed_bfloat16"}


def set_precision_policy(mixed_precision):
    """Sets Keras' global dtype policy and returns its name.

    `auto` picks mixed_float16 when a GPU is visible and float32 otherwise;
    `off`, `float16` and `bfloat16` force float32, mixed_float16, mixed_bfloat16.
    """
    if mixed_precision == "auto":
        name = "mixed_float16" if tf.config.list_physical_devices("GPU") else "float32"
    elif mixed_precision in _POLICIES:
        name = _POLICIES[mixed_precision]
    else:
        raise ValueError(
            f"mixed_precision must be one of auto, {', '.join(_POLICIES)}; got {mixed_precision!r}."
        )
    keras.mixed_precision.set_dtype_policy(name)
    return name


def distribution_strategy():
    """MirroredStrategy over all GPUs when several are visible, else the default strategy."""
    if len(tf.config.list_physical_devices("GPU")) > 1:
        return tf.distribute.MirroredStrategy()
    return tf.distribute.get_strategy()


def cosine_decay(peak_learning_rate, epochs):
    """Per-epoch cosine decay of the learning rate, from its peak to nearly zero."""

    def schedule(epoch, _):
        return peak_learning_rate * 0.5 * (1.0 + math.cos(math.pi * epoch / epochs))

    return keras.callbacks.LearningRateScheduler(schedule)


class EpochTimer(keras.callbacks.Callback):
    """Records the wall-clock seconds of each training epoch."""

    def __init__(self):
        super().__init__()
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._start)


def save_history(run_dir, history, epoch_seconds, extra=None):
    """Writes `history.json` (per-epoch metrics and seconds) into the model run dir."""
    record = {
        "history": {k: [float(v) for v in vs] for k, vs in history.items()},
        "epoch_seconds": epoch_seconds,
        **(extra or {}),
    }
    with tf.io.gfile.GFile(os.path.join(run_dir, "history.json"), "w") as f:
        json.dump(record, f, indent=2)


def plot_history(history, path):
    """Saves loss and metric curves (train vs validation) as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [k for k in history if not k.startswith("val_")]
    fig, axes = plt.subplots(1, len(names), figsize=(5 * len(names), 3.5), squeeze=False)
    for ax, name in zip(axes[0], names):
        epochs = range(1, len(history[name]) + 1)
        ax.plot(epochs, history[name], marker="o", label="train")
        if f"val_{name}" in history:
            ax.plot(epochs, history[f"val_{name}"], marker="o", label="eval")
        ax.set_xlabel("epoch")
        ax.set_title(name)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    with tf.io.gfile.GFile(path, "wb") as f:
        fig.savefig(f, format="png", dpi=100)
    plt.close(fig)
