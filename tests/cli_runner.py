"""Runs `dlsuite` the way a user does: a fresh process, exit code, stdout and stderr."""

import os
import subprocess
import sys

from tests.conftest import ROOT


def run_cli(*args, timeout=900, cwd=ROOT):
    """`python -m tools.cli ARGS` in `cwd` (the repository; another copy of it runs that copy's code)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "TF_CPP_MIN_LOG_LEVEL": "2"}
    return subprocess.run(
        [sys.executable, "-m", "tools.cli", *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
