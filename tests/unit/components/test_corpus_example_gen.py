"""CorpusExampleGen's corpus rules: which files, text or not, where the eval split starts, the windows."""

import pytest

from components.corpus_example_gen import corpus


def _write(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    (path.write_bytes if isinstance(data, bytes) else lambda d: path.write_text(d, encoding="utf-8"))(data)
    return path


def test_a_file_a_folder_and_comma_separated_paths(tmp_path):
    one = _write(tmp_path / "one.txt", "a")
    _write(tmp_path / "books" / "b.txt", "b")
    _write(tmp_path / "books" / "sub" / "a.txt", "c")
    _write(tmp_path / "books" / ".hidden", "d")
    _write(tmp_path / "books" / ".git" / "config", "e")
    books = [str(tmp_path / "books" / "b.txt"), str(tmp_path / "books" / "sub" / "a.txt")]
    assert corpus.list_files(one) == [str(one)]
    assert corpus.list_files(tmp_path / "books") == books
    assert corpus.list_files(f"{tmp_path / 'books'},{one}") == [*books, str(one)]


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "the file is empty"),
        (b"  \n\n", "the file is empty"),
        (b"GIF89a\x00\x01\x02", "a binary file (it holds NUL bytes)"),
        ("café".encode("latin-1"), "not UTF-8 text (byte 3 is 0xe9)"),
    ],
)
def test_files_that_are_not_text_are_named(tmp_path, data, message):
    path = _write(tmp_path / "bad.txt", data)
    with pytest.raises(corpus.CorpusError, match=rf"^{path}: .*{message.split(' (')[0]}"):
        corpus.read_text(path)
    with pytest.raises(corpus.CorpusError, match=message.replace("(", r"\(").replace(")", r"\)")):
        corpus.check(tmp_path, window=4, eval_fraction=0.1)


def test_missing_paths_and_empty_folders(tmp_path):
    with pytest.raises(corpus.CorpusError, match="no such file or folder"):
        corpus.list_files(tmp_path / "nope.txt")
    (tmp_path / "empty").mkdir()
    with pytest.raises(corpus.CorpusError, match="the folder holds no files"):
        corpus.list_files(tmp_path / "empty")


def test_the_eval_split_is_the_end_of_the_concatenated_text():
    # Files of 50, 30 and 20 characters: the last 10 % (10 characters) are the end of the third file.
    assert corpus.parts([50, 30, 20], 0.1) == [
        (0, "train", 0, 50),
        (1, "train", 0, 30),
        (2, "train", 0, 10),
        (2, "eval", 10, 20),
    ]
    # A boundary inside the second file splits that file only.
    assert corpus.parts([50, 30], 0.25) == [(0, "train", 0, 50), (1, "train", 0, 10), (1, "eval", 10, 30)]


@pytest.mark.parametrize("start, end, window", [(0, 9, 4), (0, 10, 4), (3, 40, 5), (0, 5, 4), (7, 30, 1)])
def test_windows_cover_every_character_once_or_by_one_overlap(start, end, window):
    starts = corpus.window_starts(start, end, window)
    assert starts[0] == start and starts[-1] + window + 1 == end  # the first and last characters
    assert all(b - a <= window for a, b in zip(starts, starts[1:]))  # no gap: each target is predicted
    assert all(start <= s and s + window + 1 <= end for s in starts)


def test_a_part_shorter_than_one_window_gives_none():
    assert corpus.window_starts(0, 4, 4) == []


def test_a_corpus_too_short_for_one_eval_window_says_what_to_do(tmp_path):
    path = _write(tmp_path / "short.txt", "x" * 200)  # eval: 20 characters
    assert corpus.check(path, window=8, eval_fraction=0.1) == ([str(path)], [200])
    with pytest.raises(
        corpus.CorpusError, match=r"the eval split \(10 % of 200 characters\).*smaller --window"
    ):
        corpus.check(path, window=64, eval_fraction=0.1)
