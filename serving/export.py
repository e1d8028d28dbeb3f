"""SavedModel signatures shared by the pipelines' exported models.

Every pushed model carries `serving_default` (serialized tf.Example in, as TFX,
TFMA and TF Serving's classify/regress APIs expect) and a raw signature that a
JSON client can call without protobufs.
"""

import tensorflow as tf

SERVING_DEFAULT = "serving_default"
PREDICT_IMAGES = "predict_images"

# Byte string of each uint8 value: lets raw pixels be packed into the same
# bytes feature the transform graph decodes, so both signatures share one
# preprocessing graph (no training/serving skew).
_BYTE_STRINGS = tf.constant([bytes([i]) for i in range(256)])


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
        pixels = tf.cast(tf.clip_by_value(tf.round(images), 0.0, 255.0), tf.int32)
        flat = tf.reshape(pixels, [tf.shape(pixels)[0], -1])
        packed = tf.strings.reduce_join(tf.gather(_BYTE_STRINGS, flat), axis=-1)
        return self._classify({self._image_key: packed})

    def signatures(self):
        height, width = self._image_shape
        return {
            SERVING_DEFAULT: tf.function(self.serve_examples).get_concrete_function(
                tf.TensorSpec([None], tf.string, name="examples")
            ),
            PREDICT_IMAGES: tf.function(self.predict_images).get_concrete_function(
                tf.TensorSpec([None, height, width], tf.float32, name="images")
            ),
        }

    def save(self, export_dir):
        tf.saved_model.save(self, export_dir, signatures=self.signatures())
