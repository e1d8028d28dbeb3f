"""Autoencoders (chapter 14): plain, denoising, sparse, PSD, variational and stacked what-where.

Every model takes float32 images in [0, 1], [N, H, W, C], trains with
`model.compile(optimizer="adam")` then `model.fit(images)` (or a dataset of
image batches or of `(images, labels)`; labels are ignored), and exposes
`image_shape`, `code_size`, `encode(images) -> [N, code_size]`,
`decode(codes) -> [N, H, W, C]` in [0, 1] and `model(images)`, the reconstruction.
"""

from keras_models.autoencoders.autoencoder import Autoencoder
from keras_models.autoencoders.denoising import DenoisingAutoencoder
from keras_models.autoencoders.networks import ReconstructionModel
from keras_models.autoencoders.psd import PSD
from keras_models.autoencoders.sparse import SparseAutoencoder
from keras_models.autoencoders.swwae import SWWAE
from keras_models.autoencoders.vae import VAE

__all__ = [
    "PSD",
    "SWWAE",
    "VAE",
    "Autoencoder",
    "DenoisingAutoencoder",
    "ReconstructionModel",
    "SparseAutoencoder",
]
