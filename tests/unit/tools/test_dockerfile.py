"""The Dockerfile against constraints.txt (no Docker engine here: it is checked, not built)."""

import re
import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _instructions():
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    lines = [line.strip() for line in text.splitlines()]
    return [tuple(line.split(None, 1)) for line in lines if line and not line.startswith("#")]


def _pins():
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==")
            pins[re.sub(r"[-_.]+", "-", name.strip().lower())] = version.strip()
    return pins


def _args():
    return {v.split("=", 1)[0]: v.split("=", 1)[1] for k, v in _instructions() if k == "ARG" and "=" in v}


def _from_images():
    images = []
    for keyword, value in _instructions():
        if keyword == "FROM":
            image = value.split()[0]
            images.append(re.sub(r"\$\{(\w+)\}", lambda m: _args()[m.group(1)], image))
    return images


def _pip_installs():
    runs = [v for k, v in _instructions() if k == "RUN"]
    commands = [c.strip() for run in runs for c in run.split("&&")]
    return [shlex.split(c) for c in commands if c.startswith("pip install")]


def test_python_311_base_image():
    assert "python:3.11-slim-bookworm" in _from_images()


def test_every_pip_install_uses_the_constraints():
    installs = _pip_installs()
    assert installs, "the Dockerfile installs nothing"
    for argv in installs:
        assert "--ignore-requires-python" in argv, argv
        assert argv[argv.index("-c") + 1] == "constraints.txt", argv
    assert any(a.startswith(".[") or a == "." for argv in installs for a in argv), (
        "the project is not installed"
    )


def test_constraints_and_setup_are_copied_before_installing():
    instructions = _instructions()
    copy = instructions.index(("COPY", "setup.py constraints.txt ./"))
    first_install = next(i for i, (k, v) in enumerate(instructions) if k == "RUN" and "pip install" in v)
    assert copy < first_install


def test_no_pinned_package_is_overridden():
    """Any `name==version` the Dockerfile names must be the version constraints.txt pins (TF, TFX, ...)."""
    pins = _pins()
    for name in ("tensorflow", "tfx", "apache-beam", "keras", "kfp"):
        assert name in pins, f"constraints.txt pins no {name}"
    text = (ROOT / "Dockerfile").read_text()
    for name, version in re.findall(r"([A-Za-z0-9_.\-]+)==([0-9][\w.*]*)", text):
        key = re.sub(r"[-_.]+", "-", name.lower())
        assert pins.get(key) == version, f"Dockerfile pins {name}=={version}, constraints.txt {pins.get(key)}"


def test_beam_sdk_image_matches_the_pinned_beam_and_python():
    sdk = [image for image in _from_images() if image.startswith("apache/beam_python")]
    assert len(sdk) == 1, _from_images()
    repository, tag = sdk[0].split(":")
    assert tag == _pins()["apache-beam"]
    assert repository == "apache/beam_python3.11_sdk"


def test_beam_sdk_target_boots_beam_and_pipeline_target_leaves_entrypoint_to_kfp():
    stage, entrypoints = None, {}
    for keyword, value in _instructions():
        if keyword == "FROM":
            stage = value.split()[-1]
        elif keyword == "ENTRYPOINT":
            entrypoints[stage] = value
    assert entrypoints == {"beam-sdk": '["/opt/apache/beam/boot"]'}
    assert ("COPY", "--from=beam-boot /opt/apache/beam /opt/apache/beam") in _instructions()


def test_dockerignore_keeps_local_state_out():
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()}
    assert {".venv", "runs", ".git"} <= ignored
