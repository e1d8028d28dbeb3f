"""`dlsuite run text_classification`'s --data and --format handling (no pipeline runs here)."""

import argparse

import pytest

from pipelines.text_classification import entry
from tests.cli_runner import run_cli
from tests.conftest import FIXTURES


def _parse(*argv):
    parser = argparse.ArgumentParser()
    entry.add_arguments(parser)
    return parser.parse_args([str(a) for a in argv])


def test_fixture_layout_is_detected_and_defaults_are_fasttexts():
    args = _parse("--data", FIXTURES / "ag_news_small")
    entry.check_data(args.data)
    assert (args.format, args.dim, args.word_ngrams, args.lr, args.loss) == ("auto", 10, 2, 0.25, "softmax")


@pytest.mark.parametrize(
    "make_data, expected",
    [
        (lambda tmp: tmp / "does-not-exist", "no such folder"),
        (lambda tmp: tmp, "no train or eval file"),
        (
            lambda tmp: [(tmp / n).write_text("id,body\n1,hi\n") for n in ("train.csv", "dev.csv")] and tmp,
            "cannot tell its layout",
        ),
        (
            lambda tmp: (
                (tmp / "train.csv").write_text("label,text\nham,hello\nspam,win\n")
                and (tmp / "dev.csv").write_text("label,text\n")
                and tmp
            ),
            "dev.csv holds no records; the eval split needs some",
        ),
    ],
    ids=["missing", "empty", "unknown-layout", "empty-eval-split"],
)
def test_bad_data_is_a_data_error_that_says_what_to_do(tmp_path, make_data, expected):
    args = _parse("--data", make_data(tmp_path))
    with pytest.raises(entry.DataError, match=expected) as error:
        entry.check_data(args.data)
    assert "--format" in str(error.value) and "label,text header" in str(error.value)


def test_a_named_format_skips_detection(tmp_path):
    for name in ("train.csv", "dev.csv"):
        (tmp_path / name).write_text("id,body\n1,hi\n")
    args = _parse("--data", tmp_path, "--format", "fasttext")
    entry.check_data(args.data)  # the layout is the user's call; TextExampleGen reports bad rows
    args = _parse("--data", tmp_path, "--format", "label_text")
    with pytest.raises(entry.DataError, match="expected a header naming `label` and `text` columns"):
        entry.check_data(args.data)
    _parse("--data", tmp_path)  # and the next parse starts from auto again
    with pytest.raises(entry.DataError, match="cannot tell its layout"):
        entry.check_data(str(tmp_path))


def test_cli_bad_data_is_one_line_exit_2_no_traceback(tmp_path):
    result = run_cli("run", "text_classification", "--data", tmp_path, "--output-dir", tmp_path / "out")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("dlsuite: --data") and "no train or eval file" in lines[0]
    assert not (tmp_path / "out").exists()
