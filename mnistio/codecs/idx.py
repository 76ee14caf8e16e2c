"""IDX files: the binary container of MNIST, Fashion-MNIST, KMNIST, EMNIST, QMNIST.

Follows Yann LeCun's description on the MNIST page (http://yann.lecun.com/exdb/mnist/;
``docs/formats.rst``, "IDX files"): a 4-byte magic (``00 00``, a dtype code,
the number of dims), one big-endian uint32 per dim, then the values,
row-major and big-endian.

Bytes in, bytes out: this module knows nothing about datasets. Whole files::

    values, shape = idx.read("train-labels-idx1-ubyte.gz")   # bytes, (60000,)
    idx.write("out-images-idx3-ubyte.gz", pixels, (2, 28, 28))

Streaming, one record (the values under the first dim) at a time::

    with idx.open("train-images-idx3-ubyte.gz") as reader:
        reader.header.dims                      # (60000, 28, 28)
        for image in reader.iter_records():     # memoryview of 784 bytes
            ...

gzip, xz, bzip2 or raw is decided by the file's first bytes, never by its
name. The header is never trusted: a raw file's size is checked against it
before any value is read, a compressed file is read in bounded batches and
must end exactly where the header says. Values come out as plain Python objects: ``bytes`` or
``memoryview`` for uint8, ``array.array`` in native byte order otherwise.
"""

from __future__ import annotations

import builtins
import math
import os
import struct
import sys
from array import array
from collections import namedtuple

from .. import limits
from ..errors import FileSystemError, FormatError, LimitError, TruncatedError, UsageError
from ._raster import check_size
from .streams import (
    MAGIC_BYTES,
    DecompressingReader,
    GzipWriter,
    compression_of,
    copy_spool,
    gunzip_into,
    is_gzip,
    open_input,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, BinaryIO, Iterator, Optional, Sequence, Tuple, Union

    #: a path (str, bytes, PathLike) or a binary file object
    FileArg = Union[str, bytes, "os.PathLike[str]", BinaryIO]

__all__ = ["DTYPES", "Header", "Reader", "Writer", "open", "read", "write", "is_gzip"]


#: dtype code -> (name, array typecode, size in bytes)
DTYPES = {
    0x08: ("uint8", "B", 1),
    0x09: ("int8", "b", 1),
    0x0B: ("int16", "h", 2),
    0x0C: ("int32", "i", 4),
    0x0D: ("float32", "f", 4),
    0x0E: ("float64", "d", 8),
}
_CODE_BY_NAME = {name: code for code, (name, _, _) in DTYPES.items()}
_CODE_BY_TYPECODE = {typecode: code for code, (_, typecode, _) in DTYPES.items()}
_CODE_BY_TYPECODE.update({"l": 0x0C} if array("l").itemsize == 4 else {})

#: deflate cannot compress better than about 1032:1; a gzip file promising
#: more than that is lying, whatever the rest of it says.
_MAX_DEFLATE_RATIO = 1032
_BATCH_BYTES = 1 << 20
_SWAP = sys.byteorder == "little"


class Header(namedtuple("Header", "dtype dims")):
    """An IDX header: the dtype code (``0x08`` ...) and the dims tuple."""

    __slots__ = ()

    @property
    def magic(self) -> int:
        return (self.dtype << 8) | len(self.dims)

    @property
    def dtype_name(self) -> str:
        return DTYPES[self.dtype][0]

    @property
    def itemsize(self) -> int:
        return DTYPES[self.dtype][2]

    @property
    def count(self) -> int:  # type: ignore[override]  # tuple.count, shadowed on purpose
        return self.dims[0]

    @property
    def record_shape(self) -> Tuple[int, ...]:
        return self.dims[1:]

    @property
    def record_size(self) -> int:
        """Bytes per record (the values under the first dim)."""
        return math.prod(self.dims[1:]) * self.itemsize

    @property
    def size(self) -> int:
        """Bytes of the header itself."""
        return 4 + 4 * len(self.dims)

    @property
    def payload_size(self) -> int:
        return math.prod(self.dims) * self.itemsize

    def pack(self) -> bytes:
        return struct.pack(">HBB%dI" % len(self.dims), 0, self.dtype, len(self.dims), *self.dims)


def _dtype_code(dtype):
    if dtype in DTYPES:
        return dtype
    if dtype in _CODE_BY_NAME:
        return _CODE_BY_NAME[dtype]
    raise UsageError("unknown IDX dtype %r (expected one of %s)" % (dtype, ", ".join(_CODE_BY_NAME)))


def _parse_header(read, path):
    start = read(4)
    if len(start) < 4:
        raise TruncatedError("file ends inside the IDX header (%d of 4 magic bytes)" % len(start), path, "byte 0")
    zero, code, ndim = struct.unpack(">HBB", start)
    magic = struct.unpack(">I", start)[0]
    if zero != 0:
        raise FormatError("bad magic 0x%08x (expected 0x0000TTNN: two zero bytes, dtype, ndim)" % magic, path, "byte 0")
    if code not in DTYPES:
        raise FormatError(
            "unknown IDX dtype 0x%02x in magic 0x%08x (expected one of %s)"
            % (code, magic, ", ".join("0x%02x %s" % (c, n) for c, (n, _, _) in DTYPES.items())),
            path, "byte 2")
    if ndim == 0:
        raise FormatError("IDX header declares 0 dimensions (magic 0x%08x; expected at least 1)" % magic,
                          path, "byte 3")
    raw_dims = read(4 * ndim)
    if len(raw_dims) < 4 * ndim:
        raise TruncatedError("file ends inside the IDX header (%d dims declared)" % ndim, path, "byte 4")
    return Header(code, struct.unpack(">%dI" % ndim, raw_dims))


def _check_record_size(header, path):
    """Refuse a record (an image, a row) larger than the limits allow, before reading any."""
    if len(header.dims) == 3 and header.itemsize == 1:
        check_size(header.dims[1], header.dims[2], None, path, "byte 4")
    elif header.record_size > limits.MAX_RECORD_BYTES:
        raise LimitError("records of %d bytes, more than mnistio.limits.MAX_RECORD_BYTES (%d)"
                         % (header.record_size, limits.MAX_RECORD_BYTES), path, "byte 4")


def _to_native(buffer, typecode):
    values = array(typecode)
    values.frombytes(buffer)
    if _SWAP and values.itemsize > 1:
        values.byteswap()
    return values


class Reader:
    """Reads one IDX file; use :func:`open` to make one.

    ``header`` is parsed on construction. ``payload_size`` starts as the
    header's; a caller that knows better (Datumaro's pixel-count headers)
    may set it before reading.
    """

    def __init__(self, file: FileArg) -> None:
        self._file, self._owned, self.path = _open_binary(file, "rb")
        try:
            self._kind = compression_of(_peek(self._file, MAGIC_BYTES))
            self._compressed = self._kind is not None
            self._stream = DecompressingReader(self._file, self.path, self._kind)
            self.header = _parse_header(self._read_raw, self.path)
        except BaseException:
            self.close()
            raise
        self.payload_size = self.header.payload_size
        self._position = 0
        self._checked = False
        self._drained = False

    # -- user visible -------------------------------------------------------

    def read(self, size: int) -> bytes:
        """The next ``size`` payload bytes, exactly, or a :class:`TruncatedError`."""
        if not self._checked:
            self._check_available()
        if self.payload_size is None:  # unknown: only the end is checked, by finish()
            data = self._read_raw(size)
            if len(data) < size:
                raise TruncatedError("values end after %d bytes (expected at least %d)"
                                     % (self._position + len(data), self._position + size), self.path)
            self._position += size
            return data
        if self._position + size > self.payload_size:
            raise UsageError("read past the %d payload bytes" % self.payload_size, self.path)
        data = self._read_raw(size)
        if len(data) < size:
            raise TruncatedError(
                "values end after %d of %d bytes%s"
                % (self._position + len(data), self.payload_size, self._record_note(self._position + len(data))),
                self.path, "byte %d" % (self.header.size + self._position + len(data)))
        self._position += size
        return data

    def readinto(self, buffer: Any) -> None:
        """Fill the writable ``buffer`` with the next ``len(buffer)`` payload bytes, exactly, or a
        :class:`TruncatedError`: a whole payload read with no copy of it (a plain file) or one
        chunk at a time (a compressed one)."""
        size = memoryview(buffer).nbytes
        if not self._checked:
            self._check_available()
        if self.payload_size is not None and self._position + size > self.payload_size:
            raise UsageError("read past the %d payload bytes" % self.payload_size, self.path)
        if self._kind == "gzip" and self._position == 0 and size == self.payload_size and self._owned:
            self._gunzip_into(buffer)
            return
        done = self._stream.readinto(buffer)
        if done < size:
            raise TruncatedError("values end after %d of %d bytes%s"
                                 % (self._position + done, self._position + size,
                                    self._record_note(self._position + done)),
                                 self.path, "byte %d" % (self.header.size + self._position + done))
        self._position += size

    def _gunzip_into(self, buffer):
        """The whole payload of a gzip file read by zlib itself, straight into ``buffer``, and its
        end checked (:func:`~mnistio.codecs.streams.gunzip_into`: a third faster than ``GzipFile``)."""
        extra = gunzip_into(self._file, buffer, self.header.size, self.path)
        self._position = self.payload_size
        self._drained = True
        if extra:
            raise FormatError("at least %d bytes after the %d bytes of values expected (header: %s)"
                              % (extra, self._position, " x ".join(map(str, self.header.dims))),
                              self.path, "byte %d" % (self.header.size + self._position))

    def finish(self) -> None:
        """Check that the file ends exactly where the payload does."""
        if self.payload_size is not None and self._position < self.payload_size:
            raise UsageError("finish() before reading the whole payload", self.path)
        if self._drained:
            return  # read to its end by _gunzip_into, which checked it
        extra = self._read_raw(1)
        if extra:
            # Counted up to a bound: the rest of a compressed stream (a bzip2 bomb) may be gigabytes.
            rest = 1 + len(self._read_raw(_BATCH_BYTES))
            counted = "%d" % rest if rest <= _BATCH_BYTES else "more than %d" % _BATCH_BYTES
            raise FormatError(
                "%s bytes after the %d bytes of values expected (header: %s)"
                % (counted, self._position, " x ".join(map(str, self.header.dims))),
                self.path, "byte %d" % (self.header.size + self._position))

    def iter_records(self) -> Iterator[Any]:
        """Yield each record, then check the file's end.

        uint8 records are ``memoryview`` slices (zero-copy); other dtypes are
        ``array`` objects in native byte order; the records of a 1-dim file
        (labels) are plain ``int``/``float`` values.
        """
        header = self.header
        name, typecode, _ = DTYPES[header.dtype]
        record_size = header.record_size
        per_batch = max(1, _BATCH_BYTES // max(1, record_size))
        # The payload decides, when a caller corrected it (Datumaro's pixel-total counts).
        remaining = self.payload_size // record_size if record_size and self.payload_size is not None \
            else header.count
        if record_size == 0 and header.record_shape:
            empty = memoryview(b"") if typecode == "B" else array(typecode)
            yield from (empty[:] for _ in range(remaining))
            remaining = 0
        while remaining > 0:
            batch = min(per_batch, remaining)
            data = self.read(batch * record_size)
            remaining -= batch
            if not header.record_shape:
                yield from (data if typecode == "B" else _to_native(data, typecode))
            elif typecode == "B":
                view = memoryview(data)
                for start in range(0, batch * record_size, record_size):
                    yield view[start:start + record_size]
            else:
                values = _to_native(data, typecode)
                step = record_size // header.itemsize
                for start in range(0, len(values), step):
                    yield values[start:start + step]
        self.finish()

    @property
    def seekable(self) -> bool:
        """Whether :meth:`record_at` can seek to a record: a raw (uncompressed) file that seeks."""
        if self._compressed:
            return False
        try:
            return bool(self._file.seekable())
        except (AttributeError, OSError, ValueError):
            return False

    def record_at(self, index: int) -> bytes:
        """The bytes of record ``index`` of a :attr:`seekable` file, in the file's byte order: one seek
        to ``header + index * record size`` (the file's size checked against the header first, as
        reading checks it). An IndexError past the last record. Do not mix with :meth:`read`."""
        header = self.header
        size = header.record_size
        count = self.payload_size // size if size and self.payload_size is not None else header.count
        if not 0 <= index < count:
            raise IndexError("record %d of %d" % (index, count))
        return self.bytes_at(index * size, size)

    def bytes_at(self, start: int, size: int) -> bytes:
        """``size`` payload bytes from payload byte ``start`` of a :attr:`seekable` file (records of
        several sizes: Datumaro's meta sizes). Do not mix with :meth:`read`."""
        if not self.seekable:
            raise UsageError("only a raw (uncompressed), seekable IDX file can seek to a record", self.path)
        if start < 0 or (self.payload_size is not None and start + size > self.payload_size):
            raise UsageError("bytes %d..%d are past the %s payload bytes" % (start, start + size, self.payload_size),
                             self.path)
        if not self._checked:
            self._check_available()
        offset = self.header.size + start
        try:
            self._file.seek(offset)
            data = self._file.read(size)
        except OSError as error:
            raise FileSystemError.from_os_error(error, self.path, "cannot read the file") from None
        if len(data) < size:
            raise TruncatedError("values end after %d bytes (expected %d)" % (start + len(data), start + size),
                                 self.path, "byte %d" % (offset + len(data)))
        return data

    def read_all(self) -> Union[bytes, array]:
        """The whole payload: ``bytes`` for uint8, native ``array`` otherwise."""
        data = self.read(self.payload_size)
        self.finish()
        typecode = DTYPES[self.header.dtype][1]
        return data if typecode == "B" else _to_native(data, typecode)

    def close(self) -> None:
        if self._owned:
            self._file.close()

    def __enter__(self) -> "Reader":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- internal -----------------------------------------------------------

    def _read_raw(self, size):
        return self._stream.read(size)

    def _record_note(self, done):
        size = self.header.record_size
        if not size or self.payload_size != self.header.payload_size:
            return ""
        return " (%d of %d records)" % (done // size, self.header.count)

    def _check_available(self):
        """Refuse a header promising more than the file can hold, before reading."""
        self._checked = True
        self._check_file_size()
        _check_record_size(self.header, self.path)

    def _check_file_size(self):
        if self.payload_size is None:
            return
        try:
            file_size = os.fstat(self._file.fileno()).st_size
        except (AttributeError, OSError, ValueError):
            return  # not a real file: the streaming read checks as it goes
        dims = " x ".join(map(str, self.header.dims))
        if not self._compressed:
            held = file_size - self.header.size
            if held < self.payload_size:
                raise TruncatedError(
                    "header declares %s %s values (%d bytes) but the file holds %d bytes of values"
                    % (dims, self.header.dtype_name, self.payload_size, held),
                    self.path)
            if held > self.payload_size:
                raise FormatError(
                    "%d bytes after the %d bytes of values the header declares (%s)"
                    % (held - self.payload_size, self.payload_size, dims),
                    self.path, "byte %d" % (self.header.size + self.payload_size))
        elif self._kind == "gzip" and self.payload_size > file_size * _MAX_DEFLATE_RATIO:
            raise TruncatedError(
                "header declares %s %s values (%d bytes), more than a %d-byte gzip file can hold"
                % (dims, self.header.dtype_name, self.payload_size, file_size),
                self.path)


class Writer:
    """Writes one IDX file record by record; use :func:`open` with mode "wb".

    With ``count`` given, the header is written at once and the number of
    records is checked on :meth:`close`. Without it, records are spooled to
    a temporary file beside the output and the header's count is filled in
    on :meth:`close` (as ``wave`` patches its header).
    """

    def __init__(self, file: FileArg, dtype: Union[int, str] = "uint8", record_shape: Sequence[int] = (),
                 count: Optional[int] = None, compress: Optional[bool] = None, compresslevel: int = 6) -> None:
        self.dtype = _dtype_code(dtype)
        self.record_shape = tuple(record_shape)
        self.count = 0
        self._declared = count
        self._record_size = math.prod(self.record_shape) * DTYPES[self.dtype][2]
        path = os.fspath(file) if isinstance(file, (str, bytes, os.PathLike)) else getattr(file, "name", None)
        if compress is None:
            compress = isinstance(path, str) and path.endswith(".gz")
        self._file, self._owned, self.path = _open_binary(file, "wb")
        self._compress = compress
        self._compresslevel = compresslevel
        self._sink: Optional[BinaryIO]
        if count is None:
            import tempfile

            folder = os.path.dirname(os.path.abspath(self.path)) if isinstance(self.path, str) else None
            self._sink = tempfile.TemporaryFile(dir=folder)
        else:
            self._sink = self._output()
            self._sink.write(Header(self.dtype, (count,) + self.record_shape).pack())

    def write_record(self, values: Any) -> None:
        """Append one record: a bytes-like for uint8, else a sequence of numbers."""
        data = self._encode(values)
        if self._sink is None:
            raise UsageError("write to a closed IDX writer", self.path)
        if len(data) != self._record_size:
            raise UsageError("record %d has %d bytes (expected %d for shape %r)"
                             % (self.count, len(data), self._record_size, self.record_shape), self.path)
        self._sink.write(data)
        self.count += 1

    def write_payload(self, data: Any, records: int = 0) -> None:
        """Append raw big-endian payload bytes holding ``records`` records."""
        if self._sink is None:
            raise UsageError("write to a closed IDX writer", self.path)
        self._sink.write(data)
        self.count += records

    def close(self) -> None:
        if self._sink is None:
            return
        sink, self._sink = self._sink, None
        try:
            if self._declared is None:
                self._copy_spool(sink)
            else:
                sink.close() if sink is not self._file else None
                if self.count != self._declared:
                    raise UsageError("%d records written, %d declared" % (self.count, self._declared), self.path)
        finally:
            if self._owned:
                self._file.close()

    def __enter__(self) -> "Writer":
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self.close()

    def _output(self):
        if not self._compress:
            return self._file
        return GzipWriter(self._file, self._compresslevel)

    def _copy_spool(self, spool):
        out = self._output()
        try:
            copy_spool(spool, out, Header(self.dtype, (self.count,) + self.record_shape).pack(), _BATCH_BYTES)
        finally:
            spool.close()
            if out is not self._file:
                out.close()

    def _encode(self, values):
        typecode = DTYPES[self.dtype][1]
        if typecode == "B" and not isinstance(values, array):
            return values if isinstance(values, (bytes, bytearray, memoryview)) else bytes(values)
        native = values if isinstance(values, array) and values.typecode == typecode else array(typecode, values)
        if _SWAP and native.itemsize > 1:
            native = array(typecode, native)
            native.byteswap()
        return native.tobytes()


def _peek(file, size):
    if hasattr(file, "peek"):
        return file.peek(size)[:size]
    position = file.tell()
    data = file.read(size)
    file.seek(position)
    return data


def _open_binary(file, mode):
    """(file object, whether we opened it, its name) for a path or a file object."""
    if isinstance(file, (str, bytes, os.PathLike)):
        path = os.fspath(file)
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        if mode == "rb":
            return open_input(path), True, path
        try:
            return builtins.open(path, mode), True, path
        except FileNotFoundError:
            raise UsageError("no such file", path) from None
        except IsADirectoryError:
            raise UsageError("is a directory, expected an IDX file", path) from None
        except OSError as error:
            raise FileSystemError.from_os_error(error, path, "cannot create the file") from None
    return file, False, getattr(file, "name", None)


def open(file: FileArg, mode: str = "rb", **options: Any) -> Union[Reader, Writer]:
    """Open an IDX file: a :class:`Reader` for "rb", a :class:`Writer` for "wb".

    ``file`` is a path, a PathLike or a binary file object (closed only if
    opened here). Writer options: ``dtype``, ``record_shape``, ``count``,
    ``compress`` (default: the path ends with ".gz"), ``compresslevel``.
    """
    if mode in ("r", "rb"):
        return Reader(file)
    if mode in ("w", "wb"):
        return Writer(file, **options)
    raise UsageError("mode must be 'rb' or 'wb', not %r" % (mode,))


def read(file: FileArg) -> Tuple[Union[bytes, array], Tuple[int, ...]]:
    """Read a whole IDX file: ``(values, shape)``.

    ``values`` is ``bytes`` for uint8, a native-order ``array`` otherwise.
    """
    with Reader(file) as reader:
        return reader.read_all(), reader.header.dims


def write(file: FileArg, values: Any, shape: Optional[Sequence[int]] = None, dtype: Union[int, str, None] = None,
          compress: Optional[bool] = None, compresslevel: int = 6) -> None:
    """Write a whole IDX file from flat row-major ``values`` and their ``shape``.

    ``dtype`` defaults to the array's typecode, else uint8; ``shape`` to
    ``(len(values),)``.
    """
    if dtype is None:
        dtype = _CODE_BY_TYPECODE.get(values.typecode, 0x08) if isinstance(values, array) else 0x08
    shape = tuple(shape) if shape is not None else (len(values),)
    if not shape:
        raise UsageError("shape must have at least one dimension")
    if math.prod(shape) != len(values):
        raise UsageError("%d values do not fill shape %r" % (len(values), shape))
    with Writer(file, dtype, shape[1:], count=shape[0], compress=compress, compresslevel=compresslevel) as writer:
        payload = writer._encode(values)
        writer.write_payload(payload, shape[0])
