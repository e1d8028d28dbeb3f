"""Transfer learning (course 15.2): start a run from a pushed model's weights, optionally frozen.

`dlsuite run image_classification --init-from DIR [--freeze-features]`: DIR is a model the image
pipeline pushed (OUTPUT_DIR/serving/<model>/<version>, or the <model> folder for its latest version).
Its SavedModel keeps the Keras model under the export's `model` attribute (serving.export), so the
weights are read back by object path from the SavedModel's variables, no Keras file needed: the new
run builds `--model`'s network and every one of its weights must find its value there. With
`--freeze-features` the convolutional features (every layer before the first Dense one) keep the
pushed model's weights and only the dense head trains.
"""

import os

HOW = "point --init-from at a model the image pipeline pushed: OUTPUT_DIR/serving/<model>/<version>"


def resolve(path):
    """The SavedModel folder `path` names: itself, or its latest numbered version; ValueError otherwise."""
    if os.path.isfile(os.path.join(path, "saved_model.pb")):
        return os.path.abspath(path)
    versions = sorted(
        (int(name) for name in (os.listdir(path) if os.path.isdir(path) else []) if name.isdigit()),
        reverse=True,
    )
    for version in versions:
        folder = os.path.join(path, str(version))
        if os.path.isfile(os.path.join(folder, "saved_model.pb")):
            return os.path.abspath(folder)
    what = "no such folder" if not os.path.isdir(path) else "no SavedModel there"
    raise ValueError(f"--init-from {path}: {what}; {HOW}.")


def restore(model, saved_model_dir, model_name):
    """Sets every weight of `model` to the pushed model's; ValueError naming the mismatch otherwise."""
    import tensorflow as tf  # resolve() runs while the flags are checked: no TensorFlow there

    checkpoint = tf.train.Checkpoint(model=model)
    status = None
    try:
        status = checkpoint.read(os.path.join(saved_model_dir, "variables", "variables"))
        status.assert_existing_objects_matched()
    except (AssertionError, ValueError, tf.errors.OpError) as e:
        if status is not None:
            status.expect_partial()  # no warnings at exit about the values left unread
        first = str(e).strip().splitlines()[0][:300]
        raise ValueError(
            f"--init-from {saved_model_dir}: its weights do not fit --model {model_name} ({first}); "
            "give the --model that trained it."
        ) from None
    status.expect_partial()  # the export's own objects (the Transform layer) have no place in `model`


def freeze_features(model):
    """Freezes the convolutional features: every layer with weights before the first Dense layer (the
    head: the classifier, and LeNet-5's f6). Returns the frozen layers' names."""
    import keras

    dense = [i for i, layer in enumerate(model.layers) if isinstance(layer, keras.layers.Dense)]
    if not dense:
        raise ValueError(f"{model.name} has no Dense head to train; --freeze-features needs one.")
    frozen = []
    for layer in model.layers[: dense[0]]:
        if layer.weights:
            layer.trainable = False
            frozen.append(layer.name)
    return frozen
