"""Runs `dlsuite` the way a user does: a fresh process, exit code, stdout and stderr."""

import os
import subprocess
import sys

from tests.conftest import ROOT


def run_cli(*args, timeout=900):
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "TF_CPP_MIN_LOG_LEVEL": "2"}
    return subprocess.run(
        [sys.executable, "-m", "tools.cli", *map(str, args)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
