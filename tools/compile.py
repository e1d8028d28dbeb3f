"""`dlsuite compile NAME --kubeflow OUT.json`: a pipeline as a Kubeflow Pipelines v2 spec.

TFX's KubeflowV2DagRunner writes a PipelineJob JSON (its `pipelineSpec` is KFP's IR) for KFP 2 or Vertex AI
Pipelines; every component runs in `--image` (see the Dockerfile's `pipeline` target). Paths are the ones
the cluster sees (gs://...): nothing is checked or read locally. KFP brings its own ML Metadata, so the
SQLite store of `dlsuite run` is left out. Needs `pip install -e '.[kubeflow]'`.
"""

import importlib
import os
import shlex
import sys

# Beam's in-process runner inside each component's container; --beam-args replace it
# (e.g. "--runner=DataflowRunner --project=P --region=R --temp_location=gs://B/tmp").
DEFAULT_BEAM_ARGS = ["--direct_running_mode=in_memory", "--direct_num_workers=1"]
DEFAULT_IMAGE = "dlsuite:latest"
DEFAULT_PIPELINE_ROOT = "gs://BUCKET/dlsuite"
EXIT_USAGE = 2
_INSTALL_HINT = "pip install --ignore-requires-python -c constraints.txt -e '.[kubeflow]'"


def _kfp_name(name):
    """KFP pipeline names match [a-z0-9][a-z0-9-]{0,127}."""
    return name.replace("_", "-")


def create_pipeline(name, args):
    """The TFX pipeline NAME for a cluster: paths as given, no local ML Metadata."""
    pipeline_root = args.pipeline_root.rstrip("/")
    entry = importlib.import_module(args.entry_module)
    model = getattr(args, "model", entry.MODEL)  # a pipeline with --model pushes under that name
    serving_model_dir = f"{(args.serving_dir or pipeline_root + '/serving').rstrip('/')}/{model}"
    # entry.build, not entry.create: create reads local files and makes --data absolute (not gs://).
    pipeline = entry.build(
        args,
        pipeline_root=f"{pipeline_root}/{_kfp_name(name)}",
        data_root=args.data,
        serving_model_dir=serving_model_dir,
        metadata_path="unused",  # KFP keeps its own ML Metadata; stripped below
        pipeline_name=_kfp_name(name),
    )
    pipeline.metadata_connection_config = None
    return pipeline


def _inline_proto_placeholders(pipeline):
    """TFX 1.16 wraps ExampleValidator's custom_validation_config in `ph.make_proto(...)`, which
    KubeflowV2DagRunner refuses: the spec gets the message as JSON instead, and the component an executor
    that parses it back (TFX's own passes the string on to TFDV, which needs the message)."""
    from tfx.dsl.components.base import executor_spec
    from tfx.dsl.placeholder import proto_placeholder

    for component in pipeline.components:
        for key, value in list(component.exec_properties.items()):
            if not isinstance(value, proto_placeholder.MakeProtoPlaceholder):
                continue
            if value._fields or (component.type, key) != _EXAMPLE_VALIDATOR_CONFIG:  # noqa: SLF001
                raise ValueError(
                    f"{component.id}.{key}: a proto placeholder KubeflowV2DagRunner cannot compile"
                )
            component.exec_properties[key] = value._base_message  # noqa: SLF001
            component.executor_spec = executor_spec.ExecutorClassSpec(__getattr__("ExampleValidatorExecutor"))


_EXAMPLE_VALIDATOR_CONFIG = (
    "tfx.components.example_validator.component.ExampleValidator",
    "custom_validation_config",
)


def _example_validator_executor():
    from google.protobuf import json_format
    from tensorflow_data_validation.anomalies.proto import custom_validation_config_pb2
    from tfx.components.example_validator import executor

    class ExampleValidatorExecutor(executor.Executor):
        """TFX's ExampleValidator executor, taking custom_validation_config as JSON too (as KFP passes it)."""

        def Do(self, input_dict, output_dict, exec_properties):  # noqa: N802 -- TFX's name
            config = exec_properties.get(_EXAMPLE_VALIDATOR_CONFIG[1])
            if isinstance(config, str):
                message = custom_validation_config_pb2.CustomValidationConfig()
                parsed = json_format.Parse(config, message) if config else None
                exec_properties = {**exec_properties, _EXAMPLE_VALIDATOR_CONFIG[1]: parsed}
            return super().Do(input_dict, output_dict, exec_properties)

    ExampleValidatorExecutor.__module__ = __name__
    ExampleValidatorExecutor.__qualname__ = "ExampleValidatorExecutor"
    return ExampleValidatorExecutor


def __getattr__(name):
    """`tools.compile.ExampleValidatorExecutor`, the class path compiled specs name, built on first use so
    that `dlsuite` starts without importing TFX's executors."""
    if name == "ExampleValidatorExecutor":
        globals()[name] = _example_validator_executor()
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def compile_kubeflow(pipeline, output_path, image):
    """Writes the KFP v2 PipelineJob JSON of `pipeline` to output_path; every component runs in `image`."""
    from tfx.orchestration.kubeflow.v2 import kubeflow_v2_dag_runner as kfp_runner

    _inline_proto_placeholders(pipeline)
    output_path = os.path.abspath(output_path)
    os.makedirs(os.path.dirname(output_path), exist_ok=True)
    runner = kfp_runner.KubeflowV2DagRunner(
        config=kfp_runner.KubeflowV2DagRunnerConfig(default_image=image),
        output_dir=os.path.dirname(output_path),
        output_filename=os.path.basename(output_path),
    )
    runner.run(pipeline)
    return output_path


def cmd_compile(args):
    try:
        import kfp.pipeline_spec  # noqa: F401 -- what TFX's KubeflowV2DagRunner needs
        import tfx.orchestration.kubeflow.v2.kubeflow_v2_dag_runner  # noqa: F401
    except ImportError as e:
        print(f"dlsuite: compile --kubeflow needs kfp ({e}); {_INSTALL_HINT}", file=sys.stderr)
        return EXIT_USAGE
    if not args.data:
        print(
            f"dlsuite compile {args.pipeline}: --data is required (the data location the cluster sees, "
            "e.g. gs://BUCKET/data/NAME)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    args.beam_args = shlex.split(args.beam_args) if args.beam_args is not None else list(DEFAULT_BEAM_ARGS)
    pipeline = create_pipeline(args.pipeline, args)
    path = compile_kubeflow(pipeline, args.kubeflow, args.image)
    print(f"dlsuite: wrote {path} ({len(pipeline.components)} components, image {args.image})")
    return 0


def add_commands(commands, pipelines):
    """`compile NAME --kubeflow OUT.json`; `pipelines` maps a name to its entry module."""
    compile_parser = commands.add_parser("compile", help="compile a pipeline for Kubeflow Pipelines v2")
    names = compile_parser.add_subparsers(dest="pipeline", required=True, metavar="PIPELINE")
    for name in sorted(pipelines):
        entry = importlib.import_module(pipelines[name])
        p = names.add_parser(name, help=entry.DESCRIPTION)
        p.add_argument("--kubeflow", required=True, metavar="OUT.json", help="write the KFP v2 spec here")
        p.add_argument(
            "--image",
            default=DEFAULT_IMAGE,
            help=f"every component's container image (default: {DEFAULT_IMAGE})",
        )
        p.add_argument(
            "--pipeline-root",
            default=DEFAULT_PIPELINE_ROOT,
            help="artifact root the cluster writes; runs go to PIPELINE_ROOT/<name> "
            f"(default: {DEFAULT_PIPELINE_ROOT})",
        )
        p.add_argument(
            "--serving-dir",
            help="Pusher pushes to SERVING_DIR/<model>/<version> (default: PIPELINE_ROOT/serving)",
        )
        p.add_argument(
            "--beam-args",
            help=f"Beam options for every Beam-powered component (default: {' '.join(DEFAULT_BEAM_ARGS)})",
        )
        entry.add_arguments(p)  # --data and the training/blessing flags of `dlsuite run NAME`
        p.set_defaults(func=cmd_compile, data=None, entry_module=pipelines[name])
        for action in p._actions:  # noqa: SLF001 -- --data names a cluster location here
            if action.dest == "data":
                action.help = "data location the cluster sees, e.g. gs://BUCKET/data (required)"
    return compile_parser
