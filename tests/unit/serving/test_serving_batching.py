"""Server-side batching: merging, splitting, limits, padding, TF Serving's parameters file."""

import threading

import grpc
import numpy as np
import pytest

from serving import errors
from serving.batching import Batcher, BatchingParameters, read_batching_parameters


class Recorder:
    """A signature stand-in: doubles `x`; records the batch sizes it was called with."""

    def __init__(self, block=None):
        self.sizes, self.started, self._block = [], threading.Event(), block

    def __call__(self, inputs):
        self.sizes.append(len(inputs["x"]))
        self.started.set()
        if self._block is not None:
            self._block.wait(30)
        return {"y": inputs["x"] * 2, "n": np.full(len(inputs["x"]), len(inputs["x"]))}


def _submit_concurrently(batcher, inputs_list):
    results, barrier = [None] * len(inputs_list), threading.Barrier(len(inputs_list))

    def send(i):
        barrier.wait()
        results[i] = batcher(inputs_list[i])

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(inputs_list))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_concurrent_requests_share_one_call_and_get_their_own_rows():
    run = Recorder()
    # A long timeout: the batch closes because it is full, not because time ran out.
    batcher = Batcher(
        run, BatchingParameters(max_batch_size=8, batch_timeout_micros=5_000_000, num_batch_threads=1)
    )
    try:
        results = _submit_concurrently(batcher, [{"x": np.array([[float(i)]])} for i in range(8)])
    finally:
        batcher.close()
    assert run.sizes == [8]
    for i, result in enumerate(results):
        np.testing.assert_array_equal(result["y"], [[2.0 * i]])
        assert result["n"].tolist() == [8]


def test_a_batch_is_padded_to_the_next_allowed_size():
    run = Recorder()
    params = BatchingParameters(max_batch_size=4, batch_timeout_micros=0, allowed_batch_sizes=(2, 4))
    batcher = Batcher(run, params)
    try:
        result = batcher({"x": np.arange(3.0).reshape(3, 1)})
    finally:
        batcher.close()
    assert run.sizes == [4]
    np.testing.assert_array_equal(result["y"], [[0.0], [2.0], [4.0]])


def test_requests_with_different_row_shapes_run_separately():
    run = Recorder()
    batcher = Batcher(run, BatchingParameters(max_batch_size=2, batch_timeout_micros=5_000_000))
    try:
        results = _submit_concurrently(batcher, [{"x": np.ones((1, 2))}, {"x": np.ones((1, 3))}])
    finally:
        batcher.close()
    assert sorted(run.sizes) == [1, 1]
    assert [r["y"].shape for r in results] == [(1, 2), (1, 3)]


def test_a_task_larger_than_the_batch_is_invalid():
    batcher = Batcher(Recorder(), BatchingParameters(max_batch_size=2))
    try:
        with pytest.raises(errors.ServingError) as raised:
            batcher({"x": np.ones((3, 1))})
    finally:
        batcher.close()
    assert raised.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "larger than maximum input batch size 2" in raised.value.message


def test_a_full_queue_is_unavailable():
    release = threading.Event()
    run = Recorder(block=release)
    params = BatchingParameters(max_batch_size=1, num_batch_threads=1, max_enqueued_batches=1)
    batcher = Batcher(run, params)
    first = threading.Thread(target=batcher, args=({"x": np.ones((1, 1))},))
    first.start()
    assert run.started.wait(30)  # the only batch thread is busy
    second = threading.Thread(target=batcher, args=({"x": np.ones((1, 1))},))
    second.start()  # queued
    try:
        for _ in range(1000):  # until the second request is queued
            if batcher._closed:
                break
            threading.Event().wait(0.01)
        with pytest.raises(errors.ServingError) as raised:
            batcher({"x": np.ones((1, 1))})
        assert raised.value.code == grpc.StatusCode.UNAVAILABLE
    finally:
        release.set()
        first.join(30)
        second.join(30)
        batcher.close()
    assert run.sizes == [1, 1]  # both accepted requests ran


def test_errors_reach_every_request_of_the_batch():
    def broken(inputs):
        raise ValueError("bad batch")

    batcher = Batcher(broken, BatchingParameters(max_batch_size=1))
    try:
        with pytest.raises(errors.ServingError, match="bad batch"):
            batcher({"x": np.ones((1, 1))})
    finally:
        batcher.close()


def test_reads_tf_servings_batching_parameters_file(tmp_path):
    path = tmp_path / "batching.config"
    path.write_text(
        "max_batch_size { value: 16 }\nbatch_timeout_micros { value: 500 }\nnum_batch_threads { value: 3 }\n"
        "max_enqueued_batches { value: 7 }\nallowed_batch_sizes: 8\nallowed_batch_sizes: 16\n"
        'thread_pool_name { value: "batch_threads" }\n'
    )
    params = read_batching_parameters(str(path), num_batch_threads=2)
    assert params == BatchingParameters(
        max_batch_size=16,
        batch_timeout_micros=500,
        num_batch_threads=2,  # the explicit override wins
        max_enqueued_batches=7,
        allowed_batch_sizes=(8, 16),
    )


def test_bad_parameters_are_refused():
    with pytest.raises(ValueError, match="end with max_batch_size"):
        BatchingParameters(max_batch_size=8, allowed_batch_sizes=(2, 4))
