"""Feature keys, shapes and class names of the segmentation pipeline, named once."""

from components.canvas_example_gen.canvas import NUM_CLASSES
from components.canvas_example_gen.executor import IMAGE_KEY, INDEX_KEY, ITEM_COUNT_KEY, MASK_KEY
from pipelines.image_classification.features import FASHION_MNIST_CLASSES

CANVAS_SIZE = 64
IMAGE_SHAPE = (CANVAS_SIZE, CANVAS_SIZE)  # height, width of the raw uint8 canvases and masks

# Transform outputs.
IMAGE_XF_KEY = "image_xf"  # float32 in [0, 1], shape IMAGE_SHAPE + (1,)
MASK_XF_KEY = "mask_xf"  # int64 class id per pixel, shape IMAGE_SHAPE

# Mask values: 0 background, Fashion-MNIST class c is c + 1.
CLASS_NAMES = ("background", *FASHION_MNIST_CLASSES)

__all__ = [
    "IMAGE_KEY",
    "MASK_KEY",
    "ITEM_COUNT_KEY",
    "INDEX_KEY",
    "CANVAS_SIZE",
    "IMAGE_SHAPE",
    "IMAGE_XF_KEY",
    "MASK_XF_KEY",
    "NUM_CLASSES",
    "CLASS_NAMES",
]
