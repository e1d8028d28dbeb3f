"""CanvasExampleGen: canvases and masks, determinism by seed, the executor on a DirectRunner, bad input."""

import gzip
import shutil

import apache_beam as beam
import numpy as np
import pytest
import tensorflow as tf
from apache_beam.options.pipeline_options import PipelineOptions
from tfx.dsl.components.base import base_beam_executor
from tfx.types import standard_artifacts

from components.canvas_example_gen import canvas, executor
from components.canvas_example_gen.component import CanvasExampleGen
from components.canvas_example_gen.examples import read_canvases
from components.idx_example_gen import idx
from pipelines.segmentation import entry
from tests.conftest import FIXTURES

SMALL = FIXTURES / "fashion_mnist_small"


def _items(prefix):
    return idx.load(
        str(SMALL / f"{prefix}-images-idx3-ubyte.gz"), str(SMALL / f"{prefix}-labels-idx1-ubyte.gz")
    )


@pytest.fixture(scope="module")
def items():
    return _items("t10k")


def test_the_same_seed_split_and_index_give_the_same_canvas(items):
    first = canvas.compose_many(*items, seed=3, split="train", start=0, stop=20)
    again = canvas.compose_many(*items, seed=3, split="train", start=0, stop=20)
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    # Canvas 15 alone is canvas 15 of the batch: nothing depends on what was composed before it.
    alone = canvas.compose(*items, seed=3, split="train", index=15)
    np.testing.assert_array_equal(alone[0], first[0][15])
    np.testing.assert_array_equal(alone[1], first[1][15])
    for other in ({"seed": 4, "split": "train"}, {"seed": 3, "split": "eval"}):
        different = canvas.compose_many(*items, start=0, stop=20, **other)[0]
        assert not np.array_equal(different, first[0])


def test_masks_label_exactly_the_opaque_pixels(items):
    canvases, masks, counts = canvas.compose_many(*items, seed=0, split="eval", start=0, stop=200)
    assert canvases.shape == masks.shape == (200, 64, 64) and canvases.dtype == masks.dtype == np.uint8
    np.testing.assert_array_equal(masks > 0, canvases > canvas.THRESHOLD)  # an item pixel is labelled
    np.testing.assert_array_equal(masks == 0, canvases == 0)  # the background stays black
    assert masks.max() <= 10 and set(np.unique(masks)) > {0}
    assert set(counts) == {2, 3, 4}  # MIN_ITEMS..MAX_ITEMS, each drawn


def test_a_later_item_covers_an_earlier_one_in_both_image_and_mask():
    # Ten fully opaque 28x28 squares; class c has intensity 20 + 20 c: a pixel's value names its class.
    labels = np.arange(10)
    images = np.repeat((20 + 20 * labels).astype(np.uint8)[:, None, None], 28, 1).repeat(28, 2)
    overlapped = 0
    for index in range(50):
        image, mask, count = canvas.compose(images, labels, 0, "train", index)
        on = mask > 0
        np.testing.assert_array_equal(mask[on], (image[on] - 20) // 20 + 1)
        # Each visible class shows no more than one 28x28 square's worth of pixels per placement.
        assert on.sum() <= count * 28 * 28
        overlapped += on.sum() < count * 28 * 28
    assert overlapped > 0  # some squares did overlap


def test_items_that_do_not_fit_are_refused():
    with pytest.raises(ValueError, match="items of 80x80 pixels do not fit on a 64x64 canvas"):
        canvas.compose(np.zeros((1, 80, 80), np.uint8), np.zeros(1), 0, "train", 0)


def _run_transform(split, count, beam_args, out):
    """The serialized canvases the Canvases transform writes, sorted (Beam's order is any order)."""
    with beam.Pipeline(options=PipelineOptions(beam_args)) as p:
        _ = p | executor.Canvases(str(SMALL), split, 5, count, 64) | beam.io.WriteToTFRecord(str(out))
    return sorted(r.numpy() for r in tf.data.TFRecordDataset(tf.io.gfile.glob(f"{out}*")))


def test_any_worker_count_and_chunking_give_the_same_canvases(monkeypatch, tmp_path):
    one = _run_transform("eval", 30, ["--direct_running_mode=in_memory"], tmp_path / "one")
    monkeypatch.setattr(executor, "_CHUNK", 7)
    threads = ["--direct_running_mode=multi_threading", "--direct_num_workers=3"]
    many = _run_transform("eval", 30, threads, tmp_path / "many")
    assert len(one) == 30 and one == many


def _executor_run(tmp_path, **kwargs):
    component = CanvasExampleGen(input_base=str(SMALL), **kwargs)
    examples = standard_artifacts.Examples()
    examples.uri = str(tmp_path / "examples")
    context = base_beam_executor.BaseBeamExecutor.Context(
        beam_pipeline_args=["--direct_running_mode=in_memory"]
    )
    executor.Executor(context).Do({}, {"examples": [examples]}, dict(component.exec_properties))
    return examples


def test_the_executor_writes_both_splits_from_their_own_items(tmp_path):
    examples = _executor_run(tmp_path, seed=9, train_canvases=40, eval_canvases=12)
    assert examples.get_int_custom_property("train_canvases") == 40
    for split, prefix, count in (("train", "train", 40), ("eval", "t10k", 12)):
        images, masks, counts = read_canvases(examples, split)
        expected = canvas.compose_many(*_items(prefix), seed=9, split=split, start=0, stop=count)
        for got, want in zip((images, masks, counts), expected):
            np.testing.assert_array_equal(got, want)
    assert len(read_canvases(examples, "eval", limit=5)[0]) == 5


def test_missing_and_truncated_files_are_named(tmp_path):
    with pytest.raises(idx.IdxFormatError, match="no IDX files match .*train-\\*"):
        executor.find_items(str(tmp_path), "train")
    shutil.copy(SMALL / "t10k-labels-idx1-ubyte.gz", tmp_path)
    raw = gzip.decompress((SMALL / "t10k-images-idx3-ubyte.gz").read_bytes())
    (tmp_path / "t10k-images-idx3-ubyte.gz").write_bytes(gzip.compress(raw[: len(raw) // 2]))
    with pytest.raises(idx.IdxFormatError, match="t10k-images-idx3-ubyte.gz: truncated"):
        executor.find_items(str(tmp_path), "t10k")


def _copy_with(tmp_path, name, array):
    """The small fixture with `name` replaced by an IDX file of `array`."""
    data = tmp_path / "data"
    shutil.copytree(SMALL, data)
    idx.write(str(data / name), array)
    return data


def test_check_data_stops_bad_input_before_the_run(tmp_path):
    with pytest.raises(entry.DataError, match="no such folder"):
        entry.check_data(str(tmp_path / "nowhere"))
    labels = np.full(250, 11, np.uint8)
    data = _copy_with(tmp_path, "t10k-labels-idx1-ubyte.gz", labels)
    with pytest.raises(entry.DataError, match="holds labels 11..11; .* class ids 0..9"):
        entry.check_data(str(data))
    big = _copy_with(tmp_path / "big", "train-images-idx3-ubyte.gz", np.zeros((1000, 80, 80), np.uint8))
    with pytest.raises(entry.DataError, match=r"images of \(80, 80\); .* at most 64x64"):
        entry.check_data(str(big))
    entry.check_data(str(SMALL))  # the fixture itself is fine


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"train_canvases": 0}, "train_canvases must be at least 1"),
        ({"eval_canvases": -2}, "eval_canvases must be at least 1"),
        ({"canvas_size": 20}, "canvas_size must be at least 28"),
    ],
)
def test_component_arguments_are_checked(kwargs, message):
    with pytest.raises(ValueError, match=message):
        CanvasExampleGen(input_base="/nowhere", **kwargs)
