"""TextExampleGen: layout detection, parsing with bad rows, and the executor's counts and stop."""

import csv
import json

import pytest
import tensorflow as tf
from google.protobuf import message
from tfx.types import standard_artifacts
from tfx.utils import proto_utils

from components.text_example_gen import executor, formats
from components.text_example_gen.component import TextExampleGen
from tests.conftest import FIXTURES

AG_SMALL = FIXTURES / "ag_news_small"


def _write_csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f, quoting=csv.QUOTE_ALL).writerows(rows)
    return path


def test_detects_the_three_layouts(tmp_path):
    assert formats.detect_format(str(AG_SMALL / "train.csv")) == "ag_news"
    labelled = _write_csv(tmp_path / "a.csv", [["label", "text"], ["ham", "hello"]])
    assert formats.detect_format(str(labelled)) == "label_text"
    (tmp_path / "b.txt").write_text("__label__sports the match\n")
    assert formats.detect_format(str(tmp_path / "b.txt")) == "fasttext"
    (tmp_path / "c.csv").write_text("id,body\n1,hello\n")
    with pytest.raises(formats.TextFormatError, match="cannot tell its layout .* 'id,body'"):
        formats.detect_format(str(tmp_path / "c.csv"))


def test_finds_splits_and_names_what_is_missing(tmp_path):
    (tmp_path / "train.txt").write_text("")
    (tmp_path / "valid.txt").write_text("")
    assert formats.find_splits(str(tmp_path)) == {
        "train": str(tmp_path / "train.txt"),
        "eval": str(tmp_path / "valid.txt"),
    }
    (tmp_path / "valid.txt").unlink()
    with pytest.raises(formats.TextFormatError, match="no eval file"):
        formats.find_splits(str(tmp_path))


def test_ag_news_rows_get_class_names_and_bad_rows_a_reason(tmp_path):
    path = _write_csv(
        tmp_path / "train.csv",
        [["3", "Title", "Body"], ["", "No", "label"], ["2", "", ""], ["9", "Bad", "class"], ["1", "two"]],
    )
    rows = list(formats.read_rows(str(path), "ag_news", ["World", "Sports", "Business", "Sci/Tech"]))
    assert [(r.line, r.label, r.text, r.problem) for r in rows] == [
        (1, "Business", "Title\tBody", None),
        (2, "", "No\tlabel", formats.MISSING_LABEL),
        (3, "Sports", "", formats.EMPTY_TEXT),
        (4, "", "Bad\tclass", formats.UNKNOWN_CLASS),
        (5, "", "", formats.MALFORMED),
    ]


def test_label_text_csv_reads_multiline_fields_beyond_pythons_default_limit(tmp_path):
    huge = "Received: from x\n" + "spam " * 40_000  # 200,017 characters, over csv's 131,072
    path = _write_csv(tmp_path / "train.csv", [["label", "text"], ["spam", huge], ["ham", "a\nb"], ["", "x"]])
    rows = list(formats.read_rows(str(path), "label_text"))
    assert [(r.line, r.label, len(r.text), r.problem) for r in rows] == [
        (2, "spam", len(huge.strip()), None),
        (4, "ham", 3, None),
        (6, "", 1, formats.MISSING_LABEL),
    ]


def test_fasttext_lines(tmp_path):
    path = tmp_path / "train.txt"
    path.write_text("__label__a  one two\n\nno label here\n__label__b\nx __label__c y __label__d\n")
    rows = list(formats.read_rows(str(path), "fasttext"))
    assert [(r.line, r.label, r.text, r.problem) for r in rows] == [
        (1, "a", "one two", None),
        (3, "", "no label here", formats.MISSING_LABEL),
        (4, "b", "", formats.EMPTY_TEXT),
        (5, "c", "x y", None),
    ]


def _run_executor(input_base, tmp_path, **component_kwargs):
    """Runs the executor's Do as TFX would (DirectRunner); returns (artifact, examples by split)."""
    component = TextExampleGen(input_base=str(input_base), **component_kwargs)
    properties = {
        key: proto_utils.proto_to_json(value) if isinstance(value, message.Message) else value
        for key, value in component.exec_properties.items()
        if value is not None
    }
    examples = standard_artifacts.Examples()
    examples.uri = str(tmp_path / "examples")
    executor.Executor().Do({}, {"examples": [examples]}, properties)
    found = {}
    for split in ("train", "eval"):
        files = tf.io.gfile.glob(f"{examples.uri}/Split-{split}/*")
        found[split] = [
            tf.train.Example.FromString(r.numpy())
            for r in tf.data.TFRecordDataset(files, compression_type="GZIP")
        ]
    return examples, found


def _feature(example, key):
    return example.features.feature[key].bytes_list.value[0].decode()


def test_executor_writes_text_and_label_examples(tmp_path):
    artifact, found = _run_executor(AG_SMALL, tmp_path, train_pattern="train.csv", eval_pattern="dev.csv")
    assert len(found["train"]) == 400 and len(found["eval"]) == 120
    labels = {_feature(e, executor.LABEL_KEY) for e in found["train"]}
    assert labels == {"World", "Sports", "Business", "Sci/Tech"}
    with open(AG_SMALL / "train.csv", newline="") as f:
        first = next(csv.reader(f))
    assert f"{first[1]}\t{first[2]}" in {_feature(e, executor.TEXT_KEY) for e in found["train"]}
    assert artifact.get_int_custom_property("train_rows") == 400
    assert artifact.get_int_custom_property("train_bad_rows") == 0


def _with_bad_rows(tmp_path, count):
    data = tmp_path / "data"
    data.mkdir()
    with open(AG_SMALL / "train.csv", newline="") as f:
        rows = list(csv.reader(f))
    for i in range(count):  # alternately: no label, no text
        rows[10 * i] = ["", *rows[10 * i][1:]] if i % 2 == 0 else [rows[10 * i][0], "", ""]
    _write_csv(data / "train.csv", rows)
    for name in ("dev.csv", "classes.txt"):
        (data / name).write_bytes((AG_SMALL / name).read_bytes())
    return data


def test_bad_rows_below_the_limit_are_skipped_and_counted(tmp_path, capsys):
    data = _with_bad_rows(tmp_path, 3)
    artifact, found = _run_executor(data, tmp_path, train_pattern="train.csv", eval_pattern="dev.csv",
                                    max_bad_fraction=0.01)  # fmt: skip
    assert len(found["train"]) == 397
    assert artifact.get_int_custom_property("train_bad_rows") == 3
    report = json.loads((tmp_path / "examples" / "bad_rows" / "train.json").read_text())
    assert report["rows"] == 400 and report["bad"] == {"missing label": 2, "empty text": 1}
    assert report["examples"][0] == "train.csv line 1: missing label"
    assert (
        "split 'train': 3 of 400 rows (0.75 %) bad (empty text: 1, missing label: 2)"
        in capsys.readouterr().out
    )


def test_bad_rows_above_the_limit_stop_with_the_counts(tmp_path):
    data = _with_bad_rows(tmp_path, 8)
    with pytest.raises(executor.BadRowsError) as error:
        _run_executor(
            data, tmp_path, train_pattern="train.csv", eval_pattern="dev.csv", max_bad_fraction=0.01
        )
    assert str(error.value).startswith(
        "too many bad rows (limit 1 % of a split, --max-bad-fraction 0.01): split 'train': 8 of 400 rows "
        "(2.00 %) bad (empty text: 4, missing label: 4); first: train.csv line 1: missing label, "
        "train.csv line 11: empty text"
    )


def test_lines_are_unlabelled_records_with_label_prefixes_dropped_and_tabs_kept(tmp_path):
    path = tmp_path / "train.txt"
    path.write_text("__label__item1 __label__item2\n\n  first  sentence\t second\tthird \nplain words\n")
    rows = list(formats.read_rows(str(path), "lines"))
    assert [(r.line, r.label, r.text, r.problem) for r in rows] == [
        (1, "", "item1 item2", None),
        (3, "", "first sentence\tsecond\tthird", None),
        (4, "", "plain words", None),
    ]
