"""TF Serving's JSON predict format: rows, columns, b64, dtype and shape checks."""

import grpc
import numpy as np
import pytest
import tensorflow as tf

from serving import errors, predict_json, tensors

TWO_INPUTS = {"x": tf.TensorSpec([None, 2], tf.float32), "tag": tf.TensorSpec([None], tf.string)}
ONE_INPUT = {"ids": tf.TensorSpec([None], tf.int64)}


def test_row_format_with_named_inputs():
    inputs, rows = predict_json.parse_request(
        TWO_INPUTS, {"instances": [{"x": [1, 2.5], "tag": "a"}, {"x": [3, 4], "tag": {"b64": "AP8="}}]}
    )
    assert rows is True
    np.testing.assert_array_equal(inputs["x"], np.array([[1, 2.5], [3, 4]], np.float32))
    assert inputs["x"].dtype == np.float32
    assert inputs["tag"].tolist() == [b"a", b"\x00\xff"]


def test_columnar_format_with_a_single_unnamed_input():
    inputs, rows = predict_json.parse_request(ONE_INPUT, {"inputs": [4, 5, 6]})
    assert rows is False and inputs["ids"].dtype == np.int64 and inputs["ids"].tolist() == [4, 5, 6]


@pytest.mark.parametrize(
    "specs, body, message",
    [
        (ONE_INPUT, {"instances": [1], "inputs": [1]}, "not both"),
        (ONE_INPUT, {}, "Missing 'inputs' or 'instances'"),
        (ONE_INPUT, {"instances": []}, "non-empty"),
        (ONE_INPUT, {"instances": [1.5]}, "expects integers"),
        (ONE_INPUT, {"instances": ["a"]}, "expects int64 numbers"),
        (ONE_INPUT, {"instances": [True]}, "expects int64"),
        (TWO_INPUTS, {"instances": [[1, 2]]}, "send each instance as an object"),
        (TWO_INPUTS, {"instances": [{"x": [1, 2], "tag": "a"}, [1, 2]]}, "not mixed"),
        (TWO_INPUTS, {"instances": [{"x": [1, 2]}]}, "every instance needs every named input"),
        (TWO_INPUTS, {"inputs": {"x": [[1, 2], [3]], "tag": ["a", "b"]}}, "ragged"),
        (TWO_INPUTS, {"inputs": {"x": [[1, 2]], "tag": [7]}}, "DT_STRING"),
        (TWO_INPUTS, {"inputs": {"x": [[1, 2]], "tag": [{"b64": "%%%"}]}}, "valid base64"),
    ],
)
def test_bad_bodies_are_invalid_argument(specs, body, message):
    with pytest.raises(errors.ServingError) as raised:
        predict_json.parse_request(specs, body)
    assert raised.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert message in raised.value.message


def test_row_responses_need_equal_batch_sizes():
    outputs = {"a": np.zeros(2), "b": np.zeros(3)}
    with pytest.raises(errors.ServingError, match="use the columnar format"):
        predict_json.format_response(outputs, row_format=True)
    assert predict_json.format_response(outputs, row_format=False) == {
        "outputs": {"a": [0.0, 0.0], "b": [0.0, 0.0, 0.0]}
    }


def test_string_outputs_are_text_unless_named_bytes():
    values = np.array([b"caf\xc3\xa9", b"\xff"], dtype=object)
    assert tensors.array_to_json(values, "label") == ["caf\u00e9", {"b64": "/w=="}]
    assert tensors.array_to_json(values, "raw_bytes") == [{"b64": "Y2Fmw6k="}, {"b64": "/w=="}]


def test_tensor_protos_round_trip():
    for array in (np.arange(6, dtype=np.float32).reshape(2, 3), np.array([b"a", b"bc"], dtype=object)):
        back = tf.make_ndarray(tensors.array_to_proto(array))
        np.testing.assert_array_equal(back, array)
