"""TF Serving's --monitoring_config_file (text MonitoringConfig), read without TensorFlow.

    prometheus_config { enable: true, path: "/monitoring/prometheus/metrics" }

The pip package tensorflow-serving-api does not ship monitoring_config_pb2: the two messages are
declared here with TF Serving's field numbers (tensorflow_serving/config/monitoring_config.proto).
"""

import dataclasses

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory, text_format

DEFAULT_PATH = "/monitoring/prometheus/metrics"


def _messages():
    f = descriptor_pb2.FileDescriptorProto(
        name="dlsuite/monitoring_config.proto", package="tensorflow.serving", syntax="proto3"
    )
    F = descriptor_pb2.FieldDescriptorProto  # noqa: N806
    prometheus = f.message_type.add(name="PrometheusConfig")
    prometheus.field.add(name="enable", number=1, type=F.TYPE_BOOL, label=F.LABEL_OPTIONAL)
    prometheus.field.add(name="path", number=2, type=F.TYPE_STRING, label=F.LABEL_OPTIONAL)
    monitoring = f.message_type.add(name="MonitoringConfig")
    monitoring.field.add(
        name="prometheus_config",
        number=1,
        type=F.TYPE_MESSAGE,
        label=F.LABEL_OPTIONAL,
        type_name=".tensorflow.serving.PrometheusConfig",
    )
    pool = descriptor_pool.DescriptorPool()
    pool.Add(f)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("tensorflow.serving.MonitoringConfig"))


MonitoringConfig = _messages()


@dataclasses.dataclass(frozen=True)
class Monitoring:
    prometheus_path: str | None = None  # None: no Prometheus endpoint


def read(path):
    """-> Monitoring (no endpoint without a file); ValueError naming the file when it is unusable."""
    if not path:
        return Monitoring()
    try:
        with open(path) as f:
            config = text_format.Parse(f.read(), MonitoringConfig())
    except OSError as e:
        raise ValueError(f"--monitoring_config_file {path}: {e.strerror}; pass a readable file.") from None
    except text_format.ParseError as e:
        raise ValueError(
            f"--monitoring_config_file {path}: not a MonitoringConfig ({e}); expected "
            'prometheus_config { enable: true, path: "/monitoring/prometheus/metrics" }.'
        ) from None
    prometheus = config.prometheus_config
    if not prometheus.enable:
        return Monitoring()
    route = prometheus.path or DEFAULT_PATH
    if not route.startswith("/") or route.startswith("/v1/"):
        raise ValueError(f"--monitoring_config_file {path}: path {route!r} must start with '/', not '/v1/'.")
    return Monitoring(prometheus_path=route)
