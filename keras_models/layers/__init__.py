"""Layers shared by more than one model family."""

from keras_models.layers.embedding_bag import EmbeddingBag
from keras_models.layers.hierarchical_softmax import HierarchicalSoftmax, HuffmanTree, huffman_tree

__all__ = ["EmbeddingBag", "HierarchicalSoftmax", "HuffmanTree", "huffman_tree"]
