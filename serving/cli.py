"""`dlsuite serve` and `dlsuite predict`: the model server and its client on the command line.

dlsuite serve --model-base-path DIR [--model-name N] | --model-config-file F
              (or tensorflow_model_server's own flags, verbatim: serving/tfs_flags.py)
              [--rest-port 8501] [--grpc-port 8500] [--host 127.0.0.1] [--enable-batching ...]
              [--max-body-bytes B] [--max-request-elements N] [--max-request-string-bytes B]
              [--max-json-depth D] [--shutdown-grace-seconds S]
dlsuite predict --model-name N [--protocol rest|grpc] [--server HOST:PORT] [--method predict|...]
                (--json TEXT | --json-file F | --idx-images F [--count N])
"""

import json
import logging
import os
import signal
import sys
import threading

from serving import tfs_flags

EXIT_FAILED, EXIT_USAGE = 1, 2
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}
_MAX_MESSAGE_BYTES = 2**31 - 1  # gRPC's message limits are C ints
# serving.limits' defaults, repeated here so that usage errors print before TensorFlow is imported
DEFAULT_MAX_ELEMENTS, DEFAULT_MAX_STRING_BYTES, DEFAULT_MAX_JSON_DEPTH = (
    4 * 1024 * 1024,
    32 * 1024 * 1024,
    100,
)


def add_commands(subparsers):
    serve = subparsers.add_parser(
        "serve", help="serve pushed models over TF Serving's REST and gRPC APIs (hot reload, batching)"
    )
    models = serve.add_argument_group("models (one of)")
    models.add_argument(
        "--model-base-path", help="a model's folder of versions: <base>/<model>/ holding 1/, 2/, ..."
    )
    models.add_argument("--model-name", help="name of that model in URLs (default: the folder's name)")
    models.add_argument("--model-config-file", help="TF Serving's model config (text ModelServerConfig)")
    serve.add_argument(
        "--host",
        help="address to listen on (default: loopback only; with TF Serving's --port / --rest_api_port, "
        "every interface, as tensorflow_model_server)",
    )
    serve.add_argument("--rest-port", type=int, help="REST port (default 8501); 0 picks a free one")
    serve.add_argument("--grpc-port", type=int, help="gRPC port (default 8500); 0 picks a free one")
    serve.add_argument(
        "--file-system-poll-wait-seconds",
        type=float,
        default=1.0,
        help="how often new versions are looked for",
    )
    serve.add_argument(
        "--max-body-bytes",
        type=int,
        default=64 * 1024 * 1024,
        help="largest REST body / gRPC message accepted",
    )
    serve.add_argument(
        "--max-request-elements",
        type=int,
        default=DEFAULT_MAX_ELEMENTS,
        help="most tensor elements in one request (and JSON values in a REST body); more: 400",
    )
    serve.add_argument(
        "--max-request-string-bytes",
        type=int,
        default=DEFAULT_MAX_STRING_BYTES,
        help="most bytes of strings in one request, each string counted as its length + 64; more: 400",
    )
    serve.add_argument(
        "--max-json-depth",
        type=int,
        default=DEFAULT_MAX_JSON_DEPTH,
        help="deepest nesting of a REST JSON body; deeper: 400",
    )
    serve.add_argument(
        "--shutdown-grace-seconds",
        type=float,
        default=10.0,
        help="on SIGTERM, how long requests in flight may take to finish before models are unloaded",
    )
    for kind in ("intra", "inter"):
        serve.add_argument(
            f"--tensorflow-{kind}-op-parallelism",
            type=int,
            default=0,
            help=f"TensorFlow {kind}-op threads (0: TensorFlow's default; 1 can lower latency on few cores)",
        )
    batching = serve.add_argument_group("batching (TF Serving's batching parameters)")
    batching.add_argument("--enable-batching", action="store_true", help="merge concurrent requests")
    batching.add_argument("--batching-parameters-file", help="TF Serving's text BatchingParameters file")
    batching.add_argument("--max-batch-size", type=int)
    batching.add_argument("--batch-timeout-micros", type=int)
    batching.add_argument("--num-batch-threads", type=int)
    batching.add_argument("--max-enqueued-batches", type=int)
    tfs_flags.add_flags(serve)
    serve.set_defaults(func=cmd_serve)

    predict = subparsers.add_parser("predict", help="send a request to a model server (REST or gRPC)")
    predict.add_argument("--model-name", required=True)
    predict.add_argument("--protocol", choices=["rest", "grpc"], default="rest")
    predict.add_argument("--server", help="HOST:PORT (default 127.0.0.1:8501 for REST, :8500 for gRPC)")
    predict.add_argument(
        "--method", choices=["predict", "classify", "regress", "status", "metadata"], default="predict"
    )
    version = predict.add_mutually_exclusive_group()
    version.add_argument("--version", type=int)
    version.add_argument("--label")
    body = predict.add_mutually_exclusive_group()
    body.add_argument("--json", help="the request body, e.g. '{\"instances\": [[1.0, 2.0]]}'")
    body.add_argument("--json-file", help="file holding the request body ('-': stdin)")
    body.add_argument("--idx-images", help="an IDX images file: sends its first --count images as instances")
    predict.add_argument("--count", type=int, default=1)
    predict.add_argument("--signature-name", help="sets signature_name in the body")
    predict.add_argument("--timeout", type=float, default=30.0, help="seconds")
    predict.set_defaults(func=cmd_predict)


def _fail(command, message, code=EXIT_USAGE):
    print(f"dlsuite {command}: {message}", file=sys.stderr)
    return code


def _quiet():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import warnings

    for category in (FutureWarning, DeprecationWarning, UserWarning):
        warnings.filterwarnings("ignore", category=category)


def _check_ranges(args):
    for flag, port in (("--rest-port", args.rest_port), ("--grpc-port", args.grpc_port)):
        if port is not None and not 0 <= port <= 65535:
            raise ValueError(f"{flag} {port}: a port is 0 to 65535 (0 picks a free one).")
    at_least_one = {
        "--max-body-bytes": args.max_body_bytes,
        "--max-request-elements": args.max_request_elements,
        "--max-request-string-bytes": args.max_request_string_bytes,
        "--max-json-depth": args.max_json_depth,
    }
    for flag, value in at_least_one.items():
        if value < 1:
            raise ValueError(f"{flag} {value}: must be at least 1.")
    if args.max_body_bytes > _MAX_MESSAGE_BYTES:
        raise ValueError(f"--max-body-bytes {args.max_body_bytes}: at most {_MAX_MESSAGE_BYTES} (2 GiB - 1).")
    if not 0 <= args.shutdown_grace_seconds < float("inf"):
        raise ValueError(
            f"--shutdown-grace-seconds {args.shutdown_grace_seconds}: must be 0 or more seconds."
        )
    for kind in ("intra", "inter"):
        threads = getattr(args, f"tensorflow_{kind}_op_parallelism")
        if threads < 0:
            raise ValueError(
                f"--tensorflow-{kind}-op-parallelism {threads}: must be 0 (TF's choice) or more."
            )


def _check_usage(args):
    """Usage errors, found before TensorFlow is imported (so they print as one clean line)."""
    tfs_flags.normalize(args)
    if bool(args.model_base_path) == bool(args.model_config_file):
        raise ValueError(
            "pass either --model-base-path DIR or --model-config-file FILE (one of them; TF Serving's "
            "--model_base_path / --model_config_file also work)."
        )
    _check_ranges(args)
    files = {
        "--model-config-file": args.model_config_file,
        "--batching-parameters-file": args.batching_parameters_file,
        "--monitoring_config_file": args.monitoring_config_file,
    }
    for flag, path in files.items():
        if path and not os.access(path, os.R_OK):
            raise ValueError(f"{flag} {path}: cannot read it; pass a readable file.")
    tuning = (
        args.max_batch_size,
        args.batch_timeout_micros,
        args.num_batch_threads,
        args.max_enqueued_batches,
    )
    if not args.enable_batching and (args.batching_parameters_file or any(v is not None for v in tuning)):
        raise ValueError("batching parameters need --enable-batching.")


def _server_config(args, config):
    if args.model_config_file:
        return config.read_config_file(args.model_config_file)
    name = args.model_name or os.path.basename(os.path.normpath(os.path.abspath(args.model_base_path)))
    return config.single_model_config(args.model_base_path, name)


def _batching_params(args, batching):
    overrides = {
        "max_batch_size": args.max_batch_size,
        "batch_timeout_micros": args.batch_timeout_micros,
        "num_batch_threads": args.num_batch_threads,
        "max_enqueued_batches": args.max_enqueued_batches,
    }
    if not args.enable_batching:
        return None
    if args.batching_parameters_file:
        return batching.read_batching_parameters(args.batching_parameters_file, **overrides)
    return batching.BatchingParameters(**{k: v for k, v in overrides.items() if v is not None})


def _describe_models(manager, errors):
    lines = []
    for name in manager.model_names():
        try:
            statuses = manager.status(name)
        except errors.ServingError:
            statuses = []
        available = [str(s.version) for s in statuses if s.state == manager.AVAILABLE]
        line = f"  {name}: versions {', '.join(available) or 'none yet'} available"
        failed = [s.error_message for s in statuses if s.error_message]
        lines.append(line + (f"; failed: {failed[0]}" if failed else ""))
    return lines


def _read_before_tensorflow(args):
    """Model config, batching parameters and monitoring config, read and checked without TensorFlow."""
    from serving import batching, config, limits, monitoring_config

    return (
        config,
        _server_config(args, config),
        _batching_params(args, batching),
        monitoring_config.read(args.monitoring_config_file),
        limits.RequestLimits(
            max_elements=args.max_request_elements,
            max_string_bytes=args.max_request_string_bytes,
            max_json_depth=args.max_json_depth,
        ),
    )


def cmd_serve(args):
    if getattr(args, "tfs_version", None):
        print("dlsuite serve (TensorFlow Serving API compatible)")
        return 0
    try:
        _check_usage(args)
        config, server_config, batching_params, monitoring, request_limits = _read_before_tensorflow(args)
    except (ValueError, OSError) as e:  # ConfigError is a ValueError
        return _fail("serve", e)
    _quiet()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from serving import errors, rest_api, server

    try:
        options = server.ServerOptions(
            host=args.host,
            rest_port=args.rest_port,
            grpc_port=args.grpc_port,
            poll_seconds=args.file_system_poll_wait_seconds,
            max_body_bytes=args.max_body_bytes,
            batching=batching_params,
            shutdown_grace_seconds=args.shutdown_grace_seconds,
            request_limits=request_limits,
            api_options=rest_api.ApiOptions(
                method_name_check=args.enable_signature_method_name_check,
                tensor_content=args.enable_serialization_as_tensor_content,
            ),
            grpc_channel_arguments=tuple(args.grpc_channel_arguments),
            model_config_file=args.model_config_file,
            config_poll_seconds=args.model_config_file_poll_wait_seconds,
            monitoring=monitoring,
            warmup=args.enable_model_warmup,
        )
    except (ValueError, OSError) as e:  # ConfigError is a ValueError
        return _fail("serve", e)

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(args.tensorflow_intra_op_parallelism)
    tf.config.threading.set_inter_op_parallelism_threads(args.tensorflow_inter_op_parallelism)
    model_server = server.ModelServer(server_config, options)
    try:
        model_server.start()
    except config.ConfigError as e:
        return _fail("serve", e)
    except OSError as e:
        return _fail("serve", f"cannot listen on {args.host}: {e.strerror or e}; pick other ports or --host.")
    except errors.ServingError as e:
        return _fail("serve", e.message)

    print("dlsuite serve: models", *_describe_models(model_server.manager, errors), sep="\n", flush=True)
    if args.host not in _LOOPBACK:
        print(
            f"dlsuite serve: WARNING listening on {args.host}: reachable from the network, no auth.",
            flush=True,
        )
    rest = (
        f"http://{args.host}:{model_server.rest_port}/v1/models/<name>" if model_server.rest_port else "off"
    )
    grpc = f"{args.host}:{model_server.grpc_port}" if model_server.grpc_port else "off"
    print(f"dlsuite serve: REST {rest}  gRPC {grpc}  (SIGTERM or Ctrl-C stops)", flush=True)
    print(
        f"dlsuite serve: ready rest_port={model_server.rest_port or 0} "
        f"grpc_port={model_server.grpc_port or 0}",
        flush=True,
    )
    while not stop.wait(0.5):
        pass
    print(
        f"dlsuite serve: stopping: refusing new requests, finishing those in flight (up to "
        f"{args.shutdown_grace_seconds:g} s), then unloading models",
        flush=True,
    )
    model_server.stop()
    print("dlsuite serve: stopped", flush=True)
    return 0


def _request_body(args):
    if args.json is not None:
        text = args.json
    elif args.json_file:
        text = sys.stdin.read() if args.json_file == "-" else open(args.json_file).read()
    elif args.idx_images:
        from components.idx_example_gen import idx

        header = idx.read_header(args.idx_images)
        images = idx.read_records(header, 0, min(args.count, header.num_records))
        body = {"signature_name": "predict_images", "instances": images.astype(float).tolist()}
        if args.signature_name:
            body["signature_name"] = args.signature_name
        return body
    else:
        return None
    body = json.loads(text)
    if not isinstance(body, dict):
        raise ValueError("the request body must be a JSON object.")
    if args.signature_name:
        body["signature_name"] = args.signature_name
    return body


def cmd_predict(args):
    _quiet()
    try:
        body = _request_body(args)
    except (OSError, ValueError) as e:
        return _fail("predict", f"cannot read the request: {e}")
    if body is None and args.method in ("predict", "classify", "regress"):
        return _fail("predict", f"--method {args.method} needs a body: --json, --json-file or --idx-images.")

    from serving.rest_client import RestClient, ServingClientError

    if args.protocol == "rest":
        target = args.server or "127.0.0.1:8501"
        client = RestClient(target, timeout=args.timeout)
    else:
        from serving.grpc_client import GrpcClient

        target = args.server or "127.0.0.1:8500"
        client = GrpcClient(target, timeout=args.timeout)
    call = getattr(client, args.method)
    try:
        if args.method in ("status", "metadata"):
            result = call(args.model_name, args.version, args.label)
        else:
            result = call(args.model_name, body, args.version, args.label)
    except ServingClientError as e:
        hint = " (is `dlsuite serve` running there?)" if e.code == "UNAVAILABLE" else ""
        return _fail("predict", f"{e.code}: {e.message}{hint}", EXIT_FAILED)
    except OSError as e:
        return _fail(
            "predict", f"cannot reach {target}: {e.strerror or e} (is `dlsuite serve` running?)", EXIT_FAILED
        )
    finally:
        client.close()
    print(json.dumps(result))
    return 0
