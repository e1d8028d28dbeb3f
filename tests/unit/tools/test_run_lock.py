"""One `dlsuite run` per output folder at a time."""

import json
import os
import subprocess
import sys

import pytest

from tests.cli_runner import run_cli
from tests.conftest import FIXTURES
from tools import run_lock


def test_a_second_run_into_a_busy_folder_stops_at_once_naming_the_first(tmp_path):
    out = tmp_path / "out"
    with run_lock.lock_output_dir(str(out), "dlsuite run text_classification"):
        result = run_cli(
            "run", "text_classification", "--data", FIXTURES / "ag_news_small", "--output-dir", out
        )  # fmt: skip
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"dlsuite: --output-dir {out} is in use by another run")
    assert f"pid {os.getpid()}" in lines[0] and "pass another --output-dir" in lines[0]
    assert not (out / "summary.json").exists() and not (out / "pipeline.log").exists()


def test_the_lock_is_released_when_its_holder_ends_however_it_ends(tmp_path):
    lock = f"run_lock.lock_output_dir({str(tmp_path)!r}, 'x')"
    script = f"import os; from tools import run_lock; {lock}; os._exit(3)"  # dies holding the lock
    holder = subprocess.run([sys.executable, "-c", script], cwd=FIXTURES.parent.parent)
    assert holder.returncode == 3
    with run_lock.lock_output_dir(str(tmp_path), "dlsuite run y") as lock:
        lock.seek(0)
        assert json.loads(lock.read())["run"] == "dlsuite run y"
        with pytest.raises(run_lock.FolderInUseError, match="dlsuite run y"):
            run_lock.lock_output_dir(str(tmp_path), "dlsuite run z")
