"""Hierarchical softmax over a Huffman tree of the class frequencies (Morin & Bengio 2005; fastText)."""

import dataclasses
import heapq

import keras
import numpy as np
from keras import ops


@dataclasses.dataclass(frozen=True)
class HuffmanTree:
    """A binary tree whose leaves are the classes, built as fastText builds it.

    Nodes `0 .. num_classes - 1` are the leaves (class ids); nodes `num_classes ..
    2 * num_classes - 2` are the internal nodes, the root last. Internal node
    `num_classes + j` owns the output vector `j`. At an internal node the right
    child has probability `sigmoid(z)` and the left child `sigmoid(-z)`, where `z`
    is the node's vector times the hidden vector.
    """

    left: np.ndarray  # [2C - 1] child ids (-1 for leaves)
    right: np.ndarray
    parent: np.ndarray  # [2C - 1] parent id (-1 for the root)
    counts: np.ndarray  # [2C - 1]

    @property
    def num_classes(self):
        return (len(self.left) + 1) // 2

    def path(self, leaf):
        """[(internal node index j, goes_right)] from the leaf up to the root."""
        steps, node = [], leaf
        while self.parent[node] != -1:
            parent = self.parent[node]
            steps.append((parent - self.num_classes, bool(self.right[parent] == node)))
            node = parent
        return steps

    def code_lengths(self):
        return np.array([len(self.path(c)) for c in range(self.num_classes)])


TIE_BREAKS = ("word2vec", "gensim")


def huffman_tree(counts, tie_break="word2vec"):
    """Builds a Huffman tree over class `counts` (any order; ties keep class order).

    `tie_break` decides merges among equal counts, which shapes the tree (code
    lengths are the same): `"word2vec"` is word2vec C's and fastText's two-queue
    merge (an inner node before a class, tied classes from the last); `"gensim"`
    is gensim's `heapq` merge on counts alone (ties fall where the heap's sifting
    puts them), the first node popped taking the right branch (gensim's code 0,
    probability `sigmoid(z)`): with gensim's vocabulary order, gensim's very tree.
    """
    counts = np.asarray(counts, dtype=np.float64)
    num_classes = len(counts)
    if num_classes < 2:
        raise ValueError(f"a hierarchical softmax needs at least 2 classes, got {num_classes}.")
    if tie_break not in TIE_BREAKS:
        raise ValueError(f"tie_break must be one of {TIE_BREAKS}, got {tie_break!r}.")
    if tie_break == "gensim":
        return _heap_tree(counts)
    # fastText expects its labels sorted by decreasing count; leaf slots follow that order.
    order = np.argsort(-counts, kind="stable")
    size = 2 * num_classes - 1
    left, right, parent = (np.full(size, -1, np.int64) for _ in range(3))
    node_counts = np.full(size, 1e15)
    node_counts[:num_classes] = counts[order]
    leaf, node = num_classes - 1, num_classes
    for i in range(num_classes, size):
        smallest = []
        for _ in range(2):
            if leaf >= 0 and node_counts[leaf] < node_counts[node]:
                smallest.append(leaf)
                leaf -= 1
            else:
                smallest.append(node)
                node += 1
        left[i], right[i] = smallest
        node_counts[i] = node_counts[smallest[0]] + node_counts[smallest[1]]
        parent[smallest[0]] = parent[smallest[1]] = i
    # Renumber the leaves from sorted slots back to class ids.
    slot_to_class = np.concatenate([order, np.arange(num_classes, size)])
    relabel = lambda ids: np.where(ids >= 0, slot_to_class[np.maximum(ids, 0)], -1)  # noqa: E731
    new_parent = np.empty_like(parent)
    new_parent[slot_to_class] = parent
    new_counts = np.empty_like(node_counts)
    new_counts[slot_to_class] = node_counts
    return HuffmanTree(left=relabel(left), right=relabel(right), parent=new_parent, counts=new_counts)


class _ByCount:
    """A heap entry ordered by count alone: ties fall where heapq's sifting puts them, as in gensim."""

    __slots__ = ("count", "node")

    def __init__(self, count, node):
        self.count, self.node = count, node

    def __lt__(self, other):
        return self.count < other.count


def _heap_tree(counts):
    """gensim's `_build_heap`: heapify the classes, then merge the two smallest until one is left."""
    num_classes = len(counts)
    size = 2 * num_classes - 1
    left, right, parent = (np.full(size, -1, np.int64) for _ in range(3))
    node_counts = np.empty(size)
    node_counts[:num_classes] = counts
    heap = [_ByCount(count, c) for c, count in enumerate(counts)]
    heapq.heapify(heap)
    for node in range(num_classes, size):
        first, second = heapq.heappop(heap), heapq.heappop(heap)
        right[node], left[node] = first.node, second.node
        parent[first.node] = parent[second.node] = node
        node_counts[node] = first.count + second.count
        heapq.heappush(heap, _ByCount(node_counts[node], node))
    return HuffmanTree(left=left, right=right, parent=parent, counts=node_counts)


@keras.saving.register_keras_serializable(package="keras_models")
class HierarchicalSoftmax(keras.layers.Layer):
    """Class probabilities from a hidden vector through a Huffman tree of binary decisions.

    Each class's probability is the product of the sigmoid decisions on its path
    from the root, so frequent classes (short codes) cost fewer dot products; the
    probabilities of all classes sum to 1 by construction. As in fastText, the
    `num_classes - 1` node vectors start at zero.

    This layer returns the probabilities of every class (what serving and
    evaluation need); trained with sparse categorical cross-entropy, the loss is
    `-log p(label)`, the sum of the log-sigmoids on the label's path, which is
    fastText's `hs` loss.

    Args:
        num_classes: int, at least 2.
        class_counts: list of `num_classes` frequencies (e.g. training label
            counts). `None` builds the tree as for equal counts.
        kernel_initializer: initializer of the node vectors.
        tie_break: `"word2vec"` or `"gensim"`: how `huffman_tree` merges equal counts.

    Example:

    ```python
    import numpy as np
    from keras_models.layers import HierarchicalSoftmax

    layer = HierarchicalSoftmax(num_classes=4, class_counts=[50, 30, 15, 5])
    probs = layer(np.ones((2, 8), "float32"))
    np.testing.assert_allclose(probs.numpy().sum(-1), 1.0, rtol=1e-6)
    ```
    """

    def __init__(
        self, num_classes, class_counts=None, kernel_initializer="zeros", tie_break="word2vec", **kwargs
    ):
        super().__init__(**kwargs)
        self.num_classes = int(num_classes)
        counts = [1] * self.num_classes if class_counts is None else [float(c) for c in class_counts]
        if len(counts) != self.num_classes:
            raise ValueError(f"class_counts has {len(counts)} entries for num_classes={num_classes}.")
        self.class_counts = None if class_counts is None else counts
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.tie_break = tie_break
        self.tree = huffman_tree(counts, tie_break)
        paths = [self.tree.path(c) for c in range(self.num_classes)]
        depth = max(len(p) for p in paths)
        nodes = np.zeros((self.num_classes, depth), np.int32)
        signs = np.zeros((self.num_classes, depth), np.float32)  # 0 pads short paths
        for c, path in enumerate(paths):
            for k, (j, goes_right) in enumerate(path):
                nodes[c, k], signs[c, k] = j, 1.0 if goes_right else -1.0
        self._path_nodes, self._path_signs = nodes, signs

    def build(self, input_shape):
        self.kernel = self.add_weight(
            shape=(input_shape[-1], self.num_classes - 1),
            initializer=self.kernel_initializer,
            name="kernel",
        )
        self.built = True

    def call(self, hidden):
        node_logits = ops.matmul(hidden, self.kernel)  # [B, C - 1]
        nodes = ops.convert_to_tensor(self._path_nodes)
        signs = ops.cast(ops.convert_to_tensor(self._path_signs), node_logits.dtype)
        on_path = ops.take(node_logits, ops.reshape(nodes, [-1]), axis=1)  # [B, C * depth]
        on_path = ops.reshape(on_path, [-1, self.num_classes, nodes.shape[1]])
        log_probs = ops.sum(ops.log_sigmoid(on_path * signs) * ops.abs(signs), axis=-1)
        return ops.exp(log_probs)

    def paths(self, labels):
        """(nodes int32 [..., depth], signs float32 [..., depth]) of each label's path, leaf to root.

        Node `j` is the kernel's column `j`; the sign is +1 where the path goes
        right (probability `sigmoid(z)`), -1 where it goes left, 0 past its end.
        """
        nodes = ops.take(ops.convert_to_tensor(self._path_nodes), labels, axis=0)
        return nodes, ops.take(ops.convert_to_tensor(self._path_signs), labels, axis=0)

    def path_log_likelihood(self, hidden, labels):
        """log p(label | hidden) [B] from the label's path alone (depth dot products, not C - 1).

        Equals `log(self(hidden))[b, labels[b]]`; word2vec's and fastText's `hs`
        objective for one target.
        """
        nodes, signs = self.paths(labels)
        vectors = ops.take(ops.transpose(self.kernel), nodes, axis=0)  # [B, depth, d]
        logits = ops.einsum("bd,bkd->bk", hidden, vectors)
        signs = ops.cast(signs, logits.dtype)
        return ops.sum(ops.log_sigmoid(logits * signs) * ops.abs(signs), axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.num_classes)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "num_classes": self.num_classes,
                "class_counts": self.class_counts,
                "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
                "tie_break": self.tie_break,
            }
        )
        return config
