"""TF Serving's half_plus_two test models, written here: y = 0.5 x + 2 and its siblings.

python -m tools.half_plus_two OUT_DIR [--variants tf1,tf2,keras,half_plus_three]

writes OUT_DIR/<variant>/<version>/ (version 123, as TF Serving's testdata):

- tf1: a TF1 graph built with `tf.compat.v1` and SavedModelBuilder, the signatures of TF Serving's
  saved_model_half_plus_two: serving_default (predict x -> y), regress_x_to_y, regress_x_to_y2,
  regress_x2_to_y3, classify_x_to_y, classify_x2_to_y3 (serialized tf.Example `x`, `x2` in).
- tf2: `tf.saved_model.save` of a tf.Module: serving_default (x [-1, 1] -> y) and regress_x_to_y /
  classify_x_to_y over serialized tf.Examples (recorded as `predict` methods, as every TF2 export).
- keras: a Keras 3 Dense(1) with weight 0.5 and bias 2, exported with `model.export`.
- half_plus_three: the tf1 graph with y = 0.5 x + 3.
"""

import argparse
import contextlib
import io
import os
import pathlib

VERSION = 123
VARIANTS = ("tf1", "tf2", "keras", "half_plus_three")


def _tf():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    return tf


def _signature(v1, inputs, outputs, method):
    info = v1.saved_model.utils.build_tensor_info
    return v1.saved_model.signature_def_utils.build_signature_def(
        {k: info(t) for k, t in inputs.items()}, {k: info(t) for k, t in outputs.items()}, method
    )


def write_tf1(export_dir, b=2.0):
    """TF Serving's saved_model_half_plus_two graph (a = 0.5, b, c = 3)."""
    tf = _tf()
    v1 = tf.compat.v1
    graph = tf.Graph()
    with graph.as_default():
        a = v1.Variable(0.5, name="a")
        bias = v1.Variable(b, name="b")
        c = v1.Variable(3.0, name="c")
        serialized = v1.placeholder(tf.string, name="tf_example")
        features = v1.parse_example(
            serialized,
            {
                "x": v1.FixedLenFeature([1], tf.float32),
                "x2": v1.FixedLenFeature([1], tf.float32, default_value=[0.0]),
            },
        )
        x = tf.identity(features["x"], name="x")
        x2 = tf.identity(features["x2"], name="x2")
        y = tf.add(tf.multiply(a, x), bias, name="y")
        y2 = tf.add(tf.multiply(a, x), c, name="y2")
        y3 = tf.add(tf.multiply(a, x2), c, name="y3")
        predict, regress, classify = (f"tensorflow/serving/{m}" for m in ("predict", "regress", "classify"))
        signatures = {
            "serving_default": _signature(v1, {"x": x}, {"y": y}, predict),
            "regress_x_to_y": _signature(v1, {"inputs": serialized}, {"outputs": y}, regress),
            "regress_x_to_y2": _signature(v1, {"inputs": serialized}, {"outputs": y2}, regress),
            "regress_x2_to_y3": _signature(v1, {"inputs": x2}, {"outputs": y3}, regress),
            "classify_x_to_y": _signature(v1, {"inputs": serialized}, {"scores": y}, classify),
            "classify_x2_to_y3": _signature(v1, {"inputs": x2}, {"scores": y3}, classify),
        }
        with v1.Session(graph=graph) as session:
            session.run(v1.global_variables_initializer())
            builder = v1.saved_model.Builder(str(export_dir))
            builder.add_meta_graph_and_variables(
                session, ["serve"], signature_def_map=signatures, main_op=v1.tables_initializer()
            )
            builder.save()


def write_tf2(export_dir):
    tf = _tf()
    spec = {"x": tf.io.FixedLenFeature([1], tf.float32)}

    class HalfPlusTwo(tf.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b = tf.Variable(0.5), tf.Variable(2.0)

        @tf.function(input_signature=[tf.TensorSpec([None, 1], tf.float32, name="x")])
        def predict(self, x):
            return {"y": self.a * x + self.b}

        @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="inputs")])
        def regress(self, inputs):
            x = tf.io.parse_example(inputs, spec)["x"]
            return {"outputs": self.a * x + self.b}

        @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="inputs")])
        def classify(self, inputs):
            x = tf.io.parse_example(inputs, spec)["x"]
            return {"scores": self.a * x + self.b}

    module = HalfPlusTwo()
    signatures = {
        "serving_default": module.predict,
        "regress_x_to_y": module.regress,
        "classify_x_to_y": module.classify,
    }
    tf.saved_model.save(module, str(export_dir), signatures=signatures)


def write_keras(export_dir):
    _tf()
    import keras
    import numpy as np

    model = keras.Sequential([keras.Input((1,), name="x"), keras.layers.Dense(1, name="y")])
    model.layers[-1].set_weights([np.array([[0.5]], np.float32), np.array([2.0], np.float32)])
    with contextlib.redirect_stdout(io.StringIO()):  # export prints the endpoint's signature
        model.export(str(export_dir))


WRITERS = {
    "tf1": write_tf1,
    "tf2": write_tf2,
    "keras": write_keras,
    "half_plus_three": lambda d: write_tf1(d, b=3.0),
}


def write_all(out_dir, variants=VARIANTS):
    """OUT_DIR/<variant>/123 for each variant; returns {variant: base path}."""
    out_dir = pathlib.Path(out_dir)
    written = {}
    for variant in variants:
        WRITERS[variant](out_dir / variant / str(VERSION))
        written[variant] = out_dir / variant
    return written


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir")
    parser.add_argument("--variants", default=",".join(VARIANTS), help=f"comma-separated, of {VARIANTS}")
    args = parser.parse_args(argv)
    variants = [v for v in args.variants.split(",") if v]
    unknown = sorted(set(variants) - set(VARIANTS))
    if unknown:
        parser.error(f"unknown variants {unknown}; pick from {list(VARIANTS)}")
    for variant, path in write_all(args.out_dir, variants).items():
        print(f"{variant}: {path}")


if __name__ == "__main__":
    main()
