"""tensorflow_model_server's flags, spelled as TF Serving spells them, beside `dlsuite serve`'s own.

An existing command line (`--port=8500 --rest_api_port=8501 --model_name=m --model_base_path=/models/m`,
`--model_config_file=...`, `--enable_batching`, ...) runs unchanged. Both `--flag=value` and
`--flag value` are taken; booleans as `--flag`, `--flag=true|false|1|0`. No TensorFlow import here:
the command line is checked before TensorFlow loads.

As in TF Serving: `--model_name` defaults to `default` when the model is named by `--model_base_path`;
when the command line uses `--port`, REST is served only with a non-zero `--rest_api_port`; with
`--port` or `--rest_api_port` and no `--host`, the server listens on every interface (0.0.0.0), so
a container's entry point is reachable as tensorflow_model_server's is.
"""

import argparse

# Accepted for compatibility; dlsuite serve has no use for them (its behaviour does not change).
IGNORED = {
    "--rest_api_num_threads": int,  # REST runs one thread per connection
    "--rest_api_timeout_in_ms": int,
    "--num_load_threads": int,
    "--num_unload_threads": int,
    "--max_num_load_retries": int,
    "--load_retry_interval_micros": int,
    "--flush_filesystem_caches": "bool",
    "--tensorflow_session_parallelism": int,
    "--per_process_gpu_memory_fraction": float,
    "--num_request_iterations_for_warmup": int,
    "--remove_unused_fields_from_bundle_metagraph": "bool",
    "--xla_cpu_compilation_enabled": "bool",
    "--enable_profiler": "bool",
    "--mixed_precision": str,
    "--skip_initialize_tpu": "bool",
    "--enable_grpc_healthcheck_service": "bool",
    "--rest_api_enable_cors_support": "bool",
    "--allow_version_labels_for_unavailable_models": "bool",
    "--grpc_max_threads": int,
}
# TF Serving features dlsuite serve does not have: refused with this reason when set.
UNSUPPORTED = {
    "--grpc_socket_path": (str, "UNIX domain sockets are not served; use --port"),
    "--ssl_config_file": (str, "TLS is not served; terminate TLS in front (see serving/deploy)"),
    "--use_alts_credentials": ("bool", "ALTS credentials are not supported"),
    "--prefer_tflite_model": ("bool", "TFLite models are not served"),
    "--use_tflite_model": ("bool", "TFLite models are not served"),
    "--platform_config_file": (str, "only the TensorFlow SavedModel platform is served"),
    "--tensorflow_session_config_file": (str, "a custom SessionConfig is not supported"),
    "--thread_pool_factory_config_file": (str, "custom thread pools are not supported"),
}


def parse_bool(text):
    value = str(text).strip().lower()
    if value in ("true", "1", "yes"):
        return True
    if value in ("false", "0", "no"):
        return False
    raise argparse.ArgumentTypeError(f"{text!r} is not a boolean (true/false)")


def _bool_flag(group, flag, dest=None, default=None, help=None):  # noqa: A002
    group.add_argument(
        flag, dest=dest, nargs="?", const=True, default=default, type=parse_bool, metavar="BOOL", help=help
    )


def add_flags(parser):
    """TF Serving's spellings; where they mean one of ours, the same `dest`."""
    g = parser.add_argument_group("tensorflow_model_server flags (TF Serving's spellings, also taken)")
    g.add_argument("--port", dest="tfs_port", type=int, help="gRPC port (= --grpc-port)")
    g.add_argument("--rest_api_port", dest="tfs_rest_api_port", type=int, help="REST port; 0: no REST")
    g.add_argument("--model_name", dest="model_name", help="= --model-name (default: 'default')")
    g.add_argument("--model_base_path", dest="tfs_model_base_path", help="= --model-base-path")
    g.add_argument("--model_config_file", dest="model_config_file", help="= --model-config-file")
    g.add_argument(
        "--model_config_file_poll_wait_seconds", dest="model_config_file_poll_wait_seconds", type=float
    )
    g.add_argument("--file_system_poll_wait_seconds", dest="file_system_poll_wait_seconds", type=float)
    _bool_flag(g, "--enable_batching", dest="enable_batching")
    g.add_argument("--batching_parameters_file", dest="batching_parameters_file")
    g.add_argument("--monitoring_config_file", dest="monitoring_config_file")
    g.add_argument("--grpc_channel_arguments", dest="grpc_channel_arguments", help="key=value,key=value")
    for kind in ("intra", "inter"):
        g.add_argument(
            f"--tensorflow_{kind}_op_parallelism", dest=f"tensorflow_{kind}_op_parallelism", type=int
        )
    _bool_flag(g, "--enable_signature_method_name_check", dest="enable_signature_method_name_check")
    _bool_flag(g, "--enable_serialization_as_tensor_content", dest="enable_serialization_as_tensor_content")
    _bool_flag(g, "--enable_model_warmup", dest="enable_model_warmup")
    g.add_argument("--saved_model_tags", dest="saved_model_tags")
    _bool_flag(g, "--version", dest="tfs_version", help="print the version and exit")
    for flag, kind in IGNORED.items():
        if kind == "bool":
            _bool_flag(g, flag, dest=_dest(flag), help=argparse.SUPPRESS)
        else:
            g.add_argument(flag, dest=_dest(flag), type=kind, help=argparse.SUPPRESS)
    for flag, (kind, _) in UNSUPPORTED.items():
        if kind == "bool":
            _bool_flag(g, flag, dest=_dest(flag), help=argparse.SUPPRESS)
        else:
            g.add_argument(flag, dest=_dest(flag), help=argparse.SUPPRESS)


def _dest(flag):
    return "tfs_" + flag.lstrip("-")


def parse_channel_arguments(text):
    """`--grpc_channel_arguments=grpc.max_concurrent_streams=1000,...` -> [(key, int or str)]."""
    pairs = []
    for item in filter(None, (text or "").split(",")):
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--grpc_channel_arguments {text!r}: each item is key=value, comma-separated.")
        value = value.strip()
        pairs.append((key.strip(), int(value) if value.lstrip("-").isdigit() else value))
    return pairs


def normalize(args):
    """Folds TF Serving's spellings into ours; raises ValueError (a one-line usage error)."""
    for flag, (_, why) in UNSUPPORTED.items():
        if getattr(args, _dest(flag), None):
            raise ValueError(f"{flag}: {why}.")
    tfs_base = args.tfs_model_base_path
    if tfs_base:
        if args.model_base_path and args.model_base_path != tfs_base:
            raise ValueError("pass --model_base_path or --model-base-path, not both.")
        args.model_base_path = tfs_base
        args.model_name = args.model_name or "default"
    if args.tfs_rest_api_port is not None:
        if args.rest_port is not None:
            raise ValueError("pass --rest_api_port or --rest-port, not both.")
        if args.tfs_rest_api_port < 0:
            raise ValueError(f"--rest_api_port {args.tfs_rest_api_port}: a port is 0 (no REST) to 65535.")
        args.rest_port = args.tfs_rest_api_port or None
    elif args.rest_port is None and args.tfs_port is None:
        args.rest_port = 8501  # ours; a TF Serving command line (--port) has REST only if asked
    if args.host is None:  # TF Serving listens on every interface; our own spellings on loopback
        tfs_ports = args.tfs_port is not None or args.tfs_rest_api_port is not None
        args.host = "0.0.0.0" if tfs_ports else "127.0.0.1"
    if args.tfs_port is not None:
        if args.grpc_port is not None:
            raise ValueError("pass --port or --grpc-port, not both.")
        args.grpc_port = args.tfs_port
    elif args.grpc_port is None:
        args.grpc_port = 8500
    tags = [t.strip() for t in (args.saved_model_tags or "serve").split(",") if t.strip()]
    if tags != ["serve"]:
        raise ValueError(f"--saved_model_tags {args.saved_model_tags}: only the 'serve' MetaGraph is served.")
    args.grpc_channel_arguments = parse_channel_arguments(args.grpc_channel_arguments)
    defaults = {
        "enable_batching": False,
        "file_system_poll_wait_seconds": 1.0,
        "model_config_file_poll_wait_seconds": 0.0,
        "enable_signature_method_name_check": False,
        "enable_serialization_as_tensor_content": False,
        "enable_model_warmup": True,
        "tensorflow_intra_op_parallelism": 0,
        "tensorflow_inter_op_parallelism": 0,
    }
    for name, value in defaults.items():
        if getattr(args, name, None) is None:
            setattr(args, name, value)
    for flag in ("--file_system_poll_wait_seconds", "--model_config_file_poll_wait_seconds"):
        value = getattr(args, flag.lstrip("-"))
        if not 0 <= value < float("inf"):
            raise ValueError(f"{flag} {value}: must be 0 (do not poll) or more seconds.")
    return args
