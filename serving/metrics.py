"""TF Serving's Prometheus metrics, kept with prometheus_client in one registry per server.

Names as TF Serving exports them (`--monitoring_config_file` with prometheus_config):

  :tensorflow:serving:request_count{model_name, status}            requests answered, by status code
  :tensorflow:serving:request_latency_bucket{model_name, API, entrypoint, le}   microseconds
  :tensorflow:cc:saved_model:load_attempt_count{model_path, status}  loads tried: success / error
  :tensorflow:cc:saved_model:load_latency{model_path}               microseconds spent loading
  dlsuite_serving_model_version_state{model_name, version, state}   1 per version, its current state

The counts are exported as gauges under TF Serving's exact names (prometheus_client would append
`_total` to a Counter's name, and dashboards written for TF Serving query the names above).
"""

import time

from prometheus_client import CollectorRegistry, Gauge, Histogram, disable_created_metrics, exposition
from prometheus_client.core import GaugeMetricFamily
from tensorflow_serving.apis import get_model_status_pb2

CONTENT_TYPE = exposition.CONTENT_TYPE_LATEST
# TF Serving's request latency buckets: 10 us * 1.8^i, 33 of them
_BUCKETS = tuple(10.0 * 1.8**i for i in range(33))
_STATE_NAMES = get_model_status_pb2.ModelVersionStatus.State.Name


class Metrics:
    def __init__(self):
        disable_created_metrics()  # no `*_created` series: TF Serving exports none
        self.registry = CollectorRegistry(auto_describe=True)
        self.request_count = Gauge(
            ":tensorflow:serving:request_count",
            "The total number of requests.",
            ["model_name", "status"],
            registry=self.registry,
        )
        self.request_latency = Histogram(
            ":tensorflow:serving:request_latency",
            "Distribution of wall time (in microseconds) for Tensorflow Serving request.",
            ["model_name", "API", "entrypoint"],
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self.load_attempt_count = Gauge(
            ":tensorflow:cc:saved_model:load_attempt_count",
            "The number of times a SavedModel was successfully loaded.",
            ["model_path", "status"],
            registry=self.registry,
        )
        self.load_latency = Gauge(
            ":tensorflow:cc:saved_model:load_latency",
            "Latency in microseconds for SavedModels that were successfully loaded.",
            ["model_path"],
            registry=self.registry,
        )
        self._manager = None

    def watch(self, manager):
        """Exports the versions' states of `manager` (a ModelManager) at each scrape."""
        self._manager = manager
        self.registry.register(_StateCollector(self))

    def record_request(self, model_name, api, entrypoint, status, seconds):
        self.request_count.labels(model_name, status).inc()
        self.request_latency.labels(model_name, api, entrypoint).observe(seconds * 1e6)

    def timed_load(self, load):
        """`load(name, version, path)` wrapped: attempts and latencies recorded per model path."""

        def wrapped(name, version, path):
            started = time.monotonic()
            try:
                servable = load(name, version, path)
            except BaseException:
                self.load_attempt_count.labels(path, "error").inc()
                raise
            self.load_attempt_count.labels(path, "success").inc()
            self.load_latency.labels(path).inc((time.monotonic() - started) * 1e6)
            return servable

        return wrapped

    def exposition(self):
        return exposition.generate_latest(self.registry)


class _StateCollector:
    def __init__(self, metrics):
        self._metrics = metrics

    def describe(self):
        return []

    def collect(self):
        family = GaugeMetricFamily(
            "dlsuite_serving_model_version_state",
            "1 for each model version, labelled with its ModelVersionStatus state.",
            labels=["model_name", "version", "state"],
        )
        manager = self._metrics._manager
        for name in manager.model_names() if manager else ():
            try:
                statuses = manager.status(name)
            except Exception:  # noqa: BLE001 -- no versions yet
                continue
            for status in statuses:
                family.add_metric([name, str(status.version), _STATE_NAMES(status.state)], 1)
        yield family
