"""The model server: model manager + REST + gRPC, started and stopped together."""

import dataclasses
import logging
import os
import time

from serving import config as config_lib
from serving import (
    config_watcher,
    grpc_api,
    http_server,
    limits,
    model_manager,
    monitoring_config,
    rest_api,
    warmup,
)
from serving.metrics import Metrics

log = logging.getLogger(__name__)

DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024


@dataclasses.dataclass(frozen=True)
class ServerOptions:
    host: str = "127.0.0.1"  # loopback unless asked otherwise
    rest_port: int | None = 8501  # None: no REST API; 0: any free port
    grpc_port: int | None = 8500
    poll_seconds: float = 1.0  # TF Serving's --file_system_poll_wait_seconds
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES  # REST bodies and gRPC messages
    grpc_threads: int = 16
    batching: object = None  # batching.BatchingParameters, or None for no batching
    shutdown_grace_seconds: float = 10.0  # how long stop() lets requests in flight finish
    request_limits: limits.RequestLimits = limits.RequestLimits()
    api_options: rest_api.ApiOptions = rest_api.ApiOptions()
    grpc_channel_arguments: tuple = ()  # TF Serving's --grpc_channel_arguments, as (key, value)
    model_config_file: str | None = None  # re-read every config_poll_seconds when > 0
    config_poll_seconds: float = 0.0  # TF Serving's --model_config_file_poll_wait_seconds
    monitoring: monitoring_config.Monitoring = monitoring_config.Monitoring()
    warmup: bool = True  # TF Serving's --enable_model_warmup


class ModelServer:
    """Serves the models of `server_config` (a ModelServerConfig) as TF Serving does.

    `start()` loads what is on disk, then opens the APIs; `rest_port` / `grpc_port` are the bound
    ports afterwards. `stop()` stops accepting on every connection, lets requests in flight finish
    (up to `shutdown_grace_seconds`), then unloads.
    """

    def __init__(self, server_config, options=ServerOptions()):
        self.options = options
        self.metrics = Metrics()
        self.manager = model_manager.ModelManager(
            server_config,
            load=self.metrics.timed_load(
                lambda name, version, path: warmup.load_servable(
                    name, version, path, options.batching, options.warmup
                )
            ),
            poll_seconds=options.poll_seconds,
        )
        self.metrics.watch(self.manager)
        self._watcher = None
        self._rest = self._grpc = None
        self.rest_port = self.grpc_port = None

    def start(self):
        for model in self.manager.configs().values():
            if not os.path.isdir(model.base_path):
                log.warning(
                    "model %s: base path %s does not exist (yet); it is polled every %s s",
                    model.name,
                    model.base_path,
                    self.options.poll_seconds,
                )
        self.manager.start()
        problems = self.manager.label_errors()
        if problems:
            self.manager.stop()
            raise config_lib.ConfigError("; ".join(problems) + ". Point version_labels at loaded versions.")
        opts = self.options
        try:
            if opts.grpc_port is not None:
                self._grpc, self.grpc_port = grpc_api.make_server(
                    self.manager,
                    opts.host,
                    opts.grpc_port,
                    opts.max_body_bytes,
                    opts.grpc_threads,
                    opts.request_limits,
                    opts.api_options,
                    opts.grpc_channel_arguments,
                    self.metrics,
                )
                self._grpc.start()
            if opts.rest_port is not None:
                self._rest = http_server.RestServer(
                    rest_api.RestApi(
                        self.manager,
                        opts.request_limits,
                        opts.api_options,
                        self.metrics,
                        opts.monitoring.prometheus_path,
                    ),
                    opts.host,
                    opts.rest_port,
                    opts.max_body_bytes,
                )
                self.rest_port = self._rest.port
                self._rest.start()
            if opts.model_config_file and opts.config_poll_seconds > 0:
                self._watcher = config_watcher.ConfigWatcher(
                    opts.model_config_file, self.manager, opts.config_poll_seconds
                )
                self._watcher.start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self):
        if self._watcher is not None:
            self._watcher.stop()
            self._watcher = None
        grace = self.options.shutdown_grace_seconds
        deadline = time.monotonic() + grace
        if self._rest is not None:
            self._rest.stop_accepting()
        # gRPC refuses new calls at once (UNAVAILABLE) and cancels what still runs after `grace`.
        grpc_done = self._grpc.stop(grace) if self._grpc is not None else None
        rest_idle = self._rest is None or self._rest.wait_idle(max(0.0, deadline - time.monotonic()))
        grpc_idle = grpc_done is None or grpc_done.wait(max(0.0, deadline - time.monotonic()) + 1.0)
        if not (rest_idle and grpc_idle):
            log.warning("shutdown: requests still in flight after %s s; unloading anyway", grace)
        self._rest = self._grpc = None
        self.manager.stop()  # only now: no request runs on the models any more

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
