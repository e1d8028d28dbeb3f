"""The model server: model manager + REST + gRPC, started and stopped together."""

import dataclasses
import logging
import os

from serving import config as config_lib
from serving import grpc_api, http_server, model_manager, rest_api, warmup

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
    shutdown_grace_seconds: float = 10.0


class ModelServer:
    """Serves the models of `server_config` (a ModelServerConfig) as TF Serving does.

    `start()` loads what is on disk, then opens the APIs; `rest_port` / `grpc_port` are the bound
    ports afterwards. `stop()` stops accepting, lets requests in flight finish, unloads.
    """

    def __init__(self, server_config, options=ServerOptions()):
        self.options = options
        self.manager = model_manager.ModelManager(
            server_config,
            load=lambda name, version, path: warmup.load_servable(name, version, path, options.batching),
            poll_seconds=options.poll_seconds,
        )
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
                    self.manager, opts.host, opts.grpc_port, opts.max_body_bytes, opts.grpc_threads
                )
                self._grpc.start()
            if opts.rest_port is not None:
                self._rest = http_server.RestServer(
                    rest_api.RestApi(self.manager), opts.host, opts.rest_port, opts.max_body_bytes
                )
                self.rest_port = self._rest.port
                self._rest.start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self):
        grace = self.options.shutdown_grace_seconds
        stopped = self._grpc.stop(grace) if self._grpc is not None else None
        if self._rest is not None:
            self._rest.stop(grace)
        if stopped is not None:
            stopped.wait(grace)
        self._rest = self._grpc = None
        self.manager.stop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
