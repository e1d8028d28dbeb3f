"""The segmentation pipeline's figures beside a classic baseline, on the same eval canvases.

    # the baseline on canvases composed here (the pipeline's defaults: seed 0, 2,000 eval canvases)
    .venv/bin/python -m tools.bench.segmentation_baseline --data /usr/share/datasets/fashion-mnist
    # beside a finished `dlsuite run segmentation --output-dir RUN`, on that run's own eval canvases
    .venv/bin/python -m tools.bench.segmentation_baseline --run RUN

Baseline: threshold the canvas (pixels above canvas.THRESHOLD, i.e. every non-black pixel), label its
connected components (scipy.ndimage.label, 8-connected), crop each component's pixels, shrink it to fit
28x28 when items merged into a larger blob, centre it on a 28x28 frame, classify it with LeNet-5
(keras_models.vision.LeNet5, ReLU and max pooling, trained here on the Fashion-MNIST train split) and
paint the component's pixels with that class. Beside it, the same components painted with their true
majority class: what any per-component classifier could reach at best (overlapping items that merge
into one component cost IoU whatever the classifier). Prints a Markdown table of mean IoU (11 classes,
background included), mean IoU over the 10 item classes, pixel accuracy, and IoU per class.
"""

import argparse
import json
import os
import time

import numpy as np

from components.canvas_example_gen import canvas
from components.canvas_example_gen.examples import read_split_folder
from components.idx_example_gen import idx
from components.segmentation_evaluator import measures
from pipelines.segmentation import configs, features

ITEM = 28


def load_pair(data, prefix):
    return idx.load(
        os.path.join(data, f"{prefix}-images-idx3-ubyte.gz"),
        os.path.join(data, f"{prefix}-labels-idx1-ubyte.gz"),
    )


def train_lenet(images, labels, epochs, seed=0):
    """LeNet-5 (ReLU, max pooling) on 28x28 items in [0, 1]; items are thresholded like the canvases'."""
    import keras

    from keras_models.vision import LeNet5

    keras.utils.set_random_seed(seed)
    x = np.where(images > canvas.THRESHOLD, images, 0).astype("float32")[..., None] / 255.0
    model = LeNet5(num_classes=10, activation="relu", pooling="max")
    model.compile(optimizer=keras.optimizers.Adam(2e-3), loss="sparse_categorical_crossentropy")
    model.fit(x, labels, epochs=epochs, batch_size=128, verbose=2)
    return model


def components(canvases):
    """[(canvas index, component pixels (rows, cols), 28x28 uint8 crop)] of every canvas."""
    from scipy import ndimage

    found = []
    for n, image in enumerate(canvases):
        labelled, count = ndimage.label(image > canvas.THRESHOLD, structure=np.ones((3, 3)))
        for k, box in enumerate(ndimage.find_objects(labelled), start=1):
            own = labelled[box] == k
            crop = np.where(own, image[box], 0)
            scale = ITEM / max(crop.shape)
            if scale < 1:  # merged items: shrink the blob to fit
                crop = ndimage.zoom(crop.astype(np.float32), scale, order=1).clip(0, 255).astype(np.uint8)
            frame = np.zeros((ITEM, ITEM), np.uint8)
            top, left = (ITEM - crop.shape[0]) // 2, (ITEM - crop.shape[1]) // 2
            frame[top : top + crop.shape[0], left : left + crop.shape[1]] = crop
            rows, cols = np.nonzero(own)
            found.append((n, (rows + box[0].start, cols + box[1].start), frame))
    return found


def paint(shape, found, classes):
    """Masks of `shape` with each component painted with its class id (mask value)."""
    masks = np.zeros(shape, np.uint8)
    for (n, pixels, _), value in zip(found, classes):
        masks[n][pixels] = value
    return masks


def majority(found, true):
    """Each component's most frequent true mask value."""
    return [np.bincount(true[n][pixels], minlength=features.NUM_CLASSES).argmax() for n, pixels, _ in found]


def run_figures(run_dir):
    """(eval canvases, masks, the run's metrics) of a finished `dlsuite run segmentation --output-dir`."""
    from pipelines import runner

    nodes = runner.latest_run(os.path.join(run_dir, "metadata.sqlite"), configs.PIPELINE_NAME)
    examples = runner.output_artifact(nodes, "CanvasExampleGen", "examples")
    if examples is None:
        raise SystemExit(f"{run_dir}: no segmentation run with canvases in its metadata.sqlite.")
    summary = json.load(open(os.path.join(run_dir, "summary.json")))
    limit = int(summary["metrics"].get("canvases", 0))
    canvases, masks, _ = read_split_folder(os.path.join(examples.uri, "Split-eval"), limit)
    return canvases, masks, summary


def row(name, metrics):
    per_class = " | ".join(
        f"{metrics.get(f'iou_{measures.slug(c)}', float('nan')):.3f}" for c in features.CLASS_NAMES
    )
    return (
        f"| {name} | {metrics['mean_iou']:.4f} | {metrics['mean_iou_items']:.4f} | "
        f"{metrics['pixel_accuracy']:.4f} | {per_class} |"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", default=configs.DEFAULT_DATA, help="Fashion-MNIST IDX folder (items)")
    parser.add_argument(
        "--run", help="a finished segmentation run's --output-dir: its eval canvases and figures"
    )
    data = configs.DataConfig()
    parser.add_argument("--seed", type=int, default=data.seed, help="canvas seed, without --run")
    parser.add_argument("--eval-canvases", type=int, default=data.eval_canvases, help="without --run")
    parser.add_argument("--lenet-epochs", type=int, default=5, help="LeNet-5 epochs on the train items")
    args = parser.parse_args(argv)

    summary = None
    if args.run:
        canvases, true, summary = run_figures(args.run)
        where = f"the eval canvases of {args.run}"
    else:
        items = load_pair(args.data, "t10k")
        canvases, true, _ = canvas.compose_many(*items, args.seed, "eval", 0, args.eval_canvases)
        where = f"{args.eval_canvases:,} eval canvases, seed {args.seed}"
    started = time.perf_counter()
    lenet = train_lenet(*load_pair(args.data, "train"), epochs=args.lenet_epochs)
    found = components(canvases)
    crops = np.stack([frame for _, _, frame in found]).astype("float32")[..., None] / 255.0
    predicted = lenet.predict(crops, batch_size=1024, verbose=0).argmax(-1) + 1
    seconds = time.perf_counter() - started

    names = features.CLASS_NAMES
    baseline = measures.segmentation_metrics(true, paint(true.shape, found, predicted), names)[0]
    oracle = measures.segmentation_metrics(true, paint(true.shape, found, majority(found, true)), names)[0]
    print(
        f"\n{len(canvases):,} canvases ({where}); {len(found):,} connected components; "
        f"baseline {seconds:.0f} s\n"
    )
    print("| method | mean IoU | mean IoU (items) | pixel accuracy | " + " | ".join(names) + " |")
    print("|---|---:|---:|---:|" + "---:|" * len(names))
    if summary is not None:
        print(row(f"{summary['model']} (pipeline run)", summary["metrics"]))
    print(row(f"threshold + components + LeNet-5 ({args.lenet_epochs} epochs)", baseline))
    print(row("threshold + components + true majority class (bound)", oracle))


if __name__ == "__main__":
    main()
