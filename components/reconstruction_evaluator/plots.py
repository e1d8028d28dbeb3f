"""The evaluator's PNGs: reconstructions, VAE samples and latent traversal, and a 2-D latent map."""

import numpy as np
import tensorflow as tf


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path):
    plt = _pyplot()
    fig.tight_layout()
    with tf.io.gfile.GFile(path, "wb") as f:
        fig.savefig(f, format="png", dpi=90)
    plt.close(fig)


def image_grid(rows, row_titles, path, title):
    """Each of `rows` is a list of [H, W] 0..255 images drawn side by side."""
    plt = _pyplot()
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
    _save(fig, path)


def latent_map(codes, labels, class_names, path, seed=0):
    """Codes in 2-D (as they are, or by t-SNE when they have more dimensions), coloured by class."""
    plt = _pyplot()
    if codes.shape[1] > 2:
        from sklearn.manifold import TSNE

        points = TSNE(n_components=2, init="pca", random_state=seed, perplexity=30).fit_transform(codes)
        how = f"t-SNE of the {codes.shape[1]}-d codes"
    else:
        points, how = codes, "the 2-d codes"
    fig, ax = plt.subplots(figsize=(7, 6))
    for label in np.unique(labels):
        chosen = labels == label
        name = class_names[label] if label < len(class_names) else str(label)
        ax.scatter(points[chosen, 0], points[chosen, 1], s=4, label=name, alpha=0.7)
    ax.legend(markerscale=3, fontsize=7, loc="best")
    ax.set_title(f"Latent map: {how}, {len(codes)} eval images")
    ax.set_xticks([])
    ax.set_yticks([])
    _save(fig, path)
