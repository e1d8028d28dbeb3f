import numpy as np
import tensorflow as tf

from pipelines import training
from pipelines.image_classification import features, preprocessing


def test_decodes_and_scales_raw_bytes():
    images = np.random.default_rng(0).integers(0, 256, (3, 28, 28), dtype=np.uint8)
    outputs = preprocessing.preprocessing_fn(
        {
            features.IMAGE_KEY: tf.constant([[i.tobytes()] for i in images]),
            features.LABEL_KEY: tf.constant([[1], [2], [3]], tf.int64),
        }
    )
    np.testing.assert_allclose(outputs[features.IMAGE_XF_KEY].numpy()[..., 0], images / 255.0, rtol=1e-6)
    assert outputs[features.LABEL_XF_KEY].numpy().tolist() == [1, 2, 3]


def test_precision_policy_choices():
    try:
        assert training.set_precision_policy("off") == "float32"
        assert training.set_precision_policy("bfloat16") == "mixed_bfloat16"
        expected = "mixed_float16" if tf.config.list_physical_devices("GPU") else "float32"
        assert training.set_precision_policy("auto") == expected
    finally:
        training.set_precision_policy("off")
    try:
        training.set_precision_policy("fp8")
    except ValueError as e:
        assert "auto, off, float16, bfloat16" in str(e)
    else:
        raise AssertionError("an unknown policy must be rejected")
