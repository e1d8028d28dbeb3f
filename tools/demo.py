"""`make demo`: run the image classification pipeline on Fashion-MNIST, then serve a few predictions.

The pushed version is loaded the way TF Serving loads it (a SavedModel from
`<base>/<model>/<version>/`, called through its `predict_images` signature).
"""

import json
import os
import sys

from tools import cli

SAMPLES = 16


def show_predictions(summary_path, data_dir):
    import numpy as np
    import tensorflow as tf

    from components.idx_example_gen import idx
    from pipelines.image_classification.features import FASHION_MNIST_CLASSES as CLASSES

    summary = json.load(open(summary_path))
    images, labels = idx.load(
        os.path.join(data_dir, "t10k-images-idx3-ubyte.gz"),
        os.path.join(data_dir, "t10k-labels-idx1-ubyte.gz"),
    )
    images, labels = images[:SAMPLES], labels[:SAMPLES]
    model = tf.saved_model.load(summary["pushed_model"])
    outputs = model.signatures["predict_images"](images=tf.constant(images, tf.float32))
    predicted = outputs["class_ids"].numpy()
    confidence = outputs["probabilities"].numpy().max(axis=-1)

    print(f"\nPredictions of {summary['pushed_model']} (signature predict_images) on test images:")
    for i, (p, c, t) in enumerate(zip(predicted, confidence, labels)):
        mark = "ok" if p == t else "WRONG"
        print(f"  #{i:<3d} predicted {CLASSES[p]:12s} ({c:5.1%})  true {CLASSES[t]:12s} {mark}")
    print(
        f"  {np.mean(predicted == labels):.0%} right on these {len(labels)}; "
        f"eval-split accuracy {summary['metrics']['accuracy']:.4f}"
    )
    grid = os.path.join(os.path.dirname(summary_path), "predictions.png")
    _save_grid(images, labels, predicted, CLASSES, grid)
    print(f"  sample grid: {grid}")


def _save_grid(images, labels, predicted, classes, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, len(images) // 2, figsize=(len(images) * 0.9, 4))
    for ax, image, label, guess in zip(axes.flat, images, labels, predicted):
        ax.imshow(image, cmap="gray_r")
        ax.set_title(
            f"{classes[guess]}\n(true: {classes[label]})",
            fontsize=7,
            color="green" if guess == label else "red",
        )
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    args = cli.build_parser().parse_args(["run", "image_classification", *argv])
    code = args.func(args)
    if code == 0:
        show_predictions(os.path.join(args.output_dir, "summary.json"), args.data)
    return code


if __name__ == "__main__":
    sys.exit(main())
