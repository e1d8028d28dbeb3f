"""Transfer learning (course 15.2): reuse a network's features on a new task with little data.

Yosinski et al. 2014, "How transferable are features in deep neural networks?". A LeNet-5 learns a
source task; a target task then trains three ways from the same target examples:
- from scratch (random initial weights);
- frozen features: the source network's convolutional layers kept as they are, the dense head (f6
  from the source, a new classifier) trained: what `--freeze-features` does in the pipeline;
- fine-tuned: the source network's weights (and a new classifier) as the starting point, every
  layer trained.
Each at 1 %, 10 % and 100 % of the target's training images. The source and target are the two
halves of Fashion-MNIST's classes (T-shirt, trouser, pullover, dress, coat → sandal, shirt,
sneaker, bag, ankle boot). When the image pipeline has pushed a LeNet-5 under runs/ (`dlsuite run
image_classification`), the same three ways also carry it to scikit-learn's handwritten digits
(8×8, scaled up to 28×28): a model pushed by the pipeline, read back the way `--init-from` reads it.
"""

import dataclasses
import glob
import os

import keras
import numpy as np
from tqdm import tqdm

from keras_models.vision import zoo
from pipelines.image_classification import transfer
from tools.experiments import curves, data
from tools.experiments.report import Finding, Report, plot_panels, status

CLAIM = (
    "Features learnt on one task transfer to a related one: with 1 % of the target data a fine-tuned "
    "pretrained network beats one trained from scratch, and so does retraining only the head on frozen "
    "features; with all the data the advantage shrinks."
)
SOURCE, TARGET = (0, 1, 2, 3, 4), (5, 6, 7, 8, 9)
METHODS = {"scratch": "from scratch", "frozen": "frozen features", "fine_tuned": "fine-tuned"}
PUSHED_GLOB = os.path.join("runs", "image_classification", "*", "serving", "lenet5", "*", "saved_model.pb")
SIGMAS = 2.0  # a difference of accuracies counts beyond 2 standard errors


@dataclasses.dataclass(frozen=True)
class Config:
    train_size: int = 60000  # all of Fashion-MNIST's training images (both halves)
    fractions: tuple = (0.01, 0.1, 1.0)
    source_epochs: int = 5
    target_steps: int = 600  # per run, whatever the fraction: small sets see many epochs
    batch: int = 64
    learning_rate: float = 1e-3  # Adam, for every method
    test_size: int = 0
    pushed: bool = True  # also the pushed pipeline model -> digits, when one exists


FULL = Config()
QUICK = Config(
    train_size=1000, fractions=(0.1, 1.0), source_epochs=1, target_steps=20, test_size=250, pushed=False
)


def split_classes(d, classes):
    """The examples of `classes`, relabelled 0..len(classes)-1; images [n, 28, 28, 1]."""

    def pick(x, y):
        keep = np.isin(y, classes)
        return x[keep], np.searchsorted(classes, y[keep])

    (x_train, y_train), (x_test, y_test) = pick(d.x_train, d.y_train), pick(d.x_test, d.y_test)
    return dataclasses.replace(d, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)


def lenet(classes, seed):
    keras.utils.set_random_seed(seed)
    return zoo.build("lenet5", classes, (28, 28, 1))


def compile_model(model, learning_rate):
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def adapt(source, method, classes, seed, learning_rate):
    """The target network: a fresh LeNet-5, or the source's weights under a new classifier; frozen keeps
    the convolutional features as they are (`--freeze-features`'s rule) and trains the dense head."""
    model = lenet(classes, seed + 1)  # the same new classifier's initial weights for every method
    if method != "scratch":
        for mine, theirs in zip(model.layers, source.layers):
            if mine.name != "logits" and mine.weights:
                mine.set_weights(theirs.get_weights())
    if method == "frozen":
        transfer.freeze_features(model)
    return compile_model(model, learning_rate)


def train_target(source, d, fraction, method, config, seed):
    """Test accuracy after config.target_steps steps on the first `fraction` of a seeded shuffle."""
    n = max(config.batch, int(round(fraction * len(d.x_train))))
    keep = np.random.default_rng(seed).permutation(len(d.x_train))[:n]
    model = adapt(source, method, int(d.y_train.max()) + 1, seed, config.learning_rate)
    epochs = max(1, int(np.ceil(config.target_steps * config.batch / n)))
    steps = int(np.ceil(n / config.batch))
    model.fit(d.x_train[keep], d.y_train[keep], batch_size=config.batch, epochs=epochs, verbose=0,
              steps_per_epoch=min(steps, config.target_steps))  # fmt: skip
    _, accuracy = model.evaluate(d.x_test, d.y_test, batch_size=1000, verbose=0)
    return {"examples": n, "epochs": epochs, "accuracy": float(accuracy)}


def digits():
    """scikit-learn's 8×8 digits scaled up to 20×20 in a 28×28 frame (MNIST's layout), in [0, 1]."""
    import tensorflow as tf

    d = data.sklearn_split("digits")

    def frame(x):
        images = tf.image.resize(x.reshape(-1, 8, 8, 1) / 16.0, (20, 20)).numpy()
        return np.pad(images, ((0, 0), (4, 4), (4, 4), (0, 0))).astype("float32")

    return dataclasses.replace(d, x_train=frame(d.x_train), x_test=frame(d.x_test))


def pushed_source():
    """The newest LeNet-5 the image pipeline pushed under runs/, read back as --init-from does, or None."""
    found = sorted(glob.glob(PUSHED_GLOB), key=os.path.getmtime)
    if not found:
        return None, None
    folder = os.path.dirname(found[-1])
    model = lenet(10, 0)
    transfer.restore(model, folder, "lenet5")
    return model, folder


def judge(results, n_test):
    small, full = min(results), max(results)
    margin = lambda a: curves.accuracy_margin(a, n_test, SIGMAS)  # noqa: E731
    at_small, at_full = results[small], results[full]
    fine_gain = at_small["fine_tuned"] - at_small["scratch"]
    frozen_gain = at_small["frozen"] - at_small["scratch"]
    little = Finding(
        "little data",
        f"with {small:.0%} of the target data fine-tuning (and frozen features) beat training from scratch",
        status(fine_gain > margin(at_small["scratch"]), frozen_gain > margin(at_small["scratch"])),
        f"at {small:.0%}: fine-tuned {at_small['fine_tuned']:.3f}, frozen {at_small['frozen']:.3f}, scratch "
        f"{at_small['scratch']:.3f} (a difference counts beyond {margin(at_small['scratch']):.3f}, "
        f"{SIGMAS:g} standard errors)",
    )
    gap_small = at_small["fine_tuned"] - at_small["scratch"]
    gap_full = at_full["fine_tuned"] - at_full["scratch"]
    catches_up = Finding(
        "scratch catches up",
        "with all the target data the advantage shrinks (to under half)",
        status(gap_full < gap_small, gap_full <= gap_small / 2),
        f"fine-tuned minus scratch: {gap_small:+.3f} at {small:.0%}, {gap_full:+.3f} at {full:.0%}",
    )
    return [little, catches_up]


def transfer_runs(source, d, config, seed, bar):
    """{fraction: {method: accuracy}} and the example counts, every method on the same examples."""
    results, details = {}, {}
    for fraction in config.fractions:
        results[fraction] = {}
        for method in METHODS:
            run = train_target(source, d, fraction, method, config, seed)
            results[fraction][method] = run["accuracy"]
            details[f"{fraction}/{method}"] = run
            bar.update()
    return results, details


def _rows(task, results, details):
    return [
        [task, f"{fraction:.0%}", details[f"{fraction}/scratch"]["examples"],
         *(f"{results[fraction][m]:.3f}" for m in METHODS)]
        for fraction in results
    ]  # fmt: skip


def run(output_dir, quick=False, seed=0):
    config = QUICK if quick else FULL
    d = data.fashion_mnist(config.train_size, config.test_size, seed=seed, quick=quick, flat=False)
    source_data, target_data = split_classes(d, SOURCE), split_classes(d, TARGET)
    pushed, folder = pushed_source() if config.pushed else (None, None)
    tasks = 1 + (pushed is not None)
    with tqdm(
        total=config.source_epochs + tasks * len(config.fractions) * len(METHODS), desc="transfer"
    ) as bar:
        source = compile_model(lenet(len(SOURCE), seed), config.learning_rate)
        for _ in range(config.source_epochs):
            source.fit(source_data.x_train, source_data.y_train, batch_size=config.batch, verbose=0)
            bar.update()
        _, source_accuracy = source.evaluate(source_data.x_test, source_data.y_test, verbose=0)
        results, details = transfer_runs(source, target_data, config, seed, bar)
        if pushed is not None:
            digit_data = digits()
            digit_results, digit_details = transfer_runs(pushed, digit_data, config, seed, bar)

    findings = judge(results, len(target_data.y_test))
    rows = _rows("Fashion-MNIST classes 0-4 → 5-9", results, details)
    curves_by_task = [("Fashion-MNIST classes 0-4 → 5-9", results)]
    summary = {"source_test_accuracy": float(source_accuracy), "class_groups": {"results": results,
               "runs": details}}  # fmt: skip
    if pushed is not None:
        pushed_finding = judge(digit_results, len(digit_data.y_test))[0]
        findings.append(dataclasses.replace(pushed_finding, key="pushed model → digits"))
        rows += _rows("pushed LeNet-5 → digits", digit_results, digit_details)
        curves_by_task.append(("pushed LeNet-5 (Fashion-MNIST) → digits", digit_results))
        summary["pushed_to_digits"] = {"model": folder, "results": digit_results, "runs": digit_details}
    plot = plot_panels(
        f"{output_dir}/transfer.png",
        [(title, {label: ([100 * f for f in r], [r[f][m] for f in r]) for m, label in METHODS.items()})
         for title, r in curves_by_task],
        xlabel="% of the target's training images", ylabel="test accuracy", logy=False,
    )  # fmt: skip
    return Report(
        name="transfer_learning",
        claim=CLAIM,
        setup=[
            d.source + ". Source: classes 0-4 (T-shirt/top, trouser, pullover, dress, coat); target: "
            "classes 5-9 (sandal, shirt, sneaker, bag, ankle boot), each relabelled 0-4.",
            f"LeNet-5 (`keras_models.vision.zoo`), Adam {config.learning_rate}, batches of {config.batch}; "
            f"the source trains {config.source_epochs} epochs (test accuracy on its classes "
            f"{source_accuracy:.3f}).",
            f"Target: {config.target_steps} steps per run whatever the fraction; the same seeded examples "
            "for the three methods; frozen: the convolutional layers kept, the dense head (f6 from the "
            "source, a new classifier) trains; fine-tuned: the source's weights, a new classifier, every "
            "layer trains; scratch: fresh weights.",
            (
                f"Pushed model: {folder}, read back as `--init-from` does; digits: scikit-learn's 8×8 scaled "
                "to 20×20 in a 28×28 frame."
                if pushed is not None
                else "No LeNet-5 pushed by `dlsuite run image_classification` under runs/: the rows of "
                "the pushed model → digits are left out."
            ),
        ],  # fmt: skip
        headers=["task", "target data", "examples", *METHODS.values()],
        rows=rows,
        plots=[("Target test accuracy against the share of the target's training data", plot)],
        findings=findings,
        results={"config": dataclasses.asdict(config), **summary},
    )
