"""tools/gpu_smoke.sh and tools/bench/gpu_smoke.py on the CPU, with tiny settings: the four rows are there.

No timing thresholds: the figures only have to be positive. The run trains LeNet-5 (`--model lenet5`)
rather than the default ResNet-20: on a CPU, XLA compiling ResNet-20's training step and Eigen's
float16 convolutions take minutes, and the four settings go through the same code whatever the model.
"""

import json
import shutil
import subprocess

from tests.conftest import ROOT
from tools.bench import gpu_smoke

SCRIPT = ROOT / "tools" / "gpu_smoke.sh"


def test_script_trains_the_four_settings_and_writes_json(tmp_path):
    out = tmp_path / "figures.json"
    tiny = ["--warmup", "1", "--window", "1", "--batch", "4", "--shape", "28x28x1", "--model", "lenet5"]
    result = subprocess.run(
        [str(SCRIPT), "2", *tiny, "--json", str(out)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )  # from another folder: the script finds the repository's .venv itself
    assert result.returncode == 0, result.stderr[-3000:]
    assert "GPU seen: " in result.stdout and "device: " in result.stdout
    for precision in ("float32", "mixed_float16"):
        for xla in ("on", "off"):
            assert f"| {precision} | {xla} | " in result.stdout

    figures = json.loads(out.read_text())
    assert figures["model"] == "lenet5" and figures["batch"] == 4 and figures["shape"] == [28, 28, 1]
    assert isinstance(figures["gpu"], bool) and figures["tensorflow"] and figures["device"]
    settings = [(r["precision"], r["xla"]) for r in figures["rows"]]
    assert settings == list(gpu_smoke.SETTINGS)
    for row in figures["rows"]:
        assert row["images_per_second"] > 0 and row["windows"] == 2 and row["window_steps"] == 1


def test_missing_venv_is_a_clear_error(tmp_path):
    (tmp_path / "tools").mkdir()
    copy = tmp_path / "tools" / "gpu_smoke.sh"
    shutil.copy(SCRIPT, copy)
    result = subprocess.run(["bash", str(copy)], capture_output=True, text=True)
    assert result.returncode == 2
    assert f"no {tmp_path}/.venv" in result.stderr and "make" in result.stderr


def test_bad_arguments_exit_2(capsys):
    result = subprocess.run([str(SCRIPT), "many"], capture_output=True, text=True)
    assert result.returncode == 2 and "STEPS must be a positive whole number" in result.stderr
    assert gpu_smoke.main(["--model", "no_such_model", "--steps", "1"]) == 2
    assert "unknown model 'no_such_model'" in capsys.readouterr().err
