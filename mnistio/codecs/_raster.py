"""What the image codecs (PNG, PGM/PPM, BMP) share: the decoded raster and its checks.

A raster is 8-bit samples, row-major, the channels of a pixel interleaved
(gray; gray, alpha; R, G, B; R, G, B, A), with its ``height``, ``width`` and
``channels``: the order of :class:`mnistio.Image` and of numpy's shapes.
"""

from __future__ import annotations

import io
from collections import namedtuple

from .. import limits
from ..errors import ImageTooLargeError, UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional, Sequence, Union

    BytesLike = Union[bytes, bytearray, memoryview]

__all__ = ["Raster", "DEFAULT_MAX_PIXELS"]


#: The default of ``mnistio.limits.MAX_IMAGE_PIXELS`` (4096 x 4096), kept
#: under its old name for compatibility. The decoders read the limit from
#: :mod:`mnistio.limits` when called: changing this name changes nothing.
DEFAULT_MAX_PIXELS = 4096 * 4096


class Raster(namedtuple("Raster", "data height width channels")):
    """A decoded image: ``data`` (bytes) and its ``height``, ``width``, ``channels``."""

    __slots__ = ()


def as_bytes(blob: BytesLike) -> bytes:
    """A bytes-like object as bytes, without a copy when it is one."""
    return blob if isinstance(blob, bytes) else bytes(memoryview(blob))


def check_image(data: BytesLike, height: int, width: int, channels: int, allowed: Sequence[int],
                what: str) -> bytes:
    """Check an encoder's arguments; return the pixels as bytes."""
    for name, value in (("height", height), ("width", width)):
        if not isinstance(value, int) or value < 1:
            raise UsageError(f"{name} must be a positive integer, got {value!r}")
    if channels not in allowed:
        kinds = ", ".join(str(c) for c in allowed[:-1]) + " or " + str(allowed[-1])
        raise UsageError(f"{what} stores images of {kinds} channels, not {channels!r}")
    data = as_bytes(data)
    expected = height * width * channels
    if len(data) != expected:
        raise UsageError(f"data holds {len(data)} bytes, expected width * height * "
                         f"channels = {width} * {height} * {channels} = {expected}")
    return data


def check_size(height: int, width: int, max_pixels: Optional[int] = None, path: Optional[str] = None,
               where: Optional[str] = None) -> None:
    """Refuse an image larger than the limit, before anything is allocated for it.

    ``max_pixels`` is the caller's limit; None means ``mnistio.limits.MAX_IMAGE_PIXELS``,
    read now so that a program can raise it at any time. Every decoder and reader that
    learns an image's size from a file (PNG, PGM/PPM, BMP, IDX, meta files, CIFAR) checks
    it here, so that the refusal reads the same everywhere.
    """
    if max_pixels is None:
        limit, source = limits.MAX_IMAGE_PIXELS, "set by mnistio.limits.MAX_IMAGE_PIXELS: raise it"
    else:
        limit, source = max_pixels, "the max_pixels argument: pass a larger one"
    if height > limit or width > limit or height * width > limit:  # no product of 30-digit sizes
        pixels = "%d" % (height * width) if max(height, width) < 10 ** 12 else "too many"
        raise ImageTooLargeError(f"image of {_short(height)} x {_short(width)} (height x width) = {pixels} "
                                 f"pixels, more than the limit max_pixels={limit} ({source} to read "
                                 f"larger images)", path, where)


def _short(number: int) -> str:
    text = str(number)
    return text if len(text) <= 12 else "%s... (%d digits)" % (text[:6], len(text))


class ImageBuffer:
    """A decoded image's bytes, allocated once at their final size and filled a band at a time.

    ``bytes(bytearray)`` would copy the whole image at the end; a BytesIO
    hands its own buffer over from ``getvalue()`` when no view of it is
    alive (CPython), so the image exists once while it is built.
    """

    def __init__(self, size: int) -> None:
        self._file = io.BytesIO()
        self._file.seek(size - 1)
        self._file.write(b"\x00")  # writing past the end zero-fills: one allocation of the full size
        self._file.seek(0)
        self.write = self._file.write

    def view(self) -> memoryview:
        """A writable view of the bytes; release it (``with``) before :meth:`getvalue`."""
        return self._file.getbuffer()

    def getvalue(self) -> bytes:
        return self._file.getvalue()


def interleave(planes: Sequence[BytesLike]) -> bytes:
    """Interleave equally long byte planes, one sample from each in turn."""
    count = len(planes)
    out = bytearray(len(planes[0]) * count)
    for index, plane in enumerate(planes):
        out[index::count] = plane
    return bytes(out)


def padded_table(entries: Sequence[int]) -> bytes:
    """A 256-byte translate() table that maps i to entries[i], 0 past the end."""
    return bytes(entries) + bytes(256 - len(entries))


def unpack_bits(data: bytes, rows: int, row_bytes: int, count: int, depth: int, scale: bool) -> bytes:
    """Spread 1, 2 or 4-bit samples (most significant first) to a byte each.

    ``data`` holds ``rows`` rows of ``row_bytes`` bytes; each row keeps its
    first ``count`` samples (the rest is padding). With ``scale``, samples
    are stretched to 0..255.
    """
    per_byte = 8 // depth
    mask = (1 << depth) - 1
    factor = 255 // mask if scale else 1
    out = bytearray(len(data) * per_byte)
    for index in range(per_byte):
        shift = 8 - depth * (index + 1)
        out[index::per_byte] = data.translate(
            bytes(((byte >> shift) & mask) * factor for byte in range(256)))
    width = row_bytes * per_byte
    if width == count:
        return bytes(out)
    return b"".join(out[start:start + count] for start in range(0, rows * width, width))
