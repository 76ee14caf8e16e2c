"""PNG images, read and written in pure Python.

Follows the W3C "Portable Network Graphics (PNG) Specification (Second
Edition)" (ISO/IEC 15948:2003, https://www.w3.org/TR/png/) and RFC 2083;
section numbers are given as "W3C 11.2.2 / RFC 4.1.1" beside each part::

    blob = encode_png(data, 28, 28, 1)            # height, width, channels
    data, height, width, channels = decode_png(blob)

What the decoder returns is always 8-bit (see ``docs/images.rst``):

* 16-bit samples keep their high byte (``v >> 8``), as libpng's
  ``png_set_strip_16`` and Pillow's 16-bit RGB(A) and gray+alpha decoding do.
* 1, 2 and 4-bit gray is scaled to 0..255 as ``v * 255 // (2**depth - 1)``
  (exact: 255 is a multiple of 1, 3 and 15), as Pillow does.
* Palette images become RGB, or RGBA when a tRNS chunk is present; gray and
  RGB images with a tRNS colour key get an alpha channel (0 where the pixel
  equals the key, compared at full bit depth, else 255).

The decoder is strict about what decides the pixels and lenient about the
rest: length fields, CRCs, chunk order, the zlib stream and the exact data
size are all checked, as are palette indexes against the palette; ancillary
chunks other than tRNS are skipped unread and bytes after IEND are ignored.
Every failure is a FormatError (TruncatedError when data ends early,
ImageTooLargeError when the header promises more than ``max_pixels``
pixels, raised before anything is decompressed or allocated).
"""

from __future__ import annotations

import struct
import zlib

from ..errors import FormatError, TruncatedError, UsageError
from ._raster import (
    DEFAULT_MAX_PIXELS,
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
    from typing import List, Optional

    from ._raster import BytesLike

__all__ = ["PNG_SIGNATURE", "encode_png", "decode_png", "Raster", "DEFAULT_MAX_PIXELS"]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_SIGNATURE = PNG_SIGNATURE
_PNG_COLOR_TYPES = {1: 0, 2: 4, 3: 2, 4: 6}  # channels -> colour type
_PNG_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # colour type -> samples per pixel
_PNG_DEPTHS = {0: (1, 2, 4, 8, 16), 2: (8, 16), 3: (1, 2, 4, 8), 4: (8, 16), 6: (8, 16)}
_PNG_MAX_INT = 2 ** 31 - 1  # the largest chunk length or side PNG allows (W3C 7.1)
_IDAT_SIZE = 2 ** 20  # split long compressed streams into IDAT chunks of 1 MiB
# Adam7 passes (W3C 8.2 / RFC 2.6): x start, y start, x step, y step.
_ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4),
          (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))


# -- PNG: reading -----------------------------------------------------------

def _png_chunks(blob):
    """Yield (type, data, offset) for each chunk up to IEND (W3C 5.3 / RFC 3.2).

    Each chunk's length, type and CRC (W3C 5.5 / RFC 3.4) are checked first.
    """
    pos = len(_PNG_SIGNATURE)
    view = memoryview(blob)
    while True:
        if pos == len(blob):
            raise TruncatedError(f"file ends at byte {pos} with no IEND chunk")
        if pos + 8 > len(blob):
            raise TruncatedError(f"file ends at byte {len(blob)}, inside the header of "
                                 f"the chunk at byte {pos}")
        length, raw_type = struct.unpack_from(">I4s", blob, pos)
        name = raw_type.decode("latin-1")
        if not raw_type.isalpha():
            raise FormatError(f"bad chunk type {raw_type!r} at byte {pos} "
                              f"(expected four ASCII letters)")
        if length > _PNG_MAX_INT:
            raise FormatError(f"chunk {name} at byte {pos} has length {length} "
                              f"(expected at most 2**31-1)")
        end = pos + 8 + length
        if end + 4 > len(blob):
            raise TruncatedError(f"chunk {name} at byte {pos} needs {length + 12} bytes "
                                 f"but the file ends after {len(blob) - pos}")
        (crc,) = struct.unpack_from(">I", blob, end)
        expected = zlib.crc32(view[pos + 4:end])
        if crc != expected:
            raise FormatError(f"bad CRC 0x{crc:08x} in chunk {name} at byte {pos} "
                              f"(expected 0x{expected:08x})")
        yield name, blob[pos + 8:end], pos
        if name == "IEND":
            return
        pos = end + 4


def _parse_ihdr(data, pos):
    """Image header (W3C 11.2.2 / RFC 4.1.1): width, height, depth, colour type, interlace."""
    if len(data) != 13:
        raise FormatError(f"IHDR chunk at byte {pos} holds {len(data)} bytes (expected 13)")
    width, height, depth, color_type, compression, filtering, interlace = struct.unpack(
        ">IIBBBBB", data)
    if not (0 < width <= _PNG_MAX_INT and 0 < height <= _PNG_MAX_INT):
        raise FormatError(f"IHDR gives a size of {width} x {height} "
                          f"(expected each side from 1 to 2**31-1)")
    if color_type not in _PNG_DEPTHS:
        raise FormatError(f"IHDR gives colour type {color_type} (expected 0, 2, 3, 4 or 6)")
    if depth not in _PNG_DEPTHS[color_type]:
        allowed = ", ".join(str(d) for d in _PNG_DEPTHS[color_type])
        raise FormatError(f"IHDR gives bit depth {depth} for colour type {color_type} "
                          f"(expected {allowed})")
    for field, value, top in (("compression method", compression, 0),
                              ("filter method", filtering, 0),
                              ("interlace method", interlace, 1)):
        if value > top:
            raise FormatError(f"IHDR gives {field} {value} (expected 0{' or 1' if top else ''})")
    return width, height, depth, color_type, interlace


def _parse_plte(data, pos, depth, color_type):
    """Palette (W3C 11.2.3 / RFC 4.1.2): return the R, G, B bytes."""
    if color_type in (0, 4):
        raise FormatError(f"PLTE chunk at byte {pos} in a colour type {color_type} image "
                          f"(expected none in gray images)")
    entries, extra = divmod(len(data), 3)
    limit = 2 ** depth if color_type == 3 else 256
    if extra or not 0 < entries <= min(limit, 256):
        raise FormatError(f"PLTE chunk at byte {pos} holds {len(data)} bytes (expected 3 "
                          f"bytes for each of 1 to {min(limit, 256)} entries)")
    return data


def _parse_trns(data, pos, depth, color_type, palette):
    """Transparency (W3C 11.3.2.1 / RFC 4.2.9).

    Returns the alpha of each palette entry for colour type 3, else the
    colour key in the units of the unpacked samples: two bytes a sample at
    depth 16, one byte scaled like the samples below that.
    """
    if color_type in (4, 6):
        raise FormatError(f"tRNS chunk at byte {pos} in a colour type {color_type} image "
                          f"(expected none: it already has an alpha channel)")
    if color_type == 3:
        if palette is None:
            raise FormatError(f"tRNS chunk at byte {pos} comes before PLTE (expected after)")
        # Alpha values for entries past the palette's end could never be
        # used; libpng and Pillow ignore them too.
        return data[:len(palette) // 3]
    size = 2 * _PNG_CHANNELS[color_type]
    if len(data) != size:
        raise FormatError(f"tRNS chunk at byte {pos} holds {len(data)} bytes "
                          f"(expected {size} for colour type {color_type})")
    if depth == 16:
        return data
    # Below 16 bits only the low bits count: decoders must mask the rest.
    mask = (1 << depth) - 1
    factor = 255 // mask if color_type == 0 else 1
    return bytes((value & mask) * factor for value in struct.unpack(f">{size // 2}H", data))


def _read_png_chunks(blob, max_pixels):
    """Walk the chunks in the order W3C 5.6 / RFC 4.3 asks.

    Returns the IHDR fields, the palette, the tRNS data and the IDAT data.
    """
    if blob[:8] != _PNG_SIGNATURE:
        if _PNG_SIGNATURE.startswith(blob):
            raise TruncatedError(f"file ends after {len(blob)} bytes, inside the PNG signature")
        raise FormatError(f"not a PNG file: starts with {blob[:8]!r} "
                          f"(expected the signature {_PNG_SIGNATURE!r})")
    header = palette = trns = None
    idat: List[bytes] = []
    previous = None
    for name, data, pos in _png_chunks(blob):
        if header is None and name != "IHDR":
            raise FormatError(f"first chunk is {name} at byte {pos} (expected IHDR)")
        if name in ("PLTE", "tRNS") and idat:
            raise FormatError(f"{name} chunk at byte {pos} comes after IDAT (expected before)")
        if name == "IHDR":
            if header is not None:
                raise FormatError(f"second IHDR chunk at byte {pos} (expected one)")
            header = _parse_ihdr(data, pos)
            width, height, depth, color_type, _ = header
            check_size(height, width, max_pixels)
        elif name == "PLTE":
            if palette is not None or trns is not None:
                raise FormatError(f"PLTE chunk at byte {pos} comes after "
                                  f"{'PLTE' if palette is not None else 'tRNS'} "
                                  f"(expected one PLTE, before tRNS)")
            palette = _parse_plte(data, pos, depth, color_type)
        elif name == "tRNS":
            if trns is not None:
                raise FormatError(f"second tRNS chunk at byte {pos} (expected one)")
            trns = _parse_trns(data, pos, depth, color_type, palette)
        elif name == "IDAT":
            # W3C 11.2.4 / RFC 4.1.3: one zlib stream, split over consecutive chunks.
            if idat and previous != "IDAT":
                raise FormatError(f"IDAT chunk at byte {pos} follows a {previous} chunk "
                                  f"(expected all IDAT chunks to be consecutive)")
            idat.append(data)
        elif name == "IEND":
            # W3C 11.2.5 / RFC 4.1.4; anything after IEND is ignored.
            if data:
                raise FormatError(f"IEND chunk at byte {pos} holds {len(data)} bytes (expected 0)")
        elif name[0].isupper():
            raise FormatError(f"unknown critical chunk {name} at byte {pos} (expected "
                              f"IHDR, PLTE, IDAT or IEND; ancillary chunks are skipped)")
        previous = name
    if not idat:
        raise FormatError("no IDAT chunk before IEND (expected at least one)")
    if color_type == 3 and palette is None:
        raise FormatError("colour type 3 image has no PLTE chunk (expected one before IDAT)")
    return header, palette, trns, idat


def _png_passes(width, height, interlace):
    """Return (x start, y start, x step, y step, width, height) of each non-empty (sub)image."""
    if not interlace:
        return [(0, 0, 1, 1, width, height)]
    passes = []
    for x0, y0, dx, dy in _ADAM7:
        columns = (width - x0 + dx - 1) // dx
        rows = (height - y0 + dy - 1) // dy
        if columns > 0 and rows > 0:  # empty passes have no scanlines at all
            passes.append((x0, y0, dx, dy, columns, rows))
    return passes


def _inflate(chunks, size):
    """Decompress the IDAT zlib stream (W3C 10 / RFC 5) into exactly ``size`` bytes.

    The output never grows past ``size + 1`` bytes, whatever the input.
    """
    inflater = zlib.decompressobj()
    pieces = []
    room = size
    try:
        for chunk in chunks:
            piece = inflater.decompress(chunk, room + 1)
            room -= len(piece)
            if room < 0:
                raise FormatError(f"IDAT data inflates to more than the {size} bytes "
                                  f"the header promises")
            pieces.append(piece)
    except zlib.error as exc:
        raise FormatError(f"bad zlib data in IDAT ({exc})") from None
    if not inflater.eof:
        raise TruncatedError(f"IDAT zlib stream ends early, after {size - room} "
                             f"of {size} bytes")
    if room:
        raise TruncatedError(f"IDAT data inflates to {size - room} bytes "
                             f"(expected {size} from the header)")
    return b"".join(pieces)


def _add_bytes(a, b, low7):
    """Add the bytes of two big-endian integers pairwise, modulo 256.

    The low 7 bits of each byte are added without carrying into the next
    byte; the top bits are then xored in.
    """
    return ((a & low7) + (b & low7)) ^ ((a ^ b) & ~low7)


def _int_lanes(line):
    """Return the line as a big-endian integer and the mask of each byte's low 7 bits."""
    return int.from_bytes(line, "big"), int.from_bytes(b"\x7f" * len(line), "big")


def _unfilter_sub(line, prior, bpp):
    """Sub (W3C 9.2 / RFC 6.3): a running sum, computed as a log-step scan over the whole row."""
    value, low7 = _int_lanes(line)
    shift = bpp
    while shift < len(line):
        value = _add_bytes(value, value >> (8 * shift), low7)
        shift *= 2
    return value.to_bytes(len(line), "big")


def _unfilter_up(line, prior, bpp):
    """Up (W3C 9.2 / RFC 6.4): add the row above, all bytes at once."""
    value, low7 = _int_lanes(line)
    return _add_bytes(value, int.from_bytes(prior, "big"), low7).to_bytes(len(line), "big")


def _unfilter_average(line, prior, bpp):
    """Average (W3C 9.2 / RFC 6.5)."""
    out = bytearray(line)
    for i in range(bpp):
        out[i] = (out[i] + (prior[i] >> 1)) & 0xFF
    for i in range(bpp, len(out)):
        out[i] = (out[i] + ((out[i - bpp] + prior[i]) >> 1)) & 0xFF
    return bytes(out)


def _unfilter_paeth(line, prior, bpp):
    """Paeth (W3C 9.2 / RFC 6.6)."""
    out = bytearray(line)
    for i in range(bpp):  # no left neighbours: the predictor is the byte above
        out[i] = (out[i] + prior[i]) & 0xFF
    for i in range(bpp, len(out)):
        a, b, c = out[i - bpp], prior[i], prior[i - bpp]
        pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
        if pa <= pb and pa <= pc:
            out[i] = (out[i] + a) & 0xFF
        elif pb <= pc:
            out[i] = (out[i] + b) & 0xFF
        else:
            out[i] = (out[i] + c) & 0xFF
    return bytes(out)


_UNFILTERS = (None, _unfilter_sub, _unfilter_up, _unfilter_average, _unfilter_paeth)


def _unfilter(raw, offset, rows, row_bytes, bpp, number):
    """Undo the scanline filters of one (sub)image; return its rows without filter bytes."""
    prior = bytes(row_bytes)
    lines = []
    for row in range(rows):
        kind = raw[offset]
        line = raw[offset + 1:offset + 1 + row_bytes]
        offset += 1 + row_bytes
        if kind >= len(_UNFILTERS):
            where = f" of pass {number}" if number else ""
            raise FormatError(f"scanline {row}{where} has filter type {kind} (expected 0 to 4)")
        unfilter = _UNFILTERS[kind]
        if unfilter is not None:
            line = unfilter(line, prior, bpp)
        lines.append(line)
        prior = line
    return b"".join(lines)


def _deinterlace(passes, images, width, height, pixel_bytes):
    """Scatter the Adam7 sub-images (W3C 8.2 / RFC 2.6) into one image."""
    out = bytearray(width * height * pixel_bytes)
    stride = width * pixel_bytes
    for (x0, y0, dx, dy, columns, rows), image in zip(passes, images):
        length = columns * pixel_bytes
        step = dx * pixel_bytes
        for row in range(rows):
            line = image[row * length:(row + 1) * length]
            start = (y0 + row * dy) * stride + x0 * pixel_bytes
            end = start - x0 * pixel_bytes + stride
            for index in range(pixel_bytes):
                out[start + index:end:step] = line[index::pixel_bytes]
    return bytes(out)


def _key_alpha(samples, key, pixel_bytes):
    """Alpha for a tRNS colour key: 0 where a pixel's bytes all equal the key's, else 255."""
    matches = -1
    for index, value in enumerate(key):
        table = bytearray(256)
        table[value] = 1
        matches &= int.from_bytes(samples[index::pixel_bytes].translate(table), "big")
    count = len(samples) // pixel_bytes
    return matches.to_bytes(count, "big").translate(b"\xff\x00" + b"\xff" * 254)


def _apply_palette(indexes, palette, trns):
    """Look the indexes up in the palette (and tRNS alphas); return (data, channels)."""
    entries = len(palette) // 3
    stray = indexes.translate(None, bytes(range(entries)))
    if stray:
        raise FormatError(f"pixel uses palette index {stray[0]} but PLTE holds only "
                          f"{entries} entries")
    tables = [padded_table(palette[index::3]) for index in range(3)]
    if trns is not None:
        tables.append(trns + b"\xff" * (256 - len(trns)))
    return interleave([indexes.translate(table) for table in tables]), len(tables)


def _decode_png(blob: bytes, max_pixels: Optional[int]) -> Raster:
    header, palette, trns, idat = _read_png_chunks(blob, max_pixels)
    width, height, depth, color_type, interlace = header
    channels = _PNG_CHANNELS[color_type]
    pixel_bits = depth * channels
    passes = _png_passes(width, height, interlace)
    row_sizes = [(columns * pixel_bits + 7) // 8 for _, _, _, _, columns, _ in passes]
    raw = _inflate(idat, sum(rows * (1 + size)
                             for (*_, rows), size in zip(passes, row_sizes)))
    images = []
    offset = 0
    for number, ((*_, columns, rows), row_bytes) in enumerate(zip(passes, row_sizes)):
        image = _unfilter(raw, offset, rows, row_bytes, max(1, pixel_bits // 8),
                          number + 1 if interlace else 0)
        offset += rows * (1 + row_bytes)
        if depth < 8:
            image = unpack_bits(image, rows, row_bytes, columns, depth, color_type == 0)
        images.append(image)
    pixel_bytes = channels * (2 if depth == 16 else 1)
    samples = (_deinterlace(passes, images, width, height, pixel_bytes)
               if interlace else images[0])
    if color_type == 3:
        data, channels = _apply_palette(samples, palette, trns)
        return Raster(data, height, width, channels)
    alpha = _key_alpha(samples, trns, pixel_bytes) if trns is not None else None
    if depth == 16:
        samples = samples[0::2]  # big-endian: the high byte of each sample
    if alpha is not None:
        samples = interleave([samples[i::channels] for i in range(channels)] + [alpha])
        channels += 1
    return Raster(samples, height, width, channels)


# -- PNG: writing -----------------------------------------------------------

def _png_chunk(kind, data):
    crc = zlib.crc32(data, zlib.crc32(kind))
    return struct.pack(">I4s", len(data), kind) + data + struct.pack(">I", crc)


_IEND_CHUNK = _png_chunk(b"IEND", b"")


def _deflate(raw, level):
    """Compress with a window no larger than the data needs, as libpng does.

    For a 28 x 28 image the default 32 KiB window and its hash table cost
    more to set up than the compression itself (2.5x the time on Python
    3.11+); a window that still spans the whole input compresses as well.
    """
    window = min(15, max(9, (len(raw) + 262).bit_length()))
    compressor = zlib.compressobj(level, zlib.DEFLATED, window, window - 7)
    return compressor.compress(raw) + compressor.flush()


# -- public functions -------------------------------------------------------

def encode_png(data: BytesLike, height: int, width: int, channels: int, *, compress_level: int = 6) -> bytes:
    """Encode 8-bit pixels as a PNG: gray, gray+alpha, RGB or RGBA by ``channels``."""
    data = check_image(data, height, width, channels, (1, 2, 3, 4), "PNG")
    if width > _PNG_MAX_INT or height > _PNG_MAX_INT:
        raise UsageError(f"PNG sides are at most 2**31-1 pixels, not {width} x {height}")
    if compress_level not in range(10):
        raise UsageError(f"compress_level must be 0 to 9, got {compress_level!r}")
    stride = width * channels
    # Filter type 0 (none) on every row: a zero byte before each scanline.
    raw = b"\x00" + b"\x00".join([data[start:start + stride]
                                  for start in range(0, len(data), stride)])
    compressed = _deflate(raw, compress_level)
    header = struct.pack(">IIBBBBB", width, height, 8, _PNG_COLOR_TYPES[channels], 0, 0, 0)
    return b"".join([_PNG_SIGNATURE, _png_chunk(b"IHDR", header)]
                    + [_png_chunk(b"IDAT", compressed[start:start + _IDAT_SIZE])
                       for start in range(0, len(compressed), _IDAT_SIZE)]
                    + [_IEND_CHUNK])


def decode_png(blob: BytesLike, *, path: Optional[str] = None, max_pixels: Optional[int] = None) -> Raster:
    """Decode any valid PNG to an 8-bit :class:`Raster` ``(data, height, width, channels)``.

    Raises FormatError (TruncatedError, ImageTooLargeError) for a file that
    breaks the PNG spec or promises more than ``max_pixels`` pixels (None:
    ``mnistio.limits.MAX_IMAGE_PIXELS``); ``path`` only names the file in
    those errors.
    """
    try:
        return _decode_png(as_bytes(blob), max_pixels)
    except FormatError as exc:
        exc.at(path)
        raise
