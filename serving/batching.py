"""Server-side batching, with TF Serving's batching parameters.

Concurrent requests to one signature are merged into one call: a batch closes when it holds
`max_batch_size` rows or `batch_timeout_micros` after its first request arrived; `num_batch_threads`
batches run at once; at most `max_enqueued_batches` wait, beyond that a request is refused
(UNAVAILABLE, as TF Serving). Each request gets its own rows of every output back.
"""

import collections
import dataclasses
import os
import re
import threading
import time

import numpy as np

from serving import errors


@dataclasses.dataclass(frozen=True)
class BatchingParameters:
    max_batch_size: int = 32
    batch_timeout_micros: int = 1000
    num_batch_threads: int = os.cpu_count() or 1
    max_enqueued_batches: int = 100
    allowed_batch_sizes: tuple = ()  # pad each batch up to the next of these sizes

    def __post_init__(self):
        if self.max_batch_size < 1 or self.num_batch_threads < 1 or self.max_enqueued_batches < 1:
            raise ValueError(
                "batching: max_batch_size, num_batch_threads and max_enqueued_batches must be >= 1"
            )
        if self.batch_timeout_micros < 0:
            raise ValueError("batching: batch_timeout_micros must be >= 0")
        sizes = list(self.allowed_batch_sizes)
        if sizes and (sizes != sorted(sizes) or sizes[-1] != self.max_batch_size):
            raise ValueError(
                "batching: allowed_batch_sizes must increase and end with max_batch_size "
                f"({self.max_batch_size}), as in TF Serving"
            )


_WRAPPED = re.compile(r"(\w+)\s*\{\s*value\s*:\s*(\d+)\s*\}")
_REPEATED = re.compile(r"(allowed_batch_sizes)\s*:\s*(\d+)")


def read_batching_parameters(path, **overrides):
    """Reads TF Serving's --batching_parameters_file (text format BatchingParameters).

    Understands `max_batch_size { value: 32 }`-style fields and repeated `allowed_batch_sizes: N`;
    other TF Serving fields (thread_pool_name, pad_variable_length_inputs, ...) are ignored.
    """
    with open(path) as f:
        text = f.read()
    known = {f.name for f in dataclasses.fields(BatchingParameters)}
    values = {name: int(v) for name, v in _WRAPPED.findall(text) if name in known}
    sizes = [int(v) for _, v in _REPEATED.findall(text)]
    if sizes:
        values["allowed_batch_sizes"] = tuple(sizes)
    values.update({k: v for k, v in overrides.items() if v is not None})
    return BatchingParameters(**values)


class _Task:
    __slots__ = ("inputs", "size", "done", "outputs", "error")

    def __init__(self, inputs, size):
        self.inputs, self.size = inputs, size
        self.done = threading.Event()
        self.outputs = self.error = None


class Batcher:
    """Merges concurrent calls of `run(inputs) -> outputs` (dicts of arrays, rows along axis 0)."""

    def __init__(self, run, params):
        self._run, self._params = run, params
        self._cond = threading.Condition()
        self._open, self._open_size, self._open_deadline = [], 0, None
        self._closed = collections.deque()
        self._stopping = False
        self._threads = [
            threading.Thread(target=self._work, name=f"batch-{i}", daemon=True)
            for i in range(params.num_batch_threads)
        ]
        for thread in self._threads:
            thread.start()

    def __call__(self, inputs):
        size = _batch_size(inputs)
        if size > self._params.max_batch_size:
            raise errors.invalid_argument(
                f"Task size {size} is larger than maximum input batch size {self._params.max_batch_size}; "
                "send fewer rows per request or raise max_batch_size."
            )
        task = _Task(inputs, size)
        with self._cond:
            if self._stopping:  # unloading: finish this request unbatched
                task = None
            else:
                if self._open and self._open_size + size > self._params.max_batch_size:
                    self._close_open()
                if len(self._closed) >= self._params.max_enqueued_batches:
                    raise errors.unavailable(
                        "The batch scheduling queue to which this task was submitted is full; retry later."
                    )
                if not self._open:
                    self._open_deadline = time.monotonic() + self._params.batch_timeout_micros / 1e6
                self._open.append(task)
                self._open_size += size
                if self._open_size >= self._params.max_batch_size:
                    self._close_open()
                self._cond.notify()
        if task is None:
            return self._run(inputs)
        task.done.wait()
        if task.error is not None:
            raise task.error
        return task.outputs

    def close(self):
        """Runs what is queued, then stops the batch threads."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        for thread in self._threads:
            thread.join()

    def _close_open(self):
        self._closed.append(self._open)
        self._open, self._open_size, self._open_deadline = [], 0, None

    def _next_batch(self):
        with self._cond:
            while True:
                if self._closed:
                    return self._closed.popleft()
                if self._open and (self._stopping or time.monotonic() >= self._open_deadline):
                    self._close_open()
                    continue
                if self._stopping:
                    return None
                timeout = None if not self._open else max(0.0, self._open_deadline - time.monotonic())
                self._cond.wait(timeout)

    def _work(self):
        while (batch := self._next_batch()) is not None:
            for tasks in _groups(batch):
                try:
                    _run_group(self._run, tasks, self._params.allowed_batch_sizes)
                except Exception as e:  # noqa: BLE001 -- handed to every request of the group
                    error = errors.from_exception(e)
                    for task in tasks:
                        task.error = error
            for task in batch:
                task.done.set()


def _batch_size(inputs):
    sizes = {np.shape(v)[0] if np.ndim(v) else None for v in inputs.values()}
    if len(sizes) != 1 or None in sizes:
        raise errors.invalid_argument(
            "Batching needs every input to have the same 0th (batch) dimension; got shapes "
            f"{ {k: list(np.shape(v)) for k, v in inputs.items()} }."
        )
    return sizes.pop()


def _groups(batch):
    """Requests whose rows differ in shape or dtype cannot share one tensor: one group each."""
    groups = collections.defaultdict(list)
    for task in batch:
        key = tuple(sorted((k, np.shape(v)[1:], np.asarray(v).dtype.str) for k, v in task.inputs.items()))
        groups[key].append(task)
    return groups.values()


def _run_group(run, tasks, allowed_sizes):
    total = sum(t.size for t in tasks)
    padded = next((s for s in allowed_sizes if s >= total), total)
    merged = {}
    for key in tasks[0].inputs:
        parts = [np.asarray(t.inputs[key]) for t in tasks]
        if padded > total:  # TF Serving pads with copies of the first row
            parts.append(np.repeat(parts[0][:1], padded - total, axis=0))
        merged[key] = np.concatenate(parts, axis=0)
    outputs = run(merged)
    for name, value in outputs.items():
        if np.ndim(value) == 0 or np.shape(value)[0] != padded:
            raise errors.failed_precondition(
                f"Batched output tensor {name!r} has 0th dimension {list(np.shape(value)[:1])} != "
                f"input batch size {padded}; this signature cannot be batched, "
                "serve it without --enable-batching."
            )
    start = 0
    for task in tasks:
        task.outputs = {name: value[start : start + task.size] for name, value in outputs.items()}
        start += task.size
