"""The algorithmic tasks of the Neural Turing Machine paper (Graves, Wayne & Danihelka 2014), in NumPy.

Every generator takes a seeded `np.random.Generator` and returns three float32 arrays:

    inputs   [B, T, in_dim]   what the network reads at each step
    targets  [B, T, out_dim]  what it should write at each step (zeros where nothing is asked)
    mask     [B, T]           1 on the steps whose outputs are scored, 0 elsewhere

A sequence shorter than the batch's longest is padded with zero steps at the END (mask 0 there),
so a causal model sees each sequence exactly as if it were alone. The layouts, one row per step
(`x` a random binary vector, `.` a zero vector, `D` a delimiter flag on its own channel):

    copy               inputs  x1 x2 .. xL  D  .  .. .      channels: bits, delimiter
                       targets .  .  .. .   .  x1 .. xL     mask on the last L steps
    repeat_copy        inputs  x1 .. xL  D+n  .  ..  .  .   channels: bits, delimiter, n / max_repeats
                       targets .  .. .   .    x1 .. xL (n times) E    channels: bits, end flag E
    associative_recall inputs  d x x x d x x x .. Q q q q Q . . .    channels: bits, item d, query Q
                       targets .  ...                       . y y y  (y: the item after the query)
    priority_sort      inputs  x1+p1 .. xK+pK  D  .  .. .   channels: bits, priority p, delimiter
                       targets .     ..  .     .  the `outputs` highest-priority x, highest first

The paper scores a network by thresholding its outputs at 1/2 and counting the wrong bits per
sequence (`bit_errors`); `error_per_bit` divides the wrong bits by the scored bits.

Example:

```python
import numpy as np
from keras_models.memory import algorithmic

x, y, mask = algorithmic.copy(np.random.default_rng(0), batch_size=4, length=(1, 20))
assert x.shape[-1] == 9 and y.shape[-1] == 8 and x.shape[:2] == y.shape[:2] == mask.shape
assert algorithmic.bit_errors(y, y, mask).sum() == 0
```
"""

import numpy as np


def _lengths(rng, batch_size, length):
    """An int for every sequence: `length` itself, or drawn uniformly from the inclusive (low, high)."""
    if np.isscalar(length):
        low = high = int(length)
    else:
        low, high = (int(v) for v in length)
    if not 1 <= low <= high:
        raise ValueError(f"lengths must satisfy 1 <= low <= high, got {length!r}.")
    return rng.integers(low, high + 1, size=batch_size)


def _bits(rng, shape):
    return rng.integers(0, 2, size=shape).astype("float32")


def copy(rng, batch_size, length, bits=8):
    """Copy: read L random `bits`-bit vectors, then a delimiter, then write the L vectors back.

    `length` is an int or an inclusive (low, high) range (one length drawn per sequence). The
    delimiter is channel `bits` of the input; T = 2 * (longest L) + 1.
    """
    lengths = _lengths(rng, batch_size, length)
    steps = 2 * int(lengths.max()) + 1
    inputs = np.zeros((batch_size, steps, bits + 1), "float32")
    targets = np.zeros((batch_size, steps, bits), "float32")
    mask = np.zeros((batch_size, steps), "float32")
    for i, n in enumerate(lengths):
        sequence = _bits(rng, (n, bits))
        inputs[i, :n, :bits] = sequence
        inputs[i, n, bits] = 1.0
        targets[i, n + 1 : 2 * n + 1] = sequence
        mask[i, n + 1 : 2 * n + 1] = 1.0
    return inputs, targets, mask


def repeat_copy(rng, batch_size, length, repeats, bits=8, max_repeats=10):
    """Repeat copy: read L vectors and a repeat count n, write the L vectors n times, then an end flag.

    `length` and `repeats` are ints or inclusive ranges. The delimiter step carries the flag on
    channel `bits` and n / `max_repeats` on channel `bits + 1` (the paper normalises the count
    too). The targets have `bits + 1` channels: the last is the end flag, set one step after the
    last copy. T = max over the batch of L * (n + 1) + 2.
    """
    lengths = _lengths(rng, batch_size, length)
    counts = _lengths(rng, batch_size, repeats)
    steps = int((lengths * (counts + 1)).max()) + 2
    inputs = np.zeros((batch_size, steps, bits + 2), "float32")
    targets = np.zeros((batch_size, steps, bits + 1), "float32")
    mask = np.zeros((batch_size, steps), "float32")
    for i, (n, r) in enumerate(zip(lengths, counts)):
        sequence = _bits(rng, (n, bits))
        inputs[i, :n, :bits] = sequence
        inputs[i, n, bits] = 1.0
        inputs[i, n, bits + 1] = r / max_repeats
        end = n + 1 + n * r
        targets[i, n + 1 : end, :bits] = np.tile(sequence, (r, 1))
        targets[i, end, bits] = 1.0
        mask[i, n + 1 : end + 1] = 1.0
    return inputs, targets, mask


def associative_recall(rng, batch_size, items=(2, 6), bits=6, item_length=3):
    """Associative recall: read k items, then a query item; write the item that followed the query.

    An item is `item_length` random `bits`-bit vectors, preceded by a flag on channel `bits`; the
    query is bounded on both sides by a flag on channel `bits + 1`. `items` (k, at least 2) is an
    int or an inclusive range. The query is never the last item. The items of a sequence are all
    different, so the answer is unique. T = k * (item_length + 1) + 2 * item_length + 2.
    """
    counts = _lengths(rng, batch_size, items)
    if counts.min() < 2:
        raise ValueError("associative recall needs at least 2 items.")
    steps = int(counts.max()) * (item_length + 1) + 2 * item_length + 2
    inputs = np.zeros((batch_size, steps, bits + 2), "float32")
    targets = np.zeros((batch_size, steps, bits), "float32")
    mask = np.zeros((batch_size, steps), "float32")
    for i, k in enumerate(counts):
        while True:
            sequence = _bits(rng, (k, item_length, bits))
            if len(np.unique(sequence.reshape(k, -1), axis=0)) == k:
                break
        for j in range(k):
            start = j * (item_length + 1)
            inputs[i, start, bits] = 1.0
            inputs[i, start + 1 : start + 1 + item_length, :bits] = sequence[j]
        query = rng.integers(0, k - 1)
        start = k * (item_length + 1)
        inputs[i, start, bits + 1] = 1.0
        inputs[i, start + 1 : start + 1 + item_length, :bits] = sequence[query]
        inputs[i, start + 1 + item_length, bits + 1] = 1.0
        answer = start + 2 + item_length
        targets[i, answer : answer + item_length] = sequence[query + 1]
        mask[i, answer : answer + item_length] = 1.0
    return inputs, targets, mask


def priority_sort(rng, batch_size, length=20, outputs=16, bits=8):
    """Priority sort: read `length` vectors, each with a priority ~ U(-1, 1); write the `outputs`
    highest-priority ones, highest first.

    Input channels: the bits, the priority (channel `bits`), the delimiter (channel `bits + 1`,
    set on the step after the last vector). T = length + 1 + outputs.
    """
    if not 1 <= outputs <= length:
        raise ValueError(f"outputs must be in [1, length], got {outputs} and {length}.")
    steps = length + 1 + outputs
    inputs = np.zeros((batch_size, steps, bits + 2), "float32")
    targets = np.zeros((batch_size, steps, bits), "float32")
    mask = np.zeros((batch_size, steps), "float32")
    vectors = _bits(rng, (batch_size, length, bits))
    priorities = rng.uniform(-1.0, 1.0, size=(batch_size, length)).astype("float32")
    inputs[:, :length, :bits] = vectors
    inputs[:, :length, bits] = priorities
    inputs[:, length, bits + 1] = 1.0
    order = np.argsort(-priorities, axis=1, kind="stable")[:, :outputs]
    targets[:, length + 1 :] = np.take_along_axis(vectors, order[..., None], axis=1)
    mask[:, length + 1 :] = 1.0
    return inputs, targets, mask


TASKS = {
    "copy": copy,
    "repeat_copy": repeat_copy,
    "associative_recall": associative_recall,
    "priority_sort": priority_sort,
}


def bit_errors(outputs, targets, mask, threshold=0.5):
    """Wrong bits per sequence [B]: `outputs` (probabilities; pass threshold=0 for logits) thresholded,
    compared with `targets` on the scored steps (the paper's "cost per sequence" in bits)."""
    outputs, targets, mask = (np.asarray(a, dtype="float64") for a in (outputs, targets, mask))
    wrong = (outputs > threshold) != (targets > 0.5)
    return (wrong * mask[..., None]).sum(axis=(1, 2))


def bit_error_per_sequence(outputs, targets, mask, threshold=0.5):
    """The mean of `bit_errors`: wrong bits per sequence, averaged over the batch."""
    return float(bit_errors(outputs, targets, mask, threshold).mean())


def error_per_bit(outputs, targets, mask, threshold=0.5):
    """Wrong bits / scored bits, in [0, 1] (1/2 for guessing)."""
    scored = np.asarray(mask, dtype="float64").sum() * np.shape(targets)[-1]
    return float(bit_errors(outputs, targets, mask, threshold).sum() / max(scored, 1.0))
