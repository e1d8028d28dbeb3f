"""The evaluator's PNGs: reconstructions, VAE samples and latent traversal, and a 2-D latent map."""

import numpy as np

from components.plots import image_grid, pyplot, save

__all__ = ["image_grid", "latent_map"]


def latent_map(codes, labels, class_names, path, seed=0):
    """Codes in 2-D (as they are, or by t-SNE when they have more dimensions), coloured by class."""
    plt = pyplot()
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
    save(fig, path)
