"""`dlsuite compile NAME --kubeflow OUT.json`: the KFP v2 spec, read back with kfp's own loader."""

import json
import sys

import pytest

pytest.importorskip("kfp", reason="needs kfp: pip install -e '.[kubeflow]'")

from kfp import components as kfp_components  # noqa: E402

from tools import cli  # noqa: E402
from tools import compile as compile_tool  # noqa: E402

IMAGE = "registry.example.com/dlsuite:test"
PIPELINES = {
    "image_classification": "IdxExampleGen",
    "text_classification": "TextExampleGen",
    "autoencoder": "IdxExampleGen",
    "gan": "IdxExampleGen",
}


def _argv(name, out, *extra):
    return ["compile", name, "--kubeflow", str(out), "--data", "gs://bucket/data", "--image", IMAGE, *extra]


@pytest.fixture(scope="module", params=sorted(PIPELINES))
def compiled(request, tmp_path_factory):
    """(name, TFX pipeline, PipelineJob JSON, kfp component loaded from its pipelineSpec)."""
    name = request.param
    out = tmp_path_factory.mktemp("kfp") / f"{name}.json"
    assert cli.main(_argv(name, out)) == 0
    job = json.loads(out.read_text())
    loaded = kfp_components.load_component_from_text(json.dumps(job["pipelineSpec"]))
    args = cli.build_parser().parse_args(_argv(name, out))
    args.beam_args = list(compile_tool.DEFAULT_BEAM_ARGS)
    return name, compile_tool.create_pipeline(name, args), job, loaded


def _component_of(task, pipeline):
    """The TFX component id of a KFP task: a Resolver compiles to one `<id>-<input>-resolver` task
    per input."""
    ids = {c.id for c in pipeline.components}
    if task in ids:
        return task
    owners = [i for i in ids if task.startswith(f"{i}-") and task.endswith("-resolver")]
    assert len(owners) == 1, f"task {task} is no component of the pipeline"
    return owners[0]


def test_loaded_spec_names_every_component(compiled):
    name, pipeline, job, loaded = compiled
    tasks = loaded.pipeline_spec.root.dag.tasks
    assert loaded.name == name.replace("_", "-")
    assert {_component_of(t, pipeline) for t in tasks} == {c.id for c in pipeline.components}
    ids = [c.id for c in pipeline.components]
    for expected in (PIPELINES[name], "StatisticsGen", "ExampleValidator", "Transform", "Trainer"):
        assert expected in ids
    assert {"Evaluator", "Pusher"} <= set(tasks)


def test_dependencies_follow_the_pipeline(compiled):
    _, pipeline, _, loaded = compiled
    tasks = loaded.pipeline_spec.root.dag.tasks
    by_id = {c.id: c for c in pipeline.components}
    for task_name, task in tasks.items():
        upstream = {_component_of(t, pipeline) for t in task.dependent_tasks}
        assert upstream == {u.id for u in by_id[_component_of(task_name, pipeline)].upstream_nodes}, task_name
    depends = {t: set(task.dependent_tasks) for t, task in tasks.items()}
    assert "Transform" in depends["Trainer"]
    assert "Trainer" in depends["Evaluator"]
    assert {"Evaluator", "Trainer"} <= depends["Pusher"]


def test_every_container_runs_the_given_image(compiled):
    _, pipeline, job, loaded = compiled
    executors = job["pipelineSpec"]["deploymentSpec"]["executors"]
    containers = {k: v["container"] for k, v in executors.items() if "container" in v}
    # One container per component; resolvers run inside the KFP backend (no image).
    assert len(containers) == sum(1 for c in pipeline.components if not c.id.endswith("resolver"))
    assert {c["image"] for c in containers.values()} == {IMAGE}
    assert all("kubeflow_v2_run_executor" in " ".join(c["command"] + c["args"]) for c in containers.values())
    assert job["runtimeConfig"]["gcsOutputDirectory"].startswith(compile_tool.DEFAULT_PIPELINE_ROOT)


def test_unknown_pipeline_is_a_one_line_usage_error(capsys, tmp_path):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(_argv("no_such_pipeline", tmp_path / "x.json"))
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and all(n in err for n in PIPELINES)


def test_missing_data_is_a_usage_error(capsys, tmp_path):
    argv = ["compile", "image_classification", "--kubeflow", str(tmp_path / "x.json")]
    assert cli.main(argv) == 2
    assert "--data is required" in capsys.readouterr().err
    assert not (tmp_path / "x.json").exists()


def test_missing_kfp_says_what_to_install(capsys, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "kfp.pipeline_spec", None)  # import fails as if not installed
    assert cli.main(_argv("image_classification", tmp_path / "x.json")) == 2
    err = capsys.readouterr().err
    assert "pip install" in err and ".[kubeflow]" in err
    assert not (tmp_path / "x.json").exists()


def test_example_validator_gets_its_custom_validation_back_as_a_proto(compiled, monkeypatch):
    """KFP hands ExampleValidator's custom_validation_config over as JSON; the compiled executor class
    (found by its path, as the container finds it) gives TFDV the message again."""
    from tensorflow_data_validation.anomalies.proto import custom_validation_config_pb2
    from tfx.components.example_validator import executor as tfx_executor
    from tfx.utils import import_utils

    _, pipeline, job, _ = compiled
    validator = next(c for c in pipeline.components if c.id == "ExampleValidator")
    config = validator.exec_properties.get("custom_validation_config")
    if config is None:
        pytest.skip("this pipeline's ExampleValidator has no custom validation")
    container = job["pipelineSpec"]["deploymentSpec"]["executors"]["ExampleValidator_executor"]["container"]
    class_path = container["args"][container["args"].index("--executor_class_path") + 1]
    assert class_path == "tools.compile.ExampleValidatorExecutor"

    parameters = job["pipelineSpec"]["root"]["dag"]["tasks"]["ExampleValidator"]["inputs"]["parameters"]
    as_json = parameters["custom_validation_config"]["runtimeValue"]["constantValue"]["stringValue"]
    seen = {}
    monkeypatch.setattr(tfx_executor.Executor, "Do", lambda self, i, o, props: seen.update(props))
    import_utils.import_class_by_path(class_path)().Do({}, {}, {"custom_validation_config": as_json})
    assert isinstance(seen["custom_validation_config"], custom_validation_config_pb2.CustomValidationConfig)
    expected = getattr(config, "_base_message", config)  # the message inside TFX's ph.make_proto
    assert isinstance(expected, custom_validation_config_pb2.CustomValidationConfig)
    assert seen["custom_validation_config"].SerializeToString(
        deterministic=True
    ) == expected.SerializeToString(deterministic=True)
    assert expected.feature_validations, "the image size check is missing"
