"""Shape checks for image classifiers' `fit`, `evaluate` and `predict`: a wrong batch gets a ValueError
that says what to pass, instead of TensorFlow's "as_list() is not defined on an unknown TensorShape"."""

import numpy as np


def check_image_batch(x, image_shape, model_name):
    """Returns `x` as the model takes it, or raises ValueError naming the expected shape.

    Nested lists become a float32 array. A batch of one-channel images may come
    without its channel axis, (N, H, W); it gets one. Inputs without a static
    shape (datasets, generators) pass unchecked.
    """
    if isinstance(x, list):
        x = np.asarray(x, dtype="float32")
    shape = getattr(x, "shape", None)
    if shape is None or not hasattr(x, "ndim"):
        return x
    shape, image_shape = tuple(shape), tuple(image_shape)
    if shape[1:] == image_shape:
        return x
    if image_shape[-1] == 1 and shape[1:] == image_shape[:-1]:
        return x[..., None] if isinstance(x, np.ndarray) else np.expand_dims(x, -1)
    height, width, channels = image_shape
    expected = f"(batch, {height}, {width}, {channels})" + (
        f" or (batch, {height}, {width})" if channels == 1 else ""
    )
    hint = ""
    if shape == image_shape:
        hint = " A single image? Add a batch axis: x[None]."
    elif len(shape) == 2 and shape[1] == height * width * channels:
        hint = f" Flattened images? Reshape them: x.reshape(-1, {height}, {width}, {channels})."
    raise ValueError(f"{model_name} takes images of shape {expected}; got shape {shape}.{hint}")


class ImageBatchChecks:
    """Mixin for a keras.Model with `image_shape`: checks x in fit, evaluate and predict."""

    def _images(self, x):
        return check_image_batch(x, self.image_shape, type(self).__name__)

    def fit(self, x=None, y=None, *args, **kwargs):
        return super().fit(self._images(x), y, *args, **kwargs)

    def evaluate(self, x=None, y=None, *args, **kwargs):
        return super().evaluate(self._images(x), y, *args, **kwargs)

    def predict(self, x, *args, **kwargs):
        return super().predict(self._images(x), *args, **kwargs)
