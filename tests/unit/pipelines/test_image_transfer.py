"""--init-from / --freeze-features: finding a pushed model, reading its weights back, freezing features."""

import argparse

import numpy as np
import pytest
import tensorflow as tf

from keras_models.vision import zoo
from pipelines.image_classification import entry, transfer
from tests.conftest import FIXTURES


def _lenet(seed):
    tf.keras.utils.set_random_seed(seed)
    return zoo.build("lenet5", 10, (28, 28, 1))


class _Export(tf.Module):
    """What serving.export.ImageClassifierExport keeps of the model: the `model` attribute."""

    def __init__(self, model):
        super().__init__()
        self.model = model
        self.transform = tf.Variable(1.0)  # an object the new model has no place for (the Transform layer)

    @tf.function(input_signature=[tf.TensorSpec([None, 28, 28, 1])])
    def predict(self, images):
        return self.model(images)


@pytest.fixture(scope="module")
def pushed(tmp_path_factory):
    """OUTPUT_DIR/serving/lenet5 with versions 1 and 7; returns (the model folder, the source model)."""
    root = tmp_path_factory.mktemp("serving") / "lenet5"
    source = _lenet(seed=1)
    for version in (1, 7):
        tf.saved_model.save(_Export(source), str(root / str(version)))
    return root, source


def test_resolve_takes_a_version_or_the_latest_of_a_model_folder(pushed):
    root, _ = pushed
    assert transfer.resolve(str(root)) == str(root / "7")
    assert transfer.resolve(str(root / "1")) == str(root / "1")


@pytest.mark.parametrize("where", ["missing", "empty"])
def test_resolve_refuses_what_is_not_a_pushed_model(tmp_path, where):
    path = tmp_path / "x"
    if where == "empty":
        path.mkdir()
    with pytest.raises(ValueError, match="OUTPUT_DIR/serving/<model>/<version>") as e:
        transfer.resolve(str(path))
    assert ("no such folder" if where == "missing" else "no SavedModel there") in str(e.value)


def test_restore_reads_every_weight_back(pushed):
    root, source = pushed
    model = _lenet(seed=2)
    assert not np.allclose(model.weights[0].numpy(), source.weights[0].numpy())
    transfer.restore(model, transfer.resolve(str(root)), "lenet5")
    for mine, theirs in zip(model.weights, source.weights, strict=True):
        np.testing.assert_array_equal(mine.numpy(), theirs.numpy())


def test_restore_into_another_network_says_which_model_to_give(pushed):
    root, _ = pushed
    other = zoo.build("resnet20", 10, (28, 28, 1))
    with pytest.raises(ValueError, match="do not fit --model resnet20.*give the --model that trained it"):
        transfer.restore(other, str(root / "7"), "resnet20")


def test_freeze_features_leaves_only_the_dense_head_trainable():
    model = _lenet(seed=0)
    assert transfer.freeze_features(model) == ["c1", "c3", "c5"]
    assert [layer.name for layer in model.layers if layer.trainable and layer.weights] == ["f6", "logits"]
    assert len(model.trainable_weights) == 4
    resnet = zoo.build("resnet20", 10, (28, 28, 1))
    transfer.freeze_features(resnet)
    assert [layer.name for layer in resnet.layers if layer.trainable and layer.weights] == ["logits"]


def _parse(*argv):
    parser = argparse.ArgumentParser()
    entry.add_arguments(parser)
    return parser.parse_args([str(a) for a in argv])


def test_flags_resolve_the_folder_and_freeze_needs_init_from(pushed):
    root, _ = pushed
    config = entry.train_config(_parse("--data", FIXTURES, "--init-from", root, "--freeze-features"))
    assert config.init_from == str(root / "7") and config.freeze_features
    with pytest.raises(ValueError, match="--freeze-features needs --init-from"):
        entry.check_args(_parse("--freeze-features"))
