"""The checks every Keras model of the suite passes; reuse them for each new model.

from tests.keras_harness import check_model

def test_harness(tmp_path):
    check_model(lambda: MyModel(...), sample_inputs, expected_output_shape, tmp_path)
"""

import keras
import numpy as np


def check_output_shape(model, inputs, expected_shape):
    outputs = keras.ops.convert_to_numpy(model(inputs, training=False))
    assert outputs.shape == tuple(expected_shape), f"{outputs.shape} != {expected_shape}"
    assert np.all(np.isfinite(outputs)), "model outputs are not finite"
    return outputs


def check_config_round_trip(model, inputs):
    """from_config(get_config()) rebuilds the same architecture; same weights give same outputs."""
    config = model.get_config()
    clone = model.__class__.from_config(config)
    assert clone.get_config() == config
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(clone(inputs, training=False)),
        keras.ops.convert_to_numpy(model(inputs, training=False)),
        rtol=1e-6,
        atol=1e-6,
    )


def check_saved_model_file(model, inputs, tmp_path):
    """`.keras` save and load gives identical outputs (and the registered class back)."""
    path = str(tmp_path / f"{model.name}.keras")
    model.save(path)
    restored = keras.saving.load_model(path)
    assert type(restored) is type(model)
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(restored(inputs, training=False)),
        keras.ops.convert_to_numpy(model(inputs, training=False)),
    )


def check_model(build, inputs, expected_shape, tmp_path):
    """Runs every harness check on a freshly built model."""
    model = build()
    check_output_shape(model, inputs, expected_shape)
    check_config_round_trip(model, inputs)
    check_saved_model_file(model, inputs, tmp_path)
    return model
