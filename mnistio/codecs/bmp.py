"""BMP images: Microsoft's device-independent bitmap, uncompressed.

Follows Microsoft's BITMAPFILEHEADER and BITMAPINFOHEADER documentation
(https://learn.microsoft.com/en-us/windows/win32/gdi/bitmap-storage):
``BI_RGB`` files of 1, 4, 8, 24 or 32 bits a pixel, bottom-up or top-down,
rows padded to 4 bytes. Palette images become gray when every palette entry
is gray, else RGB. A 32-bit file becomes RGBA, unless every alpha byte is 0:
then, as ``BI_RGB`` files written by most tools leave that byte unused, RGB.
"""

from __future__ import annotations

import struct

from ..errors import FormatError, TruncatedError
from ._raster import (
    ImageBuffer,
    Raster,
    as_bytes,
    check_image,
    check_size,
    interleave,
    padded_table,
    unpack_bits,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional

    from ._raster import BytesLike

__all__ = ["encode_bmp", "decode_bmp"]

_BMP_COMPRESSIONS = {1: "BI_RLE8", 2: "BI_RLE4", 3: "BI_BITFIELDS", 4: "BI_JPEG",
                     5: "BI_PNG", 6: "BI_ALPHABITFIELDS"}
_BMP_DEPTHS = (1, 4, 8, 24, 32)
_BMP_BAND = 2 ** 22  # bytes of pixels converted at a time


def _bmp_palette(blob, start, offset, bits, colors):
    """Read the B, G, R, reserved palette entries that sit before the pixels."""
    count = colors or 2 ** bits
    if count > 2 ** bits:
        raise FormatError(f"BMP palette has {count} colours (expected at most "
                          f"{2 ** bits} for {bits}-bit pixels)")
    end = start + 4 * count
    if end > offset:
        raise FormatError(f"BMP palette of {count} colours runs to byte {end}, past the "
                          f"pixel data at byte {offset}")
    return blob[start:end]


def _bmp_colors(indexes, palette):
    """Look 1, 4 or 8-bit indexes up in a BGRX palette; gray out if the palette is gray."""
    count = len(palette) // 4
    stray = indexes.translate(None, bytes(range(count)))
    if stray:
        raise FormatError(f"BMP pixel uses palette index {stray[0]} but the palette holds "
                          f"only {count} colours")
    blue, green, red = palette[0::4], palette[1::4], palette[2::4]
    if blue == green == red:
        return indexes.translate(padded_table(red)), 1
    return interleave([indexes.translate(padded_table(plane))
                        for plane in (red, green, blue)]), 3


def _decode_bmp(blob: bytes, max_pixels: Optional[int]) -> Raster:
    if blob[:2] != b"BM":
        raise FormatError(f"not a BMP file: starts with {blob[:2]!r} (expected b'BM')")
    if len(blob) < 54:
        raise TruncatedError(f"BMP file is {len(blob)} bytes, shorter than its headers (54)")
    (offset,) = struct.unpack_from("<I", blob, 10)
    (info_size, width, height, plane_count, bits, compression,
     _, _, _, colors, _) = struct.unpack_from("<IiiHHIIiiII", blob, 14)
    if info_size < 40:
        raise FormatError(f"BMP info header is {info_size} bytes "
                          f"(expected a BITMAPINFOHEADER of 40 bytes or a later, longer one)")
    if compression:
        name = _BMP_COMPRESSIONS.get(compression, "unknown")
        raise FormatError(f"BMP compression is {compression} ({name}) "
                          f"(expected 0, BI_RGB: only uncompressed files are read)")
    if plane_count != 1 or bits not in _BMP_DEPTHS:
        raise FormatError(f"BMP has {plane_count} planes of {bits} bits "
                          f"(expected 1 plane of 1, 4, 8, 24 or 32 bits)")
    if width < 1 or height == 0:
        raise FormatError(f"BMP size is {width} x {height} (expected a positive width "
                          f"and a non-zero height)")
    top_down = height < 0
    height = abs(height)
    check_size(height, width, max_pixels)
    row_bytes = (width * bits + 7) // 8
    stride = (width * bits + 31) // 32 * 4
    if offset < 14 + info_size:
        raise FormatError(f"BMP pixel data offset {offset} points into the headers "
                          f"(expected at least {14 + info_size})")
    if offset > len(blob):
        raise TruncatedError(f"BMP pixel data offset {offset} is past the end of the file "
                             f"({len(blob)} bytes)")
    if offset + stride * height > len(blob):
        raise TruncatedError(f"BMP pixel data at byte {offset} needs {stride * height} "
                             f"bytes but the file has {len(blob) - offset}")
    layout = (blob, offset, stride, row_bytes, height, top_down)
    palette = b""
    if bits <= 8:
        palette = _bmp_palette(blob, 14 + info_size, offset, bits, colors)
        channels = 1 if palette[0::4] == palette[1::4] == palette[2::4] else 3
    elif bits == 24 or not any(_bmp_alpha(layout)):  # alpha all 0: the fourth byte is padding
        channels = 3
    else:
        channels = 4
    band = max(1, min(height, _BMP_BAND // max(stride, width * channels)))
    if band == height:  # one band is the image: no buffer to fill
        return Raster(bytes(_bmp_band(layout, 0, height, width, bits, palette, channels)), height, width, channels)
    image = ImageBuffer(width * height * channels)
    for top in range(0, height, band):
        image.write(_bmp_band(layout, top, min(band, height - top), width, bits, palette, channels))
    return Raster(image.getvalue(), height, width, channels)


def _bmp_band(layout, top, count, width, bits, palette, channels):
    """Rows ``top`` to ``top + count`` of the image as 8-bit pixels."""
    pixels = _bmp_rows(layout, top, count)
    if bits > 8:
        return _bmp_rgb(pixels, bits // 8, channels)
    if bits < 8:
        pixels = unpack_bits(pixels, count, len(pixels) // count, width, bits, False)
    return _bmp_colors(pixels, palette)[0]


def _bmp_rows(layout, top, count):
    """Rows ``top`` to ``top + count`` of the image, top first, without their padding.

    Copied a row or a byte column at a time, whichever are fewer: a loop
    over the rows of a one-pixel-wide image would be a loop per pixel.
    """
    blob, offset, stride, row_bytes, height, top_down = layout
    first = top if top_down else height - top - count  # the lowest file row of the band
    start = offset + first * stride
    if count <= row_bytes:
        rows = [blob[start + row * stride:start + row * stride + row_bytes] for row in range(count)]
        return b"".join(rows if top_down else rows[::-1])
    out = bytearray(count * row_bytes)
    for column in range(row_bytes):
        values = blob[start + column:start + count * stride:stride]
        out[column::row_bytes] = values if top_down else values[::-1]
    return bytes(out)


def _bmp_alpha(layout):
    """Yield whether each band of a 32-bit image has an alpha byte other than 0."""
    blob, offset, stride, _, height, _ = layout
    band = max(1, _BMP_BAND // stride)
    for first in range(0, height, band):
        alpha = blob[offset + first * stride + 3:offset + min(height, first + band) * stride:4]
        yield alpha.count(0) < len(alpha)


def _bmp_rgb(pixels, size, channels):
    """BGR or BGRX pixels as RGB, or RGBA when ``channels`` is 4."""
    out = bytearray(pixels)
    out[0::size], out[2::size] = pixels[2::size], pixels[0::size]
    if size == 4 and channels == 3:
        del out[3::4]
    return out


def encode_bmp(data: BytesLike, height: int, width: int, channels: int) -> bytes:
    """Encode an uncompressed BMP: 8-bit gray palette, 24-bit BGR or 32-bit BGRA."""
    data = check_image(data, height, width, channels, (1, 3, 4), "BMP")
    if channels == 1:
        palette = b"".join(bytes((level, level, level, 0)) for level in range(256))
        pixels, bits = data, 8
    else:
        order = [2, 1, 0, 3][:channels]  # RGB(A) -> BGR(A)
        palette = b""
        pixels, bits = interleave([data[i::channels] for i in order]), 8 * channels
    row_bytes = width * channels
    padding = bytes(-row_bytes % 4)
    rows = [pixels[start:start + row_bytes] + padding  # bottom row first
            for start in range((height - 1) * row_bytes, -1, -row_bytes)]
    offset = 14 + 40 + len(palette)
    size = offset + (row_bytes + len(padding)) * height
    return b"".join([
        struct.pack("<2sIHHI", b"BM", size, 0, 0, offset),
        struct.pack("<IiiHHIIiiII", 40, width, height, 1, bits, 0, size - offset,
                    2835, 2835, len(palette) // 4, 0),  # 2835 pixels/metre = 72 dpi
        palette,
    ] + rows)


def decode_bmp(blob: BytesLike, *, path: Optional[str] = None, max_pixels: Optional[int] = None) -> Raster:
    """Decode an uncompressed 1, 4, 8, 24 or 32-bit BMP to 8-bit samples.

    ImageTooLargeError for more than ``max_pixels`` pixels (None: ``mnistio.limits.MAX_IMAGE_PIXELS``).
    """
    try:
        return _decode_bmp(as_bytes(blob), max_pixels)
    except FormatError as exc:
        exc.at(path)
        raise
