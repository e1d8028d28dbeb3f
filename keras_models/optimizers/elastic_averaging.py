"""Elastic Averaging SGD (EASGD) and its momentum variant EAMSGD, with p workers simulated in one process.

Zhang, Choromanska & LeCun, "Deep learning with Elastic Averaging SGD", NIPS 2015. p workers each
hold a copy x_i of the parameters and run SGD on their own batches; a centre variable x̃ (the
parameter server's copy) is tied to them by an elastic force. Every `period` (τ) local steps:

    x_i ← x_i − α (x_i − x̃)                    (each worker is pulled towards the centre)
    x̃  ← x̃ + α Σ_i (x_i − x̃)                  (the centre is pulled towards the workers)

α is the moving rate and β = pα the centre's overall pull (the paper's default β = 0.9). The force
is symmetric, so Σ_i x_i + x̃ is unchanged by it: the workers may explore (they are only loosely
tied), while the centre is a moving average of them and is the model one evaluates or exports.
This is the synchronous form: the workers step in lockstep. As in the paper's Algorithms 1 and 2,
the elastic difference and the gradient are both taken at the worker's value before the step.

EAMSGD (`momentum` δ > 0, the paper's Algorithm 2) uses Nesterov momentum in the local steps:

    v_i ← δ v_i − η ∇f(x_i + δ v_i);   x_i ← x_i + v_i   (after the elastic pull, if any)

`devices`: worker i's variables and steps live on devices[i % len(devices)], so with several GPUs
the workers really run in parallel (TensorFlow dispatches each worker's ops to its device).
"""

import keras
import numpy as np
import tensorflow as tf

PAPER_BETA = 0.9  # β = pα, the moving rate the paper uses in all its experiments


def default_devices():
    """The logical GPUs when there are any (several: one worker per GPU in turn), else the CPU."""
    gpus = tf.config.list_logical_devices("GPU")
    return [d.name for d in gpus] if gpus else ["/CPU:0"]


class ElasticAveraging:
    """Elastic Averaging SGD: p workers tied to a centre variable (the course's EASGD, chapter 4).

    `build_model()` is called p + 1 times (centre and workers); the workers start from the centre's
    weights. The loss is `loss(y, model(x))` (default: sparse categorical cross-entropy on logits).

    Args:
        build_model: a function returning a Keras model (built or not: an unbuilt one is built on the
            first batch).
        workers: p, the number of simulated workers.
        learning_rate: η, the local SGD step.
        moving_rate: α; default PAPER_BETA / p (β = 0.9). α = 0: p independent SGD runs.
        period: τ, the number of local steps between elastic updates.
        momentum: δ; > 0 gives EAMSGD (Nesterov momentum in the local steps).
        devices: device names; worker i runs on devices[i % len(devices)], the centre on devices[0].
            Default: `default_devices()`.
        loss: a Keras loss (anything `keras.losses.get` accepts; per-example losses are averaged).
        seed: seeds the order in which each worker visits the data in `fit`.

    Example:

    ```python
    import keras
    from keras_models.optimizers import ElasticAveraging

    def build_model():
        return keras.Sequential([keras.Input((784,)), keras.layers.Dense(128, activation="relu"),
                                 keras.layers.Dense(10)])

    easgd = ElasticAveraging(build_model, workers=4, learning_rate=0.01, period=10, momentum=0.9)
    history = easgd.fit(x_train, y_train, epochs=3, batch_size=64, validation_data=(x_test, y_test))
    history["center"]["accuracy"], [w["accuracy"] for w in history["workers"]]
    easgd.center.save("center.keras")  # the centre variable is the model to keep
    ```
    """

    def __init__(self, build_model, workers=4, learning_rate=0.01, moving_rate=None, period=10,
                 momentum=0.0, devices=None, loss=None, seed=0):  # fmt: skip
        if workers < 1 or period < 1:
            raise ValueError(f"workers ({workers}) and period ({period}) must be at least 1")
        self.p = int(workers)
        self.learning_rate = float(learning_rate)
        self.moving_rate = PAPER_BETA / self.p if moving_rate is None else float(moving_rate)
        self.period = int(period)
        self.momentum = float(momentum)
        self.devices = list(devices) if devices else default_devices()
        self.loss = keras.losses.get(loss) if loss else keras.losses.SparseCategoricalCrossentropy(True)
        self.rng = np.random.default_rng(seed)
        self.iterations = 0  # synchronous steps taken; an elastic update when iterations % period == 0
        with tf.device(self.devices[0]):
            self.center = build_model()
        self.workers = []
        for i in range(self.p):
            with tf.device(self.device(i)):
                self.workers.append(build_model())
        self._velocities = None
        self._step = tf.function(self._train_step)
        self._forward = {}
        if all(model.built and model.weights for model in [self.center, *self.workers]):
            self._start()

    def device(self, i):
        """The device of worker i."""
        return self.devices[i % len(self.devices)]

    @property
    def config(self):
        """The hyperparameters, for reports."""
        return {"workers": self.p, "learning_rate": self.learning_rate, "moving_rate": self.moving_rate,
                "period": self.period, "momentum": self.momentum, "devices": self.devices}  # fmt: skip

    def _build(self, x):
        """Builds unbuilt models on one example, each on its own device, then starts them."""
        for i, model in [(None, self.center), *enumerate(self.workers)]:
            with tf.device(self.devices[0] if i is None else self.device(i)):
                model(x[:1])
        self._start()

    def _start(self):
        """Workers take the centre's weights; EAMSGD's velocities start at 0."""
        weights = self.center.get_weights()
        self._velocities = []
        for i, model in enumerate(self.workers):
            model.set_weights(weights)
            with tf.device(self.device(i)):
                self._velocities.append(
                    [tf.Variable(tf.zeros_like(w), trainable=False) for w in model.trainable_variables]
                )

    @staticmethod
    def _elastic(model):
        """The variables the elastic force acts on: every float weight (not the random seeds' state)."""
        return [w for w in model.weights if "float" in str(w.dtype)]

    def _train_step(self, xs, ys, communicate):
        """One synchronous step of every worker (worker i on xs[i], ys[i]); elastic update if
        `communicate` (a Python bool: one trace with and one without).

        The phases are chained by explicit control dependencies (look-ahead, gradient, back to x_i and
        the elastic differences, updates) rather than left to tf.function's ordering of variable reads
        and writes; the workers' chains are independent, so they run concurrently on their devices."""
        eta, alpha, delta = self.learning_rate, self.moving_rate, self.momentum
        pulls, losses = [], []  # per worker: the elastic differences x_i − x̃; the batch loss
        for i, model in enumerate(self.workers):
            with tf.device(self.device(i)):
                weights = [w.value for w in model.trainable_variables]  # the tf.Variables
                velocity = self._velocities[i]
                # Nesterov: the gradient at the look-ahead point x_i + δ v_i.
                ahead = [w.assign_add(delta * v) for w, v in zip(weights, velocity)] if delta else []
                with tf.control_dependencies(ahead):
                    with tf.GradientTape() as tape:
                        loss = tf.reduce_mean(self.loss(ys[i], model(xs[i], training=True)))
                        if model.losses:
                            loss += tf.add_n(model.losses)
                    grads = tape.gradient(loss, model.trainable_variables)
                with tf.control_dependencies([loss, *grads]):
                    back = [w.assign_sub(delta * v) for w, v in zip(weights, velocity)] if delta else []
                with tf.control_dependencies(back):  # both the pull and the gradient taken at x_i
                    diffs = [
                        w.value.read_value() - c.value.read_value()
                        for w, c in zip(self._elastic(model), self._elastic(self.center))
                    ] if communicate else []  # fmt: skip
                with tf.control_dependencies([*grads, *diffs]):
                    for w, d in zip(self._elastic(model), diffs):
                        w.value.assign_sub(alpha * d)
                    for w, v, g in zip(weights, velocity, grads):
                        if delta:
                            w.assign_add(v.assign(delta * v - eta * g))
                        else:
                            w.assign_sub(eta * g)
                pulls.append(diffs)
                losses.append(loss)
        if communicate:
            with tf.device(self.devices[0]), tf.control_dependencies([d for diffs in pulls for d in diffs]):
                for c, diffs in zip(self._elastic(self.center), zip(*pulls)):
                    c.value.assign_add(alpha * tf.add_n(list(diffs)))
        return tf.stack(losses)

    def train_step(self, xs, ys):
        """One synchronous step: worker i trains on the batch (xs[i], ys[i]); xs [p, batch, ...].
        Returns the p workers' batch losses (before the step)."""
        if self._velocities is None:
            self._build(np.asarray(xs[0]))
        communicate = self.iterations % self.period == 0
        losses = self._step(tf.convert_to_tensor(xs), tf.convert_to_tensor(ys), communicate)
        self.iterations += 1
        return losses.numpy()

    def evaluate(self, model, x, y, batch_size=1024):
        """(mean loss, accuracy) of `model` (the centre or a worker) on (x, y); accuracy is the argmax's
        and None for a model with one output."""
        if model not in self._forward:  # one trace per model, whatever the batch size
            spec = tf.TensorSpec([None, *np.shape(x)[1:]], tf.as_dtype(np.asarray(x[:1]).dtype))
            self._forward[model] = tf.function(
                lambda inputs: model(inputs, training=False), input_signature=[spec]
            )
        total, correct = 0.0, 0
        for start in range(0, len(x), batch_size):
            out = self._forward[model](tf.convert_to_tensor(x[start : start + batch_size]))
            yb = y[start : start + batch_size]
            total += float(tf.reduce_mean(self.loss(yb, out))) * len(yb)
            if out.shape[-1] > 1:
                correct += int(np.sum(np.argmax(out.numpy(), axis=-1) == yb))
        accuracy = correct / len(x) if out.shape[-1] > 1 else None
        return total / len(x), accuracy

    def fit(self, x, y, epochs=1, batch_size=32, validation_data=None, eval_every=None, progress=None):
        """Trains for `epochs` passes of every worker over (x, y), each worker in its own random order
        (so each epoch every worker processes len(x) samples; the last partial batch is dropped).

        Every `eval_every` steps (default: once an epoch) and at step 0, records the centre's and each
        worker's loss and accuracy on `validation_data` (x_val, y_val), and the workers' mean batch loss
        since the last record. `progress`: anything with `update(n)` (a tqdm bar), called every step.

        Returns (and keeps as `self.history`) {"step", "samples_per_worker", "train_loss",
        "center": {"loss", "accuracy"}, "workers": [{"loss", "accuracy"}] * p}.
        """
        x, y = np.asarray(x), np.asarray(y)
        steps = len(x) // batch_size
        if steps == 0:
            raise ValueError(f"batch_size {batch_size} is larger than the {len(x)} training examples")
        eval_every = eval_every or steps
        history = {"step": [], "samples_per_worker": [], "train_loss": [],
                   "center": {"loss": [], "accuracy": []},
                   "workers": [{"loss": [], "accuracy": []} for _ in self.workers]}  # fmt: skip
        if self._velocities is None:
            self._build(x)
        batch_losses = []

        def record():
            history["step"].append(self.iterations)
            history["samples_per_worker"].append(self.iterations * batch_size)
            history["train_loss"].append(float(np.mean(batch_losses)) if batch_losses else None)
            batch_losses.clear()
            if validation_data is not None:
                for model, curves in [(self.center, history["center"]),
                                      *zip(self.workers, history["workers"])]:  # fmt: skip
                    loss, accuracy = self.evaluate(model, *validation_data)
                    curves["loss"].append(loss)
                    curves["accuracy"].append(accuracy)

        record()
        for _ in range(epochs):
            orders = [self.rng.permutation(len(x)) for _ in self.workers]
            for s in range(steps):
                rows = np.stack([order[s * batch_size : (s + 1) * batch_size] for order in orders])
                batch_losses.append(float(np.mean(self.train_step(x[rows], y[rows]))))
                if progress is not None:
                    progress.update(1)
                if self.iterations % eval_every == 0:
                    record()
        if batch_losses:
            record()
        self.history = history
        return history
