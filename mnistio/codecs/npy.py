"""NumPy ``.npy`` arrays, read and written without numpy (``docs/formats.rst``, "npy and npz files").

Follows numpy's own description of the format, ``numpy/lib/format.py`` ("A
Simple File Format for NumPy Arrays", NEP 1)::

    \\x93NUMPY  major minor  header length (uint16 LE for 1.0, uint32 LE for 2.0 and 3.0)
    {'descr': '|u1', 'fortran_order': False, 'shape': (60000, 28, 28), }   padded with spaces, then \\n
    the values, row-major (C order), in the byte order ``descr`` says

The header of version 1.0 and 2.0 is latin-1 text, 3.0's is UTF-8. The
header is a Python dict literal: it is read with :func:`ast.literal_eval`
(never ``eval``), only after its length passed
``mnistio.limits.MAX_HEADER_BYTES`` (numpy's own bound, 10000 bytes), and
its three values are type-checked. Supported ``descr``: booleans (``|b1``,
read as 0 and 1), signed and unsigned integers of 1, 2, 4 and 8 bytes and
floats of 4 and 8 bytes in either byte order, and fixed-width Unicode
(``<U32``). Object arrays (``|O``, pickles), structured dtypes and every
other kind are refused with a :class:`~mnistio.errors.FormatError`. A
``fortran_order`` array of more than one dimension longer than 1 is refused
(its records are not contiguous).

Streaming, one record (the values under the first dimension) at a time::

    with npy.Reader("x_train.npy") as reader:
        reader.header.shape                     # (60000, 28, 28)
        for image in reader.iter_records():     # memoryview of 784 bytes
            ...

The file's size (or a zip member's declared size) is compared with the
header before a value is read, and each record must fit
``mnistio.limits.MAX_RECORD_BYTES``. Writing streams too: with the count
unknown, records are spooled to a temporary file and the header is written
once they are counted. Headers are written as numpy 2 writes them (the
same bytes as ``numpy.save``).
"""

from __future__ import annotations

import ast
import builtins
import io
import math
import os
import re
import struct
import sys
import tempfile
from array import array
from collections import namedtuple

from .. import limits
from ..errors import FileSystemError, FormatError, LimitError, TruncatedError, UsageError
from .streams import copy_spool, open_input

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, BinaryIO, Callable, Dict, Iterator, List, Optional, Sequence, Tuple, Union

    FileArg = Union[str, bytes, "os.PathLike[str]", BinaryIO]

__all__ = ["MAGIC", "Dtype", "Header", "Reader", "Writer", "parse_descr", "dtype_of", "encode_values", "header_bytes",
           "read_header", "read", "write"]

MAGIC = b"\x93NUMPY"
#: version -> (struct format of the header length, encoding of the header)
_VERSIONS = {(1, 0): ("<H", "latin1"), (2, 0): ("<I", "latin1"), (3, 0): ("<I", "utf8")}
_ALIGN = 64  # numpy's ARRAY_ALIGN
_GROWTH_AXIS_MAX_DIGITS = 21  # numpy 2 leaves this room to rewrite the count in place
_MAX_DIMS = 64  # numpy's NPY_MAXDIMS
_BATCH_BYTES = 1 << 20
_NATIVE = "<" if sys.byteorder == "little" else ">"
_DESCR = re.compile(r"^([<>|=]?)([biufU])(\d{1,4})$")


def _typecodes():
    """``{(kind, itemsize): array typecode}`` for this platform's array sizes."""
    found: Dict[Tuple[str, int], str] = {}
    for kind, codes in (("b", "B"), ("u", "BHILQ"), ("i", "bhilq"), ("f", "fd")):
        for code in codes:
            found.setdefault((kind, array(code).itemsize), code)
    return found


_TYPECODES = _typecodes()


class Dtype(namedtuple("Dtype", "byteorder kind itemsize")):
    """A supported ``descr``: ``byteorder`` (``<``, ``>`` or ``|``), ``kind`` (``b``, ``u``, ``i``,
    ``f``, ``U``) and ``itemsize`` in bytes (4 per character for ``U``)."""

    __slots__ = ()

    @property
    def descr(self) -> str:
        """As numpy writes it: ``|u1``, ``<i8``, ``<U5``."""
        return "%s%s%d" % (self.byteorder, self.kind, self.itemsize // 4 if self.kind == "U" else self.itemsize)

    @property
    def typecode(self) -> Optional[str]:
        """The :mod:`array` typecode of a numeric dtype (None for ``U``)."""
        return _TYPECODES.get((self.kind, self.itemsize))

    @property
    def is_integer(self) -> bool:
        return self.kind in "iub"

    @property
    def swapped(self) -> bool:
        """Whether values must be byte-swapped to or from this machine's order."""
        return self.itemsize > 1 and self.byteorder not in ("|", _NATIVE)

    @property
    def is_uint8(self) -> bool:
        return self.kind == "u" and self.itemsize == 1


def parse_descr(descr: Any, path: Optional[str] = None) -> Dtype:
    """The :class:`Dtype` of a header's ``descr``, or a FormatError saying why it is not read."""
    if not isinstance(descr, str):
        what = "a structured dtype (a list of fields)" if isinstance(descr, list) else repr(descr)[:80]
        raise FormatError("dtype %s is not read (expected a plain dtype such as '|u1' or '<i8')" % what, path)
    match = _DESCR.match(descr)
    if match is None:
        if descr.lstrip("<>|=")[:1] == "O":
            raise FormatError("dtype %r is an object array, which holds pickles: refused, as numpy.load refuses "
                              "it without allow_pickle=True (expected numbers, e.g. '|u1')" % descr, path)
        raise FormatError("dtype %r is not read (expected booleans, integers, floats or Unicode text, e.g. "
                          "'|u1', '<i8', '<f4', '<U10')" % descr[:80], path)
    order, kind, count = match.group(1), match.group(2), int(match.group(3))
    itemsize = 4 * count if kind == "U" else count
    if kind != "U" and (kind, itemsize) not in _TYPECODES:
        raise FormatError("dtype %r is not read (%s of %d bytes; expected 1, 2, 4 or 8 for integers, 4 or 8 "
                          "for floats, 1 for booleans)" % (descr, {"b": "booleans", "u": "unsigned integers",
                                                                  "i": "integers", "f": "floats"}[kind], itemsize),
                          path)
    if kind == "U" and not count:
        raise FormatError("dtype %r holds empty strings only (expected '<U1' or wider)" % descr, path)
    if itemsize == 1:
        order = "|"
    elif order in ("", "=", "|"):  # no byte order: the machine's, as numpy reads it
        order = _NATIVE
    return Dtype(order, kind, itemsize)


def dtype_of(value: Union[str, Dtype]) -> Dtype:
    """A :class:`Dtype` from one or its ``descr`` (a UsageError for a bad one: the caller's)."""
    if isinstance(value, Dtype):
        return value
    try:
        return parse_descr(value)
    except FormatError as error:
        raise UsageError(error.message) from None


class Header(namedtuple("Header", "dtype shape fortran_order size version")):
    """A parsed ``.npy`` header; ``size`` is its length in bytes (where the values start)."""

    __slots__ = ()

    @property
    def count(self) -> int:  # type: ignore[override]  # tuple.count, shadowed on purpose
        """Records: the first dimension (1 for a 0-d array)."""
        return self.shape[0] if self.shape else 1

    @property
    def record_shape(self) -> Tuple[int, ...]:
        return self.shape[1:]

    @property
    def record_size(self) -> int:
        """Bytes per record."""
        return math.prod(self.shape[1:]) * self.dtype.itemsize

    @property
    def payload_size(self) -> int:
        return math.prod(self.shape) * self.dtype.itemsize


_QUOTED = re.compile(r"'[^'\\]*'|\"[^\"\\]*\"")
_MAX_NESTING = 32  # real headers nest 2 levels (structured dtypes a few more)


def _nesting(text: str) -> int:
    """How deep brackets nest, strings left out: Python 3.8's parser overflows its stack (and says so
    on stderr) at about 100 levels, so a deeper header is refused before it is parsed."""
    depth = deepest = 0
    for character in _QUOTED.sub("''", text):
        if character in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif character in ")]}":
            depth -= 1
    return deepest


def _literal(text: str, version: Tuple[int, int]) -> Any:
    if _nesting(text) > _MAX_NESTING:
        raise FormatError("the header nests brackets more than %d deep (expected {'descr': ..., "
                          "'fortran_order': ..., 'shape': (...)})" % _MAX_NESTING)
    try:
        return ast.literal_eval(text)
    except (SyntaxError, ValueError, TypeError, MemoryError, RecursionError):
        if version == (1, 0) and re.search(r"\dL\b", text):  # Python 2's longs, as numpy reads them
            return _literal(re.sub(r"(\d)L\b", r"\1", text), (0, 0))
        raise FormatError("the header is not a Python dict literal (expected {'descr': ..., 'fortran_order': "
                          "..., 'shape': (...)}): %r" % text[:120]) from None


def _check_header_dict(value: Any, path: Optional[str]) -> Tuple[Dtype, Tuple[int, ...], bool]:
    keys = ("descr", "fortran_order", "shape")
    if not isinstance(value, dict) or sorted(value) != list(keys):
        shown = sorted(map(repr, value)) if isinstance(value, dict) else type(value).__name__
        raise FormatError("the header must be a dict of 'descr', 'fortran_order' and 'shape', found %s"
                          % (shown,), path, "header")
    shape, fortran_order = value["shape"], value["fortran_order"]
    if not isinstance(shape, tuple) or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0
                                               for n in shape):
        raise FormatError("shape %r is not a tuple of non-negative integers" % (shape,), path, "header")
    if len(shape) > _MAX_DIMS:
        raise FormatError("shape has %d dimensions (numpy allows %d)" % (len(shape), _MAX_DIMS), path, "header")
    if not isinstance(fortran_order, bool):
        raise FormatError("fortran_order is %r, expected True or False" % (fortran_order,), path, "header")
    dtype = parse_descr(value["descr"], path)
    if fortran_order and sum(1 for n in shape if n > 1) > 1:
        raise FormatError("a Fortran-ordered (column-major) array of shape %r is not read: its records are not "
                          "contiguous (save numpy.ascontiguousarray(a) instead)" % (shape,), path, "header")
    return dtype, shape, fortran_order


def _exactly(read: Callable[[int], bytes], size: int, what: str, path: Optional[str]) -> bytes:
    data = read(size)
    if len(data) < size:
        raise TruncatedError("the file ends inside the %s (%d of %d bytes)" % (what, len(data), size), path, "header")
    return data


def read_header(read: Callable[[int], bytes], path: Optional[str] = None) -> Header:
    """Parse a ``.npy`` header with ``read(n)``, leaving it at the first value."""
    prefix = read(8)
    if prefix[:6] != MAGIC[:len(prefix)] or len(prefix) < 6:
        raise FormatError("not a .npy array (expected the magic bytes \\x93NUMPY, found %r)" % prefix[:6],
                          path, "byte 0")
    if len(prefix) < 8:
        raise TruncatedError("the file ends inside the .npy magic", path, "byte 0")
    version = (prefix[6], prefix[7])
    if version not in _VERSIONS:
        raise FormatError(".npy format version %d.%d is not known (expected 1.0, 2.0 or 3.0)" % version,
                          path, "byte 6")
    length_format, encoding = _VERSIONS[version]
    length_size = struct.calcsize(length_format)
    length = struct.unpack(length_format, _exactly(read, length_size, "header length", path))[0]
    if length > limits.MAX_HEADER_BYTES:
        raise LimitError("a .npy header of %d bytes, more than mnistio.limits.MAX_HEADER_BYTES (%d)"
                         % (length, limits.MAX_HEADER_BYTES), path, "byte 8")
    raw = _exactly(read, length, "header", path)
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as error:
        raise FormatError("the header is not %s text (byte %d)" % (encoding, error.start), path, "header") from None
    try:
        value = _literal(text, version)
    except FormatError as error:
        raise error.at(path, "header") from None
    dtype, shape, fortran_order = _check_header_dict(value, path)
    return Header(dtype, shape, fortran_order, 8 + length_size + length, version)


def header_bytes(dtype: Union[str, Dtype], shape: Sequence[int], fortran_order: bool = False) -> bytes:
    """A ``.npy`` header, byte for byte as ``numpy.save`` (numpy 2) writes it: version 1.0 unless the
    header needs more room (2.0) or non-latin-1 text (3.0, never for a plain dtype)."""
    dtype = dtype_of(dtype)
    shape = tuple(int(n) for n in shape)
    text = "{'descr': %r, 'fortran_order': %r, 'shape': %r, }" % (dtype.descr, bool(fortran_order), shape)
    if shape:
        text += " " * (_GROWTH_AXIS_MAX_DIGITS - len(repr(shape[-1 if fortran_order else 0])))
    for version in ((1, 0), (2, 0)):
        length_format = _VERSIONS[version][0]
        encoded = text.encode("latin1")
        used = len(MAGIC) + 2 + struct.calcsize(length_format) + len(encoded) + 1
        padding = _ALIGN - used % _ALIGN
        if version == (1, 0) and len(encoded) + 1 + padding > 0xFFFF:
            continue
        return (MAGIC + bytes(version) + struct.pack(length_format, len(encoded) + 1 + padding)
                + encoded + b" " * padding + b"\n")
    raise UsageError("header too large")  # pragma: no cover (64 dims of 20 digits fit version 1.0)


def _to_native(data: Any, dtype: Dtype) -> array:
    values = array(dtype.typecode)  # type: ignore[arg-type]  # numeric dtypes only
    values.frombytes(data)
    if dtype.swapped:
        values.byteswap()
    return values


def _decode_text(data: Any, dtype: Dtype, first: int = 0) -> List[str]:
    """The strings of ``data``, the first being value number ``first`` of the array."""
    codec = "utf-32-le" if dtype.byteorder == "<" else "utf-32-be"
    try:
        text = bytes(data).decode(codec)
    except UnicodeDecodeError as error:
        raise FormatError("value %d holds %r, not a Unicode code point (%s)"
                          % (first + error.start // dtype.itemsize, bytes(data[error.start:error.start + 4]),
                             error.reason)) from None
    width = dtype.itemsize // 4
    return [text[start:start + width].rstrip("\x00") for start in range(0, len(text), width)]


class Reader:
    """Reads one ``.npy`` array from a path or a binary file object (a zip member, ...).

    ``size`` is the number of bytes the file holds, when the caller knows it
    (a zip member's declared size); otherwise a real file's size is asked of
    the system, and a stream of unknown size is checked as it is read.
    """

    def __init__(self, file: FileArg, path: Optional[str] = None, size: Optional[int] = None) -> None:
        if isinstance(file, (str, bytes, os.PathLike)):
            path = os.fsdecode(os.fspath(file))
            self._file, self._owned = open_input(path), True
        else:
            self._file, self._owned = file, False
        self.path = path if path is not None else getattr(file, "name", None)
        try:
            self.header = read_header(self._file.read, self.path)
            self._check_sizes(size if size is not None else self._file_size())
        except BaseException:
            self.close()
            raise
        self._position = 0
        self._record_base: Optional[int] = None  # where record 0 is, once record_at has asked

    def _start(self) -> int:
        """Where the array starts in the file (the reader was made there)."""
        return self._file.tell() - self.header.size - self._position

    def _file_size(self) -> Optional[int]:
        """The bytes from where the reader started to the end of a real or seekable file, or None."""
        try:
            return os.fstat(self._file.fileno()).st_size - self._file.tell() + self.header.size
        except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
            pass
        try:
            if not self._file.seekable():
                return None
            here = self._file.tell()
            end = self._file.seek(0, os.SEEK_END)
            self._file.seek(here)
            return end - here + self.header.size
        except (AttributeError, OSError, ValueError):  # not seekable: checked as it is read
            return None

    def _check_sizes(self, size: Optional[int]) -> None:
        header = self.header
        shape = " x ".join(map(str, header.shape)) or "scalar"
        if header.record_size > limits.MAX_RECORD_BYTES:
            raise LimitError("records of %d bytes, more than mnistio.limits.MAX_RECORD_BYTES (%d)"
                             % (header.record_size, limits.MAX_RECORD_BYTES), self.path, "header")
        if size is None:
            return
        held = size - header.size
        if held < header.payload_size:
            raise TruncatedError("the header declares %s %s values (%d bytes) but the file holds %d bytes of values"
                                 % (shape, header.dtype.descr, header.payload_size, max(held, 0)), self.path)
        if held > header.payload_size:
            raise FormatError("%d bytes after the %d bytes of values the header declares (%s %s)"
                              % (held - header.payload_size, header.payload_size, shape, header.dtype.descr),
                              self.path, "byte %d" % (header.size + header.payload_size))

    def read(self, size: int) -> bytes:
        """The next ``size`` bytes of values, exactly, or a :class:`TruncatedError`."""
        if self._position + size > self.header.payload_size:
            raise UsageError("read past the %d bytes of values" % self.header.payload_size, self.path)
        data = self._file.read(size)
        if len(data) < size:
            done = self._position + len(data)
            record = " (record %d of %d)" % (done // self.header.record_size, self.header.count) \
                if self.header.record_size else ""
            raise TruncatedError("values end after %d of %d bytes%s" % (done, self.header.payload_size, record),
                                 self.path, "byte %d" % (self.header.size + done))
        self._position += size
        return data

    def finish(self) -> None:
        """Check that the file ends where the values do."""
        extra = self._file.read(1)
        if extra:
            raise FormatError("bytes after the %d bytes of values the header declares" % self.header.payload_size,
                              self.path, "byte %d" % (self.header.size + self._position))

    def iter_records(self) -> Iterator[Any]:
        """Each record, then a check of the file's end.

        A record of a 1-dimensional array is one value: an ``int`` (0 or 1 for
        booleans), a ``float`` or a ``str``. Other records are a ``memoryview``
        of their bytes for uint8, booleans and int8 as stored, a native-order
        :class:`array.array` of the values for wider numbers, and a list of
        ``str`` for text.
        """
        header = self.header
        dtype, record_size = header.dtype, header.record_size
        remaining = header.count
        if not record_size:  # a dimension of 0 under the first: every record is empty
            empty: Any = [] if dtype.kind == "U" else memoryview(b"") if dtype.itemsize == 1 \
                else array(dtype.typecode)
            for _ in range(remaining):
                yield empty[:]
            remaining = 0
        per_batch = max(1, _BATCH_BYTES // max(1, record_size))
        while remaining > 0:
            batch = min(per_batch, remaining)
            data = self.read(batch * record_size)
            remaining -= batch
            try:
                records = self._records(data, batch, header.count - remaining - batch)
            except FormatError as error:  # text that is no Unicode
                raise error.at(self.path) from None
            yield from records
        self.finish()

    def _records(self, data: bytes, batch: int, first: int) -> List[Any]:
        header = self.header
        dtype, flat = header.dtype, not header.record_shape
        if dtype.kind == "U":
            values: Any = _decode_text(data, dtype, first * max(1, math.prod(header.record_shape)))
        elif dtype.itemsize == 1:
            values = memoryview(data) if dtype.kind != "i" or not flat else _to_native(data, dtype)
        else:
            values = _to_native(data, dtype)
        if flat:
            return list(values if dtype.kind != "u" or dtype.itemsize > 1 else data)
        step = len(values) // batch
        return [values[start:start + step] for start in range(0, len(values), step)]

    def record_at(self, index: int) -> Any:
        """Record ``index`` (as :meth:`iter_records` yields it) of an array in a seekable file: one seek
        to ``header + index * record size``, from where the reader started. An IndexError past the last
        record. Do not mix with :meth:`read`."""
        header = self.header
        if not 0 <= index < header.count:
            raise IndexError("record %d of %d" % (index, header.count))
        size = header.record_size
        if self._record_base is None:
            self._record_base = self._start() + header.size
        self._file.seek(self._record_base + index * size)
        data = self._file.read(size)
        if len(data) < size:
            raise TruncatedError("record %d ends after %d of %d bytes" % (index, len(data), size), self.path,
                                 "byte %d" % (header.size + index * size + len(data)))
        if not size:
            return self._records(b"", 1, index)[0] if header.record_shape else None
        try:
            return self._records(data, 1, index)[0]
        except FormatError as error:  # text that is no Unicode
            raise error.at(self.path) from None

    def read_all(self) -> Any:
        """Every value: ``bytes`` for 1-byte numbers, a native ``array`` for wider ones, a list of ``str``."""
        data = self.read(self.header.payload_size)
        self.finish()
        dtype = self.header.dtype
        if dtype.kind == "U":
            try:
                return _decode_text(data, dtype)
            except FormatError as error:
                raise error.at(self.path) from None
        return data if dtype.itemsize == 1 and dtype.kind != "i" else _to_native(data, dtype)

    def close(self) -> None:
        if self._owned:
            self._file.close()

    def __enter__(self) -> "Reader":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def encode_values(values: Any, dtype: Dtype) -> bytes:
    """Values as the bytes of ``dtype``: a bytes-like for 1-byte numbers, numbers or an ``array``
    otherwise, strings for ``U`` (each at most the width)."""
    if dtype.kind == "U":
        width = dtype.itemsize // 4
        codec = "utf-32-le" if dtype.byteorder == "<" else "utf-32-be"
        for text in values:
            if not isinstance(text, str) or len(text) > width or text.endswith("\x00"):
                raise UsageError("%r does not fit %s (strings of at most %d characters, not ending with NUL)"
                                 % (text, dtype.descr, width))
        return "".join(text.ljust(width, "\x00") for text in values).encode(codec, "surrogatepass")
    if dtype.itemsize == 1 and dtype.kind != "i" and isinstance(values, (bytes, bytearray, memoryview)):
        return bytes(values)
    typecode = dtype.typecode
    native = values if isinstance(values, array) and values.typecode == typecode else \
        array(typecode, values)  # type: ignore[arg-type]
    if dtype.swapped:
        native = array(native.typecode, native)
        native.byteswap()
    return native.tobytes()


class Writer:
    """Writes one ``.npy`` array record by record to a path or a binary file object.

    With ``count`` given, the header is written at once and the number of
    records is checked on :meth:`close`. Without it, records are spooled to a
    temporary file (beside a path, or in ``spool_dir``) and the header is
    written with the true count on :meth:`close`: memory stays bounded.
    """

    def __init__(self, file: FileArg, dtype: Union[str, Dtype] = "|u1", record_shape: Sequence[int] = (),
                 count: Optional[int] = None, spool_dir: Optional[str] = None) -> None:
        self.dtype = dtype_of(dtype)
        self.record_shape = tuple(int(n) for n in record_shape)
        self.record_size = math.prod(self.record_shape) * self.dtype.itemsize
        self.count = 0
        self._declared = count
        self._file, self._owned, self.path = _open_output(file)
        self._sink: Optional[BinaryIO]
        if count is None:
            folder = spool_dir or (os.path.dirname(os.path.abspath(self.path)) if self.path else None)
            self._sink = tempfile.TemporaryFile(dir=folder)
        else:
            self._sink = self._file
            self._file.write(header_bytes(self.dtype, (count,) + self.record_shape))

    def write_record(self, values: Any) -> None:
        """Append one record (see :func:`encode_values`); a record of a 1-dimensional array is one value."""
        data = encode_values([values] if not self.record_shape else values, self.dtype)
        if len(data) != self.record_size:
            raise UsageError("record %d has %d bytes (expected %d for shape %r)"
                             % (self.count, len(data), self.record_size, self.record_shape), self.path)
        self.write_payload(data, 1)

    def write_payload(self, data: Any, records: int) -> None:
        """Append encoded bytes holding ``records`` records."""
        if self._sink is None:
            raise UsageError("write to a closed .npy writer", self.path)
        self._sink.write(data)
        self.count += records

    def close(self) -> None:
        if self._sink is None:
            return
        sink, self._sink = self._sink, None
        try:
            if self._declared is None:
                copy_spool(sink, self._file, header_bytes(self.dtype, (self.count,) + self.record_shape), _BATCH_BYTES)
            elif self.count != self._declared:
                raise UsageError("%d records written, %d declared" % (self.count, self._declared), self.path)
        finally:
            if sink is not self._file:
                sink.close()
            if self._owned:
                self._file.close()

    def __enter__(self) -> "Writer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _open_output(file: FileArg) -> Tuple[Any, bool, Optional[str]]:
    if isinstance(file, (str, bytes, os.PathLike)):
        path = os.fsdecode(os.fspath(file))
        try:
            return builtins.open(path, "wb"), True, path
        except OSError as error:
            raise FileSystemError.from_os_error(error, path, "cannot create the file") from None
    return file, False, getattr(file, "name", None)


def read(file: FileArg) -> Tuple[Any, Header]:
    """A whole ``.npy`` file: ``(values, header)`` (values as :meth:`Reader.read_all` gives them)."""
    with Reader(file) as reader:
        return reader.read_all(), reader.header


def write(file: FileArg, values: Any, shape: Optional[Sequence[int]] = None,
          dtype: Union[str, Dtype] = "|u1") -> None:
    """Write a whole ``.npy`` file from flat row-major ``values`` and their ``shape`` (default:
    one dimension)."""
    dtype = dtype_of(dtype)
    data = encode_values(values, dtype)
    shape = tuple(shape) if shape is not None else (len(data) // dtype.itemsize,)
    if math.prod(shape) * dtype.itemsize != len(data):
        raise UsageError("%d values do not fill shape %r" % (len(data) // dtype.itemsize, shape))
    if not shape:  # a 0-d array: one value, no records
        out, owned, _ = _open_output(file)
        try:
            out.write(header_bytes(dtype, ()) + data)
        finally:
            if owned:
                out.close()
        return
    with Writer(file, dtype, shape[1:], count=shape[0]) as writer:
        writer.write_payload(data, shape[0])
