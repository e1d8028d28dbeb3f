"""The IdxExampleGen executor's Beam transform, run on a real DirectRunner."""

import gzip
import shutil

import apache_beam as beam
import numpy as np
import pytest
import tensorflow as tf
from apache_beam.options.pipeline_options import PipelineOptions

from components.idx_example_gen import executor, idx

BEAM_OPTIONS = PipelineOptions(["--direct_running_mode=in_memory", "--direct_num_workers=1"])


def _examples(input_base, pattern, tmp_path):
    """Runs the transform and reads back what it wrote."""
    prefix = str(tmp_path / "out" / "examples")
    with beam.Pipeline(options=BEAM_OPTIONS) as p:
        _ = (
            p
            | executor._IdxToExample({"input_base": str(input_base)}, pattern)
            | beam.Map(lambda e: e.SerializeToString())
            | beam.io.WriteToTFRecord(prefix)
        )
    return [
        tf.train.Example.FromString(record.numpy())
        for record in tf.data.TFRecordDataset(tf.io.gfile.glob(prefix + "*"))
    ]


def test_emits_one_example_per_record(small_idx_dir, tmp_path):
    examples = _examples(small_idx_dir, "t10k-*", tmp_path)
    images, labels = idx.load(
        str(small_idx_dir / "t10k-images-idx3-ubyte.gz"), str(small_idx_dir / "t10k-labels-idx1-ubyte.gz")
    )
    assert len(examples) == 250
    by_image = {
        e.features.feature["image"].bytes_list.value[0]: e.features.feature["label"].int64_list.value[0]
        for e in examples
    }
    # Every (image, label) pair survives, whatever order Beam produced them in.
    assert by_image == {image.tobytes(): int(label) for image, label in zip(images, labels)}
    assert all(isinstance(e, tf.train.Example) for e in examples)


def test_truncated_split_fails_naming_the_file(small_idx_dir, tmp_path):
    shutil.copy(small_idx_dir / "t10k-labels-idx1-ubyte.gz", tmp_path)
    raw = gzip.decompress((small_idx_dir / "t10k-images-idx3-ubyte.gz").read_bytes())
    (tmp_path / "t10k-images-idx3-ubyte").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(Exception, match="t10k-images-idx3-ubyte: truncated"):
        _examples(tmp_path, "t10k-*", tmp_path)


def test_missing_files_fail_naming_the_pattern(tmp_path):
    with pytest.raises(idx.IdxFormatError, match="no IDX files match .*/t10k-\\*"):
        _examples(tmp_path, "t10k-*", tmp_path)


def test_count_mismatch_fails_before_reading(small_idx_dir, tmp_path):
    shutil.copy(small_idx_dir / "t10k-images-idx3-ubyte.gz", tmp_path)
    idx.write(str(tmp_path / "t10k-labels-idx1-ubyte.gz"), np.zeros(10, np.uint8))
    with pytest.raises(idx.IdxFormatError, match="holds 250 images but .* holds 10 labels"):
        _examples(tmp_path, "t10k-*", tmp_path)
