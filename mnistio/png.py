"""Read and write PNG, binary PGM/PPM and BMP images in pure Python.

Images are plain Python values: ``data`` is row-major ``bytes`` of 8-bit
samples with the channels of a pixel interleaved (gray; gray, alpha; R, G,
B; R, G, B, A), together with ``width``, ``height`` and ``channels``::

    blob = encode_png(data, 28, 28, 1)
    data, width, height, channels = decode_png(blob)

Specifications followed:

* PNG: W3C "Portable Network Graphics (PNG) Specification (Second Edition)"
  (ISO/IEC 15948:2003) and RFC 2083; section numbers are given as
  "W3C 11.2.2 / RFC 4.1.1" beside each part.
* PGM and PPM: the Netpbm formats, binary variants only (``P5``, ``P6``).
* BMP: Microsoft's bitmap file with a BITMAPINFOHEADER, uncompressed
  (``BI_RGB``) only.

What the decoders return is always 8-bit:

* PNG 16-bit samples keep their high byte (``v >> 8``), as libpng's
  ``png_set_strip_16`` and Pillow's 16-bit RGB(A) and gray+alpha decoding do.
* PNG 1, 2 and 4-bit gray is scaled to 0..255 as ``v * 255 // (2**depth - 1)``
  (exact: 255 is a multiple of 1, 3 and 15), as Pillow does.
* PNG palette images become RGB, or RGBA when a tRNS chunk is present; gray
  and RGB images with a tRNS colour key get an alpha channel (0 where the
  pixel equals the key, compared at full bit depth, else 255).
* PGM/PPM samples are scaled as ``round(v / maxval * 255)``, Pillow's rule.
* BMP palette images become gray when every palette entry is gray, else RGB.
  A 32-bit BMP becomes RGBA, unless every alpha byte is 0: then, as
  ``BI_RGB`` files written by most tools leave that byte unused, RGB.

With Pillow as the reference (``Image.open(f).convert(mode)`` for the mode
with our channel count), every result is identical except where Pillow's own
conversion loses information:

* 16-bit gray PNG: Pillow opens it as mode "I;16" and its conversion to "L"
  clamps every value above 255 to 255; we keep the high byte instead.
* 2 and 4-bit gray PNG with tRNS: Pillow compares the unscaled key with the
  scaled samples, so the wrong pixels (usually none) become transparent.
* 16-bit RGB PNG with tRNS: Pillow compares the 16-bit key with the 8-bit
  samples it kept, with the same effect.
* 32-bit BMP: Pillow ignores the alpha bytes of ``BI_RGB`` files (unless
  ``BmpImagePlugin.USE_RAW_ALPHA`` is set) and returns RGB.
* PGM with maxval above 255: Pillow opens it as mode "I" and clamps on
  conversion to "L".

The decoders are strict about what decides the pixels and lenient about the
rest. A PNG's length fields, CRCs, chunk order, zlib stream and exact data
size are all checked, as are palette indexes against the palette; ancillary
chunks other than tRNS are skipped unread and bytes after IEND are ignored.
Every failure is a FormatError (TruncatedError when data ends early,
ImageTooLargeError when a header promises more than ``max_pixels`` pixels,
raised before anything is decompressed or allocated).

Other image types (``.jpg``, ``.tif``, ``.webp``, ...) go through Pillow when
it is installed, converted by Pillow to L, LA, RGB or RGBA; Pillow is
imported only when such a file is met.
"""

import os
import struct
import zlib

from .errors import FormatError, ImageTooLargeError, MnistioError, TruncatedError, UsageError

__all__ = [
    "DEFAULT_MAX_PIXELS",
    "NATIVE_EXTENSIONS",
    "encode_png",
    "decode_png",
    "encode_pnm",
    "decode_pnm",
    "encode_bmp",
    "decode_bmp",
    "encode_image",
    "decode_image",
]

NATIVE_EXTENSIONS = (".png", ".pgm", ".ppm", ".pnm", ".bmp")

# 8192 x 8192 pixels: far above any dataset image, small enough that a
# hostile header cannot make the decoder allocate gigabytes.
DEFAULT_MAX_PIXELS = 2 ** 26

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_COLOR_TYPES = {1: 0, 2: 4, 3: 2, 4: 6}  # channels -> colour type
_PNG_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # colour type -> samples per pixel
_PNG_DEPTHS = {0: (1, 2, 4, 8, 16), 2: (8, 16), 3: (1, 2, 4, 8), 4: (8, 16), 6: (8, 16)}
_PNG_MAX_INT = 2 ** 31 - 1  # the largest chunk length or side PNG allows (W3C 7.1)
_IDAT_SIZE = 2 ** 20  # split long compressed streams into IDAT chunks of 1 MiB
# Adam7 passes (W3C 8.2 / RFC 2.6): x start, y start, x step, y step.
_ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4),
          (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))

_PNM_SPACE = b" \t\n\v\f\r"
_PNM_DIGITS = b"0123456789"
_PNM_CHANNELS = {".pgm": 1, ".ppm": 3}

_BMP_COMPRESSIONS = {1: "BI_RLE8", 2: "BI_RLE4", 3: "BI_BITFIELDS", 4: "BI_JPEG",
                     5: "BI_PNG", 6: "BI_ALPHABITFIELDS"}
_BMP_DEPTHS = (1, 4, 8, 24, 32)

_MODES = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}  # channels -> Pillow mode


# -- shared helpers ---------------------------------------------------------

def _as_bytes(blob):
    """Return a bytes-like object as bytes, without a copy when it is one."""
    return blob if isinstance(blob, bytes) else bytes(memoryview(blob))


def _check_image(data, width, height, channels, allowed, what):
    """Check an encoder's arguments; return the pixels as bytes."""
    for name, value in (("width", width), ("height", height)):
        if not isinstance(value, int) or value < 1:
            raise UsageError(f"{name} must be a positive integer, got {value!r}")
    if channels not in allowed:
        kinds = ", ".join(str(c) for c in allowed[:-1]) + " or " + str(allowed[-1])
        raise UsageError(f"{what} stores images of {kinds} channels, not {channels!r}")
    data = _as_bytes(data)
    expected = width * height * channels
    if len(data) != expected:
        raise UsageError(f"data holds {len(data)} bytes, expected width * height * "
                         f"channels = {width} * {height} * {channels} = {expected}")
    return data


def _check_size(width, height, max_pixels):
    """Refuse an image larger than max_pixels, before anything is allocated for it."""
    if width * height > max_pixels:
        raise ImageTooLargeError(f"image is {width} x {height} = {width * height} pixels, "
                                 f"more than the limit max_pixels={max_pixels}")


def _interleave(planes):
    """Interleave equally long byte planes, one sample from each in turn."""
    count = len(planes)
    out = bytearray(len(planes[0]) * count)
    for index, plane in enumerate(planes):
        out[index::count] = plane
    return bytes(out)


def _padded_table(entries):
    """A 256-byte translate() table that maps i to entries[i], 0 past the end."""
    return bytes(entries) + bytes(256 - len(entries))


def _unpack_bits(data, rows, row_bytes, count, depth, scale):
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
    idat = []
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
            _check_size(width, height, max_pixels)
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
        if kind:
            line = _UNFILTERS[kind](line, prior, bpp)
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
    tables = [_padded_table(palette[index::3]) for index in range(3)]
    if trns is not None:
        tables.append(trns + b"\xff" * (256 - len(trns)))
    return _interleave([indexes.translate(table) for table in tables]), len(tables)


def _decode_png(blob, max_pixels):
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
            image = _unpack_bits(image, rows, row_bytes, columns, depth, color_type == 0)
        images.append(image)
    pixel_bytes = channels * (2 if depth == 16 else 1)
    samples = (_deinterlace(passes, images, width, height, pixel_bytes)
               if interlace else images[0])
    if color_type == 3:
        data, channels = _apply_palette(samples, palette, trns)
        return data, width, height, channels
    alpha = _key_alpha(samples, trns, pixel_bytes) if trns is not None else None
    if depth == 16:
        samples = samples[0::2]  # big-endian: the high byte of each sample
    if alpha is not None:
        samples = _interleave([samples[i::channels] for i in range(channels)] + [alpha])
        channels += 1
    return samples, width, height, channels


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


# -- PNM --------------------------------------------------------------------

def _pnm_comment_end(blob, pos):
    """Return where the ``#`` comment at pos ends: at its CR or LF, or the file's end."""
    ends = [end for end in (blob.find(b"\n", pos), blob.find(b"\r", pos)) if end >= 0]
    return min(ends) if ends else len(blob)


def _pnm_skip(blob, pos):
    """Skip whitespace and comments."""
    while pos < len(blob):
        if blob[pos] in _PNM_SPACE:
            pos += 1
        elif blob[pos] == ord("#"):
            pos = _pnm_comment_end(blob, pos)
        else:
            break
    return pos


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


def _pnm_scale(raster, maxval, wide):
    """Scale samples from 0..maxval to 0..255; refuse samples above maxval."""
    if wide:
        samples = struct.unpack(f">{len(raster) // 2}H", raster)
        top = max(samples)
        if top > maxval:
            raise FormatError(f"PNM sample {top} is above maxval {maxval}")
        return bytes(round(value / maxval * 255) for value in samples)
    stray = raster.translate(None, bytes(range(maxval + 1)))
    if stray:
        raise FormatError(f"PNM sample {max(stray)} is above maxval {maxval}")
    if maxval == 255:
        return raster
    return raster.translate(_padded_table([round(v / maxval * 255) for v in range(maxval + 1)]))


def _decode_pnm(blob, max_pixels):
    magic = blob[:2]
    if magic not in (b"P5", b"P6"):
        raise FormatError(f"not a binary PGM or PPM file: starts with {magic!r} "
                          f"(expected b'P5' or b'P6'; plain P1-P3 and PBM P4 are not read)")
    (width, height, maxval), pos = _pnm_header(blob)
    if width < 1 or height < 1:
        raise FormatError(f"PNM size is {width} x {height} (expected both at least 1)")
    if not 0 < maxval < 65536:
        raise FormatError(f"PNM maxval is {maxval} (expected 1 to 65535)")
    _check_size(width, height, max_pixels)
    channels = 1 if magic == b"P5" else 3
    wide = maxval > 255
    size = width * height * channels * (2 if wide else 1)
    if len(blob) - pos < size:
        raise TruncatedError(f"PNM raster holds {len(blob) - pos} bytes (expected {size})")
    return _pnm_scale(blob[pos:pos + size], maxval, wide), width, height, channels


# -- BMP --------------------------------------------------------------------

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
        return indexes.translate(_padded_table(red)), 1
    return _interleave([indexes.translate(_padded_table(plane))
                        for plane in (red, green, blue)]), 3


def _decode_bmp(blob, max_pixels):
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
    _check_size(width, height, max_pixels)
    row_bytes = (width * bits + 7) // 8
    stride = (width * bits + 31) // 32 * 4
    if offset < 14 + info_size:
        raise FormatError(f"BMP pixel data offset {offset} points into the headers "
                          f"(expected at least {14 + info_size})")
    if offset + stride * height > len(blob):
        raise TruncatedError(f"BMP pixel data at byte {offset} needs {stride * height} "
                             f"bytes but the file has {len(blob) - offset}")
    rows = [blob[offset + row * stride:offset + row * stride + row_bytes]
            for row in range(height)]
    if not top_down:
        rows.reverse()
    pixels = b"".join(rows)
    if bits <= 8:
        palette = _bmp_palette(blob, 14 + info_size, offset, bits, colors)
        if bits < 8:
            pixels = _unpack_bits(pixels, height, row_bytes, width, bits, False)
        data, channels = _bmp_colors(pixels, palette)
        return data, width, height, channels
    if bits == 24:
        return _interleave([pixels[2::3], pixels[1::3], pixels[0::3]]), width, height, 3
    rgb = [pixels[2::4], pixels[1::4], pixels[0::4]]
    alpha = pixels[3::4]
    if alpha.count(0) == len(alpha):  # the fourth byte is unused padding
        return _interleave(rgb), width, height, 3
    return _interleave(rgb + [alpha]), width, height, 4


# -- Pillow, for everything else --------------------------------------------

def _pillow():
    """Return Pillow's Image module, or None when Pillow is not installed."""
    try:
        from PIL import Image
    except ImportError:
        return None
    return Image


def _no_pillow(verb, ext, path=None):
    kind = f"{ext} images" if ext else "images of this type"
    return UsageError(f"cannot {verb} {kind} without Pillow, which is not installed "
                      f"(mnistio itself handles {', '.join(NATIVE_EXTENSIONS)})", path=path)


def _pillow_decode(blob, path, ext, max_pixels):
    Image = _pillow()
    if Image is None:
        raise _no_pillow("read", ext, path)
    import io

    try:
        with Image.open(io.BytesIO(blob)) as image:
            _check_size(image.width, image.height, max_pixels)
            gray = image.mode in ("1", "L", "LA", "La", "F") or image.mode.startswith("I")
            alpha = (image.mode in ("LA", "La", "PA", "RGBA", "RGBa")
                     or "transparency" in image.info)
            mode = ("L" if gray else "RGB") + ("A" if alpha else "")
            data = image.convert(mode).tobytes()
    except MnistioError:
        raise
    except Image.DecompressionBombError as exc:
        raise ImageTooLargeError(str(exc), path=path) from exc
    except Exception as exc:  # Pillow's plugins raise many kinds of error on bad files
        raise FormatError(f"Pillow cannot read this image ({exc})", path=path) from exc
    return data, image.width, image.height, len(mode)


def _pillow_encode(data, width, height, channels, ext):
    Image = _pillow()
    if Image is None:
        raise _no_pillow("write", ext)
    import io

    kind = Image.registered_extensions().get(ext)
    if kind is None or kind not in Image.SAVE:
        raise UsageError(f"unknown image extension {ext!r} (Pillow cannot write it)")
    buffer = io.BytesIO()
    try:
        Image.frombytes(_MODES[channels], (width, height), data).save(buffer, format=kind)
    except (OSError, ValueError, KeyError) as exc:
        raise UsageError(f"Pillow cannot write {channels}-channel images as {ext} "
                         f"({exc})") from exc
    return buffer.getvalue()


def _extension(ext):
    """Normalise ``"PNG"``, ``"png"`` or ``".png"`` to ``".png"``."""
    ext = ext.lower()
    return ext if ext.startswith(".") or not ext else "." + ext


def _sniff(blob):
    """Return the native decoder the magic bytes call for, or None."""
    if blob.startswith(_PNG_SIGNATURE):
        return decode_png
    if blob[:2] in (b"P5", b"P6"):
        return decode_pnm
    if blob.startswith(b"BM"):
        return decode_bmp
    return None


# -- public functions -------------------------------------------------------

def encode_png(data, width, height, channels, *, compress_level=6):
    """Encode 8-bit pixels as a PNG: gray, gray+alpha, RGB or RGBA by ``channels``."""
    data = _check_image(data, width, height, channels, (1, 2, 3, 4), "PNG")
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


def decode_png(blob, *, path=None, max_pixels=DEFAULT_MAX_PIXELS):
    """Decode any valid PNG to 8-bit ``(data, width, height, channels)``.

    Raises FormatError (TruncatedError, ImageTooLargeError) for a file that
    breaks the PNG spec or promises more than ``max_pixels`` pixels; ``path``
    only names the file in those errors.
    """
    try:
        return _decode_png(_as_bytes(blob), max_pixels)
    except FormatError as exc:
        raise exc.at(path)


def encode_pnm(data, width, height, channels):
    """Encode gray as a binary PGM (P5) or RGB as a binary PPM (P6), maxval 255."""
    data = _check_image(data, width, height, channels, (1, 3), "PGM/PPM")
    magic = b"P5" if channels == 1 else b"P6"
    return b"%s\n%d %d\n255\n" % (magic, width, height) + data


def decode_pnm(blob, *, path=None, max_pixels=DEFAULT_MAX_PIXELS):
    """Decode a binary PGM (P5) or PPM (P6), maxval 1 to 65535, to 8-bit samples."""
    try:
        return _decode_pnm(_as_bytes(blob), max_pixels)
    except FormatError as exc:
        raise exc.at(path)


def encode_bmp(data, width, height, channels):
    """Encode an uncompressed BMP: 8-bit gray palette, 24-bit BGR or 32-bit BGRA."""
    data = _check_image(data, width, height, channels, (1, 3, 4), "BMP")
    if channels == 1:
        palette = b"".join(bytes((level, level, level, 0)) for level in range(256))
        pixels, bits = data, 8
    else:
        order = [2, 1, 0, 3][:channels]  # RGB(A) -> BGR(A)
        palette = b""
        pixels, bits = _interleave([data[i::channels] for i in order]), 8 * channels
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


def decode_bmp(blob, *, path=None, max_pixels=DEFAULT_MAX_PIXELS):
    """Decode an uncompressed 1, 4, 8, 24 or 32-bit BMP to 8-bit samples."""
    try:
        return _decode_bmp(_as_bytes(blob), max_pixels)
    except FormatError as exc:
        raise exc.at(path)


_ENCODERS = {".png": encode_png, ".pgm": encode_pnm, ".ppm": encode_pnm,
             ".pnm": encode_pnm, ".bmp": encode_bmp}
_DECODERS = {".png": decode_png, ".pgm": decode_pnm, ".ppm": decode_pnm,
             ".pnm": decode_pnm, ".bmp": decode_bmp}


def encode_image(data, width, height, channels, ext):
    """Encode by file extension (``".png"``, ``"bmp"``, ...; any case).

    PNG, PGM/PPM and BMP are written here; other types need Pillow.
    """
    ext = _extension(ext)
    if not ext:
        raise UsageError(f"no file extension given (expected one of "
                         f"{', '.join(NATIVE_EXTENSIONS)} or one Pillow writes)")
    if _PNM_CHANNELS.get(ext, channels) != channels:
        raise UsageError(f"{ext} files hold {_PNM_CHANNELS[ext]}-channel images, "
                         f"not {channels!r} channels (use .pnm to choose by channels)")
    encoder = _ENCODERS.get(ext)
    if encoder is not None:
        return encoder(data, width, height, channels)
    data = _check_image(data, width, height, channels, (1, 2, 3, 4), ext)
    return _pillow_encode(data, width, height, channels, ext)


def decode_image(blob, *, path=None, ext=None, max_pixels=DEFAULT_MAX_PIXELS):
    """Decode an image to 8-bit ``(data, width, height, channels)``.

    The magic bytes choose the decoder; when they are not PNG, PGM/PPM or
    BMP, the extension does (``ext``, else the one of ``path``), and other
    types go to Pillow.
    """
    blob = _as_bytes(blob)
    if ext is None:
        ext = os.path.splitext(os.fsdecode(path))[1] if path is not None else ""
    ext = _extension(ext)
    decoder = _sniff(blob) or _DECODERS.get(ext)
    if decoder is not None:
        return decoder(blob, path=path, max_pixels=max_pixels)
    return _pillow_decode(blob, path, ext, max_pixels)
