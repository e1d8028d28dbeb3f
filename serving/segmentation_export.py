"""SavedModel signatures of the segmentation pipeline's models.

Canvases travel as JSON-friendly [N, H, W] pixel intensities in 0..255 (floats); raw pixels go
through the pipeline's Transform graph, as in training. Masks are class ids per pixel: 0 background,
Fashion-MNIST class c as c + 1 (`class_names` in model_info.json). Signatures:

- segment: images [N, H, W] -> mask int32 [N, H, W], class_pixels int32 [N, num_classes] (pixels of
  each class: which items the canvas shows, and how much of each)
- probabilities: images -> probabilities float32 [N, H, W, num_classes] (per-pixel softmax; large
  over JSON, hence a signature of its own)
- serving_default: serialized tf.Example (the canvas `image` bytes) -> mask, class_pixels (TFX and
  the infra validator)
"""

import numpy as np
import tensorflow as tf

from serving.export import SERVING_DEFAULT, pack_pixels, write_warmup_requests

SEGMENT, PROBABILITIES = "segment", "probabilities"


class SegmentationExport(tf.Module):
    """Wraps a keras_models.vision.FCDenseNet (or any per-pixel classifier of the transformed images)
    and its Transform graph into serving signatures."""

    def __init__(self, model, tft_output, *, image_key, image_xf_key, image_shape, num_classes):
        super().__init__()
        self.model = model
        self.tft_layer = tft_output.transform_features_layer()
        self._raw_spec = {image_key: tft_output.raw_feature_spec()[image_key]}  # requests carry no mask
        self._image_key, self._image_xf_key = image_key, image_xf_key
        self._image_shape = tuple(image_shape)
        self._num_classes = int(num_classes)

    def _probabilities(self, raw_features):
        images = self.tft_layer(raw_features)[self._image_xf_key]
        return tf.cast(self.model(images, training=False), tf.float32)

    def _segment(self, raw_features):
        mask = tf.argmax(self._probabilities(raw_features), axis=-1, output_type=tf.int32)
        flat = tf.reshape(mask, [tf.shape(mask)[0], -1])
        counts = tf.reduce_sum(tf.one_hot(flat, self._num_classes, dtype=tf.int32), axis=1)
        return {"mask": mask, "class_pixels": counts}

    # --- signatures ---

    def serve_examples(self, examples):
        return self._segment(tf.io.parse_example(examples, self._raw_spec))

    def segment(self, images):
        return self._segment({self._image_key: pack_pixels(images)})

    def probabilities(self, images):
        return {"probabilities": self._probabilities({self._image_key: pack_pixels(images)})}

    def signatures(self):
        images = tf.TensorSpec([None, *self._image_shape], tf.float32, name="images")
        return {
            SERVING_DEFAULT: tf.function(self.serve_examples).get_concrete_function(
                tf.TensorSpec([None], tf.string, name="examples")
            ),
            SEGMENT: tf.function(self.segment).get_concrete_function(images),
            PROBABILITIES: tf.function(self.probabilities).get_concrete_function(images),
        }

    def save(self, export_dir):
        tf.saved_model.save(self, export_dir, signatures=self.signatures())
        blank = np.zeros([1, *self._image_shape], np.float32)
        write_warmup_requests(
            export_dir, predict={SEGMENT: {"images": blank}, PROBABILITIES: {"images": blank}}
        )
