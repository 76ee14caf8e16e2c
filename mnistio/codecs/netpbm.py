"""Binary PGM (``P5``) and PPM (``P6``) images: the Netpbm formats.

Follows the Netpbm pages for PGM and PPM (https://netpbm.sourceforge.net/doc/pgm.html,
``ppm.html``): a magic, whitespace-separated decimal width, height and maxval
(``#`` comments allowed between them), one whitespace byte, then the raster,
one or two bytes a sample (two when maxval is above 255), big-endian.
Samples are scaled to 8 bits as ``round(v / maxval * 255)``, Pillow's rule.
Plain (ASCII) variants and PBM are not read.
"""

from __future__ import annotations

import functools
import re
import sys

from ..errors import FormatError, TruncatedError
from ._raster import ImageBuffer, Raster, as_bytes, check_image, check_size, padded_table

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional

    from ._raster import BytesLike

__all__ = ["encode_pnm", "decode_pnm", "CHANNELS_BY_EXTENSION"]

_PNM_SPACE = b" \t\n\v\f\r"
_PNM_DIGITS = b"0123456789"
#: what each extension holds; ``.pnm`` is either, chosen by the channels
CHANNELS_BY_EXTENSION = {".pgm": 1, ".ppm": 3}
_PNM_BAND = 2 ** 20  # samples scaled at a time


def _pnm_comment_end(blob, pos):
    """Return where the ``#`` comment at pos ends: at its CR or LF, or the file's end."""
    ends = [end for end in (blob.find(b"\n", pos), blob.find(b"\r", pos)) if end >= 0]
    return min(ends) if ends else len(blob)


# Whitespace and comments, each comment up to (not including) its CR or LF.
_PNM_GAP = re.compile(rb"(?:[ \t\n\v\f\r]+|#[^\r\n]*)*")


def _pnm_skip(blob, pos):
    """Skip whitespace and comments (a regular expression: no Python loop per byte of a long run)."""
    match = _PNM_GAP.match(blob, pos)
    return match.end() if match else pos  # it always matches, if only the empty string


def _pnm_header(blob):
    """Read width, height and maxval; return them and the raster's offset."""
    values = []
    pos = 2
    for name in ("width", "height", "maxval"):
        start = _pnm_skip(blob, pos)
        if start == len(blob):
            raise TruncatedError(f"PNM header ends before the {name}")
        if start == pos:
            raise FormatError(f"PNM header has {blob[pos:pos + 1]!r} at byte {pos} "
                              f"(expected whitespace before the {name})")
        pos = start
        while pos < len(blob) and blob[pos] in _PNM_DIGITS and pos - start < 10:
            pos += 1
        if pos == start or (pos < len(blob) and blob[pos] in _PNM_DIGITS):
            raise FormatError(f"PNM {name} at byte {start} is {blob[start:start + 12]!r} "
                              f"(expected a decimal number)")
        values.append(int(blob[start:pos]))
    if pos == len(blob):
        raise TruncatedError("PNM file ends right after the maxval")
    if blob[pos] == ord("#"):
        pos = _pnm_comment_end(blob, pos)  # a comment and its newline count as that byte
    elif blob[pos] not in _PNM_SPACE:
        raise FormatError(f"PNM maxval is followed by {blob[pos:pos + 1]!r} at byte {pos} "
                          f"(expected one whitespace byte)")
    return values, pos + 1


@functools.lru_cache(maxsize=16)
def _pnm_table(maxval):
    """Sample -> 8 bits, ``round(v / maxval * 255)``, for every sample up to maxval."""
    return bytes(round(value / maxval * 255) for value in range(maxval + 1))


def _pnm_scale_bytes(raster, maxval):
    """Scale one-byte samples; refuse samples above maxval."""
    stray = raster.translate(None, bytes(range(maxval + 1)))
    if stray:
        raise FormatError(f"PNM sample {max(stray)} is above maxval {maxval}")
    return raster if maxval == 255 else raster.translate(padded_table(_pnm_table(maxval)))


def _pnm_scale_words(raster, maxval):
    """Scale two-byte, big-endian samples; refuse samples above maxval.

    Each is looked up in a table of maxval + 1 bytes through a native-order
    memoryview, by ``map``: no Python code runs per sample.
    """
    if sys.byteorder == "little":
        swapped = bytearray(len(raster))
        swapped[0::2], swapped[1::2] = raster[1::2], raster[0::2]
        raster = swapped
    samples = memoryview(raster).cast("H")
    try:
        return bytes(map(_pnm_table(maxval).__getitem__, samples))
    except IndexError:
        raise FormatError(f"PNM sample {max(samples)} is above maxval {maxval}") from None


def _decode_pnm(blob: bytes, max_pixels: Optional[int]) -> Raster:
    magic = blob[:2]
    if magic not in (b"P5", b"P6"):
        raise FormatError(f"not a binary PGM or PPM file: starts with {magic!r} "
                          f"(expected b'P5' or b'P6'; plain P1-P3 and PBM P4 are not read)")
    (width, height, maxval), pos = _pnm_header(blob)
    if width < 1 or height < 1:
        raise FormatError(f"PNM size is {width} x {height} (expected both at least 1)")
    if not 0 < maxval < 65536:
        raise FormatError(f"PNM maxval is {maxval} (expected 1 to 65535)")
    check_size(height, width, max_pixels)
    channels = 1 if magic == b"P5" else 3
    count = width * height * channels
    wide = 2 if maxval > 255 else 1
    if len(blob) - pos < count * wide:
        raise TruncatedError(f"PNM raster holds {len(blob) - pos} bytes (expected {count * wide})")
    if maxval == 255:
        return Raster(blob[pos:pos + count], height, width, channels)
    scale = _pnm_scale_words if wide == 2 else _pnm_scale_bytes
    if count <= _PNM_BAND:  # one band is the image: no buffer to fill
        return Raster(scale(blob[pos:pos + count * wide], maxval), height, width, channels)
    image = ImageBuffer(count)
    for start in range(0, count, _PNM_BAND):  # a band at a time: one copy of the raster, not three
        end = min(count, start + _PNM_BAND)
        image.write(scale(blob[pos + start * wide:pos + end * wide], maxval))
    return Raster(image.getvalue(), height, width, channels)


def encode_pnm(data: BytesLike, height: int, width: int, channels: int) -> bytes:
    """Encode gray as a binary PGM (P5) or RGB as a binary PPM (P6), maxval 255."""
    data = check_image(data, height, width, channels, (1, 3), "PGM/PPM")
    magic = b"P5" if channels == 1 else b"P6"
    return b"%s\n%d %d\n255\n" % (magic, width, height) + data


def decode_pnm(blob: BytesLike, *, path: Optional[str] = None, max_pixels: Optional[int] = None) -> Raster:
    """Decode a binary PGM (P5) or PPM (P6), maxval 1 to 65535, to 8-bit samples.

    ImageTooLargeError for more than ``max_pixels`` pixels (None: ``mnistio.limits.MAX_IMAGE_PIXELS``).
    """
    try:
        return _decode_pnm(as_bytes(blob), max_pixels)
    except FormatError as exc:
        exc.at(path)
        raise
