"""The GAN evaluator's PNGs: image grids and the class histogram of generated samples."""

import numpy as np

from components.plots import image_grid, pyplot, save

__all__ = ["image_grid", "class_histogram"]


def class_histogram(fractions, class_names, path):
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(8, 3.2))
    ax.bar(range(len(fractions)), np.asarray(fractions) * 100)
    ax.axhline(100 / len(fractions), color="gray", linestyle="--", linewidth=1, label="uniform")
    ax.set_xticks(range(len(fractions)), class_names, rotation=30, ha="right", fontsize=8)
    ax.set_ylabel("% of samples")
    ax.set_title("Classes of the generated samples (feature classifier's labels)")
    ax.legend(fontsize=8)
    save(fig, path)
