"""Reading MNIST-layout IDX files (http://yann.lecun.com/exdb/mnist/ file format).

An IDX file is a 4-byte magic number -- two zero bytes, a type code, the number
of dimensions -- then one big-endian uint32 per dimension, then the values in
row-major order. MNIST and Fashion-MNIST ship `*-images-idx3-ubyte` (N x 28 x 28
uint8) and `*-labels-idx1-ubyte` (N uint8), often gzipped.

Everything here works on any file system Apache Beam knows (local, gs://, s3://,
hdfs://) and detects gzip by the `.gz` suffix. This module has no TFX dependency.
"""

import dataclasses
import struct
import zlib

import numpy as np
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

# Type codes of the IDX format; MNIST-like data sets use unsigned bytes.
_DTYPES = {
    0x08: np.dtype("u1"),
    0x09: np.dtype("i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


class IdxFormatError(ValueError):
    """An IDX file is not what it claims to be; the message names the file."""


@dataclasses.dataclass(frozen=True)
class IdxHeader:
    path: str
    dtype: np.dtype
    dims: tuple  # (num_records, *record_shape)

    @property
    def num_records(self):
        return self.dims[0]

    @property
    def record_shape(self):
        return self.dims[1:]

    @property
    def record_bytes(self):
        return int(np.prod(self.record_shape, dtype=np.int64)) * self.dtype.itemsize

    @property
    def offset(self):
        """Byte offset of the first record."""
        return 4 + 4 * len(self.dims)


def _open(path):
    return FileSystems.open(path, compression_type=CompressionTypes.AUTO)


def _read_exactly(handle, num_bytes, path, what):
    try:
        data = handle.read(num_bytes)
    except (EOFError, OSError, zlib.error) as e:
        raise IdxFormatError(f"{path}: truncated or corrupt while reading {what} ({e}).") from e
    if len(data) != num_bytes:
        raise IdxFormatError(f"{path}: truncated -- expected {num_bytes} bytes of {what}, found {len(data)}.")
    return data


def read_header(path):
    """Reads and checks the header of the IDX file at `path`."""
    with _open(path) as handle:
        magic = _read_exactly(handle, 4, path, "magic number")
        zero, type_code, ndim = struct.unpack(">HBB", magic)
        if zero != 0 or type_code not in _DTYPES or ndim == 0:
            raise IdxFormatError(
                f"{path}: not an IDX file (magic number 0x{magic.hex()}; expected "
                f"0x0000 then a type code in {sorted(hex(c) for c in _DTYPES)} and a "
                "dimension count, e.g. 0x00000803 for images)."
            )
        dims = struct.unpack(f">{ndim}I", _read_exactly(handle, 4 * ndim, path, "dimensions"))
    return IdxHeader(path=path, dtype=_DTYPES[type_code], dims=tuple(dims))


def read_records(header, start=0, stop=None):
    """Returns records [start, stop) of an IDX file as an array of shape (n, *record_shape)."""
    stop = header.num_records if stop is None else stop
    count = stop - start
    with _open(header.path) as handle:
        handle.seek(header.offset + start * header.record_bytes)
        data = _read_exactly(handle, count * header.record_bytes, header.path, f"records {start}..{stop - 1}")
    return np.frombuffer(data, dtype=header.dtype).reshape((count, *header.record_shape))


def check_complete(header):
    """Checks that the file holds every record its header announces (a gzipped file is read through)."""
    expected = header.offset + header.num_records * header.record_bytes
    size = 0
    with _open(header.path) as handle:
        try:
            while chunk := handle.read(1 << 22):
                size += len(chunk)
        except (EOFError, OSError, zlib.error) as e:
            raise IdxFormatError(f"{header.path}: truncated or corrupt ({e}).") from e
    if size < expected:
        raise IdxFormatError(
            f"{header.path}: truncated -- its header announces {header.num_records} records "
            f"({expected} bytes) but it holds {size} bytes."
        )


def check_pair(images, labels):
    """Checks that an images header and a labels header describe one data set."""
    if len(images.dims) < 2:
        raise IdxFormatError(f"{images.path}: expected an images file (3 dims), got dims {images.dims}.")
    if len(labels.dims) != 1:
        raise IdxFormatError(f"{labels.path}: expected a labels file (1 dim), got dims {labels.dims}.")
    if images.num_records != labels.num_records:
        raise IdxFormatError(
            f"{images.path} holds {images.num_records} images but {labels.path} holds "
            f"{labels.num_records} labels; they must match."
        )


def find_pair(paths):
    """Returns (images_header, labels_header) among `paths`, told apart by their headers."""
    headers = [read_header(p) for p in sorted(paths)]
    images = [h for h in headers if len(h.dims) >= 2]
    labels = [h for h in headers if len(h.dims) == 1]
    if len(images) != 1 or len(labels) != 1:
        raise IdxFormatError(
            f"expected exactly one IDX images file and one labels file, got {len(images)} "
            f"images and {len(labels)} labels files among {sorted(paths)}."
        )
    check_pair(images[0], labels[0])
    return images[0], labels[0]


def load(images_path, labels_path):
    """Reads a whole (images, labels) pair into NumPy arrays."""
    images, labels = read_header(images_path), read_header(labels_path)
    check_pair(images, labels)
    return read_records(images), read_records(labels)


def write(path, array):
    """Writes `array` as an IDX file (gzipped when `path` ends in .gz)."""
    array = np.asarray(array)
    codes = {dtype: code for code, dtype in _DTYPES.items()}
    dtype = array.dtype.newbyteorder(">") if array.dtype.itemsize > 1 else array.dtype
    if dtype not in codes:
        raise ValueError(f"IDX has no type code for dtype {array.dtype}.")
    header = struct.pack(">HBB", 0, codes[dtype], array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    with FileSystems.create(path, compression_type=CompressionTypes.AUTO) as handle:
        handle.write(header + array.astype(dtype).tobytes())
