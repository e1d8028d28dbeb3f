"""SavedModel signatures shared by the pipelines' exported models.

Every pushed model carries `serving_default` (serialized tf.Example in, as TFX
and TFMA expect), a raw signature that a JSON client can call without
protobufs, and `classify` for TF Serving's Classify API. A warmup request file
(assets.extra/tf_serving_warmup_requests) lets TF Serving and `dlsuite serve`
warm a new version up before it takes traffic.
"""

import os

import numpy as np
import tensorflow as tf
from tensorflow.core.protobuf import saved_model_pb2

SERVING_DEFAULT = "serving_default"
PREDICT_IMAGES = "predict_images"
CLASSIFY = "classify"

# TF Serving's signature method names; tf.saved_model.save writes only the predict one.
PREDICT_METHOD = "tensorflow/serving/predict"
CLASSIFY_METHOD = "tensorflow/serving/classify"
REGRESS_METHOD = "tensorflow/serving/regress"
WARMUP_FILE = os.path.join("assets.extra", "tf_serving_warmup_requests")

# Byte string of each uint8 value: lets raw pixels be packed into the same
# bytes feature the transform graph decodes, so both signatures share one
# preprocessing graph (no training/serving skew).
_BYTE_STRINGS = tf.constant([bytes([i]) for i in range(256)])


def pack_pixels(images):
    """[N, H, W] pixel intensities in 0..255 -> [N] byte strings of uint8 pixels, the raw `image`
    feature that the Transform graph decodes."""
    pixels = tf.cast(tf.clip_by_value(tf.round(images), 0.0, 255.0), tf.int32)
    flat = tf.reshape(pixels, [tf.shape(pixels)[0], -1])
    return tf.strings.reduce_join(tf.gather(_BYTE_STRINGS, flat), axis=-1)


class ImageClassifierExport(tf.Module):
    """Wraps a Keras classifier and its Transform graph into serving signatures.

    Args:
        model: Keras model mapping transformed images to class probabilities.
        tft_output: `tft.TFTransformOutput` of the pipeline's Transform.
        image_key, label_key: raw feature keys.
        image_xf_key: transformed image key (the model's input).
        image_shape: (height, width) of the raw images.
    """

    def __init__(self, model, tft_output, image_key, label_key, image_xf_key, image_shape):
        super().__init__()
        self.model = model
        self.tft_layer = tft_output.transform_features_layer()
        self._raw_spec = {k: v for k, v in tft_output.raw_feature_spec().items() if k != label_key}
        self._image_key, self._image_xf_key = image_key, image_xf_key
        self._image_shape = tuple(image_shape)

    def _classify(self, raw_features):
        transformed = self.tft_layer(raw_features)
        probabilities = self.model(transformed[self._image_xf_key], training=False)
        probabilities = tf.cast(probabilities, tf.float32)
        return {
            "probabilities": probabilities,
            "class_ids": tf.argmax(probabilities, axis=-1),
        }

    def serve_examples(self, examples):
        """serialized tf.Example (raw features) -> probabilities, class_ids."""
        return self._classify(tf.io.parse_example(examples, self._raw_spec))

    def predict_images(self, images):
        """[N, H, W] pixel intensities in 0..255 -> probabilities, class_ids."""
        return self._classify({self._image_key: pack_pixels(images)})

    def classify(self, inputs):
        """serialized tf.Example -> TF Serving's classification outputs: `classes` (class ids as
        strings) and `scores` (probabilities), both [N, num_classes]."""
        scores = self.serve_examples(inputs)["probabilities"]
        labels = tf.strings.as_string(tf.range(tf.shape(scores)[-1]))
        return {"classes": tf.tile(labels[tf.newaxis, :], [tf.shape(scores)[0], 1]), "scores": scores}

    def signatures(self):
        height, width = self._image_shape
        return {
            SERVING_DEFAULT: tf.function(self.serve_examples).get_concrete_function(
                tf.TensorSpec([None], tf.string, name="examples")
            ),
            PREDICT_IMAGES: tf.function(self.predict_images).get_concrete_function(
                tf.TensorSpec([None, height, width], tf.float32, name="images")
            ),
            CLASSIFY: tf.function(self.classify).get_concrete_function(
                tf.TensorSpec([None], tf.string, name="inputs")
            ),
        }

    def save(self, export_dir):
        tf.saved_model.save(self, export_dir, signatures=self.signatures())
        set_method_names(export_dir, {CLASSIFY: CLASSIFY_METHOD})
        height, width = self._image_shape
        blank = tf.train.Example(
            features=tf.train.Features(
                feature={
                    self._image_key: tf.train.Feature(
                        bytes_list=tf.train.BytesList(value=[bytes(height * width)])
                    )
                }
            )
        )
        write_warmup_requests(
            export_dir,
            predict={PREDICT_IMAGES: {"images": np.zeros([1, height, width], np.float32)}},
            classify={CLASSIFY: [blank]},
        )


def set_method_names(export_dir, method_names):
    """Sets TF Serving method names ({signature: method}) in a saved SavedModel.

    TF Serving's Classify and Regress APIs only call signatures whose method_name
    says so; `tf.saved_model.save` writes every signature as a predict one. The
    fingerprint is rewritten to match the changed saved_model.pb.
    """
    path = os.path.join(export_dir, "saved_model.pb")
    with tf.io.gfile.GFile(path, "rb") as f:
        saved_model = saved_model_pb2.SavedModel.FromString(f.read())
    for meta_graph in saved_model.meta_graphs:
        for name, method in method_names.items():
            if name not in meta_graph.signature_def:
                raise KeyError(f"{export_dir}: no signature {name!r} to set method {method!r} on.")
            meta_graph.signature_def[name].method_name = method
    with tf.io.gfile.GFile(path, "wb") as f:
        f.write(saved_model.SerializeToString(deterministic=True))
    _rewrite_fingerprint(export_dir)


def _rewrite_fingerprint(export_dir):
    from tensorflow.python.saved_model import fingerprinting_utils  # no public writer in TF 2.16

    fingerprinting_utils.write_fingerprint(export_dir)


def write_warmup_requests(export_dir, predict=None, classify=None):
    """Writes TF Serving's warmup file: PredictionLogs replayed before a version takes traffic.

    predict: {signature name: {input name: numpy batch}}; classify: {signature name: [tf.Example]}.
    """
    from tensorflow_serving.apis import classification_pb2, predict_pb2, prediction_log_pb2

    logs = []
    for signature, inputs in (predict or {}).items():
        request = predict_pb2.PredictRequest()
        request.model_spec.signature_name = signature
        for key, value in inputs.items():
            request.inputs[key].CopyFrom(tf.make_tensor_proto(value))
        logs.append(
            prediction_log_pb2.PredictionLog(predict_log=prediction_log_pb2.PredictLog(request=request))
        )
    for signature, examples in (classify or {}).items():
        request = classification_pb2.ClassificationRequest()
        request.model_spec.signature_name = signature
        request.input.example_list.examples.extend(examples)
        logs.append(
            prediction_log_pb2.PredictionLog(classify_log=prediction_log_pb2.ClassifyLog(request=request))
        )
    path = os.path.join(export_dir, WARMUP_FILE)
    tf.io.gfile.makedirs(os.path.dirname(path))
    with tf.io.TFRecordWriter(path) as writer:
        for log in logs:
            writer.write(log.SerializeToString())
