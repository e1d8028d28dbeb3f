"""HierarchicalSoftmax and its Huffman tree, against a NumPy walk down the tree."""

import keras
import numpy as np
import pytest

from keras_models.layers import HierarchicalSoftmax, huffman_tree


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _reference_probabilities(tree, kernel, hidden):
    """Walks from the root: the right child takes sigmoid(z), the left child sigmoid(-z)."""
    num_classes = tree.num_classes
    root = 2 * num_classes - 2
    probabilities = np.zeros((len(hidden), num_classes))
    stack = [(root, np.ones(len(hidden)))]
    while stack:
        node, p = stack.pop()
        if node < num_classes:
            probabilities[:, node] = p
            continue
        z = hidden @ kernel[:, node - num_classes]
        stack.append((int(tree.right[node]), p * _sigmoid(z)))
        stack.append((int(tree.left[node]), p * _sigmoid(-z)))
    return probabilities


@pytest.mark.parametrize("counts", [[5, 3, 1, 1], [1, 1], [10, 40, 5, 5, 20, 80, 1], [3] * 9])
def test_probabilities_sum_to_one_and_match_numpy(counts):
    layer = HierarchicalSoftmax(len(counts), class_counts=counts, kernel_initializer="random_normal")
    hidden = np.random.default_rng(0).normal(size=(6, 5)).astype("float32")
    probabilities = keras.ops.convert_to_numpy(layer(hidden))
    np.testing.assert_allclose(probabilities.sum(-1), 1.0, rtol=1e-5)
    kernel = keras.ops.convert_to_numpy(layer.kernel)
    np.testing.assert_allclose(probabilities, _reference_probabilities(layer.tree, kernel, hidden), rtol=1e-5)


def test_zero_node_vectors_give_two_to_the_minus_code_length():
    counts = [5, 3, 1, 1]
    probabilities = keras.ops.convert_to_numpy(HierarchicalSoftmax(4, class_counts=counts)(np.ones((1, 3))))
    np.testing.assert_allclose(probabilities[0], 0.5 ** huffman_tree(counts).code_lengths(), rtol=1e-6)


def test_huffman_codes_are_optimal_and_frequent_classes_short():
    # Huffman on (5, 3, 1, 1): codes of lengths 1, 2, 3, 3.
    assert huffman_tree([5, 3, 1, 1]).code_lengths().tolist() == [1, 2, 3, 3]
    # Class order does not matter: the tree follows the counts.
    assert huffman_tree([1, 3, 5, 1]).code_lengths().tolist() == [3, 2, 1, 3]
    counts = np.array([10, 40, 5, 5, 20, 80, 1])
    lengths = huffman_tree(counts).code_lengths()
    for i in range(len(counts)):  # more frequent, never longer
        assert all(lengths[i] <= lengths[j] for j in range(len(counts)) if counts[i] > counts[j])
    assert np.isclose(np.sum(0.5**lengths), 1.0)  # a full binary tree (Kraft equality)
    # Huffman by hand: merge 1+5, 5+6, 10+11, 20+21, 40+41, 80+81: lengths 1 2 3 4 5/6 6.
    assert np.dot(counts, lengths) == 80 * 1 + 40 * 2 + 20 * 3 + 10 * 4 + 5 * 5 + 5 * 6 + 1 * 6


def test_config_round_trip_and_validation():
    layer = HierarchicalSoftmax(3, class_counts=[1, 2, 3], name="hs")
    clone = HierarchicalSoftmax.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    assert clone.tree.code_lengths().tolist() == layer.tree.code_lengths().tolist()
    with pytest.raises(ValueError, match="at least 2 classes"):
        HierarchicalSoftmax(1)
    with pytest.raises(ValueError, match="class_counts has 2 entries"):
        HierarchicalSoftmax(3, class_counts=[1, 2])
