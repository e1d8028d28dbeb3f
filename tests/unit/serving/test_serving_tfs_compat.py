"""TF Serving compatibility pieces that need no server: its flags, typed TensorProto fields, the
TF1 session loader, MultiInference's checks and the monitoring config."""

import argparse
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf
from tensorflow_serving.apis import inference_pb2

from serving import cli, errors, inference, monitoring_config, multi_inference, servable, tensors, tfs_flags
from tools import half_plus_two


def _parse(*argv):
    parser = argparse.ArgumentParser()
    cli.add_commands(parser.add_subparsers())
    return tfs_flags.normalize(parser.parse_args(["serve", *argv]))


def test_tensorflow_model_server_command_line_is_taken_verbatim():
    args = _parse(
        "--port=8500", "--rest_api_port=8501", "--model_name=half_plus_two", "--model_base_path=/models/h",
        "--enable_batching", "--file_system_poll_wait_seconds=5", "--tensorflow_intra_op_parallelism=2",
        "--rest_api_timeout_in_ms", "5000", "--enable_model_warmup=false",
    )  # fmt: skip
    assert (args.grpc_port, args.rest_port, args.model_name) == (8500, 8501, "half_plus_two")
    assert args.model_base_path == "/models/h" and args.enable_batching is True
    assert args.file_system_poll_wait_seconds == 5 and args.tensorflow_intra_op_parallelism == 2
    assert args.enable_model_warmup is False


def test_tf_serving_defaults_apply_to_a_tf_serving_command_line():
    args = _parse("--port=9000", "--model_base_path=/models/h")
    assert (args.model_name, args.rest_port, args.grpc_port) == ("default", None, 9000)  # no REST
    assert args.host == "0.0.0.0"  # every interface, as tensorflow_model_server (containers)
    ours = _parse("--model-base-path", "/models/h")
    assert (ours.model_name, ours.rest_port, ours.grpc_port, ours.host) == (None, 8501, 8500, "127.0.0.1")
    assert _parse("--port=1", "--host=127.0.0.1", "--model_base_path=/m").host == "127.0.0.1"


@pytest.mark.parametrize("text, value", [("", True), ("=true", True), ("=1", True), ("=false", False)])
def test_boolean_flags_take_tf_serving_spellings(text, value):
    assert _parse("--model_base_path=/m", f"--enable_batching{text}").enable_batching is value


def test_channel_arguments():
    assert tfs_flags.parse_channel_arguments(
        "grpc.max_connection_age_ms=2000,grpc.lb_policy_name=grpclb"
    ) == [
        ("grpc.max_connection_age_ms", 2000),
        ("grpc.lb_policy_name", "grpclb"),
    ]


def test_flag_module_does_not_import_tensorflow():
    code = "import sys, serving.cli, serving.config, serving.monitoring_config; print('tensorflow' in sys.modules)"  # noqa: E501
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "False", result.stderr


@pytest.mark.parametrize(
    "array, field",
    [
        (np.array([1.5, 2.5], np.float32), "float_val"),
        (np.array([1.5], np.float64), "double_val"),
        (np.array([[1, 2]], np.int32), "int_val"),
        (np.array([7], np.int64), "int64_val"),
        (np.array([True, False]), "bool_val"),
        (np.array([b"a", b"bc"], dtype=object), "string_val"),
        (np.array([1.5], np.float16), "half_val"),
    ],
)
def test_outputs_fill_the_typed_fields_and_round_trip(array, field):
    proto = tensors.array_to_proto(array)
    assert getattr(proto, field) and not proto.tensor_content
    assert np.array_equal(tf.make_ndarray(proto), array)
    packed = tensors.array_to_proto(array, tensor_content=True)
    assert np.array_equal(tf.make_ndarray(packed), array)


def test_monitoring_config(tmp_path):
    path = tmp_path / "monitoring.txt"
    path.write_text('prometheus_config { enable: true, path: "/metrics" }')
    assert monitoring_config.read(str(path)).prometheus_path == "/metrics"
    path.write_text("prometheus_config { enable: false }")
    assert monitoring_config.read(str(path)).prometheus_path is None
    path.write_text("prometheus_config { enabled: true }")
    with pytest.raises(ValueError, match="not a MonitoringConfig"):
        monitoring_config.read(str(path))


@pytest.fixture(scope="module")
def tf1_model(tmp_path_factory):
    path = tmp_path_factory.mktemp("tf1") / "123"
    half_plus_two.write_tf1(path)
    return str(path)


def _example(x):
    feature = tf.train.Feature(float_list=tf.train.FloatList(value=[x]))
    return tf.train.Example(features=tf.train.Features(feature={"x": feature})).SerializeToString()


def test_tf1_models_load_through_a_session_when_the_object_graph_loader_fails(tf1_model, monkeypatch):
    def fail(*args, **kwargs):
        raise ValueError("op ParseExample: attribute Ndense not in the op's definition")  # as TF 1.0 graphs

    monkeypatch.setattr(tf.saved_model, "load", fail)
    model = servable.Servable("default", 123, tf1_model)
    try:
        assert model._session_model is not None
        _, outputs = inference.predict(model, None, {"x": np.array([2.0, 3.0], np.float32)})
        assert outputs["y"].tolist() == [3.0, 3.5]
        assert inference.regress(model, "regress_x_to_y2", [_example(2.0)])[1].tolist() == [4.0]
        assert inference.classify(model, "classify_x_to_y", [_example(2.0)])[2].tolist() == [[3.0]]
        with pytest.raises(errors.ServingError, match="expects float32"):
            inference.predict(model, None, {"x": np.array([b"a"], dtype=object)})
    finally:
        model.close()


def test_multi_inference_runs_every_task_on_one_input(tf1_model):
    model = servable.Servable("default", 123, tf1_model)
    request = inference_pb2.MultiInferenceRequest()
    for signature, method in (("regress_x_to_y", "regress"), ("regress_x_to_y2", "regress")):
        task = request.tasks.add(method_name=f"tensorflow/serving/{method}")
        task.model_spec.name, task.model_spec.signature_name = "default", signature
    response = multi_inference.multi_inference(model, request, [_example(2.0), _example(4.0)])
    assert [[r.value for r in res.regression_result.regressions] for res in response.results] == [
        [3.0, 4.0],
        [4.0, 5.0],
    ]
    with pytest.raises(errors.ServingError, match="Tasks field is empty"):
        multi_inference.multi_inference(model, inference_pb2.MultiInferenceRequest(), [_example(2.0)])
