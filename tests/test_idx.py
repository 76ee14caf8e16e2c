"""The IDX codec: golden bytes, round trips for every dtype, and bad files."""

import gzip
import io
import struct
from array import array

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mnistio import idx
from mnistio.codecs import idx as codecs_idx
from mnistio.errors import FormatError, TruncatedError, UsageError

LABELS_GOLDEN = b"\x00\x00\x08\x01\x00\x00\x00\x03\x03\x01\x04"


def test_write_labels_golden_bytes(tmp_path):
    path = tmp_path / "x-labels-idx1-ubyte"
    idx.write(path, bytes([3, 1, 4]))
    assert path.read_bytes() == LABELS_GOLDEN


def test_write_gz_by_extension_and_read_by_magic(tmp_path):
    path = tmp_path / "x-labels-idx1-ubyte.gz"
    idx.write(path, bytes([3, 1, 4]))
    assert gzip.decompress(path.read_bytes()) == LABELS_GOLDEN
    renamed = tmp_path / "no-extension"
    renamed.write_bytes(path.read_bytes())
    assert idx.read(renamed) == (b"\x03\x01\x04", (3,))


def test_int32_golden_and_native_values(tmp_path):
    path = tmp_path / "q"
    idx.write(path, array("i", [1, -2, 70000, 5]), (2, 2))
    data = path.read_bytes()
    assert data[:12] == b"\x00\x00\x0c\x02\x00\x00\x00\x02\x00\x00\x00\x02"
    assert data[12:] == struct.pack(">4i", 1, -2, 70000, 5)
    values, shape = idx.read(path)
    assert shape == (2, 2) and list(values) == [1, -2, 70000, 5] and values.typecode == "i"


DTYPE_VALUES = {
    "uint8": st.integers(0, 255),
    "int8": st.integers(-128, 127),
    "int16": st.integers(-2 ** 15, 2 ** 15 - 1),
    "int32": st.integers(-2 ** 31, 2 ** 31 - 1),
    "float32": st.floats(width=32, allow_nan=False),
    "float64": st.floats(allow_nan=False),
}


@st.composite
def idx_arrays(draw):
    dtype = draw(st.sampled_from(sorted(DTYPE_VALUES)))
    shape = tuple(draw(st.lists(st.integers(0, 4), min_size=1, max_size=4)))
    count = 1
    for dim in shape:
        count *= dim
    values = draw(st.lists(DTYPE_VALUES[dtype], min_size=count, max_size=count))
    return dtype, shape, values


@given(idx_arrays(), st.booleans())
def test_round_trip_every_dtype(tmp_path_factory, case, compress):
    dtype, shape, values = case
    typecode = idx.DTYPES[codecs_idx._CODE_BY_NAME[dtype]][1]
    path = tmp_path_factory.mktemp("idx") / ("f.gz" if compress else "f")
    idx.write(path, bytes(values) if dtype == "uint8" else array(typecode, values), shape)
    read_values, read_shape = idx.read(path)
    assert read_shape == shape
    assert list(read_values) == list(array(typecode, values))
    with idx.open(path) as reader:
        assert reader.header.dtype_name == dtype
        records = list(reader.iter_records())
    assert len(records) == shape[0]
    flat = []
    for record in records:
        flat.extend(record if isinstance(record, (memoryview, array)) else [record])
    assert flat == list(array(typecode, values))


def test_streaming_yields_zero_copy_records(tmp_path):
    path = tmp_path / "images"
    pixels = bytes(range(256)) * 3
    idx.write(path, pixels, (12, 8, 8))
    with idx.open(path) as reader:
        records = list(reader.iter_records())
    assert all(isinstance(record, memoryview) and len(record) == 64 for record in records)
    assert b"".join(records) == pixels


def test_streaming_writer_patches_count(tmp_path):
    path = tmp_path / "w.gz"
    with idx.open(path, "wb", dtype="uint8", record_shape=(2, 2)) as writer:
        for value in range(5):
            writer.write_record(bytes([value] * 4))
    assert idx.read(path) == (bytes(v for v in range(5) for _ in range(4)), (5, 2, 2))


def test_file_objects_are_not_closed():
    buffer = io.BytesIO()
    idx.write(buffer, bytes([1, 2]), compress=False)
    assert not buffer.closed
    buffer.seek(0)
    assert idx.read(buffer) == (b"\x01\x02", (2,))
    assert not buffer.closed


# -- bad files -------------------------------------------------------------------

def write_raw(tmp_path, data, name="bad-labels-idx1-ubyte", compress=False):
    path = tmp_path / name
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


def test_wrong_magic(tmp_path):
    path = write_raw(tmp_path, b"\x01\x02\x08\x01\x00\x00\x00\x00")
    with pytest.raises(FormatError, match=r"bad magic 0x01020801 \(expected 0x0000TTNN"):
        idx.read(path)


def test_unknown_dtype_names_the_file(tmp_path):
    path = write_raw(tmp_path, b"\x00\x00\x07\x01\x00\x00\x00\x00")
    with pytest.raises(FormatError) as caught:
        idx.read(path)
    assert "unknown IDX dtype 0x07" in str(caught.value) and str(path) in str(caught.value)


def test_zero_dims(tmp_path):
    with pytest.raises(FormatError, match="0 dimensions"):
        idx.read(write_raw(tmp_path, b"\x00\x00\x08\x00"))


def test_truncated_header(tmp_path):
    with pytest.raises(TruncatedError, match="inside the IDX header"):
        idx.read(write_raw(tmp_path, b"\x00\x00\x08\x03\x00\x00"))


def test_truncated_payload_raw_is_found_before_reading(tmp_path):
    path = write_raw(tmp_path, struct.pack(">IIII", 0x803, 3, 2, 2) + bytes(10))
    with pytest.raises(TruncatedError, match=r"header declares 3 x 2 x 2 uint8 values \(12 bytes\) but the file holds 10"):
        idx.read(path)


def test_over_long_payload(tmp_path):
    path = write_raw(tmp_path, LABELS_GOLDEN + b"\x09\x09")
    with pytest.raises(FormatError, match="2 bytes after the 3 bytes of values"):
        idx.read(path)
    gz = write_raw(tmp_path, LABELS_GOLDEN + b"\x09\x09", "x.gz", compress=True)
    with pytest.raises(FormatError, match="2 bytes after the 3 bytes"):
        idx.read(gz)


def test_truncated_payload_gzip_names_the_record(tmp_path):
    path = write_raw(tmp_path, struct.pack(">IIII", 0x803, 3, 2, 2) + bytes(10), "g.gz", compress=True)
    with pytest.raises(TruncatedError, match=r"values end after 10 of 12 bytes \(2 of 3 records\)"):
        idx.read(path)


def test_header_claiming_terabytes_fails_fast_without_allocating(tmp_path):
    header = struct.pack(">IIII", 0x0E03, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF)
    for compress in (False, True):
        path = write_raw(tmp_path, header + bytes(100), "huge%d" % compress, compress=compress)
        with pytest.raises(TruncatedError, match="header declares 4294967295 x 4294967295"):
            idx.read(path)


def test_truncated_gzip_stream(tmp_path):
    data = gzip.compress(struct.pack(">IIII", 0x803, 50, 28, 28) + bytes(range(256)) * 153)
    path = write_raw(tmp_path, data[: len(data) // 2], "cut.gz")
    with pytest.raises(TruncatedError, match="gzip stream ends early"):
        idx.read(path)


def test_bad_gzip_crc(tmp_path):
    data = bytearray(gzip.compress(LABELS_GOLDEN))
    data[-8] ^= 0xFF  # the CRC32 in the trailer
    with pytest.raises(FormatError, match="bad gzip data"):
        idx.read(write_raw(tmp_path, bytes(data), "crc.gz"))


def test_missing_file_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="no such file"):
        idx.read(tmp_path / "nope")


def test_writer_refuses_wrong_record_size(tmp_path):
    with pytest.raises(UsageError, match="record 0 has 3 bytes"):
        with idx.open(tmp_path / "w", "wb", record_shape=(2, 2)) as writer:
            writer.write_record(b"abc")


@settings(max_examples=100, deadline=None)
@given(st.lists(st.binary(max_size=3000), max_size=6), st.sampled_from([1, 6, 9]))
def test_gzip_writer_writes_what_gzipfile_writes(chunks, level):
    """codecs.streams.GzipWriter replaces gzip.GzipFile for output (no buffer left to flush at collection)."""
    import gzip

    from mnistio.codecs.streams import GzipWriter

    ours = io.BytesIO()
    with GzipWriter(ours, level) as writer:
        for chunk in chunks:
            writer.write(chunk)
    theirs = io.BytesIO()
    with gzip.GzipFile(fileobj=theirs, mode="wb", compresslevel=level, mtime=0, filename="") as reference:
        for chunk in chunks:
            reference.write(chunk)
    assert ours.getvalue() == theirs.getvalue()
    assert gzip.decompress(ours.getvalue()) == b"".join(chunks)
