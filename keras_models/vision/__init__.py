"""Vision models: image classifiers from LeNet-5 onwards."""

from keras_models.vision.lenet5 import LeNet5

__all__ = ["LeNet5"]
