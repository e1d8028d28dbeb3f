"""The image classifiers by name: what `--model NAME` builds, and what `dlsuite models` lists.

from keras_models.vision import zoo
model = zoo.build("resnet20", num_classes=10, input_shape=(28, 28, 1))

Importing this module loads no Keras (the classes are imported when a model is built), so a command
line can check `--model NAME` in a fraction of a second.
"""

import dataclasses
import importlib


@dataclasses.dataclass(frozen=True)
class Variant:
    """A named configuration of an architecture: its class and the constructor arguments that fix it."""

    family: str
    cls: str  # "module:Class" in keras_models.vision
    kwargs: dict = dataclasses.field(default_factory=dict)
    inputs: str = "any size"  # the input sizes it accepts, for people

    @property
    def model_class(self):
        module, name = self.cls.split(":")
        return getattr(importlib.import_module(f"keras_models.vision.{module}"), name)

    def build(self, num_classes, input_shape, dtype=None, **overrides):
        return self.model_class(
            num_classes=num_classes,
            input_shape=tuple(input_shape),
            dtype=dtype,
            **{**self.kwargs, **overrides},
        )


def _resnets():
    variants = {}
    for version, suffix in ((1, ""), (2, "_v2")):
        for depth in (20, 32, 44, 56, 110):
            variants[f"resnet{depth}{suffix}"] = Variant(
                f"ResNet v{version}", "resnet:ResNet", {"depth": depth, "version": version}, "at least 8x8"
            )
    for depth in (20, 56):  # the degradation experiment's plain networks
        variants[f"plain{depth}"] = Variant(
            "plain (ResNet without shortcuts)",
            "resnet:ResNet",
            {"depth": depth, "residual": False},
            "at least 8x8",
        )
    return variants


def _vggs():
    """Table 1's configurations with the paper's 4096-unit fc6 and fc7 (pass fc_units to shrink them)."""
    return {
        f"vgg_{letter.lower().replace('-', '_')}": Variant(
            "VGG", "vgg:VGG", {"configuration": letter}, "any size; below 32x32 padded to 32x32"
        )
        for letter in ("A", "A-LRN", "B", "C", "D", "E")
    }


MODELS = {
    "lenet5": Variant("LeNet", "lenet5:LeNet5", {"activation": "relu", "pooling": "max"}, "up to 32x32"),
    "lenet5_tanh": Variant("LeNet", "lenet5:LeNet5", {"activation": "tanh", "pooling": "avg"}, "up to 32x32"),
    **_resnets(),
    "alexnet": Variant(
        "AlexNet", "alexnet:AlexNet", {}, "at least 8x8; 11x11/4 stem from 64x64 (224 or 227)"
    ),
    **_vggs(),
    "nin": Variant("Network in Network", "nin:NetworkInNetwork", {}, "at least 4x4"),
    "googlenet": Variant(
        "GoogLeNet (Inception v1)", "inception:GoogLeNet", {}, "at least 8x8; 7x7/2 stem from 64x64"
    ),
    "densenet_bc_100": Variant(
        "DenseNet-BC",
        "densenet:DenseNet",
        {"blocks": (16, 16, 16), "growth_rate": 12},
        "at least 4x4",
    ),
    "densenet121": Variant(
        "DenseNet-BC",
        "densenet:DenseNet",
        {"blocks": (6, 12, 24, 16), "growth_rate": 32},
        "at least 8x8",
    ),
}


def names():
    return list(MODELS)


def get(name):
    """The Variant called `name`; ValueError listing the valid names otherwise."""
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; choose one of: {', '.join(MODELS)}")
    return MODELS[name]


def build(name, num_classes, input_shape, dtype=None, **overrides):
    """Builds model `name` for `num_classes` and `input_shape` (height, width, channels)."""
    return get(name).build(num_classes, input_shape, dtype=dtype, **overrides)
