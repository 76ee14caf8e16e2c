"""Resampling kernels: resize (nearest, bilinear) and pad row-major uint8 pixels.

``nearest`` picks source pixel ``floor((x + 0.5) * w_in / w_out)``, the
position summed as Pillow sums it (a double added once per column, which
CPython computes alike on every version), so it equals Pillow's
``Image.NEAREST`` pixel for pixel, ties included. ``bilinear`` samples
``x_in = (x + 0.5) * w_in / w_out - 0.5`` clamped to the image, blends the
two nearest pixels with weights rounded to 22 fractional bits (Pillow's
precision) computed from integers, horizontally first, rounding to 0..255,
then vertically. That equals Pillow's ``Image.BILINEAR`` exactly along an
axis that is enlarged; along one that is shrunk Pillow widens its filter to
average every source pixel (anti-aliasing) while this keeps two taps (like
OpenCV's ``INTER_LINEAR``), so shrinking differs. Channels are filtered
independently (Pillow premultiplies alpha for LA and RGBA).

No loop per pixel: columns are gathered with ``itemgetter`` and whole rows
blended as lanes of one big integer.
"""

from __future__ import annotations

from functools import lru_cache
from operator import itemgetter

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, List

__all__ = ["METHODS", "resize_pixels", "pad_pixels"]

METHODS = ("nearest", "bilinear")
_WEIGHT_BITS = 22                         # Pillow's PRECISION_BITS for 8-bit images
_ONE = 1 << _WEIGHT_BITS
_HALF_LANE = (1 << (_WEIGHT_BITS - 1)).to_bytes(4, "big")


def _gatherer(indices):
    """A function picking ``indices`` out of bytes, as bytes."""
    if len(indices) == 1:
        only = indices[0]
        return lambda data: data[only:only + 1]
    getter = itemgetter(*indices)
    return lambda data: bytes(getter(data))



def _nearest_positions(size_in, size_out):
    """Pillow's source positions: ``(i + 0.5) * scale`` summed as a double, floored."""
    scale = size_in / size_out
    position = scale * 0.5
    positions = []
    for _ in range(size_out):
        positions.append(min(int(position), size_in - 1))
        position += scale
    return positions



def _bilinear_taps(size_in, size_out):
    """``(i0, i1, weight of i1 in 1/2**22)`` per output position, exactly from integers."""
    taps = []
    denominator = 2 * size_out
    for i in range(size_out):
        numerator = (2 * i + 1) * size_in - size_out  # (i + 0.5) * size_in / size_out - 0.5, times 2 * size_out
        if numerator <= 0:
            taps.append((0, 0, 0))
            continue
        i0, remainder = divmod(numerator, denominator)
        weight = (remainder * 2 * _ONE + denominator) // (2 * denominator)
        if i0 >= size_in - 1 or weight == 0:
            i0 = min(i0, size_in - 1)
            taps.append((i0, i0, 0))
        elif weight == _ONE:
            taps.append((i0 + 1, i0 + 1, 0))
        else:
            taps.append((i0, i0 + 1, weight))
    return taps



def _column(data, x, height, width, channels):
    """Column ``x`` of an image as bytes: its pixels top to bottom, channels interleaved."""
    if channels == 1:
        return data[x::width]
    column = bytearray(height * channels)
    for channel in range(channels):
        column[channel::channels] = data[x * channels + channel::width * channels]
    return bytes(column)



def _from_columns(columns, height, width, channels):
    """The row-major image whose columns are ``columns``."""
    image = bytearray(height * width * channels)
    for x, column in enumerate(columns):
        for channel in range(channels):
            image[x * channels + channel::width * channels] = column[channel::channels]
    return bytes(image)



def _spread(row):
    """The bytes of ``row`` as the low bytes of 32-bit lanes of one integer."""
    lanes = bytearray(4 * len(row))
    lanes[3::4] = row
    return int.from_bytes(lanes, "big")



def _blend_rows(rows, taps, row_length):
    """Rows ``(rows[i0] * (1 - w) + rows[i1] * w)`` rounded, every pixel of a row at once.

    Each row becomes one integer with a 32-bit lane per value, so two
    multiplications and two additions weigh the whole row: a lane holds at
    most 255 * 2**22 + 2**21 < 2**30 and never carries into the next. The
    result is lane >> 22, read as the top byte of each lane after << 2.
    """
    half = int.from_bytes(_HALF_LANE * row_length, "big")
    spread = {}
    blended = []
    for i0, i1, weight in taps:
        if not weight:
            blended.append(rows[i0])
            continue
        for i in (i0, i1):
            if i not in spread:
                spread[i] = _spread(rows[i])
        total = spread[i0] * (_ONE - weight) + spread[i1] * weight + half
        blended.append((total << 2).to_bytes(4 * row_length, "big")[0::4])
    return blended



class _ResizePlan:
    """What resizing h x w x c to H x W needs, computed once per shape."""

    def __init__(self, height, width, channels, new_height, new_width, method):
        self.shape = (height, width, channels, new_height, new_width)
        if method == "nearest":
            self.rows = _nearest_positions(height, new_height)
            columns = _nearest_positions(width, new_width)
            self.pick = _gatherer([column * channels + channel for column in columns for channel in range(channels)])
            return
        self.column_taps = _bilinear_taps(width, new_width) if width != new_width else None
        self.row_taps = _bilinear_taps(height, new_height) if height != new_height else None
        if self.column_taps is not None:
            self.columns_used = sorted({i for i0, i1, _ in self.column_taps for i in (i0, i1)})

    def nearest(self, data):
        height, width, channels, _, _ = self.shape
        stride = width * channels
        out: List[bytes] = []
        last, row = None, b""
        for source_row in self.rows:
            if source_row != last:
                row = self.pick(data[source_row * stride:(source_row + 1) * stride])
                last = source_row
            out.append(row)
        return b"".join(out)

    def bilinear(self, data):
        height, width, channels, new_height, new_width = self.shape
        if self.column_taps is not None:
            # Horizontal first, as Pillow: columns are blended as rows are.
            columns = {x: _column(data, x, height, width, channels) for x in self.columns_used}
            blended = _blend_rows(columns, self.column_taps, height * channels)
            data = _from_columns(blended, height, new_width, channels)
        if self.row_taps is None:
            return data
        stride = new_width * channels
        rows = [data[i * stride:(i + 1) * stride] for i in range(height)]
        return b"".join(_blend_rows(rows, self.row_taps, stride))



@lru_cache(maxsize=32)
def _resize_plan(height, width, channels, new_height, new_width, method):
    return _ResizePlan(height, width, channels, new_height, new_width, method)



def resize_pixels(data: Any, height: int, width: int, channels: int, new_height: int, new_width: int,
                  method: str) -> bytes:
    """The pixels of an image resized; ``data`` is row-major, channels interleaved."""
    if (height, width) == (new_height, new_width):
        return bytes(data)
    plan = _resize_plan(height, width, channels, new_height, new_width, method)
    return plan.nearest(bytes(data)) if method == "nearest" else plan.bilinear(bytes(data))



def pad_pixels(data: Any, height: int, width: int, fill: bytes, new_height: int, new_width: int, top: int,
               left: int) -> bytes:
    """The pixels on a ``new_height x new_width`` canvas of ``fill`` (one pixel's bytes)."""
    stride = width * len(fill)
    before = fill * left
    after = fill * (new_width - width - left)
    blank = fill * new_width
    data = bytes(data)
    rows = [blank] * top
    rows.extend(before + data[y * stride:(y + 1) * stride] + after for y in range(height))
    rows.extend([blank] * (new_height - height - top))
    return b"".join(rows)

