"""Label sets: read from a split's TFDV statistics, and recorded beside a trained classifier.

No TFX dependency: the Trainer's run_fn writes `labels.json` with `write`, and
LabelCheck reads it back from the latest blessed model with `read`.
"""

import dataclasses
import json
import os

import tensorflow as tf

LABELS_FILE = "labels.json"  # in the Model artifact's folder, beside Format-Serving/


@dataclasses.dataclass(frozen=True)
class LabelSummary:
    """What a split's statistics say about its label feature.

    `distinct` is the number of distinct values (None: at least two, count unknown, as for
    an integer label whose minimum and maximum differ); `values` the complete sorted set
    when the statistics hold all of it (string labels with a full rank histogram), else None.
    """

    distinct: int | None
    values: tuple | None


def summarize(dataset_statistics, label_key):
    """LabelSummary of `label_key` in one split's DatasetFeatureStatistics proto."""
    feature = next(
        (f for f in dataset_statistics.features if list(f.path.step) == [label_key] or f.name == label_key),
        None,
    )
    if feature is None:
        return LabelSummary(0, ())
    if feature.HasField("string_stats"):
        stats = feature.string_stats
        if stats.common_stats.num_non_missing == 0:
            return LabelSummary(0, ())
        buckets = [b.label for b in stats.rank_histogram.buckets]
        complete = len(buckets) == stats.unique
        return LabelSummary(stats.unique, tuple(sorted(buckets)) if complete else None)
    stats = feature.num_stats
    if stats.common_stats.num_non_missing == 0:
        return LabelSummary(0, ())
    if stats.min == stats.max:
        return LabelSummary(1, (str(int(stats.min)),))
    return LabelSummary(None, None)


def write(model_dir, labels):
    """Records a trained classifier's labels (class id order) in `model_dir`/labels.json."""
    with tf.io.gfile.GFile(os.path.join(model_dir, LABELS_FILE), "w") as f:
        json.dump({"labels": [x.decode() if isinstance(x, bytes) else str(x) for x in labels]}, f)


def read(model_dir):
    """The labels `write` recorded, or None for a model that has none (trained before they were)."""
    path = os.path.join(model_dir, LABELS_FILE)
    if not tf.io.gfile.exists(path):
        return None
    with tf.io.gfile.GFile(path) as f:
        return json.load(f)["labels"]
