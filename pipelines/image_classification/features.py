"""Feature keys and shapes of the image classification pipeline, named once."""

from components.idx_example_gen.executor import IMAGE_KEY, LABEL_KEY

IMAGE_SHAPE = (28, 28)  # height, width of the raw uint8 images
NUM_CLASSES = 10

# Transform outputs.
IMAGE_XF_KEY = "image_xf"  # float32 in [0, 1], shape IMAGE_SHAPE + (1,)
LABEL_XF_KEY = "label_xf"  # int64 class id

# Fashion-MNIST's class names, in label order (for plots and the demo).
FASHION_MNIST_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)

__all__ = [
    "IMAGE_KEY",
    "LABEL_KEY",
    "IMAGE_SHAPE",
    "NUM_CLASSES",
    "IMAGE_XF_KEY",
    "LABEL_XF_KEY",
    "FASHION_MNIST_CLASSES",
]
