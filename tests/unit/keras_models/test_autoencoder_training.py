"""The autoencoders' shared training loop: exact metrics on datasets of unknown length, mixed precision."""

import keras
import numpy as np
import pytest

from keras_models.autoencoders import Autoencoder
from tests.unit.keras_models.test_autoencoders import BUILDERS, random_images


def test_evaluate_on_a_dataset_of_unknown_length_is_the_exact_mean():
    """Keras's graph-mode loop runs an empty last batch on such datasets; it must not count (it
    halved every metric when trackers were updated without the batch size as weight)."""
    import tensorflow as tf

    images = random_images(10)
    model = Autoencoder(architecture="conv", latent_dim=4, filters=(4, 8))
    model.compile(optimizer="adam")
    unknown = tf.data.Dataset.from_tensor_slices(images).batch(4).unbatch().batch(4)  # 4 + 4 + 2
    assert tf.data.experimental.cardinality(unknown) == tf.data.UNKNOWN_CARDINALITY
    expected = np.mean(np.square(keras.ops.convert_to_numpy(model(images)) - images))
    np.testing.assert_allclose(
        model.evaluate(unknown, verbose=0, return_dict=True)["mse"], expected, rtol=1e-5
    )


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_mixed_float16_scales_the_loss_and_trains(name):
    """Under the mixed_float16 policy (what --mixed-precision picks on a GPU) compile() wraps the
    optimizer in a LossScaleOptimizer; the train step must scale the loss for it, or the updates
    would be divided by the scale (2^15) and training would stall."""
    keras.mixed_precision.set_dtype_policy("mixed_float16")
    try:
        model = BUILDERS[name]()
        model.compile(optimizer=keras.optimizers.Adam(1e-2))
        assert isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)
        images = random_images(96)
        before = [w.numpy().copy() for w in model.trainable_weights]
        # 24 steps: a step whose scaled gradients overflow float16 is skipped and the scale halved
        # (dynamic loss scaling, from 2^15), so the first few steps may not move anything.
        history = model.fit(images, epochs=1, batch_size=4, verbose=0).history
        assert all(np.isfinite(v[-1]) for v in history.values()), history
        moved = [np.max(np.abs(w.numpy() - b)) for w, b in zip(model.trainable_weights, before)]
        # Adam's steps move weights by about the learning rate, not the rate / 2^15.
        assert max(moved) > 1e-3, max(moved)
        assert keras.ops.convert_to_numpy(model(images)).dtype == np.float32
    finally:
        keras.mixed_precision.set_dtype_policy("float32")
