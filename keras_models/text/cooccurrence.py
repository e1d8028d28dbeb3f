"""GloVe's word co-occurrence counts (Pennington et al., 2014), counted directly on one machine.

The semantics of GloVe's `cooccur.c`: words outside the vocabulary are dropped
before the window slides (they take no position), and within one text every pair
of words `d <= window` positions apart adds `1 / d` to `X[left, right]` (and to
`X[right, left]` when `symmetric`). Windows never span two texts.

The counts are kept exact: a pair at distance `d` adds the integer
`distance_scale(window) / d` (the least common multiple of 1..window divided by
d), and only the final integer sum is divided by the scale. Any grouping of the
sums (one machine here, Beam's combiners in `components.cooccurrence_gen`) then
gives bit-identical float counts, whatever the order in which partial sums meet.
"""

import math

import numpy as np

_INT64_LIMIT = 2**62  # numerators below this stay int64; above, Python ints (object arrays)


def distance_scale(window):
    """The least common multiple of 1..window: `scale / d` is an integer for every distance d."""
    if int(window) < 1:
        raise ValueError(f"window must be at least 1, got {window}.")
    return math.lcm(*range(1, int(window) + 1))


def pair_key(rows, cols, vocabulary_size):
    """(row, col) -> one int64 key, `row * V + col` (what Beam shards on)."""
    return np.asarray(rows, np.int64) * int(vocabulary_size) + np.asarray(cols, np.int64)


def split_key(keys, vocabulary_size):
    """The inverse of `pair_key`: int64 keys -> (rows, cols)."""
    keys = np.asarray(keys, np.int64)
    return keys // int(vocabulary_size), keys % int(vocabulary_size)


def weights(numerators, window):
    """Integer numerators (as `window_pairs` returns them) -> float64 counts, `numerator / scale`."""
    return np.asarray(numerators, dtype=np.float64).reshape(-1) / distance_scale(window)


def sum_by_key(keys, numerators):
    """(unique sorted keys, the summed numerators of each): exact integer sums, in any order."""
    keys = np.asarray(keys, np.int64)
    if not len(keys):
        return keys, np.asarray(numerators, np.int64)
    order = np.argsort(keys, kind="stable")
    keys, numerators = keys[order], np.asarray(numerators)[order]
    starts = np.flatnonzero(np.concatenate([[True], keys[1:] != keys[:-1]]))
    return keys[starts], np.add.reduceat(numerators, starts)


def window_pairs(id_lists, window, symmetric, vocabulary_size):
    """Summed co-occurrence numerators of texts given as in-vocabulary ids (OOV words already dropped).

    Returns (unique int64 keys `row * V + col`, integer numerators): the count of
    a key is `numerator / distance_scale(window)` (see `weights`). Numerators are
    int64 unless they could overflow it, then Python ints.
    """
    scale = distance_scale(window)
    id_lists = [np.asarray(ids, np.int64).reshape(-1) for ids in id_lists]
    occurrences = sum(max(len(ids) - 1, 0) for ids in id_lists) * window * 2
    dtype = np.int64 if scale * max(occurrences, 1) < _INT64_LIMIT else object
    keys, numerators = [], []
    for ids in id_lists:
        for distance in range(1, min(window, len(ids) - 1) + 1):
            left, right = ids[:-distance], ids[distance:]
            directions = ((left, right), (right, left)) if symmetric else ((left, right),)
            for rows, cols in directions:
                keys.append(pair_key(rows, cols, vocabulary_size))
                numerators.append(np.full(len(rows), scale // distance, dtype=dtype))
    if not keys:
        return np.zeros(0, np.int64), np.zeros(0, dtype)
    return sum_by_key(np.concatenate(keys), np.concatenate(numerators))


def token_ids(tokens, index):
    """The ids of the tokens found in `index` (word -> id), in order; unknown tokens dropped."""
    found = (index.get(token) for token in tokens)
    return np.fromiter((i for i in found if i is not None), np.int64)


class PairSums:
    """Accumulates (keys, numerators) parts into exact sums, merging as the parts grow."""

    def __init__(self):
        self.keys, self.numerators = np.zeros(0, np.int64), np.zeros(0, np.int64)
        self._pending, self._pending_size = [], 0
        self._bound = 0  # >= every sum: above _INT64_LIMIT, the sums switch to Python ints

    def add(self, keys, numerators):
        self._pending.append((keys, numerators))
        self._pending_size += len(keys)
        self._bound += len(keys) * int(np.max(numerators)) if len(keys) else 0
        if self._pending_size > max(len(self.keys), 1 << 20):
            self._merge()

    def _merge(self):
        if self._pending:
            parts = [(self.keys, self.numerators), *self._pending]
            if self._bound >= _INT64_LIMIT or any(np.asarray(n).dtype == object for _, n in parts):
                parts = [(k, np.asarray(n, dtype=object)) for k, n in parts]
            self.keys, self.numerators = sum_by_key(
                np.concatenate([k for k, _ in parts]), np.concatenate([n for _, n in parts])
            )
        self._pending, self._pending_size = [], 0

    def result(self):
        self._merge()
        return self.keys, self.numerators


def cooccurrence_counts(token_lists, vocabulary, window=10, symmetric=True, chunk_tokens=200_000):
    """GloVe's weighted co-occurrence matrix of tokenized texts, as sparse (rows, cols, counts).

    Args:
        token_lists: iterable of token sequences (str or bytes, matching `vocabulary`), one per text.
        vocabulary: list of words; a word's id is its position. Other tokens are dropped.
        window: int. Largest distance counted (GloVe's `window_size`).
        symmetric: bool. Count right contexts too (GloVe's `symmetric 1`).
        chunk_tokens: int. Tokens counted per step (bounds the memory of one step).

    Returns:
        (rows int64, cols int64, counts float64), one entry per nonzero, sorted by (row, col).

    Example:

    ```python
    from keras_models.text.cooccurrence import cooccurrence_counts

    rows, cols, counts = cooccurrence_counts([["a", "b", "x", "c"]], ["a", "b", "c"], window=2)
    # a-b at distance 1, a-c at 2 (x is dropped first), b-c at 1; both directions.
    assert sorted(zip(rows.tolist(), cols.tolist(), counts.tolist()))[:2] == [(0, 1, 1.0), (0, 2, 0.5)]
    ```
    """
    index = {word: i for i, word in enumerate(vocabulary)}
    size = len(index)
    sums, chunk, chunk_size = PairSums(), [], 0
    for tokens in token_lists:
        ids = token_ids(tokens, index)
        chunk.append(ids)
        chunk_size += len(ids)
        if chunk_size >= chunk_tokens:
            sums.add(*window_pairs(chunk, window, symmetric, size))
            chunk, chunk_size = [], 0
    sums.add(*window_pairs(chunk, window, symmetric, size))
    keys, numerators = sums.result()
    rows, cols = split_key(keys, max(size, 1))
    return rows, cols, weights(numerators, window)
