import gzip

import numpy as np
import pytest

from components.idx_example_gen import idx


@pytest.fixture
def pair(tmp_path):
    images = np.arange(5 * 4 * 3, dtype=np.uint8).reshape(5, 4, 3)
    labels = np.array([0, 1, 2, 3, 4], dtype=np.uint8)
    images_path, labels_path = str(tmp_path / "x-images-idx3-ubyte.gz"), str(tmp_path / "x-labels-idx1-ubyte")
    idx.write(images_path, images)
    idx.write(labels_path, labels)
    return images, labels, images_path, labels_path


def test_round_trip_gzip_and_plain(pair):
    images, labels, images_path, labels_path = pair
    read_images, read_labels = idx.load(images_path, labels_path)
    np.testing.assert_array_equal(read_images, images)
    np.testing.assert_array_equal(read_labels, labels)
    with gzip.open(images_path, "rb") as f:
        assert f.read(4) == b"\x00\x00\x08\x03"  # ubyte, 3 dims: the MNIST images magic


def test_record_ranges(pair):
    images, _, images_path, _ = pair
    header = idx.read_header(images_path)
    assert (header.num_records, header.record_shape, header.record_bytes) == (5, (4, 3), 12)
    np.testing.assert_array_equal(idx.read_records(header, 2, 4), images[2:4])


def test_real_fixture_matches_fashion_mnist_layout(small_idx_dir):
    images, labels = idx.load(
        str(small_idx_dir / "t10k-images-idx3-ubyte.gz"), str(small_idx_dir / "t10k-labels-idx1-ubyte.gz")
    )
    assert images.shape == (250, 28, 28) and images.dtype == np.uint8
    assert labels[:5].tolist() == [9, 2, 1, 1, 6]  # the first test labels of Fashion-MNIST


def test_wrong_magic_names_the_file(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    with pytest.raises(idx.IdxFormatError, match=f"{path}: not an IDX file"):
        idx.read_header(str(path))


def test_truncated_file_names_the_file(pair, tmp_path):
    _, _, images_path, _ = pair
    truncated = tmp_path / "cut-images-idx3-ubyte"
    truncated.write_bytes(gzip.decompress(open(images_path, "rb").read())[:-7])
    header = idx.read_header(str(truncated))
    with pytest.raises(idx.IdxFormatError, match=f"{truncated}: truncated"):
        idx.read_records(header)


def test_truncated_gzip_names_the_file(pair, tmp_path):
    _, _, images_path, _ = pair
    truncated = tmp_path / "cut-images-idx3-ubyte.gz"
    truncated.write_bytes(open(images_path, "rb").read()[:-12])
    with pytest.raises(idx.IdxFormatError, match=str(truncated)):
        idx.read_records(idx.read_header(str(truncated)))


def test_count_mismatch_names_both_files(tmp_path):
    images_path, labels_path = str(tmp_path / "a-images-idx3-ubyte"), str(tmp_path / "a-labels-idx1-ubyte")
    idx.write(images_path, np.zeros((4, 2, 2), np.uint8))
    idx.write(labels_path, np.zeros(3, np.uint8))
    with pytest.raises(idx.IdxFormatError, match="holds 4 images but .*a-labels-idx1-ubyte holds 3 labels"):
        idx.load(images_path, labels_path)


def test_find_pair_tells_images_from_labels_by_header(pair):
    _, _, images_path, labels_path = pair
    images, labels = idx.find_pair([labels_path, images_path])
    assert (images.path, labels.path) == (images_path, labels_path)
    with pytest.raises(idx.IdxFormatError, match="exactly one IDX images file and one labels file"):
        idx.find_pair([images_path])
