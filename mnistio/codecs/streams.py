"""Opening input files (and writing one small output file), every failure a mnistio error.

Every reader opens its files here, so that three rules hold everywhere:

* Only regular files are read. Opening a FIFO waits for a writer, forever;
  a device can be endless. Files are opened without blocking and refused
  unless ``fstat`` says they are regular.
* Compression is decided by the first bytes, never the name: ``1f 8b`` is
  gzip (RFC 1952), ``fd 37 7a 58 5a 00`` xz (QMNIST's ``xnist`` files),
  ``42 5a 68`` (``BZh``) bzip2. A decompressing stream turns the errors of
  ``gzip``, ``zlib``, ``lzma`` and ``bz2`` (a bad CRC, corrupt data, a cut
  stream) into
  :class:`~mnistio.errors.FormatError` / :class:`~mnistio.errors.TruncatedError`
  naming the file.
* The system's refusals (a denied permission, a name too long) become
  :class:`~mnistio.errors.FileSystemError`, which is also an ``OSError``.

A single output file (a project file, a contact sheet) is written through
:func:`write_file_atomically`: it is whole or untouched, never half. Gzip
output goes through :class:`GzipWriter`, which holds no buffer of its own.
"""

from __future__ import annotations

import os
import stat
import struct
import zlib

from .. import limits
from ..errors import FileSystemError, FormatError, LimitError, TruncatedError, UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, BinaryIO, Optional, Tuple, Type, Union

__all__ = ["GZIP_MAGIC", "XZ_MAGIC", "BZIP2_MAGIC", "MAGIC_BYTES", "is_gzip", "compression_of",
           "open_input", "kind_of_mode", "file_state", "not_a_file_reason",
           "DecompressingReader", "open_decompressed", "read_small_file",
           "write_file_atomically", "GzipWriter", "copy_spool"]


def copy_spool(spool: Any, out: Any, header: bytes, batch: int = 1 << 20) -> None:
    """Write ``header`` then everything in the temporary file ``spool`` to ``out``, ``batch`` bytes at a
    time: how the IDX and ``.npy`` writers finish a file whose header needs the record count."""
    out.write(header)
    spool.seek(0)
    while True:
        chunk = spool.read(batch)
        if not chunk:
            break
        out.write(chunk)

GZIP_MAGIC = b"\x1f\x8b"
XZ_MAGIC = b"\xfd7zXZ\x00"
BZIP2_MAGIC = b"BZh"
#: bytes to peek at to tell the compression (the longest magic)
MAGIC_BYTES = len(XZ_MAGIC)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_BINARY = getattr(os, "O_BINARY", 0)
#: decompressed bytes per copy of :meth:`DecompressingReader.readinto` (a few cache-sized pieces)
_READINTO_CHUNK = 1 << 20


def is_gzip(prefix: bytes) -> bool:
    """Whether bytes read from the start of a file are a gzip stream's."""
    return prefix[:2] == GZIP_MAGIC


def compression_of(prefix: bytes) -> Optional[str]:
    """``"gzip"``, ``"xz"``, ``"bz2"`` or None (not compressed), from the first bytes of a file.

    No ambiguity with the files read here: an IDX file starts with two zero
    bytes, a meta file with UTF-32 text."""
    if prefix[:2] == GZIP_MAGIC:
        return "gzip"
    if prefix[:6] == XZ_MAGIC:
        return "xz"
    if prefix[:3] == BZIP2_MAGIC:
        return "bz2"
    return None


def kind_of_mode(mode: int) -> str:
    """What a file of ``st_mode`` ``mode`` is, as errors say it: ``a folder``, ``a FIFO``, ..."""
    if stat.S_ISREG(mode):
        return "a regular file"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    return "a socket" if stat.S_ISSOCK(mode) else "a device"


def file_state(path: str) -> Tuple[bool, Optional[str]]:
    """``(True, None)`` for a regular file (through any symbolic links), ``(False, None)`` when nothing
    at all is at ``path``, else ``(False, why it cannot be read as a file)``; one ``stat``, nothing opened.

    A symbolic link to nothing and a loop of links have a reason: something is there, and taking it for
    absent would silently read a dataset without that file.
    """
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return False, "is a symbolic link to nothing, not a regular file" if os.path.islink(path) else None
    except NotADirectoryError:
        return False, "cannot be a file: a part of its path is not a folder"
    except OSError as error:
        if os.path.islink(path):  # ELOOP
            return False, "is a symbolic link that cannot be followed (%s), not a regular file" % (
                error.strerror or error)
        raise FileSystemError.from_os_error(error, path, "cannot read the file") from None
    if stat.S_ISREG(mode):
        return True, None
    return False, "is %s, not a regular file (only files are read)" % kind_of_mode(mode)


def not_a_file_reason(path: str) -> Optional[str]:
    """Why ``path`` cannot be opened as a regular file (``is a FIFO, not a regular file ...``), or None
    when it is one or when nothing at all is there (:func:`file_state`)."""
    return file_state(path)[1]


def open_input(path: Union[str, "os.PathLike[str]"]) -> BinaryIO:
    """A binary file object for the regular file ``path`` (buffered, with ``peek``)."""
    path = os.fspath(path)
    try:
        descriptor = os.open(path, os.O_RDONLY | _NONBLOCK | _BINARY)
    except FileNotFoundError:
        reason = not_a_file_reason(path)  # a link to nothing is not "no such file"
        raise UsageError(reason or "no such file", path) from None
    except IsADirectoryError:
        raise UsageError("is a folder, expected a file", path) from None
    except OSError as error:
        if os.path.islink(path):  # a loop of links (ELOOP)
            raise UsageError(not_a_file_reason(path) or "cannot open the file", path) from None
        raise FileSystemError.from_os_error(error, path, "cannot open the file") from None
    try:
        mode = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(mode):
            raise UsageError("is %s, not a regular file (only files are read)" % kind_of_mode(mode), path)
        if _NONBLOCK:
            os.set_blocking(descriptor, True)
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


class DecompressingReader:
    """``read(size)`` of a gzip, xz or bzip2 stream or a plain file, with errors as mnistio errors.

    ``compressed`` is what :func:`compression_of` says (``True`` means gzip, as it used to)."""

    def __init__(self, file: BinaryIO, path: Optional[str], compressed: Union[bool, str, None]) -> None:
        self.path = path
        self.kind = "gzip" if compressed is True else compressed or None
        self.compressed = self.kind is not None
        self._file = file
        self._errors: Tuple[Type[BaseException], ...] = (OSError, ValueError, zlib.error)
        if self.kind == "gzip":
            import gzip

            self._stream: BinaryIO = gzip.GzipFile(fileobj=file, mode="rb")  # type: ignore[assignment]
        elif self.kind == "xz":
            import lzma

            self._stream = lzma.LZMAFile(file, "rb")  # type: ignore[assignment]
            self._errors += (lzma.LZMAError,)
        elif self.kind == "bz2":
            import bz2

            self._stream = bz2.BZ2File(file, "rb")  # type: ignore[assignment]
        else:
            self._stream = file

    def read(self, size: int = -1) -> bytes:
        return self._guarded(self._stream.read, size)

    def readinto(self, buffer: Any) -> int:
        """Fill the writable ``buffer`` from the stream; the count of bytes read (less only at the end).

        A plain file reads straight into it; a compressed stream is decompressed a chunk at a time
        and each chunk copied in (the copies stay in the cache: no second buffer of the whole size)."""
        return self._guarded(self._fill, memoryview(buffer).cast("B"))

    def _fill(self, view: memoryview) -> int:
        done, size = 0, len(view)
        while done < size:
            if self.compressed:
                chunk = self._stream.read(min(_READINTO_CHUNK, size - done))
                view[done:done + len(chunk)] = chunk
                count = len(chunk)
            else:
                count = self._stream.readinto(view[done:])  # type: ignore[attr-defined]
            if not count:
                break
            done += count
        return done

    def _guarded(self, function: Any, argument: Any) -> Any:
        """``function(argument)``, a failed read raised as the mnistio error it is."""
        try:
            return function(argument)
        except EOFError as error:  # the cause is kept: it says where the stream stopped
            raise TruncatedError("%s stream ends early (the file is cut short)" % self.kind, self.path) from error
        except self._errors as error:  # BadGzipFile, corrupt deflate/xz/bzip2 data, bad CRC
            if isinstance(error, OSError) and not self.compressed:
                raise FileSystemError.from_os_error(error, self.path, "cannot read the file") from None
            raise FormatError("bad %s data (%s)" % (self.kind, error), self.path) from error

    def fileno(self) -> int:
        return self._file.fileno()

    def close(self) -> None:
        try:
            if self._stream is not self._file:
                self._stream.close()  # can raise after a failed read (Python 3.13's gzip)
        finally:
            self._file.close()

    def __enter__(self) -> "DecompressingReader":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_decompressed(path: Union[str, "os.PathLike[str]"]) -> DecompressingReader:
    """The content of ``path``, decompressed when its first bytes say it is gzip, xz or bzip2."""
    file = open_input(path)
    try:
        compressed = compression_of(file.peek(MAGIC_BYTES)[:MAGIC_BYTES])  # type: ignore[attr-defined]
        return DecompressingReader(file, os.fspath(path), compressed)
    except BaseException:
        file.close()
        raise


def read_small_file(path: Union[str, "os.PathLike[str]"], what: str, limit: Optional[int] = None) -> bytes:
    """The whole of a small file (a names file, JSON), refused past ``limits.MAX_TEXT_FILE_BYTES``."""
    limit = limits.MAX_TEXT_FILE_BYTES if limit is None else limit
    with open_input(path) as file:
        try:
            data = file.read(limit + 1)
        except OSError as error:
            raise FileSystemError.from_os_error(error, os.fspath(path), "cannot read the file") from None
    if len(data) > limit:
        raise LimitError("%s larger than %d bytes (see mnistio.limits)" % (what, limit), os.fspath(path))
    return data


def write_file_atomically(path: Union[str, "os.PathLike[str]"], data: bytes) -> None:
    """Write ``data`` to ``path`` through a sibling temporary file and ``os.replace``: a reader (or a
    crash) sees the old file or the new one, never half of it."""
    file = os.fspath(path)
    temporary = "%s.%s.tmp" % (file, os.urandom(6).hex())  # os.urandom: uuid costs 2 ms of import
    try:
        # os.open with 0o666 applies the umask, as a plain open() would; mkstemp's 0o600 would not.
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _BINARY, 0o666)
        try:
            with os.fdopen(descriptor, "wb") as stream:
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temporary, file)
        except BaseException:
            if os.path.exists(temporary):
                os.remove(temporary)
            raise
    except OSError as error:
        # named by the file asked for: the temporary file's name would mean nothing to the caller
        raise FileSystemError("cannot write the file (%s)" % (error.strerror or error), file,
                              errno=error.errno) from None


def gunzip_into(file: BinaryIO, buffer: Any, skip: int, path: Optional[str]) -> int:
    """Decompress the gzip file ``file`` (seekable, read again from its start) with zlib itself:
    output bytes ``skip .. skip + len(buffer)`` go straight into ``buffer``, a piece at a time.

    ``GzipFile`` would decompress in small steps, check the CRC a second time and copy each piece
    once more; zlib checks each member's CRC and size. Members follow one another as in ``GzipFile``;
    anything else after a member is bad data. Returns the count of bytes the stream holds after
    those (0 when it ends there; counted up to one piece). A :class:`TruncatedError` when the
    stream stops early, a :class:`FormatError` for bad data."""
    view = memoryview(buffer).cast("B")
    size = len(view)
    position = -skip  # where the next decompressed byte goes in ``view``
    extra = 0
    file.seek(0)
    decompressor = zlib.decompressobj(31)
    pending = b""
    try:
        while not extra:
            if not pending:
                pending = file.read(_READINTO_CHUNK)
                if not pending:
                    if not decompressor.eof:
                        raise TruncatedError("gzip stream ends early (the file is cut short)", path)
                    break
            if decompressor.eof:
                if pending[:2] != GZIP_MAGIC:
                    raise FormatError("bad gzip data (not a gzip member after the end of the one before)", path)
                decompressor = zlib.decompressobj(31)
            piece = decompressor.decompress(pending, _READINTO_CHUNK)
            pending = decompressor.unconsumed_tail or decompressor.unused_data
            start = max(0, -position)  # the header's bytes, skipped
            stored = max(0, min(len(piece) - start, size - max(position, 0)))
            if stored:
                view[position + start:position + start + stored] = memoryview(piece)[start:start + stored]
            extra = max(0, len(piece) - start - stored) if position + len(piece) > 0 else 0
            position += len(piece)
    except zlib.error as error:
        raise FormatError("bad gzip data (%s)" % error, path) from error
    except OSError as error:
        raise FileSystemError.from_os_error(error, path, "cannot read the file") from None
    if position < size:
        raise TruncatedError("values end after %d of %d bytes" % (max(position, 0), size), path)
    return extra


class GzipWriter:
    """One gzip member (RFC 1952) written to a binary file, as ``gzip.GzipFile(mode="wb", mtime=0)``
    writes it with no file name: the same bytes.

    Unlike ``GzipFile`` it keeps no buffer of its own. After a failed write (a full disk)
    Python 3.12's ``GzipFile`` flushes its buffer again when it is collected, into a file the
    export has closed, and prints "Exception ignored" on stderr; here nothing is left to flush.
    """

    def __init__(self, file: BinaryIO, level: int = 6) -> None:
        self._file = file
        self._deflate: Optional["zlib._Compress"] = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS,
                                                                      zlib.DEF_MEM_LEVEL, 0)
        self._crc = 0
        self._size = 0
        extra_flags = 2 if level == 9 else 4 if level == 1 else 0  # as gzip.GzipFile sets XFL
        # magic, deflate, no flags, mtime 0, XFL, OS 255 (unknown)
        file.write(GZIP_MAGIC + bytes((8, 0, 0, 0, 0, 0, extra_flags, 255)))

    def write(self, data: Any) -> int:
        if self._deflate is None:
            raise ValueError("write to a closed GzipWriter")
        view = memoryview(data)
        self._crc = zlib.crc32(view, self._crc)
        self._size += view.nbytes
        self._file.write(self._deflate.compress(view))
        return view.nbytes

    def close(self) -> None:
        """End the member: the rest of the deflate stream, then CRC-32 and size. Closing again does nothing."""
        if self._deflate is None:
            return
        deflate, self._deflate = self._deflate, None
        self._file.write(deflate.flush() + struct.pack("<II", self._crc, self._size & 0xFFFFFFFF))

    def __enter__(self) -> "GzipWriter":
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if exc_type is None:
            self.close()
        else:  # the member is abandoned: no trailer after a failed write
            self._deflate = None
