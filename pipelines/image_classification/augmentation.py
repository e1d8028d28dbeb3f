"""On-the-fly augmentation for the training batches: random shifts (zero-pad and crop) and horizontal
flips, as the ResNet and DenseNet papers train on CIFAR-10. It runs in the input pipeline, so the
served model is the same graph with or without it."""

import tensorflow as tf


def shift_and_flip(max_shift, flip=True, seed=None):
    """A map function for (image [H, W, C], label) pairs: shifts each image by up to `max_shift`
    pixels in each direction (the uncovered border is zero) and mirrors half of them."""

    def augment(image, label):
        if max_shift:
            height, width, channels = image.shape
            padded = tf.pad(image, [[max_shift, max_shift], [max_shift, max_shift], [0, 0]])
            image = tf.image.random_crop(padded, [height, width, channels], seed=seed)
        if flip:
            image = tf.image.random_flip_left_right(image, seed=seed)
        return image, label

    return augment
