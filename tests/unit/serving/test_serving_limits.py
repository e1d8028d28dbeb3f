"""Request limits (serving/limits.py) and where they are counted: JSON bodies, TensorProtos, Examples."""

import argparse
import json
import re

import numpy as np
import pytest
import tensorflow as tf
from tensorflow_serving.apis import input_pb2

from serving import cli, errors, examples, limits, model_manager, tensors


def _values(value):
    children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    return 1 + sum(_values(v) for v in children)


BODIES = [
    {"instances": [[1.0, 2.0], [3.0, 4.0]]},
    {"instances": [{"x": [1, 2], "tag": "a,b]}["}, {"x": [], "tag": '"\\['}], "signature_name": ""},
    {"examples": [{}, {}, {"a": [[]]}], "context": {"k": {"b64": "AAAA"}}},
    [[[], {}], [{"": [1]}], [True], [None, [0]], {"a": {}}],
    "just a string, with [brackets]",
    7,
]


@pytest.mark.parametrize("body", BODIES, ids=range(len(BODIES)))
def test_json_value_count_is_exact(body):
    data = json.dumps(body).encode()
    count = _values(body)
    assert limits.parse_json(data, limits.RequestLimits(max_elements=count)) == body
    with pytest.raises(errors.ServingError, match=f"holds {count:,} values"):
        limits.parse_json(data, limits.RequestLimits(max_elements=count - 1))


def test_json_depth_limit_is_exact_and_ignores_strings():
    deep = b"[" * 5 + b'"]]]][[[[[["' + b"]" * 5
    assert limits.parse_json(deep, limits.RequestLimits(max_json_depth=5)) == json.loads(deep)
    with pytest.raises(errors.ServingError, match="nests more than 4 levels"):
        limits.parse_json(deep, limits.RequestLimits(max_json_depth=4))


@pytest.mark.parametrize("levels", [990, 100_000, 3_000_000])
def test_deep_json_is_invalid_argument_not_recursion_error(levels):
    body = b"[" * levels + b"]" * levels
    with pytest.raises(errors.ServingError) as raised:
        limits.parse_json(body, limits.RequestLimits())
    assert raised.value.http_status == 400 and "nests more than 100 levels" in raised.value.message


@pytest.mark.parametrize("body", [b'{"a": [1, 2}', b"]]]][[[[", b'"unterminated', b"\xff\xfe[]", b""])
def test_malformed_json_is_a_parse_error(body):
    with pytest.raises(errors.ServingError, match="JSON Parse error|nests"):
        limits.parse_json(body, limits.RequestLimits())


def test_budget_adds_up_across_inputs_and_counts_string_overhead():
    budget = limits.Budget(limits.RequestLimits(max_elements=10, max_string_bytes=200))
    budget.take("input 'a'", 6)
    with pytest.raises(errors.ServingError, match="11 tensor elements.*--max-request-elements"):
        budget.take("input 'b'", 5)
    budget = limits.Budget(limits.RequestLimits(max_elements=10, max_string_bytes=200))
    budget.take_array("input 's'", np.array([b"a" * 60, b"b"], dtype=object))  # 61 + 2 * 64 = 189
    with pytest.raises(errors.ServingError, match="--max-request-string-bytes"):
        budget.take_array("input 't'", np.array([b"xy"], dtype=object))  # + 66


def _proto(shape, dtype=tf.float32, values=()):
    proto = tf.make_tensor_proto(np.zeros([0]), dtype=dtype)
    proto.tensor_shape.Clear()
    for size in shape:
        proto.tensor_shape.dim.add(size=size)
    proto.ClearField("tensor_content")
    getattr(proto, "string_val" if dtype == tf.string else "float_val").extend(values)
    return proto


def test_tensor_proto_is_counted_by_its_declared_shape():
    small = limits.RequestLimits(max_elements=100, max_string_bytes=10_000)
    array = tensors.proto_to_array(_proto([4, 25], values=[2.5]), "x", limits.Budget(small))
    assert array.shape == (4, 25) and np.all(array == 2.5)  # one value fills the shape, as in TF
    for shape in ([101], [2**40], [2**32, 2**32, 2**32]):
        with pytest.raises(errors.ServingError, match="--max-request-elements"):
            tensors.proto_to_array(_proto(shape, values=[1.0]), "x", limits.Budget(small))
    with pytest.raises(errors.ServingError, match="negative dimension"):
        tensors.proto_to_array(_proto([-1, 3]), "x", limits.Budget(small))


def test_string_tensor_bytes_include_the_filled_values():
    budget_limits = limits.RequestLimits(max_string_bytes=10 * (64 + 100))
    ok = tensors.proto_to_array(_proto([10], tf.string, [b"a" * 100]), "s", limits.Budget(budget_limits))
    assert ok.tolist() == [b"a" * 100] * 10
    with pytest.raises(errors.ServingError, match="--max-request-string-bytes"):
        tensors.proto_to_array(_proto([10], tf.string, [b"a" * 101]), "s", limits.Budget(budget_limits))
    with pytest.raises(errors.ServingError, match="3 string values for a shape of 2"):
        tensors.proto_to_array(_proto([2], tf.string, [b"a", b"b", b"c"]), "s", limits.Budget(budget_limits))


def _with_context(count, context_floats):
    proto = input_pb2.Input()
    proto.example_list_with_context.context.CopyFrom(
        examples.example_from_json({"image": [0.5] * context_floats})
    )
    for _ in range(count):
        proto.example_list_with_context.examples.add()
    return proto


def test_context_merged_into_examples_is_counted_before_merging():
    budget_limits = limits.RequestLimits(max_string_bytes=3_000_000)  # 40,000 strings: 2,560,000
    merged = examples.serialize_input(_with_context(10, 100), limits.Budget(budget_limits))
    assert len(merged) == 10 and len(set(merged)) == 1
    with pytest.raises(errors.ServingError, match="merged with their context"):
        examples.serialize_input(_with_context(40_000, 10), limits.Budget(budget_limits))


def test_serialize_json_matches_the_input_proto_path():
    body = {"examples": [{"a": 1}, {"b": [0.5, 1.5], "a": 2}], "context": {"a": 7, "c": "text"}}
    expected = examples.serialize_input(examples.input_from_json(body))
    assert examples.serialize_json(body, limits.Budget(limits.RequestLimits())) == expected
    body = {"examples": [{}] * 40_000, "context": {"image": [0.5] * 2_000}}
    with pytest.raises(errors.ServingError, match="merged with their context"):
        examples.serialize_json(body, limits.Budget(limits.RequestLimits()))


@pytest.mark.parametrize(
    "name, version",
    [
        ("1", 1),
        ("0", 0),
        ("007", 7),
        ("9223372036854775807", 2**63 - 1),
        ("9223372036854775808", None),
        ("99999999999999999999", None),
        ("²", None),
        ("١٢", None),  # Arabic-Indic digits: str.isdigit() and int() take them, TF Serving does not
        ("+3", None),
        ("-2", None),
        (" 4", None),
        ("1e3", None),
        ("", None),
    ],
)
def test_version_folder_names_parse_as_tf_serving(name, version):
    assert model_manager.parse_version(name) == version


def test_cli_defaults_are_the_limits_defaults():
    assert cli.DEFAULT_MAX_ELEMENTS == limits.DEFAULT_MAX_ELEMENTS
    assert cli.DEFAULT_MAX_STRING_BYTES == limits.DEFAULT_MAX_STRING_BYTES
    assert cli.DEFAULT_MAX_JSON_DEPTH == limits.DEFAULT_MAX_JSON_DEPTH


@pytest.mark.parametrize(
    "flags, expected",
    [
        (["--max-body-bytes", "0"], "--max-body-bytes 0: must be at least 1"),
        (["--max-body-bytes", str(2**31)], "at most 2147483647"),
        (["--rest-port", "65536"], "--rest-port 65536: a port is 0 to 65535"),
        (["--grpc-port", "-1"], "--grpc-port -1: a port is 0 to 65535"),
        (["--max-request-elements", "0"], "--max-request-elements 0: must be at least 1"),
        (["--max-request-string-bytes", "-3"], "--max-request-string-bytes -3: must be at least 1"),
        (["--max-json-depth", "0"], "--max-json-depth 0: must be at least 1"),
        (["--shutdown-grace-seconds", "-1"], "--shutdown-grace-seconds -1.0: must be 0 or more"),
        (["--shutdown-grace-seconds", "nan"], "--shutdown-grace-seconds nan: must be 0 or more"),
        (["--tensorflow-intra-op-parallelism", "-2"], "must be 0 (TF's choice) or more"),
    ],
)
def test_serve_flags_out_of_range_are_usage_errors(tmp_path, flags, expected):
    parser = argparse.ArgumentParser()
    cli.add_commands(parser.add_subparsers())
    args = parser.parse_args(["serve", "--model-base-path", str(tmp_path), *flags])
    with pytest.raises(ValueError, match=re.escape(expected)):
        cli._check_usage(args)


def test_serve_flags_in_range_pass(tmp_path):
    parser = argparse.ArgumentParser()
    cli.add_commands(parser.add_subparsers())
    flags = ["--rest-port", "0", "--grpc-port", "65535", "--max-body-bytes", str(2**31 - 1)]
    cli._check_usage(parser.parse_args(["serve", "--model-base-path", str(tmp_path), *flags]))
