"""Plot helpers the custom evaluators share: matplotlib without a display, PNGs through tf.io.gfile."""

import numpy as np
import tensorflow as tf


def pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save(fig, path):
    plt = pyplot()
    fig.tight_layout()
    with tf.io.gfile.GFile(path, "wb") as f:
        fig.savefig(f, format="png", dpi=90)
    plt.close(fig)


def image_grid(rows, row_titles, path, title):
    """Each of `rows` is a list of [H, W] 0..255 images drawn side by side."""
    plt = pyplot()
    columns = max(len(r) for r in rows)
    fig, axes = plt.subplots(
        len(rows), columns, figsize=(columns * 0.9, len(rows) * 1.0 + 0.4), squeeze=False
    )
    for r, (images, name) in enumerate(zip(rows, row_titles)):
        for c in range(columns):
            ax = axes[r][c]
            ax.axis("off")
            if c < len(images):
                ax.imshow(np.clip(images[c], 0, 255), cmap="gray", vmin=0, vmax=255)
        axes[r][0].set_title(name, fontsize=8, loc="left")
    fig.suptitle(title, fontsize=10)
    save(fig, path)
