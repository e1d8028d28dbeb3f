"""The CLI's argument and --data handling (no pipeline runs here)."""

import pytest

from tests.cli_runner import run_cli


def test_list_names_pipelines_and_models():
    result = run_cli("list")
    assert result.returncode == 0, result.stderr
    assert "image_classification" in result.stdout and "lenet5" in result.stdout


@pytest.mark.parametrize(
    "make_data, expected",
    [
        (lambda tmp: tmp / "does-not-exist", "no such folder"),
        (lambda tmp: tmp, "got 0 images and 0 labels files"),
        (
            lambda tmp: (tmp / "train-images-idx3-ubyte").write_bytes(b"GIF89a" + bytes(64)) and tmp,
            "not an IDX file",
        ),
    ],
    ids=["missing", "empty", "malformed"],
)
def test_bad_data_is_one_line_exit_2_no_traceback(tmp_path, make_data, expected):
    data = make_data(tmp_path)
    result = run_cli("run", "image_classification", "--data", data, "--output-dir", tmp_path / "out")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("dlsuite: --data") and expected in lines[0]
    assert "apt-get install dataset-fashion-mnist" in lines[0]  # says what to do next
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()
