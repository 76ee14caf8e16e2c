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

Memory and time stay proportional to the image: the zlib stream is inflated
a band of rows at a time (about 4 MiB) and each band, unfiltered and made
8-bit, goes straight into the one buffer the result is; 16-bit samples lose
their low bytes before unfiltering, unless a tRNS key needs them. Filters
are undone with integer operations over whole rows, columns or bands rather
than a Python loop per byte: Average and Paeth an anti-diagonal at a time
(_unfilter_wavefront). A 4096 x 4096 RGBA image decodes in 1 to 2 seconds.
"""

from __future__ import annotations

import itertools
import math
import operator
import struct
import zlib

from ..errors import FormatError, TruncatedError, UsageError
from ._raster import (
    DEFAULT_MAX_PIXELS,
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
_FEED = 2 ** 16  # compressed bytes given to zlib at a time
# Filtered bytes inflated and unfiltered at a time: the decoder holds one band
# besides the image it returns.
_BAND_BYTES = 2 ** 22
# What _unfilter_band weighs to choose how to undo the filters of a band, in
# seconds, measured on CPython 3.11: a step of _unfilter_wavefront and a slot
# of one; a byte of a Python loop (Average, Paeth, _unfilter_column); the
# overhead of a row or a column. Rows narrower than _NARROW bytes are Sub or
# Up as a whole band (_unfilter_bulk).
_DIAGONAL_COST = 2.5e-6
_SLOT_COST = 15e-9
_LOOP_COST = 150e-9
_ROW_COST = 2e-6
_NARROW = 64
# Adam7 passes (W3C 8.2 / RFC 2.6): x start, y start, x step, y step.
_ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4),
          (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))


# -- PNG: reading -----------------------------------------------------------

def _png_chunks(blob):
    """Yield (type, offset, data start, data end) of each chunk up to IEND (W3C 5.3 / RFC 3.2).

    Each chunk's length, type and CRC (W3C 5.5 / RFC 3.4) are checked first.
    The data is not copied: IDAT chunks are read again where they lie.
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
        yield name, pos, pos + 8, end
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

    Returns the IHDR fields, the palette, the tRNS data and where the IDAT
    chunks lie: they are consecutive, so one span of the file holds them all.
    """
    if blob[:8] != _PNG_SIGNATURE:
        if _PNG_SIGNATURE.startswith(blob):
            raise TruncatedError(f"file ends after {len(blob)} bytes, inside the PNG signature")
        raise FormatError(f"not a PNG file: starts with {blob[:8]!r} "
                          f"(expected the signature {_PNG_SIGNATURE!r})")
    header = palette = trns = idat = None
    previous = None
    for name, pos, start, end in _png_chunks(blob):
        if header is None and name != "IHDR":
            raise FormatError(f"first chunk is {name} at byte {pos} (expected IHDR)")
        if name in ("PLTE", "tRNS") and idat:
            raise FormatError(f"{name} chunk at byte {pos} comes after IDAT (expected before)")
        if name == "IHDR":
            if header is not None:
                raise FormatError(f"second IHDR chunk at byte {pos} (expected one)")
            header = _parse_ihdr(blob[start:end], pos)
            width, height, depth, color_type, _ = header
            check_size(height, width, max_pixels)
        elif name == "PLTE":
            if palette is not None or trns is not None:
                raise FormatError(f"PLTE chunk at byte {pos} comes after "
                                  f"{'PLTE' if palette is not None else 'tRNS'} "
                                  f"(expected one PLTE, before tRNS)")
            palette = _parse_plte(blob[start:end], pos, depth, color_type)
        elif name == "tRNS":
            if trns is not None:
                raise FormatError(f"second tRNS chunk at byte {pos} (expected one)")
            trns = _parse_trns(blob[start:end], pos, depth, color_type, palette)
        elif name == "IDAT":
            # W3C 11.2.4 / RFC 4.1.3: one zlib stream, split over consecutive chunks.
            if idat and previous != "IDAT":
                raise FormatError(f"IDAT chunk at byte {pos} follows a {previous} chunk "
                                  f"(expected all IDAT chunks to be consecutive)")
            idat = (idat[0] if idat else pos, end + 4)
        elif name == "IEND":
            # W3C 11.2.5 / RFC 4.1.4; anything after IEND is ignored.
            if end > start:
                raise FormatError(f"IEND chunk at byte {pos} holds {end - start} bytes (expected 0)")
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


def _idat_pieces(blob, span):
    """Yield the data of the IDAT chunks in ``span`` (checked already), in slices of at most _FEED bytes."""
    view = memoryview(blob)
    pos, end = span
    while pos < end:
        (length,) = struct.unpack_from(">I", blob, pos)
        for start in range(pos + 8, pos + 8 + length, _FEED):
            yield view[start:min(start + _FEED, pos + 8 + length)]
        pos += 12 + length


class _Inflater:
    """The IDAT zlib stream (W3C 10 / RFC 5), inflated a band at a time.

    No more than the ``size`` bytes the header promises ever come out, whatever
    the input. The input goes in in slices of _FEED bytes because zlib keeps
    what one call does not consume as a new bytes object: fed a whole 100 MB
    chunk, it would copy the rest of it on every call.
    """

    def __init__(self, pieces, size):
        self._zlib = zlib.decompressobj()
        self._pieces = pieces
        self._tail = b""
        self._size = size
        self._done = 0

    def _inflate(self, limit):
        """Up to ``limit`` more bytes, and the input offered (b"" once it is all used)."""
        data = self._tail or next(self._pieces, b"")
        try:
            piece = self._zlib.decompress(data, limit)
        except zlib.error as exc:
            raise FormatError(f"bad zlib data in IDAT ({exc})") from None
        self._tail = self._zlib.unconsumed_tail
        self._done += len(piece)
        return piece, data

    def read(self, count):
        """The next ``count`` bytes of the stream; TruncatedError if it has fewer."""
        pieces = []
        while count:
            piece, data = self._inflate(count)
            if not piece and (not data or self._zlib.eof):
                if self._zlib.eof:
                    raise TruncatedError(f"IDAT data inflates to {self._done} bytes "
                                         f"(expected {self._size} from the header)")
                raise TruncatedError(f"IDAT zlib stream ends early, after {self._done} "
                                     f"of {self._size} bytes")
            pieces.append(piece)
            count -= len(piece)
        return b"".join(pieces)

    def finish(self):
        """Check that the stream ends where the header says: nothing more inflates."""
        while not self._zlib.eof:
            piece, data = self._inflate(1)
            if piece:
                raise FormatError(f"IDAT data inflates to more than the {self._size} bytes "
                                  f"the header promises")
            if not data:
                raise TruncatedError(f"IDAT zlib stream ends early, after {self._done} "
                                     f"of {self._size} bytes")


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
    """Average (W3C 9.2 / RFC 6.5), one byte at a time: for bands too small to pay for _unfilter_wavefront.

    Each byte of a pixel depends only on the same byte of the pixel before,
    so each of the ``bpp`` lanes is a running value of its own.
    """
    out = bytearray(len(line))
    for lane in range(bpp):
        left = 0  # no pixel left of the first: W3C 9.2 takes it as 0
        out[lane::bpp] = bytes([left := (x + ((left + up) >> 1)) & 0xFF
                                for x, up in zip(line[lane::bpp], prior[lane::bpp])])
    return bytes(out)


def _unfilter_paeth(line, prior, bpp):
    """Paeth (W3C 9.2 / RFC 6.6), one byte at a time: for bands too small to pay for _unfilter_wavefront.

    Each byte of a pixel depends only on the same byte of the pixels left, above
    and upper left, so each of the ``bpp`` lanes is a chain of its own (_paeth_chain).
    """
    out = bytearray(len(line))
    for lane in range(bpp):
        ups = prior[lane::bpp]
        out[lane::bpp] = _paeth_chain(line[lane::bpp], ups, b"\x00" + ups[:-1], 0)
    return bytes(out)


def _paeth_chain(xs, knowns, corners, chained):
    """Bytes each ``x`` plus Paeth's predictor, where one neighbour is the byte just made.

    Paeth picks whichever of left (a), above (b) and upper left (c) is
    nearest a + b - c. With lo = min(a, b) and hi = max(a, b), that is lo
    where 3c >= lo + 2hi, else hi where 3c <= hi + 2lo, else c (checked for
    all 2**24 triples against the spec's three distances): two comparisons
    and no abs(). The rule is symmetric in a and b, so the chain runs along a
    row (``knowns`` above, the chained byte left) or down a column (``knowns``
    left, the chained byte above) alike; ``corners`` are the upper left bytes.
    """
    v = chained  # k: the known neighbour; t: 3c
    return bytes([v := (x + ((k if t >= k + v + v else v if t <= v + k + k else c) if k < v else
                             (v if t >= v + k + k else k if t <= k + v + v else c))) & 0xFF
                  for x, k, c, t in zip(xs, knowns, corners, map(operator.mul, corners, itertools.repeat(3)))])


_UNFILTERS = {1: _unfilter_sub, 2: _unfilter_up, 3: _unfilter_average, 4: _unfilter_paeth}
# translate() tables: 0xFF for a filter type, 0 for the others.
_TYPE_MASKS = [bytes(0xFF if value == kind else 0 for value in range(256)) for kind in range(5)]
_ONE_PIXEL_TYPES = bytes([0, 0, 2, 3, 2]) + bytes(range(5, 256))
_FIRST_ROW_TYPES = bytes([0, 1, 2, 3, 1]) + bytes(range(5, 256))


def _lanes(data):
    """The bytes of ``data`` as the 16-bit lanes of an int, each byte in the low half of its lane."""
    wide = bytearray(2 * len(data))
    wide[0::2] = data
    return int.from_bytes(wide, "little")


class _Lanes:
    """The constants of a band's diagonals: ``ones`` has 1 in every 16-bit lane, ``low`` 0xFF;
    ``masks`` are (filter type, 0xFF in the lanes of the rows of that type)."""

    def __init__(self, types, bpp):
        count = bpp * (len(types) + 1)
        self.ones = _lanes(b"\x01" * (count + 1))  # one lane more: a shifted diagonal reaches it
        self.ones8, self.ones10, self.ones11 = self.ones << 8, self.ones << 10, self.ones << 11
        self.low = _lanes(b"\xff" * count)
        self.masks = [(kind, _lanes((b"\x00" + types.translate(_TYPE_MASKS[kind])) * bpp))
                      for kind in range(1, 5) if kind in types]


def _paeth_lanes(a, b, c, k):
    """Paeth's predictor for every 16-bit lane of a, b and c (each 0..255) at once.

    The rule of _paeth_chain, with each comparison read from the bit a
    biased difference sets: a + 256 - b has bit 8 set where a >= b; the
    sides of the other two, within 765 of each other, are compared around
    1024 (bit 10). With t = 3c - (a + b), 3c >= lo + 2hi is t >= hi and
    3c <= hi + 2lo is t <= lo.
    """
    ones = k.ones
    swap = (a ^ b) & ((((a + k.ones8) - b) >> 8) & ones) * 0xFF
    hi, lo = b ^ swap, a ^ swap
    biased = (c * 3 + k.ones10) - (a + b)
    take_lo = (((biased - hi) >> 10) & ones) * 0xFF
    take_hi = ((((lo + k.ones11) - biased) >> 10) & ones) * 0xFF
    guess = c ^ ((hi ^ c) & take_hi)
    return guess ^ ((lo ^ guess) & take_lo)


def _wavefront_step(x, left, up, upper_left, k):
    """One anti-diagonal unfiltered: its filtered bytes plus each row's predictor."""
    guess = 0
    for kind, mask in k.masks:
        if kind == 1:
            guess |= left & mask
        elif kind == 2:
            guess |= up & mask
        elif kind == 3:
            guess |= ((left + up) >> 1) & mask
        else:
            guess |= _paeth_lanes(left, up, upper_left, k) & mask
    return (x + guess) & k.low


def _unfilter_wavefront(raw, types, rows, row_bytes, bpp, prior):
    """Undo the filters of ``rows`` scanlines at once, an anti-diagonal at a time (W3C 9.2).

    A byte depends on the same byte of the pixels left, above and upper left,
    so the pixels on one anti-diagonal (row + column = e) depend only on the
    two diagonals before: each step computes a whole diagonal with a few
    dozen integer operations, whatever the filter types, instead of a Python
    loop per byte. A diagonal is an int of 16-bit lanes (room for the
    comparisons): ``bpp`` runs of ``rows + 1`` slots, one run per byte of a
    pixel, slot 0 for the row above the band (filter type 0: kept as it is),
    so shifting a diagonal by one slot gives each row the row above it.
    The band is first laid out diagonal by diagonal (_skew), so that each step
    reads and writes one contiguous slice.
    """
    units = row_bytes // bpp  # pixels, or bytes below 8 bits a pixel
    lanes = bpp * (rows + 1)
    size = 2 * lanes
    skewed = _skew(raw, prior, rows, row_bytes, bpp)
    results = bytearray(lanes * (units + rows))
    k = _Lanes(types, bpp)
    left, up = _lanes(skewed[:lanes]), 0  # diagonal 0: the row above's first pixel
    wide = bytearray(size)
    for e in range(1, units + rows):
        wide[0::2] = skewed[e * lanes:(e + 1) * lanes]
        x = int.from_bytes(wide, "little")
        upper_left, up = up, left << 16
        left = _wavefront_step(x, left, up, upper_left, k)
        results[e * lanes:(e + 1) * lanes] = left.to_bytes(size, "little")[0::2]
    return _unskew(results, rows, row_bytes, bpp)


def _skew(raw, prior, rows, row_bytes, bpp):
    """Lay the band out by anti-diagonals, in _unfilter_wavefront's order (zero where no pixel is).

    Byte ``lane`` of pixel ``u`` of slot ``i`` (the row above, then the rows)
    goes to ``(u + i) * bpp * slots + lane * slots + i``: along a row, steps
    of ``bpp * slots``; down a column, steps of one more. The bytes are moved
    a row or a column at a time, whichever are fewer.
    """
    slots = rows + 1
    units = row_bytes // bpp
    step = bpp * slots
    skewed = bytearray(step * (units + rows))
    skewed[0:row_bytes * slots:slots] = prior
    if rows <= units:
        for slot in range(1, slots):
            for lane in range(bpp):
                start = (slot * bpp + lane) * slots + slot
                source = (slot - 1) * (row_bytes + 1) + 1 + lane
                skewed[start:start + (units - 1) * step + 1:step] = raw[source:source + row_bytes - lane:bpp]
    else:
        for column in range(row_bytes):
            start = column * slots + step + 1
            skewed[start:start + (rows - 1) * (step + 1) + 1:step + 1] = raw[1 + column::row_bytes + 1]
    return skewed


def _unskew(results, rows, row_bytes, bpp):
    """The rows, in order, from the diagonals of _unfilter_wavefront (the inverse of _skew)."""
    slots = rows + 1
    units = row_bytes // bpp
    step = bpp * slots
    out = bytearray(rows * row_bytes)
    if rows <= units:
        for slot in range(1, slots):
            for lane in range(bpp):
                start = (slot * bpp + lane) * slots + slot
                target = (slot - 1) * row_bytes + lane
                out[target:target + (units - 1) * bpp + 1:bpp] = results[start:start + (units - 1) * step + 1:step]
    else:
        for column in range(row_bytes):
            start = column * slots + step + 1
            out[column::row_bytes] = results[start:start + (rows - 1) * (step + 1) + 1:step + 1]
    return bytes(out)


def _strip(raw, rows, row_bytes):
    """The scanlines without their filter bytes, copied by rows or by columns, whichever are fewer."""
    stride = row_bytes + 1
    if rows <= row_bytes:
        return b"".join([raw[start + 1:start + stride] for start in range(0, rows * stride, stride)])
    out = bytearray(rows * row_bytes)
    for column in range(row_bytes):
        out[column::row_bytes] = raw[1 + column::stride]
    return bytes(out)


def _spread(flags, width):
    """Each byte of ``flags`` (0x00 or 0xFF) ``width`` times, as a big-endian int: a row's flag over its bytes."""
    return int.from_bytes(flags.replace(b"\x00", bytes(width)).replace(b"\xff", b"\xff" * width), "big")


def _unfilter_bulk(raw, types, rows, row_bytes, bpp, prior):
    """Undo None, Sub and Up (W3C 9.2) on all the rows at once: for narrow rows, where a loop
    over the rows costs more than the work in them.

    The band, below the row above it, is one big-endian int. Sub is a running
    sum along each row and Up one down each column, which starts again below
    each row of another type: both are log-step scans (as in _unfilter_sub)
    over the whole int, masked where a step would cross a row's start or a
    run's.
    """
    size = (rows + 1) * row_bytes
    value = int.from_bytes(prior + _strip(raw, rows, row_bytes), "big")
    low7 = int.from_bytes(b"\x7f" * size, "big")
    if 1 in types:
        scanned, shift = value, bpp
        while shift < row_bytes:
            inside = int.from_bytes((bytes(shift) + b"\xff" * (row_bytes - shift)) * (rows + 1), "big")
            scanned = _add_bytes(scanned, (scanned >> (8 * shift)) & inside, low7)
            shift *= 2
        sub = _spread(b"\x00" + types.translate(_TYPE_MASKS[1]), row_bytes)
        value = (scanned & sub) | (value & ~sub)
    # 0xFF where a byte adds the one above: Up rows, as long as each run of them is.
    chained = _spread(b"\x00" + types.translate(_TYPE_MASKS[2]), row_bytes) if 2 in types else 0
    shift = 8 * row_bytes
    while chained:
        value = _add_bytes(value, (value >> shift) & chained, low7)
        chained &= chained >> shift
        shift *= 2
    return value.to_bytes(size, "big")[row_bytes:]


def _unfilter_column(xs, types, lefts, up, upper_left):
    """One byte column of a band, down its rows (see _unfilter_columns): one Python step a byte.

    ``b``, the byte above, is the one just made; ``a`` and ``c``, left and
    upper left, come from the column before. Paeth by the rule of _paeth_chain.
    """
    if types.count(types[0]) == len(types) and types[0] in (3, 4):
        return (_average_column if types[0] == 3 else _paeth_column)(xs, lefts, up, upper_left)
    b = up
    return bytes([b := (x + (((a if c * 3 >= a + b + b else b if c * 3 <= b + a + a else c) if a < b else
                              (b if c * 3 >= b + a + a else a if c * 3 <= a + b + b else c)) if kind == 4 else
                             (a + b) >> 1 if kind == 3 else b if kind == 2 else a if kind else 0)) & 0xFF
                  for x, kind, a, c in zip(xs, types, lefts, bytes([upper_left]) + lefts[:-1])])


def _average_column(xs, lefts, b, _):
    """_unfilter_column when every row is Average: one comprehension, a third of the mixed loop's time."""
    return bytes([b := (x + ((a + b) >> 1)) & 0xFF for x, a in zip(xs, lefts)])


def _paeth_column(xs, lefts, up, upper_left):
    """_unfilter_column when every row is Paeth."""
    return _paeth_chain(xs, lefts, bytes([upper_left]) + lefts[:-1], up)


def _unfilter_columns(raw, types, rows, row_bytes, bpp, prior):
    """Undo any filters (W3C 9.2) one byte column at a time: for narrow rows of many rows, where a
    loop per row costs more than the row's bytes.

    Column j depends only on column j - bpp (the bytes left) and on its own
    byte one row up, so each is one loop down the rows.
    """
    stride = row_bytes + 1
    out = bytearray(rows * row_bytes)
    zeros = bytes(rows)
    done: List[bytes] = []
    for column in range(row_bytes):
        lefts = done[column - bpp] if column >= bpp else zeros
        upper_left = prior[column - bpp] if column >= bpp else 0
        values = _unfilter_column(raw[1 + column::stride], types, lefts, prior[column], upper_left)
        out[column::row_bytes] = values
        done.append(values)
    return bytes(out)


def _unfilter_rows(raw, types, row_bytes, bpp, prior):
    """Undo the filters one row at a time, with the functions of _UNFILTERS."""
    lines = []
    for row, kind in enumerate(types):
        start = row * (row_bytes + 1) + 1
        line = raw[start:start + row_bytes]
        if kind:
            line = _UNFILTERS[kind](line, prior, bpp)
        lines.append(line)
        prior = line
    return b"".join(lines)


def _wavefront_rows(row_bytes, bpp, rows):
    """How many rows _unfilter_wavefront takes at once: fewer rows, more diagonals; more rows,
    longer ones, which waste their slots on the band's first and last diagonals."""
    units = row_bytes // bpp
    best = math.isqrt(int(units * _DIAGONAL_COST / (_SLOT_COST * bpp)))
    return max(1, min(rows, best))


def _unfilter_costs(types, rows, row_bytes, bpp):
    """The estimated seconds of each way to undo the filters of a band (see the _COST constants)."""
    slow = types.count(3) + types.count(4)
    units = row_bytes // bpp
    width = _wavefront_rows(row_bytes, bpp, rows)
    return {
        "rows": rows * _ROW_COST + slow * row_bytes * _LOOP_COST,
        "columns": row_bytes * _ROW_COST + rows * row_bytes * _LOOP_COST,
        "wavefront": (units + width) * (rows / width) * (_DIAGONAL_COST + _SLOT_COST * bpp * width)
        if units > 1 else float("inf"),
    }


def _unfilter_band(raw, rows, row_bytes, bpp, prior, first_row, number):
    """Undo the scanline filters of ``rows`` rows of a (sub)image; return them without filter bytes.

    The cheapest of four ways, by their estimated costs: row by row; None,
    Sub and Up on all rows at once; column by column; by anti-diagonals.
    """
    types = raw[::row_bytes + 1]
    stray = types.translate(None, b"\x00\x01\x02\x03\x04")
    if stray:
        where = f" of pass {number}" if number else ""
        raise FormatError(f"scanline {first_row + types.index(stray[0])}{where} has filter type "
                          f"{stray[0]} (expected 0 to 4)")
    if types.count(0) == rows:  # as mnistio writes them
        return _strip(raw, rows, row_bytes)
    if row_bytes == bpp:
        # One pixel a row: nothing on the left, so Sub is None and Paeth is Up.
        types = types.translate(_ONE_PIXEL_TYPES)
    if not types.count(3) + types.count(4):
        if row_bytes < _NARROW and rows > 2 * row_bytes:  # else too few rows for a loop over them to cost
            return _unfilter_bulk(raw, types, rows, row_bytes, bpp, prior)
        return _unfilter_rows(raw, types, row_bytes, bpp, prior)
    costs = _unfilter_costs(types, rows, row_bytes, bpp)
    way = min(costs, key=costs.__getitem__)
    if way == "rows":
        if prior.count(0) == len(prior):
            # Zeros above (the first row of an image or pass): Paeth is Sub there, no loop per byte.
            types = types[:1].translate(_FIRST_ROW_TYPES) + types[1:]
        return _unfilter_rows(raw, types, row_bytes, bpp, prior)
    if way == "columns":
        return _unfilter_columns(raw, types, rows, row_bytes, bpp, prior)
    return _unfilter_wavefronts(raw, types, rows, row_bytes, bpp, prior)


def _unfilter_wavefronts(raw, types, rows, row_bytes, bpp, prior):
    """_unfilter_wavefront over the band, _wavefront_rows rows at a time."""
    width = _wavefront_rows(row_bytes, bpp, rows)
    pieces = []
    for first in range(0, rows, width):
        count = min(width, rows - first)
        part = raw[first * (row_bytes + 1):(first + count) * (row_bytes + 1)]
        pieces.append(_unfilter_wavefront(part, types[first:first + count], count, row_bytes, bpp, prior))
        prior = pieces[-1][len(pieces[-1]) - row_bytes:]
    return b"".join(pieces)


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


def _high_bytes(raw, rows, row_bytes):
    """Each scanline's filter byte and the high byte of each of its 16-bit samples.

    Filters work byte by byte (W3C 9.2): the high bytes never depend on the
    low ones, so a decoder that keeps only the high bytes need not unfilter
    the others. Whichever is fewer, rows or columns, are copied one by one.
    """
    stride, half = row_bytes + 1, row_bytes // 2
    out = bytearray(rows * (half + 1))
    out[0::half + 1] = raw[0::stride]
    if rows <= half:
        for row in range(rows):
            start = row * stride + 1
            out[row * (half + 1) + 1:(row + 1) * (half + 1)] = raw[start:start + row_bytes:2]
    else:
        for column in range(half):
            out[1 + column::half + 1] = raw[1 + 2 * column::stride]
    return bytes(out)


def _to_8bit(lines, rows, row_bytes, columns, header, palette, trns):
    """Unfiltered rows as 8-bit pixels, by the rules of the module docstring.

    16-bit rows come with both bytes of each sample only when a tRNS colour
    key must be compared at full depth; else with their high bytes only.
    """
    _, _, depth, color_type, _ = header
    if depth < 8:  # gray or palette: one sample a pixel
        lines = unpack_bits(lines, rows, row_bytes, columns, depth, color_type == 0)
    if color_type == 3:
        return _apply_palette(lines, palette, trns)[0]
    if trns is None:
        return lines
    channels = _PNG_CHANNELS[color_type]
    alpha = _key_alpha(lines, trns, channels * (2 if depth == 16 else 1))
    if depth == 16:
        lines = lines[0::2]  # big-endian: the high byte of each sample
    return interleave([lines[i::channels] for i in range(channels)] + [alpha])


def _scatter(view, pixels, first, rows, geometry, width, channels):
    """Put rows of an Adam7 sub-image (W3C 8.2 / RFC 2.6) in their places in the image."""
    x0, y0, dx, dy, columns, _ = geometry
    length = columns * channels
    stride = width * channels
    for row in range(rows):
        line = pixels[row * length:(row + 1) * length]
        start = (y0 + (first + row) * dy) * stride + x0 * channels
        end = start - x0 * channels + stride
        for index in range(channels):
            view[start + index:end:dx * channels] = line[index::channels]


def _png_bands(blob, header, palette, trns, idat):
    """Yield (pass, first row, rows, 8-bit pixels) for each band of each (sub)image, in
    file order; then check that the zlib stream ends there."""
    width, height, depth, color_type, interlace = header
    pixel_bits = depth * _PNG_CHANNELS[color_type]
    channels = (3 if color_type == 3 else _PNG_CHANNELS[color_type]) + (trns is not None)
    passes = _png_passes(width, height, interlace)
    sizes = [(columns * pixel_bits + 7) // 8 for *_, columns, _ in passes]
    inflater = _Inflater(_idat_pieces(blob, idat), sum(rows * (1 + size)
                                                       for (*_, rows), size in zip(passes, sizes)))
    high_only = depth == 16 and trns is None
    bpp = max(1, pixel_bits // 8) // (2 if high_only else 1)
    for number, (geometry, row_bytes) in enumerate(zip(passes, sizes), 1):
        *_, columns, rows = geometry
        # A band bounds the scanlines and the pixels they become (8 times more at 1 bit).
        band = max(1, min(rows, _BAND_BYTES // max(row_bytes + 1, columns * channels)))
        kept = row_bytes // 2 if high_only else row_bytes
        prior = bytes(kept)  # the first row has zeros above it (W3C 9.2)
        for first in range(0, rows, band):
            count = min(band, rows - first)
            raw = inflater.read(count * (row_bytes + 1))
            if high_only:
                raw = _high_bytes(raw, count, row_bytes)
            lines = _unfilter_band(raw, count, kept, bpp, prior, first, number if interlace else 0)
            prior = lines[len(lines) - kept:]
            yield geometry, first, count, _to_8bit(lines, count, kept, columns, header, palette, trns)
    inflater.finish()


def _decode_png(blob: bytes, max_pixels: Optional[int]) -> Raster:
    header, palette, trns, idat = _read_png_chunks(blob, max_pixels)
    width, height, depth, color_type, interlace = header
    channels = (3 if color_type == 3 else _PNG_CHANNELS[color_type]) + (trns is not None)
    whole = image = None
    for geometry, first, count, pixels in _png_bands(blob, header, palette, trns, idat):
        if count == height and not interlace:
            whole = bytes(pixels)  # one band is the image: no buffer to fill
            continue
        if image is None:  # allocated once a band has decoded, not on the header's word alone
            image = ImageBuffer(width * height * channels)
        with image.view() as view:
            if interlace:
                _scatter(view, pixels, first, count, geometry, width, channels)
            else:
                view[first * width * channels:(first + count) * width * channels] = pixels
    data = whole if image is None else image.getvalue()
    return Raster(data, height, width, channels)


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
