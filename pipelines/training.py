"""Training helpers every pipeline's run_fn shares: precision, distribution, curves."""

import json
import math
import os
import sys
import time

import keras
import numpy as np
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


_DISTRIBUTE = ("auto", "mirrored", "multi_worker")
_MULTI_WORKER = {}  # TF_CONFIG -> the process's one MultiWorkerMirroredStrategy


def distribution_strategy(distribute="auto"):
    """The tf.distribute strategy training runs under.

    `auto`: MirroredStrategy over all GPUs when several are visible, else the default
    strategy. `mirrored`: MirroredStrategy over the visible GPUs (or the CPU).
    `multi_worker`: MultiWorkerMirroredStrategy over the cluster that TF_CONFIG
    describes. TensorFlow wants it created before any other op runs in the process
    ("Collective ops must be configured at program startup"): call this early once
    (the pipelines' entry.create does) and later calls return the same strategy.
    """
    if distribute not in _DISTRIBUTE:
        raise ValueError(f"distribute must be one of {', '.join(_DISTRIBUTE)}; got {distribute!r}.")
    if distribute == "multi_worker":
        if not os.environ.get("TF_CONFIG"):
            raise ValueError(
                "distribute=multi_worker needs TF_CONFIG (the cluster and this worker's task), e.g. "
                '{"cluster": {"worker": ["host0:port", "host1:port"]}, '
                '"task": {"type": "worker", "index": 0}}; on one machine use --distribute auto or mirrored.'
            )
        tf_config = os.environ["TF_CONFIG"]
        if tf_config not in _MULTI_WORKER:
            _MULTI_WORKER[tf_config] = tf.distribute.MultiWorkerMirroredStrategy()
        return _MULTI_WORKER[tf_config]
    if distribute == "mirrored" or len(tf.config.list_physical_devices("GPU")) > 1:
        return tf.distribute.MirroredStrategy()
    return tf.distribute.get_strategy()


def is_chief(strategy):
    """True on the worker that exports: task `chief`, or `worker` 0 when the cluster has no chief."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not resolver.task_type:
        return True
    if resolver.task_type == "chief":
        return True
    has_chief = "chief" in resolver.cluster_spec().as_dict()
    return resolver.task_type == "worker" and resolver.task_id == 0 and not has_chief


def export_dir(model_dir, strategy):
    """Where this worker saves: `model_dir` on the chief, a throw-away sibling folder elsewhere.

    Every worker must take part in saving (variables are read collectively); the
    others' copies go to `workertemp_<task id>/` beside `model_dir` (discard_export).
    """
    if is_chief(strategy):
        return model_dir
    parent, base = os.path.split(os.path.normpath(model_dir))
    temp = os.path.join(parent, f"workertemp_{strategy.cluster_resolver.task_id}")
    tf.io.gfile.makedirs(temp)
    return os.path.join(temp, base)


def discard_export(path, model_dir):
    """Deletes a non-chief worker's throw-away export; leaves the chief's alone."""
    if os.path.normpath(path) != os.path.normpath(model_dir):
        tf.io.gfile.rmtree(os.path.dirname(path))


def fit_distributed(
    model,
    train_ds,
    *,
    strategy,
    epochs,
    steps_per_epoch,
    global_batch_size,
    validation_data=None,
    learning_rate_schedule=None,
    callbacks=(),
):
    """Custom training loop for MultiWorkerMirroredStrategy (Keras 3.6's fit fails under it).

    `model` is compiled under `strategy.scope()` (its optimizer is used; the loss is
    sparse categorical cross-entropy on probabilities); `train_ds` yields (x, y)
    batches of `global_batch_size` and is repeated and sharded by data across the
    workers. `learning_rate_schedule(epoch, lr)` sets each epoch's learning rate;
    callbacks get on_epoch_begin/on_epoch_end (e.g. EpochTimer). Validation runs on
    each worker locally. Returns a Keras-like history dict.
    """
    optimizer = model.optimizer
    with strategy.scope():
        optimizer.build(model.trainable_variables)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(reduction=None)
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    iterator = iter(strategy.experimental_distribute_dataset(train_ds.repeat().with_options(options)))

    def step_fn(x, y):
        with tf.GradientTape() as tape:
            probs = model(x, training=True)
            loss = tf.nn.compute_average_loss(loss_fn(y, probs), global_batch_size=global_batch_size)
            scaled = optimizer.scale_loss(loss) if hasattr(optimizer, "scale_loss") else loss
        # Keras 3's optimizer all-reduces the gradients across replicas in apply_gradients.
        optimizer.apply_gradients(
            zip(tape.gradient(scaled, model.trainable_variables), model.trainable_variables)
        )
        hits = tf.cast(tf.equal(tf.argmax(probs, -1), tf.cast(tf.reshape(y, [-1]), tf.int64)), tf.float32)
        return loss, tf.reduce_sum(hits)

    @tf.function
    def train_step(iterator):
        loss, hits = strategy.run(step_fn, args=next(iterator))
        sum_ = tf.distribute.ReduceOp.SUM
        return strategy.reduce(sum_, loss, axis=None), strategy.reduce(sum_, hits, axis=None)

    predict = tf.function(lambda x: model(x, training=False))
    history = {"loss": [], "accuracy": []}
    for epoch in range(epochs):
        if learning_rate_schedule is not None:
            lr = float(tf.convert_to_tensor(optimizer.learning_rate))
            optimizer.learning_rate = learning_rate_schedule(epoch, lr)
        for cb in callbacks:
            cb.on_epoch_begin(epoch)
        loss = hits = 0.0
        for _ in range(steps_per_epoch):
            step_loss, step_hits = train_step(iterator)
            loss, hits = loss + float(step_loss), hits + float(step_hits)
        logs = {"loss": loss / steps_per_epoch, "accuracy": hits / (steps_per_epoch * global_batch_size)}
        if validation_data is not None:
            total = val_loss = val_hits = 0.0
            for x, y in validation_data:
                probs = predict(x)
                val_loss += float(tf.reduce_sum(loss_fn(y, probs)))
                val_hits += float(
                    tf.reduce_sum(tf.cast(tf.equal(tf.argmax(probs, -1), tf.cast(y, tf.int64)), tf.float32))
                )
                total += float(tf.shape(y)[0])
            logs.update(val_loss=val_loss / total, val_accuracy=val_hits / total)
        for key, value in logs.items():
            history.setdefault(key, []).append(value)
        for cb in callbacks:
            cb.on_epoch_end(epoch, logs)
        print(f"epoch {epoch + 1}/{epochs} " + " ".join(f"{k}={v:.4f}" for k, v in logs.items()), flush=True)
    return history


def cosine_decay(peak_learning_rate, epochs):
    """Per-epoch cosine decay of the learning rate, from its peak to nearly zero: WarmupSchedule's
    cosine, as a callback that sets an optimizer's plain learning rate at each epoch's start."""
    schedule = WarmupSchedule(peak_learning_rate, epochs, steps_per_epoch=1)
    return keras.callbacks.LearningRateScheduler(lambda epoch, _: float(schedule.at_epoch(epoch)))


@keras.saving.register_keras_serializable(package="dlsuite")
class WarmupSchedule(keras.optimizers.schedules.LearningRateSchedule):
    """A per-step learning rate: a linear warm-up to `peak`, then `kind`: `cosine` decay to 0, `step`
    (x0.1 at 50 % and again at 75 % of the epochs, as the ResNet paper's 32k/48k of 64k steps) or
    `constant`. `steps_per_epoch` turns steps into (fractional) epochs."""

    KINDS = ("cosine", "step", "constant")

    def __init__(self, peak, epochs, steps_per_epoch, warmup_epochs=0.0, kind="cosine"):
        if kind not in self.KINDS:
            raise ValueError(f"schedule must be one of {', '.join(self.KINDS)}; got {kind!r}.")
        self.peak, self.epochs, self.steps_per_epoch = float(peak), int(epochs), int(steps_per_epoch)
        self.warmup_epochs, self.kind = float(warmup_epochs), kind

    def at_epoch(self, epoch):
        """The rate at a (fractional) epoch, as a tensor; what the optimizer gets at every step."""
        epoch = tf.cast(epoch, tf.float32)
        if self.kind == "cosine":
            span = max(self.epochs - self.warmup_epochs, 1e-9)
            progress = tf.clip_by_value((epoch - self.warmup_epochs) / span, 0.0, 1.0)
            rate = self.peak * 0.5 * (1.0 + tf.cos(math.pi * progress))
        elif self.kind == "step":
            drops = tf.cast(epoch >= 0.5 * self.epochs, tf.float32) + tf.cast(
                epoch >= 0.75 * self.epochs, tf.float32
            )
            rate = self.peak * tf.pow(0.1, drops)
        else:
            rate = tf.constant(self.peak)
        if self.warmup_epochs > 0:
            rate = tf.minimum(rate, self.peak * (epoch + 1.0 / self.steps_per_epoch) / self.warmup_epochs)
        return rate

    def __call__(self, step):
        return self.at_epoch(tf.cast(step, tf.float32) / self.steps_per_epoch)

    def get_config(self):
        return {
            "peak": self.peak,
            "epochs": self.epochs,
            "steps_per_epoch": self.steps_per_epoch,
            "warmup_epochs": self.warmup_epochs,
            "kind": self.kind,
        }


def make_optimizer(name, learning_rate, *, momentum=0.9, weight_decay=0.0):
    """`sgd` (with `momentum`), `adam` or `adamw`; `weight_decay` is decoupled (Keras' `weight_decay`:
    each step shrinks the weights by learning rate x weight_decay). Adam takes none: use adamw."""
    decay = weight_decay or None
    if name == "sgd":
        return keras.optimizers.SGD(learning_rate, momentum=momentum, weight_decay=decay)
    if name == "adamw":
        return keras.optimizers.AdamW(learning_rate, weight_decay=weight_decay)
    if name == "adam":
        if weight_decay:
            raise ValueError("adam takes no weight decay; use adamw (decoupled) or sgd.")
        return keras.optimizers.Adam(learning_rate)
    raise ValueError(f"optimizer must be sgd, adam or adamw; got {name!r}.")


def classification_loss(label_smoothing=0.0):
    """Cross-entropy of probabilities against integer labels, with optional label smoothing (which
    Keras' sparse loss lacks: the labels become smoothed one-hot vectors)."""
    if not label_smoothing:
        return "sparse_categorical_crossentropy"

    def smoothed_crossentropy(labels, probabilities):
        classes = keras.ops.shape(probabilities)[-1]
        one_hot = keras.ops.one_hot(keras.ops.reshape(keras.ops.cast(labels, "int32"), [-1]), classes)
        return keras.losses.categorical_crossentropy(one_hot, probabilities, label_smoothing=label_smoothing)

    return smoothed_crossentropy


def count_batches(dataset):
    """Batches in one pass of `dataset` (a cached dataset's pass also fills its cache)."""
    return int(dataset.reduce(0, lambda n, _: n + 1))


def fit_and_record(
    model, train_ds, eval_ds, *, epochs, run_dir, extra, learning_rate=None, callbacks=(), **fit_arguments
):
    """`model.fit` with TensorBoard, epoch timing, `callbacks` and, given a `learning_rate`, its per-epoch
    cosine decay; then `record_history` into the model run dir. `fit_arguments` go to `fit` (`y`,
    `batch_size`, ... for a model that takes raw inputs). Returns the history dict."""
    epoch_timer = EpochTimer()
    decay = [cosine_decay(learning_rate, epochs)] if learning_rate else []
    history = model.fit(
        train_ds,
        validation_data=eval_ds,
        epochs=epochs,
        verbose=1 if sys.stdout.isatty() else 2,
        callbacks=[
            keras.callbacks.TensorBoard(log_dir=os.path.join(run_dir, "tensorboard")),
            *decay,
            *callbacks,
            epoch_timer,
        ],
        **fit_arguments,
    ).history
    record_history(run_dir, history, epoch_timer.seconds, extra)
    return history


class EpochTimer(keras.callbacks.Callback):
    """Records the wall-clock seconds of each training epoch."""

    def __init__(self):
        super().__init__()
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._start)


def transformed_dataset(file_pattern, tft_output, keys, batch_size, shuffle, seed, keep=None, augment=None):
    """Raw tf.Examples -> the Transform graph -> batches of the transformed `keys` (a tuple), cached in
    memory. `keep`, a predicate on one transformed example's dict, filters examples out; `augment`
    maps each cached example tuple to a new one (fresh randomness every epoch) before batching."""
    files = tf.io.gfile.glob(file_pattern)
    raw_spec = tft_output.raw_feature_spec()
    tft_layer = tft_output.transform_features_layer()

    ds = (
        tf.data.TFRecordDataset(files, compression_type="GZIP", num_parallel_reads=tf.data.AUTOTUNE)
        .batch(1024)
        .map(
            lambda serialized: tft_layer(tf.io.parse_example(serialized, raw_spec)),
            num_parallel_calls=tf.data.AUTOTUNE,
        )
        .unbatch()
    )
    if keep is not None:
        ds = ds.filter(keep)
    ds = ds.map(lambda transformed: tuple(transformed[k] for k in keys)).cache()
    if shuffle:
        ds = ds.shuffle(20_000, seed=seed, reshuffle_each_iteration=True)
    if augment is not None:
        ds = ds.map(augment, num_parallel_calls=tf.data.AUTOTUNE)
    return ds.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def transformed_columns(file_pattern, tft_output, keys):
    """{key: NumPy array [N]} of scalar transformed features `keys`: a whole split in memory, in order."""
    columns = {key: [] for key in keys}
    for batch in transformed_dataset(file_pattern, tft_output, tuple(keys), 4096, shuffle=False, seed=0):
        for key, values in zip(keys, batch):
            columns[key].append(tf.reshape(values, [-1]).numpy())
    if not columns[keys[0]]:
        raise ValueError(f"no examples in {file_pattern}")
    return {key: np.concatenate(parts) for key, parts in columns.items()}


def save_history(run_dir, history, epoch_seconds, extra=None):
    """Writes `history.json` (per-epoch metrics and seconds) into the model run dir."""
    record = {
        "history": {k: [float(v) for v in vs] for k, vs in history.items()},
        "epoch_seconds": epoch_seconds,
        **(extra or {}),
    }
    with tf.io.gfile.GFile(os.path.join(run_dir, "history.json"), "w") as f:
        json.dump(record, f, indent=2)


def record_history(run_dir, history, epoch_seconds, extra=None):
    """`history.json` and `training_curves.png` in the model run dir: what every run_fn leaves."""
    save_history(run_dir, history, epoch_seconds, extra)
    plot_history(history, os.path.join(run_dir, "training_curves.png"))


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
