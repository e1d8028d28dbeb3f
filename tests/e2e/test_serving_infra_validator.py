"""ServingInfraValidator: a servable candidate is blessed; a broken one stops the run before Pusher."""

import shutil

import pytest
import tensorflow as tf
from tfx.types import standard_artifacts

from components.idx_example_gen import idx
from components.serving_infra_validator import executor
from tests.conftest import FIXTURES

pytestmark = pytest.mark.e2e

SMALL = FIXTURES / "fashion_mnist_small"


@pytest.fixture(scope="module")
def serialized_examples():
    images, labels = idx.load(
        str(SMALL / "t10k-images-idx3-ubyte.gz"), str(SMALL / "t10k-labels-idx1-ubyte.gz")
    )
    return [
        tf.train.Example(
            features=tf.train.Features(
                feature={
                    "image": tf.train.Feature(bytes_list=tf.train.BytesList(value=[image.tobytes()])),
                    "label": tf.train.Feature(int64_list=tf.train.Int64List(value=[int(label)])),
                }
            )
        ).SerializeToString()
        for image, label in zip(images[:4], labels[:4])
    ]


def test_a_servable_model_answers_canned_requests(pushed_lenet5, serialized_examples):
    report = executor.validate(str(pushed_lenet5), serialized_examples, timeout_seconds=60)
    assert "predict: 4 examples over REST and gRPC" in report
    assert "classify (classify): 4 examples over gRPC" in report


def _artifacts(tmp_path, model_dir):
    model = standard_artifacts.Model()
    model.uri = str(tmp_path / "model")
    shutil.copytree(model_dir, tmp_path / "model" / "Format-Serving")
    blessing = standard_artifacts.InfraBlessing()
    blessing.uri = str(tmp_path / "blessing")
    (tmp_path / "blessing").mkdir()
    return model, blessing


def test_a_corrupt_model_is_not_blessed_and_stops_the_run(tmp_path, pushed_lenet5):
    model, blessing = _artifacts(tmp_path, pushed_lenet5)
    graph = tmp_path / "model" / "Format-Serving" / "saved_model.pb"
    graph.write_bytes(graph.read_bytes()[:1000])
    properties = {"num_examples": 4, "split": "eval", "timeout_seconds": 60.0}
    with pytest.raises(executor.InfraValidationError) as raised:
        executor.Executor().Do({"model": [model]}, {"blessing": [blessing]}, properties)
    message = str(raised.value)
    assert "not servable, so it is not pushed" in message and "saved_model.pb" in message
    assert blessing.get_int_custom_property("blessed") == 0
    assert (tmp_path / "blessing" / executor.NOT_BLESSED_FILE).exists()


def test_a_good_model_is_blessed(tmp_path, pushed_lenet5):
    model, blessing = _artifacts(tmp_path, pushed_lenet5)
    properties = {"num_examples": 4, "split": "eval", "timeout_seconds": 60.0}
    executor.Executor().Do({"model": [model]}, {"blessing": [blessing]}, properties)
    assert blessing.get_int_custom_property("blessed") == 1
    assert (tmp_path / "blessing" / executor.BLESSED_FILE).exists()
