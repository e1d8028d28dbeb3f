"""The evaluator's PNGs: canvases beside their true and predicted masks, and IoU per class."""

import numpy as np

from components.plots import pyplot, save


def class_colours(num_classes):
    """RGB per class: black background, then matplotlib's tab10 (distinct for the 10 item classes)."""
    plt = pyplot()
    tab = plt.get_cmap("tab10").colors
    return np.array([(0.0, 0.0, 0.0), *[tab[i % len(tab)] for i in range(num_classes - 1)]])


def mask_grid(canvases, true, predicted, class_names, path, title):
    """Three rows (canvas, true mask, predicted mask) of up to 8 canvases, with a legend of classes."""
    plt = pyplot()
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    colours = class_colours(len(class_names))
    cmap = ListedColormap(colours)
    columns = min(8, len(canvases))
    rows = (
        ("canvas", canvases, "gray", 255),
        ("true mask", true, cmap, len(class_names) - 1),
        ("predicted mask", predicted, cmap, len(class_names) - 1),
    )
    # One more column, for the legend of the class colours.
    fig, axes = plt.subplots(
        3, columns + 1, figsize=(1.3 * columns + 2.4, 4.4), squeeze=False,
        gridspec_kw={"width_ratios": [1] * columns + [1.8]},
    )  # fmt: skip
    for r, (name, images, colour_map, vmax) in enumerate(rows):
        for c in range(columns + 1):
            axes[r][c].axis("off")
            if c < columns:
                axes[r][c].imshow(images[c], cmap=colour_map, vmin=0, vmax=vmax, interpolation="nearest")
        axes[r][0].set_title(name, fontsize=8, loc="left")
    handles = [Patch(color=colours[i], label=f"{i} {n}") for i, n in enumerate(class_names)]
    axes[1][columns].legend(handles=handles, loc="center", fontsize=7, frameon=False)
    fig.suptitle(title, fontsize=10)
    save(fig, path)


def iou_bars(series, class_names, path, title):
    """IoU per class, a bar group per class; `series` is {label: per-class IoU (NaN: absent)}."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(9, 3.8))
    width = 0.8 / max(len(series), 1)
    positions = np.arange(len(class_names))
    for k, (label, iou) in enumerate(series.items()):
        values = np.nan_to_num(np.asarray(iou, dtype=np.float64), nan=0.0)
        ax.bar(positions + (k - (len(series) - 1) / 2) * width, values, width, label=label)
    ax.set_xticks(positions)
    ax.set_xticklabels(class_names, rotation=35, ha="right", fontsize=8)
    ax.set_ylim(0, 1)
    ax.set_ylabel("IoU")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title(title, fontsize=10)
    save(fig, path)
