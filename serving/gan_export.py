"""SavedModel signatures of the GAN pipeline's models.

- generate (gan, dcgan, ebgan): count, seed (int32 scalars) -> images [count, H, W] uint8; the same seed
  gives the same images. Also `serving_default`.
- translate (cyclegan): images [N, H, W] pixel intensities 0..255, direction ("a_to_b" or "b_to_a") ->
  images [N, H, W] uint8; the input goes through the pipeline's Transform graph as in training. Also
  `serving_default`.
"""

import numpy as np
import tensorflow as tf

from serving.export import SERVING_DEFAULT, pack_pixels, write_warmup_requests


class GanExport(tf.Module):
    """Wraps a keras_models.generative model (and, for translate, the Transform graph) into signatures."""

    def __init__(self, model, tft_output, *, image_key, image_xf_key, image_shape):
        super().__init__()
        self.model = model
        self.tft_layer = tft_output.transform_features_layer()
        self._image_key, self._image_xf_key = image_key, image_xf_key
        self._image_shape = tuple(image_shape)
        self._translates = hasattr(model, "translate")

    def _pixels(self, images):
        """Model images [N, H, W, 1] in [0, 1] -> uint8 [N, H, W]."""
        scaled = tf.round(tf.clip_by_value(tf.cast(images, tf.float32), 0.0, 1.0) * 255.0)
        return tf.cast(tf.reshape(scaled, [-1, *self._image_shape]), tf.uint8)

    def generate(self, count, seed):
        return {"images": self._pixels(self.model.generate(count, seed))}

    def translate(self, images, direction):
        model_images = self.tft_layer({self._image_key: pack_pixels(images)})[self._image_xf_key]
        tf.debugging.assert_equal(
            tf.logical_or(tf.equal(direction, "a_to_b"), tf.equal(direction, "b_to_a")),
            True,
            message="direction must be 'a_to_b' or 'b_to_a'",
        )
        translated = tf.cond(
            tf.equal(direction, "a_to_b"),
            lambda: tf.cast(self.model.translate(model_images, "a_to_b"), tf.float32),
            lambda: tf.cast(self.model.translate(model_images, "b_to_a"), tf.float32),
        )
        return {"images": self._pixels(translated)}

    def signatures(self):
        if self._translates:
            function = tf.function(self.translate).get_concrete_function(
                tf.TensorSpec([None, *self._image_shape], tf.float32, name="images"),
                tf.TensorSpec([], tf.string, name="direction"),
            )
            return {SERVING_DEFAULT: function, "translate": function}
        function = tf.function(self.generate).get_concrete_function(
            tf.TensorSpec([], tf.int32, name="count"), tf.TensorSpec([], tf.int32, name="seed")
        )
        return {SERVING_DEFAULT: function, "generate": function}

    def save(self, export_dir):
        signatures = self.signatures()
        tf.saved_model.save(self, export_dir, signatures=signatures)
        if self._translates:
            blank = np.zeros([1, *self._image_shape], np.float32)
            warmup = {"translate": {"images": blank, "direction": np.array("a_to_b", dtype=object)}}
        else:
            warmup = {"generate": {"count": np.int32(1), "seed": np.int32(0)}}
        write_warmup_requests(export_dir, predict=warmup)
