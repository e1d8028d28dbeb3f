"""LabelCheck: stops a classification pipeline before training when its labels cannot make a sound model.

Two checks on the train split's statistics (StatisticsGen's output), both before the Trainer:

- At least `min_classes` distinct labels. A one-class train split makes a model that
  answers that class for every input, scores accuracy 1.0 on an eval split of the same
  class, and would be blessed, pushed and become the baseline of every later run.
- With `baseline_model` (the latest blessed model, from the baseline resolver), the
  same label set as that model's. A model of other classes cannot be compared with it
  on one eval split (TFMA fails on labels the baseline does not know); the run stops
  and says how to go on: `--no-baseline`, which leaves the baseline out, or a new folder.
"""

from absl import logging
from tfx.components.statistics_gen import stats_artifact_utils
from tfx.dsl.component.experimental.annotations import InputArtifact, Parameter
from tfx.dsl.component.experimental.decorators import component
from tfx.types.standard_artifacts import ExampleStatistics, Model

from components.label_check import labels


class LabelError(RuntimeError):
    """The train split's labels cannot make a sound model; the message says what to do."""


def _shown(values, limit=8):
    values = sorted(values)
    text = ", ".join(repr(v) for v in values[:limit])
    return text + (f" and {len(values) - limit} more" if len(values) > limit else "")


def check_classes(summary, min_classes):
    if summary.distinct is not None and summary.distinct < min_classes:
        found = f"only {_shown(summary.values)}" if summary.values else "no labels"
        raise LabelError(
            f"the train split has {found}: a classifier needs at least {min_classes} classes to learn "
            "anything (one class makes a model that answers it for every input). Add examples of the "
            "other classes to the train split."
        )


def check_same_labels(summary, baseline_labels, baseline_uri):
    if baseline_labels is None:
        logging.warning(
            "LabelCheck: the latest blessed model %s records no labels: not compared", baseline_uri
        )
        return
    if summary.values is None:
        logging.warning("LabelCheck: the statistics do not list every train label: not compared")
        return
    new, gone = set(summary.values) - set(baseline_labels), set(baseline_labels) - set(summary.values)
    if new or gone:
        changes = "; ".join(
            f"{name} {_shown(values)}" for name, values in (("new:", new), ("missing:", gone)) if values
        )
        raise LabelError(
            f"the train split's labels differ from the latest blessed model's in this output folder "
            f"({changes}), so the two cannot be compared on one eval split. Pass --no-baseline to bless "
            "this model on --min-accuracy alone, or pass a new --output-dir."
        )


@component
def LabelCheck(  # noqa: N802 (TFX naming)
    statistics: InputArtifact[ExampleStatistics],
    label_key: Parameter[str],
    baseline_model: InputArtifact[Model] = None,
    min_classes: Parameter[int] = 2,
) -> None:
    """Fails when the train split's labels cannot make a sound model; passes silently otherwise."""
    split = stats_artifact_utils.load_statistics(statistics, "train").proto().datasets[0]
    summary = labels.summarize(split, label_key)
    check_classes(summary, min_classes)
    if baseline_model is not None:
        check_same_labels(summary, labels.read(baseline_model.uri), baseline_model.uri)
