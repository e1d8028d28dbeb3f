"""`dlsuite run language_model`'s flags and corpus checks: a bad corpus is one line and exit 2, before any
work, and nothing is trained or pushed."""

import pytest

from tests.cli_runner import run_cli
from tests.conftest import FIXTURES
from tools import cli

CORPUS = FIXTURES / "moby_dick_small" / "moby_dick_30k.txt"


def _main(capsys, tmp_path, *argv):
    code = cli.main(["run", "language_model", *map(str, argv), "--output-dir", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert not (tmp_path / "out").exists()
    return code, err


@pytest.mark.parametrize(
    "content, expected",
    [
        (b"", "empty.txt: the file is empty; a language model needs text to learn from"),
        (
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
            "empty.txt: a binary file (it holds NUL bytes), not plain text",
        ),
        (b"\xff\xfeC\x00a\x00l\x00", "empty.txt: a binary file"),
        (
            b"Call me Ishmael.",
            "the train split (90 % of 16 characters) holds no window of 65 characters",
        ),
    ],
)
def test_bad_corpora_are_one_line_and_exit_2(capsys, tmp_path, content, expected):
    (tmp_path / "empty.txt").write_bytes(content)
    code, err = _main(capsys, tmp_path, "--data", tmp_path / "empty.txt")
    assert code == 2 and err.count("\n") == 1 and expected in err, err


def test_a_bad_file_inside_a_folder_is_named(capsys, tmp_path):
    (tmp_path / "books").mkdir()
    (tmp_path / "books" / "a.txt").write_text(CORPUS.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "books" / "b.txt").write_bytes("naïve".encode("latin-1"))
    code, err = _main(capsys, tmp_path, "--data", tmp_path / "books")
    assert code == 2 and "b.txt: not UTF-8 text (byte 2 is 0xef)" in err and "iconv" in err


def test_missing_data_says_what_to_pass(capsys, tmp_path):
    code, err = _main(capsys, tmp_path)
    assert code == 2 and "language_model needs --data: a UTF-8 text file, a folder of them" in err
    code, err = _main(capsys, tmp_path, "--data", tmp_path / "nope.txt")
    assert code == 2 and "nope.txt: no such file or folder" in err


def test_a_window_longer_than_the_eval_text_is_refused(capsys, tmp_path):
    code, err = _main(capsys, tmp_path, "--data", CORPUS, "--window", 5000)
    assert code == 2 and "window of 5001 characters" in err and "smaller --window" in err
    code, err = _main(capsys, tmp_path, "--data", CORPUS, "--eval-fraction", 1)
    assert code == 2 and "--eval-fraction must be between 0 and 1 (exclusive)" in err
    code, err = _main(capsys, tmp_path, "--data", CORPUS, "--dropout", 1)
    assert code == 2 and "--dropout must be below 1" in err


def test_flags_parse_with_the_cells_and_defaults():
    args = cli.build_parser().parse_args(["run", "language_model", "--data", str(CORPUS), "--cell", "gru"])
    assert (args.model, args.window, args.eval_fraction, args.max_bpc) == ("gru", 64, 0.1, 2.1)
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["run", "language_model", "--cell", "transformer"])


def test_through_the_cli_an_empty_corpus_is_one_line_and_exit_2(tmp_path):
    (tmp_path / "empty.txt").write_text("")
    result = run_cli(
        "run", "language_model", "--data", tmp_path / "empty.txt", "--output-dir", tmp_path / "out"
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"dlsuite run language_model: --data {tmp_path / 'empty.txt'}: the file is empty; a language model "
        "needs text to learn from"
    ]
    assert not (tmp_path / "out").exists()
