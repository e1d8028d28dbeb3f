"""TF1 SavedModels through a `tf.compat.v1` Session, as TF Serving's session loader serves them.

Used when the object-graph loader (`tf.saved_model.load`) cannot load a version, e.g. graphs written
by TF 1.x whose ops it cannot wrap into functions. Each signature becomes a callable that feeds its
inputs and fetches its outputs by tensor name, like TF Serving's RunOptions + Session::Run.
"""

import threading

import numpy as np
import tensorflow as tf


class SessionModel:
    """`signatures`: {key: callable(**numpy inputs) -> {output: numpy}}, with `.input_specs`."""

    def __init__(self, path, tags=("serve",)):
        v1 = tf.compat.v1
        self._graph = tf.Graph()
        self._session = v1.Session(graph=self._graph)
        self._lock = threading.Lock()
        with self._graph.as_default():
            meta_graph = v1.saved_model.loader.load(self._session, list(tags), path)
        self.signatures = {
            key: _SessionSignature(self, signature_def)
            for key, signature_def in meta_graph.signature_def.items()
            if key != "__saved_model_init_op"
        }

    def run(self, fetches, feeds):
        return self._session.run(fetches, feed_dict=feeds)

    def close(self):
        self._session.close()


def _spec(info):
    shape = tf.TensorShape(info.tensor_shape) if not info.tensor_shape.unknown_rank else tf.TensorShape(None)
    return tf.TensorSpec(shape, tf.dtypes.as_dtype(info.dtype), name=info.name)


class _SessionSignature:
    def __init__(self, model, signature_def):
        self._model = model
        self.input_specs = {k: _spec(v) for k, v in signature_def.inputs.items()}
        self.output_specs = {k: _spec(v) for k, v in signature_def.outputs.items()}
        self._feeds = {k: v.name for k, v in signature_def.inputs.items()}
        self._fetches = {k: v.name for k, v in signature_def.outputs.items()}

    def __call__(self, **inputs):
        feeds = {self._feeds[k]: np.asarray(v) for k, v in inputs.items()}
        return self._model.run(self._fetches, feeds)
