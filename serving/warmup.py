"""Loading a version and warming it up before it takes traffic.

With `assets.extra/tf_serving_warmup_requests` in the SavedModel (TF Serving's warmup file: a
TFRecord of PredictionLog), those requests are replayed and a failing one fails the load, as in TF
Serving. Without it, each signature with numeric inputs of known shape is called once on zeros.
"""

import logging
import os

import numpy as np
import tensorflow as tf
from tensorflow_serving.apis import prediction_log_pb2

from serving import errors, examples, inference, tensors
from serving.servable import Servable

WARMUP_FILE = os.path.join("assets.extra", "tf_serving_warmup_requests")
MAX_WARMUP_RECORDS = 1000  # TF Serving's limit

log = logging.getLogger(__name__)


def load_servable(name, version, path, batching_params=None, warm=True):
    """A warmed-up Servable (unless not `warm`); raises if the SavedModel or a warmup request fails."""
    servable = Servable(name, version, path, batching_params)
    if not warm:
        return servable
    try:
        warmup_path = os.path.join(path, WARMUP_FILE)
        if tf.io.gfile.exists(warmup_path):
            replay(servable, warmup_path)
        else:
            warm_numeric_signatures(servable)
    except BaseException:
        servable.close()
        raise
    return servable


def replay(servable, warmup_path):
    for count, record in enumerate(tf.data.TFRecordDataset(warmup_path).as_numpy_iterator()):
        if count >= MAX_WARMUP_RECORDS:
            raise errors.invalid_argument(f"{warmup_path}: more than {MAX_WARMUP_RECORDS} warmup records.")
        entry = prediction_log_pb2.PredictionLog.FromString(record)
        kind = entry.WhichOneof("log_type")
        if kind == "predict_log":
            request = entry.predict_log.request
            inputs = {k: tensors.proto_to_array(v, k) for k, v in request.inputs.items()}
            inference.predict(servable, request.model_spec.signature_name, inputs)
        elif kind == "classify_log":
            request = entry.classify_log.request
            inference.classify(
                servable, request.model_spec.signature_name, examples.serialize_input(request.input)
            )
        elif kind == "regress_log":
            request = entry.regress_log.request
            inference.regress(
                servable, request.model_spec.signature_name, examples.serialize_input(request.input)
            )
        else:
            raise errors.invalid_argument(f"{warmup_path}: unsupported warmup record {kind!r}.")


def warm_numeric_signatures(servable):
    for signature in servable.signatures.values():
        specs = signature.inputs.values()
        if not all(s.dtype.is_numpy_compatible and s.dtype != tf.string and s.shape.rank for s in specs):
            continue
        if any(d is None for s in specs for d in s.shape.as_list()[1:]):
            continue
        inputs = {
            k: np.zeros([1, *s.shape.as_list()[1:]], s.dtype.as_numpy_dtype)
            for k, s in signature.inputs.items()
        }
        try:
            servable.run(signature, inputs)
        except errors.ServingError as e:
            log.info("warmup of signature %s skipped: %s", signature.name, e.message)
