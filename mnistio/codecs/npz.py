"""NumPy ``.npz`` archives: a zip of ``.npy`` members, read and written without numpy.

``numpy.savez`` and ``numpy.savez_compressed`` (``numpy/lib/_npyio_impl.py``)
write one zip member ``<key>.npy`` per array (:mod:`mnistio.codecs.npy`),
stored or deflated, with zip64 extra fields; ``numpy.load`` names each array
by its member's name less ``.npy``. This module does the same with
:mod:`zipfile`::

    with npz.Archive("mnist.npz") as archive:
        archive.keys()                              # ['x_test', 'x_train', 'y_train', 'y_test']
        with archive.open("x_train") as reader:     # an npy.Reader, streamed from the zip
            for image in reader.iter_records():
                ...

    with npz.Writer("out.npz") as out:              # deflated, as savez_compressed; compress=False: savez
        out.add("y_train", "|u1", (3,), b"\\x05\\x00\\x04")

Nothing is trusted before it is checked: the archive's member count
(``mnistio.limits.MAX_ARCHIVE_MEMBERS``) is read from its end record before
:mod:`zipfile` reads the central directory; a member's declared size must
agree with its ``.npy`` header, and a deflated member may not promise more
than deflate can give (about 1032:1); members are decompressed as they are
read, never whole, and their CRC is checked at their end. Every failure of
:mod:`zipfile` or :mod:`zlib` is a :class:`~mnistio.errors.FormatError`
naming the archive and the member (``mnist.npz/x_train.npy``, as
:class:`zipfile.Path` names it).
"""

from __future__ import annotations

import os
import struct
import zipfile

from .. import limits
from ..errors import FileSystemError, FormatError, LimitError, MnistioError, TruncatedError, UsageError
from . import npy
from .streams import open_input

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, BinaryIO, Dict, List, Optional, Sequence, Tuple, Union

__all__ = ["Archive", "Writer", "is_zip", "MEMBER_SUFFIX"]

MEMBER_SUFFIX = ".npy"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")  # a first member, or an empty archive
_MAX_DEFLATE_RATIO = 1032
_COPY_BYTES = 1 << 20
_DATE = (1980, 1, 1, 0, 0, 0)  # the zip epoch: the same input gives the same bytes


def is_zip(prefix: bytes) -> bool:
    """Whether bytes read from the start of a file are a zip archive's."""
    return prefix[:4] in _ZIP_MAGICS


def _unexpected(error: BaseException, where: str) -> FormatError:
    return FormatError("%s (%s: %s)" % (where, type(error).__name__, str(error)[:200]))


class _Member:
    """A zip member's ``read(n)``, with zipfile's and zlib's errors as mnistio errors."""

    def __init__(self, stream: Any, name: str) -> None:
        self._stream = stream
        self.name = name

    def read(self, size: int = -1) -> bytes:
        try:
            return self._stream.read(size)
        except EOFError:
            raise TruncatedError("the member's compressed data ends early (the archive is cut short)",
                                 self.name) from None
        except OSError as error:
            if isinstance(error, MnistioError):
                raise
            raise FileSystemError.from_os_error(error, self.name, "cannot read the archive") from None
        except Exception as error:  # BadZipFile (a bad CRC), zlib.error, ...
            raise _unexpected(error, "unreadable member data").at(self.name) from None

    def close(self) -> None:
        self._stream.close()


class Archive:
    """An ``.npz`` file open for reading: its members' keys, and a streamed reader for each."""

    def __init__(self, path: Union[str, "os.PathLike[str]"]) -> None:
        self.path = os.fsdecode(os.fspath(path))
        self._file = open_input(self.path)
        try:
            self._check_directory()
            self._zip = zipfile.ZipFile(self._file)
            self._members = self._index(self._zip.infolist())
        except MnistioError:
            self._file.close()
            raise
        except Exception as error:
            self._file.close()
            raise _unexpected(error, "not a readable zip archive (an .npz file is a zip of .npy arrays)").at(
                self.path) from None

    def _check_directory(self) -> None:
        """Refuse too many members from the end record, before zipfile reads the directory."""
        end_record = getattr(zipfile, "_EndRecData", None)
        if end_record is None:  # pragma: no cover (every CPython 3.8 to 3.13 has it)
            return
        found = end_record(self._file)
        if not found:
            raise FormatError("not a zip archive (no end of central directory record; an .npz file is a zip of "
                              ".npy arrays)", self.path)
        members = found[4]  # _ECD_ENTRIES_TOTAL
        if members > limits.MAX_ARCHIVE_MEMBERS:
            raise LimitError("a zip archive of %d members, more than mnistio.limits.MAX_ARCHIVE_MEMBERS (%d)"
                             % (members, limits.MAX_ARCHIVE_MEMBERS), self.path)

    def _index(self, infos: List[zipfile.ZipInfo]) -> Dict[str, zipfile.ZipInfo]:
        members: Dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            name = info.filename
            key = name[:-len(MEMBER_SUFFIX)] if name.endswith(MEMBER_SUFFIX) else name
            if key in members:
                raise FormatError("two members named %r" % name, self.path)
            members[key] = info
        return members

    def keys(self) -> List[str]:
        """The arrays' keys (member names less ``.npy``), in archive order, as ``numpy.load`` lists them."""
        return list(self._members)

    def stored_span(self, key: str) -> Optional[Tuple[int, int]]:
        """``(offset, size)`` of the array ``key``'s bytes in the archive file when it is stored
        uncompressed (numpy's ``savez``), so that a reader may seek in it; None when compressed."""
        info = self._info(key)
        if info.compress_type != zipfile.ZIP_STORED or info.flag_bits & 1:
            return None
        try:
            self._file.seek(info.header_offset)
            local = self._file.read(30)
        except OSError as error:
            raise FileSystemError.from_os_error(error, self.path, "cannot read the archive") from None
        if len(local) < 30 or local[:4] != b"PK\x03\x04":
            raise FormatError("no local header where the directory says member %r starts" % info.filename,
                              self.path, "byte %d" % info.header_offset)
        name_length, extra_length = struct.unpack("<HH", local[26:30])
        return info.header_offset + 30 + name_length + extra_length, info.file_size

    def member_name(self, key: str) -> str:
        """``archive.npz/member.npy``: how errors name a member."""
        return "%s/%s" % (self.path, self._info(key).filename)

    def _info(self, key: str) -> zipfile.ZipInfo:
        info = self._members.get(key)
        if info is None:
            raise UsageError("no array %r in the archive (it holds %s)" % (key, ", ".join(self._members) or
                                                                            "none"), self.path)
        return info

    def open(self, key: str) -> npy.Reader:
        """A :class:`~mnistio.codecs.npy.Reader` of the array ``key``, decompressed as it is read."""
        info = self._info(key)
        name = self.member_name(key)
        if not info.filename.endswith(MEMBER_SUFFIX):
            raise FormatError("member is not a .npy array (numpy names them <key>.npy)", name)
        if info.flag_bits & 1:
            raise FormatError("member is encrypted (numpy writes no encrypted archives)", name)
        if info.compress_type == zipfile.ZIP_STORED and info.file_size != info.compress_size:
            raise FormatError("stored member declares %d bytes but holds %d" % (info.file_size, info.compress_size),
                              name)
        if info.file_size > _MAX_DEFLATE_RATIO * max(info.compress_size, 1) + 1024:
            raise FormatError("member declares %d bytes from %d compressed bytes, more than any compression "
                              "gives (a zip bomb?)" % (info.file_size, info.compress_size), name)
        try:
            stream = self._zip.open(info)
        except Exception as error:  # BadZipFile, NotImplementedError (compression method), OSError
            if isinstance(error, OSError) and not isinstance(error, zipfile.BadZipFile):
                raise FileSystemError.from_os_error(error, self.path, "cannot read the archive") from None
            raise _unexpected(error, "cannot open the member").at(name) from None
        try:
            return npy.Reader(_Member(stream, name), path=name, size=info.file_size)  # type: ignore[arg-type]
        except BaseException:
            stream.close()
            raise

    def close(self) -> None:
        try:
            zip_file = getattr(self, "_zip", None)
            if zip_file is not None:
                zip_file.close()
        finally:
            self._file.close()

    def __enter__(self) -> "Archive":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Writer:
    """Writes an ``.npz`` archive, one array at a time: deflated as ``numpy.savez_compressed``
    writes it, or stored (``compress=False``) as ``numpy.savez``."""

    def __init__(self, file: Union[str, "os.PathLike[str]", BinaryIO], compress: bool = True) -> None:
        self.path = os.fsdecode(os.fspath(file)) if isinstance(file, (str, bytes, os.PathLike)) else \
            getattr(file, "name", None)
        self._compression = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        try:
            self._zip: Optional[zipfile.ZipFile] = zipfile.ZipFile(file, "w", self._compression, allowZip64=True)
        except OSError as error:
            raise FileSystemError.from_os_error(error, self.path, "cannot create the file") from None

    def add(self, key: str, dtype: Union[str, npy.Dtype], shape: Sequence[int], payload: Any) -> None:
        """The array ``key``: its header, then ``payload``, its encoded values (a bytes-like, or a binary
        file read from where it stands to its end, which must hold exactly the values)."""
        if self._zip is None:
            raise UsageError("add to a closed .npz writer", self.path)
        dtype = npy.dtype_of(dtype)
        expected = npy.Header(dtype, tuple(shape), False, 0, (1, 0)).payload_size
        info = zipfile.ZipInfo(key + MEMBER_SUFFIX, date_time=_DATE)
        info.compress_type = self._compression
        info.external_attr = 0o644 << 16
        written = 0
        with self._zip.open(info, "w", force_zip64=True) as member:  # numpy's own force_zip64
            member.write(npy.header_bytes(dtype, shape))
            if isinstance(payload, (bytes, bytearray, memoryview)):
                member.write(payload)
                written = memoryview(payload).nbytes
            else:
                for chunk in iter(lambda: payload.read(_COPY_BYTES), b""):
                    member.write(chunk)
                    written += len(chunk)
        if written != expected:
            raise UsageError("array %r: %d bytes of values for shape %r of %s (expected %d)"
                             % (key, written, tuple(shape), dtype.descr, expected), self.path)

    def close(self) -> None:
        if self._zip is not None:
            zip_file, self._zip = self._zip, None
            zip_file.close()

    def __enter__(self) -> "Writer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

