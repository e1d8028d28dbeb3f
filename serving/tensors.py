"""Tensors in and out of TF Serving's two wire formats: JSON (REST) and TensorProto (gRPC).

JSON follows TF Serving's REST API: nested lists of numbers; strings as UTF-8 text or `{"b64": ...}`
for binary values; outputs whose name ends in `_bytes` come back base64-encoded.
"""

import base64
import binascii

import numpy as np
import tensorflow as tf
from tensorflow.core.framework import tensor_pb2, tensor_shape_pb2

from serving import errors

_B64 = "b64"


def is_b64(value):
    return isinstance(value, dict) and len(value) == 1 and _B64 in value


def _decode_b64(value, name):
    try:
        return base64.b64decode(value[_B64], validate=True)
    except (binascii.Error, TypeError, ValueError):
        raise errors.invalid_argument(f"input {name!r}: {{'b64': ...}} does not hold valid base64.") from None


def _to_bytes(value, name):
    if isinstance(value, list):
        return [_to_bytes(v, name) for v in value]
    if isinstance(value, str):
        return value.encode("utf-8")
    if is_b64(value):
        return _decode_b64(value, name)
    raise errors.invalid_argument(
        f"input {name!r} is a string tensor (DT_STRING): send text or {{'b64': ...}}, not {value!r:.40}."
    )


def json_to_array(value, dtype, name):
    """A JSON value (nested lists) -> numpy array of the signature input's tf.DType."""
    if dtype == tf.string:
        items = _to_bytes(value, name)
        try:
            array = np.array(items, dtype=object)
        except ValueError:
            raise errors.invalid_argument(f"input {name!r}: lists of unequal length (ragged).") from None
        if array.dtype != object or any(not isinstance(v, bytes) for v in array.flat):
            raise errors.invalid_argument(f"input {name!r}: lists of unequal length (ragged).")
        return array
    try:
        array = np.asarray(value)
    except ValueError:
        raise errors.invalid_argument(f"input {name!r}: lists of unequal length (ragged).") from None
    if array.dtype.kind not in "biuf":
        raise errors.invalid_argument(
            f"input {name!r} expects {dtype.name} numbers; got {_describe(value)}. "
            "Check the signature's inputs with GET /v1/models/<name>/metadata."
        )
    target = dtype.as_numpy_dtype
    if dtype.is_bool != (array.dtype.kind == "b") and array.size:
        raise errors.invalid_argument(f"input {name!r} expects {dtype.name}; got {array.dtype.name} values.")
    if dtype.is_integer and array.dtype.kind == "f" and not np.all(np.mod(array, 1) == 0):
        raise errors.invalid_argument(f"input {name!r} expects integers ({dtype.name}); got fractions.")
    return array.astype(target, copy=False)


def _describe(value):
    while isinstance(value, list) and value:
        value = value[0]
    return f"{type(value).__name__} values like {value!r:.40}"


def array_to_json(array, name):
    """A numpy output -> JSON-ready nested lists (strings as text, `*_bytes` outputs as b64)."""
    if array.dtype == object or array.dtype.kind == "S":
        as_b64 = name.endswith("_bytes")
        return _bytes_to_json(array.tolist(), as_b64)
    return array.tolist()


def _bytes_to_json(value, as_b64):
    if isinstance(value, list):
        return [_bytes_to_json(v, as_b64) for v in value]
    if not as_b64:
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            pass
    return {_B64: base64.b64encode(value).decode("ascii")}


# --- TensorProto (gRPC) ---

_FAST_DTYPES = {
    np.dtype(np.float32): tf.float32.as_datatype_enum,
    np.dtype(np.float64): tf.float64.as_datatype_enum,
    np.dtype(np.int32): tf.int32.as_datatype_enum,
    np.dtype(np.int64): tf.int64.as_datatype_enum,
    np.dtype(np.uint8): tf.uint8.as_datatype_enum,
}


# TF Serving's typed value fields (what it fills unless --enable_serialization_as_tensor_content)
_TYPED_FIELDS = {
    "f": {4: "float_val", 8: "double_val", 2: "half_val"},
    "i": {1: "int_val", 2: "int_val", 4: "int_val", 8: "int64_val"},
    "u": {1: "int_val", 2: "int_val", 4: "uint32_val", 8: "uint64_val"},
    "b": {1: "bool_val"},
}


def array_to_proto(array, tensor_content=False):
    """numpy -> TensorProto. Values in the typed fields (float_val, int64_val, string_val, ...) as TF
    Serving answers by default; with `tensor_content`, numbers as raw bytes (tf.make_tensor_proto's way)."""
    array = np.asarray(array)
    shape = tensor_shape_pb2.TensorShapeProto(
        dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=d) for d in array.shape]
    )
    if array.dtype == object or array.dtype.kind == "S":
        proto = tensor_pb2.TensorProto(dtype=tf.string.as_datatype_enum, tensor_shape=shape)
        proto.string_val.extend(v if isinstance(v, bytes) else str(v).encode("utf-8") for v in array.flat)
        return proto
    enum = _FAST_DTYPES.get(array.dtype)
    if tensor_content and enum is not None:
        return tensor_pb2.TensorProto(
            dtype=enum, tensor_shape=shape, tensor_content=np.ascontiguousarray(array).tobytes()
        )
    field = _TYPED_FIELDS.get(array.dtype.kind, {}).get(array.dtype.itemsize)
    if field is None or tensor_content:
        return tf.make_tensor_proto(array)
    proto = tensor_pb2.TensorProto(dtype=tf.as_dtype(array.dtype).as_datatype_enum, tensor_shape=shape)
    values = array.view(np.uint16) if field == "half_val" else array
    getattr(proto, field).extend(values.ravel().tolist())
    return proto


def declared_elements(proto, name):
    """The element count of a TensorProto's declared shape (values may be fewer: TF repeats the last)."""
    if proto.tensor_shape.unknown_rank:
        raise errors.invalid_argument(f"input {name!r}: the TensorProto's shape has unknown rank.")
    count = 1
    for dim in proto.tensor_shape.dim:
        if dim.size < 0:
            raise errors.invalid_argument(
                f"input {name!r}: shape {[d.size for d in proto.tensor_shape.dim]} has a negative dimension."
            )
        count *= dim.size
    return count


def _take(proto, name, budget):
    """Counts a TensorProto against the request's budget before anything is allocated for it.

    As TF's Tensor::FromProto (and tf.make_ndarray), a tensor with fewer values than its shape is
    filled with its last value (zeros when it has none), so the declared shape is what is counted.
    """
    count, what = declared_elements(proto, name), f"input {name!r}"
    if proto.dtype != tf.string.as_datatype_enum:
        return budget.take(what, count)
    budget.take(what, count, strings=count)
    values = proto.string_val
    if len(values) > count:
        raise errors.invalid_argument(f"{what}: {len(values):,} string values for a shape of {count:,}.")
    if values:
        budget.take(what, 0, string_bytes=sum(map(len, values)) + (count - len(values)) * len(values[-1]))


def proto_to_array(proto, name, budget=None):
    if budget is not None:
        _take(proto, name, budget)
    try:
        return tf.make_ndarray(proto)
    except (TypeError, ValueError) as e:
        raise errors.invalid_argument(f"input {name!r}: not a valid TensorProto ({e}).") from None


def proto_dtype(proto):
    return tf.dtypes.as_dtype(proto.dtype)
