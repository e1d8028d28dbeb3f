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


def check_classifier_arguments(model_name, num_classes, input_shape, min_side=1, why=""):
    """ValueError unless `num_classes` >= 2 and `input_shape` is (height, width, channels) with both
    sides at least `min_side` (`why` says what sets that bound)."""
    if int(num_classes) < 2:
        raise ValueError(f"{model_name} is a classifier: num_classes must be at least 2, got {num_classes}.")
    if len(input_shape) != 3 or min(input_shape[:2]) < min_side:
        at_least = f", at least {min_side}x{min_side}{why};" if min_side > 1 else ","
        raise ValueError(f"input_shape is (height, width, channels){at_least} got {input_shape}.")


class ImageBatchChecks:
    """Mixin for a keras.Model with `image_shape`: checks x in fit, evaluate and predict."""

    def _images(self, x):
        return check_image_batch(x, self.image_shape, type(self).__name__)

    def _use_policy(self, dtype):
        """After the functional __init__: a dtype policy given as `dtype` becomes the model's (functional
        models take no dtype argument; compile() reads it to add loss scaling under mixed_float16).
        Returns its name, for get_config."""
        if dtype is not None:
            self.dtype_policy = dtype
        return dtype if dtype is None or isinstance(dtype, str) else dtype.name

    def fit(self, x=None, y=None, *args, **kwargs):
        return super().fit(self._images(x), y, *args, **kwargs)

    def evaluate(self, x=None, y=None, *args, **kwargs):
        return super().evaluate(self._images(x), y, *args, **kwargs)

    def predict(self, x, *args, **kwargs):
        return super().predict(self._images(x), *args, **kwargs)
