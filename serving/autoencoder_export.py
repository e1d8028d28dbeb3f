"""SavedModel signatures of the autoencoder pipeline's models.

Images travel as JSON-friendly [N, H, W] pixel intensities in 0..255 (floats), in and out; raw
pixels go through the pipeline's Transform graph, as in training. Signatures:

- serving_default: serialized tf.Example -> reconstruction, anomaly_score (TFX and the infra validator)
- encode: images -> code [N, code_size];  decode: code -> images
- reconstruct: images -> images
- anomaly_score: images -> score (per-image reconstruction MSE, pixels in [0, 1]); the VAE adds
  elbo, kl and reconstruction_nll (nats per image, one posterior sample drawn with seed 0)
- sample (VAE): count, seed -> images, the same images for the same seed
- corrupt (denoising autoencoder): images, seed -> the training noise applied, for denoising demos
"""

import numpy as np
import tensorflow as tf

from serving.export import SERVING_DEFAULT, pack_pixels, write_warmup_requests


class AutoencoderExport(tf.Module):
    """Wraps a keras_models.autoencoders model and its Transform graph into serving signatures."""

    def __init__(self, model, tft_output, *, image_key, label_key, image_xf_key, image_shape):
        super().__init__()
        self.model = model
        self.tft_layer = tft_output.transform_features_layer()
        self._raw_spec = {k: v for k, v in tft_output.raw_feature_spec().items() if k != label_key}
        self._image_key, self._image_xf_key = image_key, image_xf_key
        self._image_shape = tuple(image_shape)

    # --- conversions: pixels 0..255 [N, H, W] <-> model images [N, H, W, 1] in [0, 1] ---

    def _model_images(self, raw_features):
        return self.tft_layer(raw_features)[self._image_xf_key]

    def _pixels(self, images):
        return tf.reshape(tf.cast(images, tf.float32) * 255.0, [-1, *self._image_shape])

    def _scores(self, images):
        reconstruction = tf.cast(self.model(images, training=False), tf.float32)
        scores = {
            "reconstruction": reconstruction,
            "score": tf.reduce_mean(tf.square(images - reconstruction), axis=[1, 2, 3]),
        }
        if hasattr(self.model, "elbo"):
            scores.update(self.model.elbo(images, seed=0))
        return scores

    # --- signatures ---

    def serve_examples(self, examples):
        scores = self._scores(self._model_images(tf.io.parse_example(examples, self._raw_spec)))
        return {
            "reconstruction": self._pixels(scores.pop("reconstruction")),
            "anomaly_score": scores["score"],
        }

    def encode(self, images):
        return {
            "code": tf.cast(
                self.model.encode(self._model_images({self._image_key: pack_pixels(images)})), tf.float32
            )
        }

    def decode(self, code):
        return {"images": self._pixels(self.model.decode(code))}

    def reconstruct(self, images):
        model_images = self._model_images({self._image_key: pack_pixels(images)})
        return {"images": self._pixels(self.model(model_images, training=False))}

    def anomaly_score(self, images):
        scores = self._scores(self._model_images({self._image_key: pack_pixels(images)}))
        scores.pop("reconstruction")
        return scores

    def sample(self, count, seed):
        return {"images": self._pixels(self.model.sample(count, seed))}

    def corrupt(self, images, seed):
        model_images = self._model_images({self._image_key: pack_pixels(images)})
        return {"images": self._pixels(self.model.corrupt(model_images, seed))}

    def signatures(self):
        images = tf.TensorSpec([None, *self._image_shape], tf.float32, name="images")
        signatures = {
            SERVING_DEFAULT: tf.function(self.serve_examples).get_concrete_function(
                tf.TensorSpec([None], tf.string, name="examples")
            ),
            "encode": tf.function(self.encode).get_concrete_function(images),
            "decode": tf.function(self.decode).get_concrete_function(
                tf.TensorSpec([None, self.model.code_size], tf.float32, name="code")
            ),
            "reconstruct": tf.function(self.reconstruct).get_concrete_function(images),
            "anomaly_score": tf.function(self.anomaly_score).get_concrete_function(images),
        }
        seed = tf.TensorSpec([], tf.int32, name="seed")
        if hasattr(self.model, "sample"):
            signatures["sample"] = tf.function(self.sample).get_concrete_function(
                tf.TensorSpec([], tf.int32, name="count"), seed
            )
        if hasattr(self.model, "corrupt"):
            signatures["corrupt"] = tf.function(self.corrupt).get_concrete_function(images, seed)
        return signatures

    def save(self, export_dir):
        signatures = self.signatures()
        tf.saved_model.save(self, export_dir, signatures=signatures)
        blank = np.zeros([1, *self._image_shape], np.float32)
        warmup = {name: {"images": blank} for name in ("encode", "reconstruct", "anomaly_score")}
        warmup["decode"] = {"code": np.zeros([1, self.model.code_size], np.float32)}
        if "sample" in signatures:
            warmup["sample"] = {"count": np.int32(1), "seed": np.int32(0)}
        write_warmup_requests(export_dir, predict=warmup)
