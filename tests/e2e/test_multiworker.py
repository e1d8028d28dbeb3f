"""--distribute multi_worker: MultiWorkerMirroredStrategy from TF_CONFIG, the chief alone exports.

The e2e test starts two worker processes on 127.0.0.1 (tests/e2e/multiworker_worker.py) that
train LeNet-5 for a few steps and must end with the same weights.
"""

import json
import os
import socket
import subprocess
import sys
import types

import numpy as np
import pytest
import tensorflow as tf

from pipelines import training

pytestmark = pytest.mark.e2e

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _free_ports(n):
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def _strategy(task_type, task_id, cluster):
    resolver = types.SimpleNamespace(
        task_type=task_type, task_id=task_id, cluster_spec=lambda: tf.train.ClusterSpec(cluster)
    )
    return types.SimpleNamespace(cluster_resolver=resolver)


def test_chief_is_task_chief_or_worker_zero_without_chief():
    workers = {"worker": ["a:1", "b:2"]}
    with_chief = {"chief": ["c:3"], "worker": ["a:1", "b:2"]}
    assert training.is_chief(tf.distribute.get_strategy())
    assert training.is_chief(_strategy("worker", 0, workers))
    assert not training.is_chief(_strategy("worker", 1, workers))
    assert training.is_chief(_strategy("chief", 0, with_chief))
    assert not training.is_chief(_strategy("worker", 0, with_chief))


def test_only_the_chief_keeps_its_export(tmp_path):
    model_dir = str(tmp_path / "serving")
    cluster = {"worker": ["a:1", "b:2"]}
    assert training.export_dir(model_dir, _strategy("worker", 0, cluster)) == model_dir
    other = training.export_dir(model_dir, _strategy("worker", 1, cluster))
    assert other == str(tmp_path / "workertemp_1" / "serving")
    os.makedirs(other)
    training.discard_export(other, model_dir)
    assert not (tmp_path / "workertemp_1").exists()


def test_multi_worker_without_tf_config_is_a_clear_error(monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    with pytest.raises(ValueError, match="TF_CONFIG"):
        training.distribution_strategy("multi_worker")
    with pytest.raises(ValueError, match="distribute must be one of"):
        training.distribution_strategy("tpu")


def test_two_workers_train_lenet5_and_agree_on_the_weights(tmp_path):
    ports = ",".join(str(p) for p in _free_ports(2))
    env = {k: v for k, v in os.environ.items() if k != "TF_CONFIG"}
    env.update(CUDA_VISIBLE_DEVICES="-1", TF_CPP_MIN_LOG_LEVEL="2")
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.e2e.multiworker_worker", str(i), ports, str(tmp_path)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(2)
    ]
    outputs = []
    try:
        for proc in procs:
            outputs.append(proc.communicate(timeout=300))
    finally:
        for proc in procs:
            proc.kill()
    for proc, (out, err) in zip(procs, outputs):
        assert proc.returncode == 0, f"worker exited {proc.returncode}:\n{out[-3000:]}\n{err[-3000:]}"
    reports = [json.loads(out.strip().splitlines()[-1]) for out, _ in outputs]
    assert [(r["worker"], r["chief"]) for r in reports] == [(0, True), (1, False)]

    def weights(name):
        with np.load(tmp_path / name) as f:
            return [f[k] for k in sorted(f.files, key=lambda k: int(k.split("_")[1]))]

    final0, final1, initial0 = weights("final_0.npz"), weights("final_1.npz"), weights("initial_0.npz")
    for a, b in zip(final0, final1):
        np.testing.assert_allclose(a, b, atol=1e-6)
    assert any(not np.allclose(a, b) for a, b in zip(final0, initial0)), "the weights did not change"
    assert (tmp_path / "export" / "saved_model.pb").exists()
    assert not (tmp_path / "workertemp_1").exists()
