"""The feature space of the Fréchet distance: LeNet-5 trained on the pipeline's own train split.

Inception features (FID proper) need a download this project cannot make and know nothing of 28x28
clothing; a small classifier of the same data is the in-domain choice. It is trained once per train
split and cached (the key is a hash of the train images), so every run of a folder is measured in the
same space and the figures are comparable across runs.
"""

import hashlib
import os

import keras
import numpy as np

from keras_models.vision import LeNet5

FEATURE_LAYER = "f6"  # LeNet-5's 84-unit penultimate layer


class FeatureClassifier:
    """`(features [N, 84], predicted class [N])` of uint8 images [N, H, W]."""

    def __init__(self, model):
        self.model = model
        self._features = keras.Model(model.inputs, [model.get_layer(FEATURE_LAYER).output, model.outputs[0]])

    def __call__(self, images):
        x = images.astype(np.float32)[..., None] / 255.0
        features, probabilities = self._features.predict(x, batch_size=1000, verbose=0)
        return features.astype(np.float64), probabilities.argmax(axis=-1)

    @classmethod
    def trained(cls, images, labels, num_classes, cache_dir="", epochs=3, seed=0):
        """Loads the classifier of these train images from `cache_dir`, or trains (and caches) it."""
        key = hashlib.sha1(images.tobytes() + labels.tobytes()).hexdigest()[:16]
        path = os.path.join(cache_dir, f"lenet5-{key}-{epochs}.keras") if cache_dir else None
        if path and os.path.exists(path):
            return cls(keras.saving.load_model(path))
        keras.utils.set_random_seed(seed)
        model = LeNet5(
            num_classes=num_classes, input_shape=(*images.shape[1:], 1), activation="relu", pooling="max"
        )
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        model.fit(
            images.astype(np.float32)[..., None] / 255.0, labels, epochs=epochs, batch_size=128, verbose=0
        )
        if path:
            os.makedirs(cache_dir, exist_ok=True)
            model.save(path)
        return cls(model)
