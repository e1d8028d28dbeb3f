"""Composing Fashion-MNIST items onto canvases with per-pixel class masks; NumPy only, no TFX.

A canvas is `size` x `size` uint8 pixels, black (0) where no item lies. MIN_ITEMS to MAX_ITEMS items
(uniformly drawn, with replacement, from the split's IDX images) are placed at uniformly random
positions, wholly inside the canvas; they may overlap, and a later item lies on top of the earlier
ones. An item is opaque where its pixel is above THRESHOLD and transparent elsewhere: there its
pixel replaces the canvas's and the mask gets the item's class id + 1; the faint halo at or below
THRESHOLD is left out of both. So the mask is 0 (background) exactly where the canvas is 0, and
1..10 (Fashion-MNIST's classes 0..9, plus one) where it is above THRESHOLD.

Canvas `index` of a split depends only on (seed, split, index) and the source images: the random
numbers come from NumPy's SeedSequence of those three, so any runner, any number of workers and
any chunking give the same canvases.
"""

import zlib

import numpy as np

MIN_ITEMS, MAX_ITEMS = 2, 4
THRESHOLD = 16  # an item's pixel is opaque (painted and labelled) when its intensity is above this
BACKGROUND = 0  # mask value of the background; item class c gets c + 1
NUM_CLASSES = 11  # background + Fashion-MNIST's 10 classes


def split_key(split):
    """A stable number for a split name (CRC-32: the same in every process, unlike hash())."""
    return zlib.crc32(split.encode("utf-8"))


def canvas_rng(seed, split, index):
    """The random generator of canvas `index` of `split`."""
    return np.random.default_rng(np.random.SeedSequence([int(seed), split_key(split), int(index)]))


def compose(images, labels, seed, split, index, size=64):
    """(canvas uint8 [size, size], mask uint8 [size, size], item count) of canvas `index`.

    images: uint8 [N, h, w] items (h, w <= size); labels: their class ids [N] (0..9).
    """
    height, width = images.shape[1:]
    if height > size or width > size:
        raise ValueError(f"items of {height}x{width} pixels do not fit on a {size}x{size} canvas.")
    rng = canvas_rng(seed, split, index)
    count = int(rng.integers(MIN_ITEMS, MAX_ITEMS + 1))
    picks = rng.integers(0, len(images), count)
    rows = rng.integers(0, size - height + 1, count)
    cols = rng.integers(0, size - width + 1, count)
    canvas = np.zeros((size, size), np.uint8)
    mask = np.zeros((size, size), np.uint8)
    for pick, row, col in zip(picks, rows, cols):
        item = images[pick]
        opaque = item > THRESHOLD
        window = (slice(row, row + height), slice(col, col + width))
        canvas[window][opaque] = item[opaque]
        mask[window][opaque] = int(labels[pick]) + 1
    return canvas, mask, count


def compose_many(images, labels, seed, split, start, stop, size=64):
    """Canvases [start, stop) of a split: (canvases [n, size, size], masks [n, size, size], counts [n])."""
    canvases, masks, counts = zip(
        *(compose(images, labels, seed, split, i, size) for i in range(start, stop))
    )
    return np.stack(canvases), np.stack(masks), np.array(counts, np.int64)
