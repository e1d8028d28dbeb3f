"""Kernel methods of the course (chapter 18): kernels, the kernel SVM in the dual, random Fourier features."""

from keras_models.kernels.kernel_svm import KernelSVM
from keras_models.kernels.kernels import linear_kernel, pairwise_kernel, polynomial_kernel, rbf_kernel
from keras_models.kernels.random_features import RandomFourierFeatures

__all__ = [
    "KernelSVM",
    "RandomFourierFeatures",
    "linear_kernel",
    "pairwise_kernel",
    "polynomial_kernel",
    "rbf_kernel",
]
