"""LabelCheck's rules on real TFDV statistics (the pipeline runs are in tests/e2e/test_label_check.py)."""

import pandas as pd
import pytest
import tensorflow_data_validation as tfdv

from components.label_check import labels
from components.label_check.component import LabelError, check_classes, check_same_labels


def _summary(values):
    statistics = tfdv.generate_statistics_from_dataframe(pd.DataFrame({"label": values, "text": "x"}))
    return labels.summarize(statistics.datasets[0], "label")


def test_string_labels_are_listed_in_full():
    summary = _summary(["World", "Sports", "World", "Business"] * 5)
    assert summary == labels.LabelSummary(3, ("Business", "Sports", "World"))


def test_integer_labels_are_told_apart_by_their_range():
    assert _summary([3] * 10) == labels.LabelSummary(1, ("3",))
    assert _summary([0, 1, 2, 9] * 3) == labels.LabelSummary(None, None)  # two or more; how many is not known


def test_one_class_stops_the_run_and_says_what_to_do():
    with pytest.raises(LabelError, match="the train split has only 'Sports': a classifier needs at least 2"):
        check_classes(_summary(["Sports"] * 7), 2)
    with pytest.raises(LabelError, match="only '3'"):
        check_classes(_summary([3] * 7), 2)
    check_classes(_summary(["a", "b"]), 2)
    check_classes(_summary([0, 1]), 2)


def test_a_missing_label_feature_has_no_classes():
    statistics = tfdv.generate_statistics_from_dataframe(pd.DataFrame({"text": ["x", "y"]}))
    with pytest.raises(LabelError, match="has no labels"):
        check_classes(labels.summarize(statistics.datasets[0], "label"), 2)


def test_a_changed_label_set_names_what_changed_and_how_to_go_on():
    summary = _summary(["1", "2", "3", "4"])
    with pytest.raises(LabelError) as error:
        check_same_labels(summary, ["World", "Sports", "Business", "Sci/Tech"], "/models/7")
    message = str(error.value)
    assert "new: '1', '2', '3', '4'; missing: 'Business', 'Sci/Tech', 'Sports', 'World'" in message
    assert "--no-baseline" in message and "--output-dir" in message
    check_same_labels(_summary(["b", "a"]), ["a", "b"], "/models/7")  # the order does not matter


def test_models_without_recorded_labels_are_not_compared(tmp_path):
    assert labels.read(str(tmp_path)) is None
    check_same_labels(_summary(["x", "y"]), None, str(tmp_path))
    labels.write(str(tmp_path), [b"World", "Sports"])
    assert labels.read(str(tmp_path)) == ["World", "Sports"]
