"""`model_info.json` beside a Trainer's Format-Serving/: what a custom evaluator must know of a model.

Always {"model": "--model name", ...}; the autoencoder adds "code_size", "normal_classes" (empty: all
classes), "target_activation" (sparse AE) and "likelihood" (VAE); the GANs add "domains" (CycleGAN).
"""

import json
import os

import tensorflow as tf

FILE_NAME = "model_info.json"


def write(model_uri, info):
    with tf.io.gfile.GFile(os.path.join(model_uri, FILE_NAME), "w") as f:
        json.dump(info, f, indent=2, sort_keys=True)


def read(model_uri):
    path = os.path.join(model_uri, FILE_NAME)
    if not tf.io.gfile.exists(path):
        raise FileNotFoundError(
            f"{path}: no model_info.json; was this model trained by one of the suite's pipelines?"
        )
    with tf.io.gfile.GFile(path) as f:
        return json.load(f)
