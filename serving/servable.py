"""One loaded model version: its SavedModel, signatures and their specs, and a checked call."""

import dataclasses
import logging
import os

import grpc
import numpy as np
import tensorflow as tf
from google.protobuf import message
from tensorflow.core.protobuf import saved_model_pb2

from serving import batching, errors

DEFAULT_SIGNATURE = "serving_default"
PREDICT_METHOD = "tensorflow/serving/predict"
CLASSIFY_METHOD = "tensorflow/serving/classify"
REGRESS_METHOD = "tensorflow/serving/regress"
INIT_OP_SIGNATURE = "__saved_model_init_op"

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Signature:
    name: str
    method_name: str
    inputs: dict  # name -> tf.TensorSpec
    outputs: dict  # name -> tf.TensorSpec
    function: object  # the concrete function


def read_meta_graph(path):
    """The serving MetaGraphDef of the SavedModel at `path` (signature defs with method names)."""
    graph_path = os.path.join(path, "saved_model.pb")
    if not tf.io.gfile.exists(graph_path):
        raise errors.ServingError(
            grpc.StatusCode.NOT_FOUND, f"{graph_path} does not exist: not a SavedModel."
        )
    with tf.io.gfile.GFile(graph_path, "rb") as f:
        data = f.read()
    try:
        saved_model = saved_model_pb2.SavedModel.FromString(data)
    except message.DecodeError as e:
        raise errors.ServingError(
            grpc.StatusCode.DATA_LOSS,
            f"cannot parse {graph_path} ({len(data)} bytes): {e}; the file is truncated or not a SavedModel, "
            "export the version again.",
        ) from None
    for meta_graph in saved_model.meta_graphs:
        if "serve" in meta_graph.meta_info_def.tags:
            return meta_graph
    raise errors.failed_precondition(f"{path}: the SavedModel has no MetaGraph tagged 'serve'.")


class Servable:
    """A SavedModel version ready to answer requests.

    `run(signature_name, inputs)` checks the inputs against the signature (names, dtypes)
    and returns numpy outputs; with batching parameters, concurrent calls are batched.
    """

    def __init__(self, name, version, path, batching_params=None):
        self.name, self.version, self.path = name, version, path
        self.meta_graph = read_meta_graph(path)
        self._session_model = None
        try:
            self._model = tf.saved_model.load(path, tags=["serve"])
        except Exception as e:  # noqa: BLE001 -- TF1 graphs: TF Serving's session loader takes them
            if self.meta_graph.HasField("object_graph_def") and self.meta_graph.object_graph_def.nodes:
                raise  # a TF2 SavedModel: the session loader cannot do better
            log.info("%s: object-graph loader failed (%s); loading with a tf.compat.v1 Session", path, e)
            self._load_with_session(path)
        else:
            self._load_signatures()
        self._batchers = {}
        if batching_params is not None:
            for key, signature in self.signatures.items():
                self._batchers[key] = batching.Batcher(
                    lambda inputs, s=signature: self._call(s, inputs), batching_params
                )

    def _load_with_session(self, path):
        from serving.session_loader import SessionModel

        self._session_model = SessionModel(path)
        self.signatures = {
            key: Signature(
                name=key,
                method_name=self.meta_graph.signature_def[key].method_name,
                inputs=function.input_specs,
                outputs=function.output_specs,
                function=function,
            )
            for key, function in self._session_model.signatures.items()
        }

    def _load_signatures(self):
        self.signatures = {}
        for key, function in self._model.signatures.items():
            signature_def = self.meta_graph.signature_def.get(key)
            self.signatures[key] = Signature(
                name=key,
                method_name=signature_def.method_name if signature_def else PREDICT_METHOD,
                inputs=dict(function.structured_input_signature[1]),
                outputs=dict(function.structured_outputs),
                function=function,
            )

    def signature(self, name):
        name = name or DEFAULT_SIGNATURE
        signature = self.signatures.get(name)
        if signature is None:
            raise errors.failed_precondition(
                f'Serving signature key "{name}" not found. '
                f"This model has: {', '.join(sorted(self.signatures))}."
            )
        return signature

    def run(self, signature, inputs):
        """Checks `inputs` ({name: numpy array}) against `signature`; returns {name: numpy array}."""
        inputs = check_inputs(signature, inputs)
        batcher = self._batchers.get(signature.name)
        return batcher(inputs) if batcher is not None else self._call(signature, inputs)

    def _call(self, signature, inputs):
        try:
            outputs = signature.function(
                **{k: tf.constant(v, dtype=signature.inputs[k].dtype) for k, v in inputs.items()}
            )
        except (tf.errors.OpError, ValueError, TypeError) as e:
            raise errors.from_exception(e) from None
        return {k: v.numpy() if hasattr(v, "numpy") else np.asarray(v) for k, v in outputs.items()}

    def close(self):
        for batcher in self._batchers.values():
            batcher.close()
        self._batchers = {}
        if self._session_model is not None:
            self._session_model.close()


def check_inputs(signature, inputs):
    """TF Serving's checks: the exact input names, each with the signature's dtype.

    Shapes are not checked here, as in TF Serving: the model itself rejects what it cannot take
    (INVALID_ARGUMENT), so half_plus_two's x [-1, 1] also takes [2.0, 3.0] as TF Serving's does.
    """
    expected, given = set(signature.inputs), set(inputs)
    if expected != given:
        raise errors.invalid_argument(
            f"input size does not match signature: {len(given)}!={len(expected)} "
            f"len({sorted(given)}) != len({sorted(expected)}). Sent extra: {sorted(given - expected)}. "
            f"Missing but required: {sorted(expected - given)}."
        )
    checked = {}
    for key, value in inputs.items():
        spec = signature.inputs[key]
        array = np.asarray(value)
        if spec.dtype == tf.string:
            ok = array.dtype == object or array.dtype.kind == "S"
        else:
            ok = array.dtype == spec.dtype.as_numpy_dtype
        if not ok:
            raise errors.invalid_argument(
                f"input {key!r} expects {spec.dtype.name} but {_dtype_name(array)} was provided."
            )
        checked[key] = array
    return checked


def _dtype_name(array):
    if array.dtype == object or array.dtype.kind in "SU":
        return "string"
    return tf.dtypes.as_dtype(array.dtype).name if array.dtype.kind in "biuf" else str(array.dtype)
