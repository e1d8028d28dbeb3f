"""Layers shared by more than one model family, and the course's backprop modules (chapter 3)."""

from keras_models.layers.backprop import (
    Adder,
    Euclidean,
    Linear,
    ScaledTanh,
    SoftmaxTemperature,
    Switch,
    YConnector,
    gradient_check,
    scaled_tanh,
)
from keras_models.layers.embedding_bag import EmbeddingBag
from keras_models.layers.hierarchical_softmax import HierarchicalSoftmax, HuffmanTree, huffman_tree
from keras_models.layers.lrn import LocalResponseNormalization

__all__ = [
    "Adder",
    "EmbeddingBag",
    "Euclidean",
    "HierarchicalSoftmax",
    "HuffmanTree",
    "Linear",
    "LocalResponseNormalization",
    "ScaledTanh",
    "SoftmaxTemperature",
    "Switch",
    "YConnector",
    "gradient_check",
    "huffman_tree",
    "scaled_tanh",
]
