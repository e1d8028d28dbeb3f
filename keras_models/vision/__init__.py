"""Vision models: image classifiers from LeNet-5 onwards, FC-DenseNet for segmentation, and the heat-map
keypoint net for pose (with its stick-figure generator, `keras_models.vision.stick_figures`).

`from keras_models.vision import ResNet` imports the class (and Keras) when it is first asked for, so
`keras_models.vision.zoo`, the table of names, loads without TensorFlow.
"""

import importlib

_MODULES = {
    "AlexNet": "alexnet",
    "DenseNet": "densenet",
    "FCDenseNet": "fc_densenet",
    "GoogLeNet": "inception",
    "HeatmapKeypointNet": "keypoints",
    "LeNet5": "lenet5",
    "NetworkInNetwork": "nin",
    "ResNet": "resnet",
    "VGG": "vgg",
}

__all__ = list(_MODULES)


def __getattr__(name):
    if name not in _MODULES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_MODULES[name]}"), name)


def __dir__():
    return sorted([*globals(), *__all__])
