"""Layers shared by more than one model family."""

from keras_models.layers.embedding_bag import EmbeddingBag
from keras_models.layers.hierarchical_softmax import HierarchicalSoftmax, HuffmanTree, huffman_tree
from keras_models.layers.lrn import LocalResponseNormalization

__all__ = ["EmbeddingBag", "HierarchicalSoftmax", "HuffmanTree", "LocalResponseNormalization", "huffman_tree"]
