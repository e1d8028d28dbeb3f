"""Test models and a `dlsuite serve` process for the serving tests.

`python -m tests.serving_helpers OUT_DIR --pushed-model DIR [--container-base /models]` writes the
model layout the serving client suite expects (lenet5 versions 1 and 2 with labels, and a toy
model with a regression signature) plus models.config, so real TF Serving can serve it:
see serving/deploy/README.md.
"""

import argparse
import dataclasses
import os
import pathlib
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

from tests.conftest import ROOT

LENET5, TOY = "lenet5", "toy"
LABELS = {"stable": 1, "canary": 2}
LOCAL_MAX_BODY_BYTES = 1_000_000  # the local server's body limit (the oversized-body tests exceed it)
_READY = re.compile(r"ready rest_port=(\d+) grpc_port=(\d+)")
_RUNNING = {}  # rest_url -> ServerProcess: lets tests find the process behind a session endpoint


@dataclasses.dataclass(frozen=True)
class Endpoint:
    rest_url: str  # http://host:port
    grpc_target: str  # host:port
    models_dir: pathlib.Path  # the layout write_layout wrote (to compute expected results)
    local: bool  # our `dlsuite serve` (True) or an external server


def build_toy_model(export_dir):
    """A model with a two-input predict signature (numbers and text) and a regression signature.

    serving_default: x float [N, 2], tag string [N] -> total = x0 + x1, tag_bytes = tag,
    tag_upper = upper(tag). regress: tf.Example with float `x` (2 values) -> outputs = 2 x0 + x1.
    """
    import tensorflow as tf

    from serving.export import REGRESS_METHOD, set_method_names

    class Toy(tf.Module):
        @tf.function(
            input_signature=[
                tf.TensorSpec([None, 2], tf.float32, name="x"),
                tf.TensorSpec([None], tf.string, name="tag"),
            ]
        )
        def predict(self, x, tag):
            return {
                "total": tf.reduce_sum(x, axis=1),
                "tag_bytes": tag,
                "tag_upper": tf.strings.upper(tag, encoding="utf-8"),
            }

        @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="inputs")])
        def regress(self, inputs):
            x = tf.io.parse_example(inputs, {"x": tf.io.FixedLenFeature([2], tf.float32)})["x"]
            return {"outputs": 2.0 * x[:, 0] + x[:, 1]}

    toy = Toy()
    tf.saved_model.save(
        toy, str(export_dir), signatures={"serving_default": toy.predict, "regress": toy.regress}
    )
    set_method_names(str(export_dir), {"regress": REGRESS_METHOD})


def build_slow_model(export_dir):
    """serving_default: `seconds` float [N] -> `seconds`, answered after sleeping max(seconds) (no CPU)."""
    import tensorflow as tf
    from tensorflow.python.data.experimental.ops.testing import sleep

    class Slow(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None], tf.float32, name="seconds")])
        def sleep(self, seconds):
            micros = tf.cast(tf.reduce_max(seconds) * 5e5, tf.int64)  # get_single_element waits twice
            slept = tf.data.Dataset.from_tensors(seconds).apply(sleep(micros))
            return {"seconds": slept.get_single_element()}

    slow = Slow()
    tf.saved_model.save(slow, str(export_dir), signatures={"serving_default": slow.sleep})


def toy_expected(x, tag):
    return {"total": [a + b for a, b in x], "tag_upper": [t.upper() for t in tag]}


def model_config_text(base, lenet5_policy="specific { versions: 1 versions: 2 }"):
    labels = "".join(f' version_labels {{ key: "{k}" value: {v} }}' for k, v in LABELS.items())
    return (
        "model_config_list {\n"
        f'  config {{ name: "{LENET5}" base_path: "{base}/{LENET5}" model_platform: "tensorflow"'
        f" model_version_policy {{ {lenet5_policy} }}{labels} }}\n"
        f'  config {{ name: "{TOY}" base_path: "{base}/{TOY}" model_platform: "tensorflow" }}\n'
        "}\n"
    )


def write_layout(out_dir, pushed_model, container_base=None):
    """lenet5/1, lenet5/2 (copies of the pushed model), toy/1 and models.config under `out_dir`."""
    out_dir = pathlib.Path(out_dir)
    for version in (1, 2):
        shutil.copytree(pushed_model, out_dir / LENET5 / str(version))
    build_toy_model(out_dir / TOY / "1")
    config = out_dir / "models.config"
    config.write_text(model_config_text(container_base or str(out_dir.resolve())))
    return config


class ServerProcess:
    """`dlsuite serve ... --rest-port 0 --grpc-port 0` in a fresh process; `.rest_url`, `.grpc_target`."""

    def __init__(self, *args, log_path, timeout=180, command=None):
        """`command`: the whole command line instead (e.g. TF Serving's flags, see `tfs`)."""
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "TF_CPP_MIN_LOG_LEVEL": "3"}
        self.log_path = pathlib.Path(log_path)
        self._log = open(self.log_path, "w")
        command = command or [
            sys.executable, "-m", "tools.cli", "serve", "--rest-port", "0", "--grpc-port", "0", *args
        ]  # fmt: skip
        self.proc = subprocess.Popen(
            list(map(str, command)), cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=self._log, text=True
        )
        self.stdout_lines = []
        self._lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self._lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                line = None
            if line is None:
                self.stop()
                raise RuntimeError(f"dlsuite serve did not get ready: {self.log_tail()}")
            if match := _READY.search(line):
                self.rest_port, self.grpc_port = int(match[1]), int(match[2])
                break
        self.rest_url = f"http://127.0.0.1:{self.rest_port}"
        self.grpc_target = f"127.0.0.1:{self.grpc_port}"
        _RUNNING[self.rest_url] = self

    def _read(self):
        for line in self.proc.stdout:
            self.stdout_lines.append(line)
            self._lines.put(line)
        self._lines.put(None)

    def log_tail(self, chars=3000):
        if not self._log.closed:
            self._log.flush()
        return "".join(self.stdout_lines)[-chars:] + self.log_path.read_text()[-chars:]

    def stop(self, timeout=60):
        """SIGTERM, then wait; returns the exit code."""
        _RUNNING.pop(getattr(self, "rest_url", None), None)
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        self._log.close()
        return code


def tfs_server(*flags, log_path, timeout=180, command_prefix=None):
    """`dlsuite serve FLAGS` with TF Serving's flags; by default as `python -m serving serve`, which
    starts faster than `python -m tools.cli serve` (no pipeline command lines to import)."""
    prefix = command_prefix or [sys.executable, "-m", "serving", "serve"]
    return ServerProcess(log_path=log_path, timeout=timeout, command=[*prefix, *flags])


def free_port():
    """A port nothing listens on now (TF Serving's own tests pick ports the same way)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_HALF_PLUS_TWO = {}


def half_plus_two_models(root):
    """tools/half_plus_two.py's models under `root` (written once per session): {variant: base path}."""
    if not _HALF_PLUS_TWO:
        from tools import half_plus_two

        _HALF_PLUS_TWO.update(half_plus_two.write_all(pathlib.Path(root)))
    return dict(_HALF_PLUS_TWO)


def server_process(endpoint):
    """The ServerProcess serving `endpoint` (a local one), or None."""
    return _RUNNING.get(endpoint.rest_url)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir")
    parser.add_argument("--pushed-model", required=True, help="a pushed lenet5 version directory")
    parser.add_argument("--container-base", help="where out_dir is mounted in the server (e.g. /models)")
    args = parser.parse_args(argv)
    print(write_layout(args.out_dir, args.pushed_model, args.container_base))


if __name__ == "__main__":
    main()
