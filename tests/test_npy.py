"""The .npy codec (docs/formats.rst, "npy and npz files"): round trips, numpy's bytes both ways,
header versions, and refused headers. Runs without numpy; the cross-checks skip themselves."""

import io
import struct
from array import array

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mnistio import limits
from mnistio.codecs import npy
from mnistio.errors import FormatError, LimitError, TruncatedError, UsageError


def raw_header(text, version=(1, 0)):
    """A header as a hostile or foreign writer may make it (no padding rules)."""
    encoded = text.encode("utf8" if version == (3, 0) else "latin1")
    length = struct.pack("<H" if version == (1, 0) else "<I", len(encoded))
    return npy.MAGIC + bytes(version) + length + encoded


def read_bytes(data):
    return npy.read(io.BytesIO(data))


# -- round trips ------------------------------------------------------------------------------

DTYPES = ["|u1", "|i1", "|b1", "<u2", ">u2", "<i2", ">i4", "<i4", "<u4", "<i8", ">i8", "<u8", "<f4", ">f8"]
RANGES = {"u1": (0, 255), "i1": (-128, 127), "b1": (0, 1), "u2": (0, 65535), "i2": (-32768, 32767),
          "i4": (-2 ** 31, 2 ** 31 - 1), "u4": (0, 2 ** 32 - 1), "i8": (-2 ** 63, 2 ** 63 - 1), "u8": (0, 2 ** 64 - 1)}


@st.composite
def arrays(draw):
    descr = draw(st.sampled_from(DTYPES + ["<U3", ">U2"]))
    shape = tuple(draw(st.lists(st.integers(0, 4), min_size=0, max_size=3)))
    size = 1
    for side in shape:
        size *= side
    if descr[1] == "U":
        values = draw(st.lists(st.text(st.characters(blacklist_categories=("Cs",)), max_size=int(descr[2:]))
                               .map(lambda text: text.rstrip("\x00")), min_size=size, max_size=size))
    elif descr[1] == "f":
        values = draw(st.lists(st.integers(-1000, 1000).map(float), min_size=size, max_size=size))
    else:
        low, high = RANGES[descr[1:]]
        values = draw(st.lists(st.integers(low, high), min_size=size, max_size=size))
    return descr, shape, values


def as_version(data, version):
    """A version 1.0 file rewritten with a 2.0 or 3.0 header (a 4-byte length)."""
    if version == (1, 0):
        return data
    length = struct.unpack("<H", data[8:10])[0]
    return npy.MAGIC + bytes(version) + struct.pack("<I", length) + data[10:]


@given(arrays(), st.sampled_from([(1, 0), (2, 0), (3, 0)]))
def test_round_trip_any_dtype_shape_byte_order_and_version(case, version):
    descr, shape, values = case
    out = io.BytesIO()
    npy.write(out, values, shape, descr)
    data = as_version(out.getvalue(), version)
    back, header = read_bytes(data)
    assert header.shape == shape and header.dtype == npy.parse_descr(descr)
    assert header.version == version and header.size % 64 == (0 if version == (1, 0) else 2)  # numpy's alignment
    assert list(back) == list(values)
    # streamed records agree with the whole
    records = list(npy.Reader(io.BytesIO(data)).iter_records())
    assert len(records) == (shape[0] if shape else 1)


@given(st.binary(max_size=200), st.integers(1, 5))
def test_uint8_records_are_views_of_the_stored_bytes(pixels, width):
    rows = len(pixels) // width
    pixels = pixels[:rows * width]
    out = io.BytesIO()
    npy.write(out, pixels, (rows, width))
    records = list(npy.Reader(io.BytesIO(out.getvalue())).iter_records())
    assert [bytes(record) for record in records] == [pixels[i * width:(i + 1) * width] for i in range(rows)]


@pytest.mark.parametrize("version", [(1, 0), (2, 0), (3, 0)])
def test_every_header_version_is_read(version):
    text = "{'descr': '<i2', 'fortran_order': False, 'shape': (3,), }"
    data = raw_header(text + " \n", version) + struct.pack("<3h", 1, -2, 3)
    values, header = read_bytes(data)
    assert header.version == version and list(values) == [1, -2, 3]


def test_python2_long_integers_and_other_spellings_are_read():
    data = raw_header('{"shape": (2L,), "descr": "<u2", "fortran_order": False}\n') + b"\x01\x00\x02\x00"
    assert list(read_bytes(data)[0]) == [1, 2]


def test_writer_spools_until_the_count_is_known(tmp_path):
    path = tmp_path / "a.npy"
    with npy.Writer(str(path), "|u1", (2, 2)) as writer:
        writer.write_record(b"\x01\x02\x03\x04")
        writer.write_record(bytearray(b"\x05\x06\x07\x08"))
    values, header = npy.read(str(path))
    assert header.shape == (2, 2, 2) and values == bytes(range(1, 9))
    with pytest.raises(UsageError, match="record 0 has 3 bytes"):
        with npy.Writer(io.BytesIO(), "|u1", (2, 2)) as writer:
            writer.write_record(b"abc")
    with pytest.raises(UsageError, match="1 records written, 2 declared"):
        with npy.Writer(io.BytesIO(), "<i4", (), count=2) as writer:
            writer.write_record(5)


def test_reading_streams_in_bounded_batches():
    """A 40 MB array: the first record is had after reading about 1 MB."""
    class Counting(io.RawIOBase):
        def __init__(self, header, size):
            self.header, self.size, self.done = header, size, 0

        def readinto(self, buffer):
            if self.done < len(self.header):
                chunk = self.header[self.done:self.done + len(buffer)]
            else:
                chunk = bytes(min(len(buffer), self.size + len(self.header) - self.done))
            buffer[:len(chunk)] = chunk
            self.done += len(chunk)
            return len(chunk)

        def readable(self):
            return True

    source = Counting(npy.header_bytes("|u1", (51200, 28, 28)), 51200 * 784)
    reader = npy.Reader(io.BufferedReader(source, 65536))
    next(reader.iter_records())
    assert source.done < 2 << 20


# -- numpy both ways ------------------------------------------------------------------------

def numpy_arrays(np):
    return [np.arange(24, dtype=np.uint8).reshape(2, 3, 4), np.array([5, 0, 255], dtype=np.uint8),
            np.array([1, -7], dtype="<i8"), np.array([3, 4], dtype=">i4"), np.array([1, 2], dtype="<u2"),
            np.zeros((0, 28, 28), np.uint8), np.array(["ab", "c\u732b\U0001f600"], dtype="<U3"),
            np.array([True, False]), np.arange(6, dtype="<f4").reshape(2, 3), np.array(7, dtype="<i8"),
            np.arange(5, dtype=np.int8), np.arange(4, dtype=np.uint8).reshape(2, 2, 1)]


def test_what_numpy_saves_is_read_and_written_back_byte_for_byte():
    np = pytest.importorskip("numpy")
    for a in numpy_arrays(np):
        buffer = io.BytesIO()
        np.save(buffer, a)
        values, header = read_bytes(buffer.getvalue())
        assert header.shape == a.shape and header.dtype.descr == a.dtype.str
        assert list(values) == a.ravel().tolist() if a.dtype.kind != "b" else [int(v) for v in a.ravel()]
        mine = io.BytesIO()
        npy.write(mine, values, header.shape, header.dtype)
        if hasattr(np.lib.format, "GROWTH_AXIS_MAX_DIGITS"):  # numpy 2's header padding
            assert mine.getvalue() == buffer.getvalue(), a
        back = np.load(io.BytesIO(mine.getvalue()))
        assert back.dtype == a.dtype and back.shape == a.shape and (back == a).all()


@pytest.mark.parametrize("version", [(1, 0), (2, 0), (3, 0)])
def test_numpy_header_versions(version):
    np = pytest.importorskip("numpy")
    a = np.arange(10, dtype="<i4").reshape(5, 2)
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, a, version=version)
    values, header = read_bytes(buffer.getvalue())
    assert header.version == version and list(values) == list(range(10))


def test_numpy_fortran_order_is_read_when_it_is_c_order_and_refused_otherwise():
    np = pytest.importorskip("numpy")
    for a, readable in ((np.asfortranarray(np.arange(6, dtype=np.uint8)), True),
                        (np.asfortranarray(np.arange(6, dtype=np.uint8).reshape(1, 6)), True),
                        (np.asfortranarray(np.arange(6, dtype=np.uint8).reshape(2, 3)), False)):
        buffer = io.BytesIO()
        np.save(buffer, a)
        if readable:
            assert list(read_bytes(buffer.getvalue())[0]) == a.ravel().tolist()
        else:
            with pytest.raises(FormatError, match="Fortran-ordered"):
                read_bytes(buffer.getvalue())


def test_numpy_object_arrays_are_refused_unpickled():
    np = pytest.importorskip("numpy")
    buffer = io.BytesIO()
    np.save(buffer, np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    with pytest.raises(FormatError, match="object array, which holds pickles"):
        read_bytes(buffer.getvalue())


# -- refusals --------------------------------------------------------------------------------

GOOD = "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 2), }\n"


@pytest.mark.parametrize("data, error, message", [
    (b"", FormatError, "not a .npy array"),
    (b"\x93NUMPZ\x01\x00", FormatError, "not a .npy array"),
    (b"\x93NUMPY\x01", TruncatedError, "inside the .npy magic"),
    (b"\x93NUMPY\x04\x00\x10\x00", FormatError, "version 4.0"),
    (raw_header(GOOD)[:20], TruncatedError, "ends inside the header"),
    (raw_header(GOOD) + b"\x00" * 3, TruncatedError, "holds 3 bytes of values"),
    (raw_header(GOOD) + b"\x00" * 5, FormatError, "1 bytes after"),
    (raw_header("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }"), FormatError, "pickles"),
    (raw_header("{'descr': [('a', '<i4')], 'fortran_order': False, 'shape': (1,), }"), FormatError,
     "structured"),
    (raw_header("{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }"), FormatError, "not read"),
    (raw_header("{'descr': '<f2', 'fortran_order': False, 'shape': (1,), }"), FormatError, "floats of 2 bytes"),
    (raw_header("{'descr': '<U0', 'fortran_order': False, 'shape': (1,), }"), FormatError, "empty strings"),
    (raw_header("{'descr': '|u1', 'fortran_order': 0, 'shape': (1,), }"), FormatError, "fortran_order is 0"),
    (raw_header("{'descr': '|u1', 'fortran_order': False, 'shape': [1], }"), FormatError, "not a tuple"),
    (raw_header("{'descr': '|u1', 'fortran_order': False, 'shape': (-1,), }"), FormatError, "not a tuple"),
    (raw_header("{'descr': '|u1', 'fortran_order': False, 'shape': (True,), }"), FormatError, "not a tuple"),
    (raw_header("{'descr': '|u1', 'fortran_order': False, 'shape': (1,)}"[:-1]), FormatError, "dict literal"),
    (raw_header("{'descr': '|u1', 'shape': (1,), }"), FormatError, "must be a dict"),
    (raw_header("{'descr': '|u1', 'fortran_order': False, 'shape': (1,), 'x': 1}"), FormatError, "must be a dict"),
    (raw_header("__import__('os').system('echo owned')"), FormatError, "dict literal"),
    (raw_header("[" * 5000 + "]" * 5000), FormatError, "nests brackets more than 32 deep"),
    (raw_header("{%s: 1}" % ("(" * 50 + ")" * 50)), FormatError, "nests brackets"),
    (raw_header("{'descr': '|u1', 'fortran_order': False, 'shape': (%s,), }" % ("9" * 5000)), FormatError,
     "dict literal|header declares"),
    (raw_header("{'descr': '|u1', 'fortran_order': False, 'shape': (%s), }" % ("1," * 65)), FormatError,
     "65 dimensions"),
    (raw_header("{'descr': '<i8', 'fortran_order': False, 'shape': (4611686018427387904, 9), }"), TruncatedError,
     "header declares"),
    (raw_header("{'descr': '|u1', 'fortran_order': False, 'shape': (2, 2), }", (3, 0))[:-3] + b"\xff\xfe}",
     FormatError, "utf8"),
])
def test_bad_headers_are_refused(data, error, message):
    with pytest.raises(error, match=message):
        read_bytes(data)


def test_header_and_record_limits(monkeypatch):
    big = raw_header("{'descr': '|u1', 'fortran_order': False, 'shape': (1,), }" + " " * 20000)
    with pytest.raises(LimitError, match="MAX_HEADER_BYTES"):
        read_bytes(big)
    monkeypatch.setattr(limits, "MAX_HEADER_BYTES", 30000)
    assert read_bytes(big + b"\x07")[0] == b"\x07"
    huge = raw_header("{'descr': '|u1', 'fortran_order': False, 'shape': (1, 300000000), }")
    with pytest.raises(LimitError, match="MAX_RECORD_BYTES"):
        read_bytes(huge)


class Pipe(io.RawIOBase):
    """A stream of unknown size (no fileno, not seekable), as a pipe or a socket."""

    def __init__(self, data):
        self.data = io.BytesIO(data)

    def readinto(self, buffer):
        chunk = self.data.read(len(buffer))
        buffer[:len(chunk)] = chunk
        return len(chunk)

    def readable(self):
        return True


def test_a_stream_cut_short_names_the_record():
    data = npy.header_bytes("|u1", (3, 4)) + bytes(6)
    reader = npy.Reader(io.BufferedReader(Pipe(data)))
    with pytest.raises(TruncatedError, match=r"values end after 6 of 12 bytes \(record 1 of 3\)"):
        list(reader.iter_records())
    with pytest.raises(FormatError, match="bytes after the 12 bytes"):
        list(npy.Reader(io.BufferedReader(Pipe(data + bytes(7)))).iter_records())


def test_bad_dtypes_and_values_from_callers():
    with pytest.raises(UsageError, match="not read"):
        npy.write(io.BytesIO(), [1], (1,), "<x4")
    with pytest.raises(UsageError, match="does not fit <U2"):
        npy.write(io.BytesIO(), ["abc"], (1,), "<U2")
    with pytest.raises(UsageError, match="do not fill"):
        npy.write(io.BytesIO(), array("b", [1, 2, 3]), (2, 2), "|i1")
