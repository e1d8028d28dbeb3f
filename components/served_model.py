"""A pushed-layout SavedModel called by signature name on NumPy batches (the custom evaluators' view)."""

import os

import numpy as np
import tensorflow as tf

BATCH = 500


class ServedModel:
    """A SavedModel with its signatures called on NumPy arrays; `images` go in batches of BATCH."""

    def __init__(self, path):
        self._model = tf.saved_model.load(path)
        self.signatures = set(self._model.signatures)

    @classmethod
    def of(cls, model_artifact):
        """The serving SavedModel a Trainer's Model artifact holds."""
        return cls(os.path.join(model_artifact.uri, "Format-Serving"))

    def input_shape(self, signature, name):
        """A signature input's shape, batch axis left out."""
        return tuple(self._model.signatures[signature].structured_input_signature[1][name].shape[1:])

    def output_shape(self, signature, name):
        """A signature output's shape, batch axis left out."""
        return tuple(self._model.signatures[signature].structured_outputs[name].shape[1:])

    def __call__(self, signature, images=None, **scalars):
        function = self._model.signatures[signature]
        if images is None:
            return {
                k: v.numpy() for k, v in function(**{k: tf.constant(v) for k, v in scalars.items()}).items()
            }
        parts = [
            function(
                images=tf.constant(images[i : i + BATCH], tf.float32),
                **{k: tf.constant(v) for k, v in scalars.items()},
            )
            for i in range(0, len(images), BATCH)
        ]
        return {key: np.concatenate([part[key].numpy() for part in parts]) for key in parts[0]}
