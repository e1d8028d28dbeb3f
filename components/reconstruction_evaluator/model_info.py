"""`autoencoder.json` beside a Trainer's Format-Serving/: what the evaluator must know of a model.

{"model": "--model name", "code_size": int, "normal_classes": [int, ...] (empty: all classes),
 "target_activation": rho (sparse autoencoder only)}
"""

import json
import os

import tensorflow as tf

FILE_NAME = "autoencoder.json"


def write(model_uri, info):
    with tf.io.gfile.GFile(os.path.join(model_uri, FILE_NAME), "w") as f:
        json.dump(info, f, indent=2, sort_keys=True)


def read(model_uri):
    path = os.path.join(model_uri, FILE_NAME)
    if not tf.io.gfile.exists(path):
        raise FileNotFoundError(
            f"{path}: no autoencoder.json; was this model trained by the autoencoder pipeline?"
        )
    with tf.io.gfile.GFile(path) as f:
        return json.load(f)
