"""Tests for the image codecs (PNG, PGM/PPM, BMP), through mnistio.png's stable signatures.

Pillow and pypng, when installed, are used as independent references; the
tests that need them skip otherwise. The conformance images are libpng's
(``contrib/pngsuite``, ``contrib/testpngs`` and its ``crashers``), which are
not in this repository: the folder holding ``pngsuite/``, ``testpngs/`` and
``crashers/`` is named by the environment variable ``MNISTIO_PNG_SUITE``
(``.ci/run`` sets it), and those tests skip without it.
"""

import importlib.util
import io
import os
import struct
import subprocess
import sys
import time
import tracemalloc
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mnistio.errors import FormatError, ImageTooLargeError, TruncatedError, UsageError
from mnistio.png import (
    DEFAULT_MAX_PIXELS,
    NATIVE_EXTENSIONS,
    decode_bmp,
    decode_image,
    decode_png,
    decode_pnm,
    encode_bmp,
    encode_image,
    encode_png,
    encode_pnm,
)

HAVE_PILLOW = importlib.util.find_spec("PIL") is not None
DATA = os.environ.get("MNISTIO_PNG_SUITE", "")
MODES = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}
SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
DEPTHS = {0: (1, 2, 4, 8, 16), 2: (8, 16), 3: (1, 2, 4, 8), 4: (8, 16), 6: (8, 16)}
ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4),
         (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))

quick = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# -- a reference PNG writer, written from the spec independently of mnistio --

def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def ihdr(width, height, depth, color_type, interlace=0):
    return chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, color_type, 0, 0, interlace))


def png_file(*chunks):
    return SIGNATURE + b"".join(chunks)


def filter_line(kind, line, prior, bpp):
    """Filter one scanline with the spec's formulas (W3C 9.2)."""
    out = bytearray([kind])
    for i, x in enumerate(line):
        a = line[i - bpp] if i >= bpp else 0
        b = prior[i]
        c = prior[i - bpp] if i >= bpp else 0
        p = a + b - c
        pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
        paeth = a if pa <= pb and pa <= pc else b if pb <= pc else c
        out.append((x - (0, a, b, (a + b) // 2, paeth)[kind]) % 256)
    return bytes(out)


def pack_row(samples, depth):
    if depth == 16:
        return b"".join(struct.pack(">H", v) for v in samples)
    if depth == 8:
        return bytes(samples)
    bits = "".join(format(v, "0%db" % depth) for v in samples)
    bits += "0" * (-len(bits) % 8)
    return bytes(int(bits[i:i + 8], 2) for i in range(0, len(bits), 8))


def scanlines(pixels, depth, channels, filters, row_counter):
    """Serialise a (sub)image: rows of pixel tuples -> filtered scanlines."""
    bpp = max(1, depth * channels // 8)
    out = []
    prior = None
    for row in pixels:
        line = pack_row([v for pixel in row for v in pixel], depth)
        if prior is None:
            prior = bytes(len(line))
        out.append(filter_line(filters[row_counter[0] % len(filters)], line, prior, bpp))
        row_counter[0] += 1
        prior = line
    return b"".join(out)


def build_png(pixels, depth, color_type, *, interlace=0, filters=(0,), palette=None,
              trns=None, idat_pieces=1):
    """A PNG of ``pixels`` (rows of tuples of samples), made without mnistio."""
    height, width = len(pixels), len(pixels[0])
    channels = CHANNELS[color_type]
    counter = [0]
    if interlace:
        raw = b"".join(scanlines([row[x0::dx] for row in pixels[y0::dy]], depth, channels,
                                 filters, counter)
                       for x0, y0, dx, dy in ADAM7 if x0 < width and y0 < height)
    else:
        raw = scanlines(pixels, depth, channels, filters, counter)
    stream = zlib.compress(raw)
    step = -(-len(stream) // idat_pieces)
    chunks = [ihdr(width, height, depth, color_type, interlace)]
    if palette is not None:
        chunks.append(chunk(b"PLTE", b"".join(bytes(entry) for entry in palette)))
    if trns is not None:
        chunks.append(chunk(b"tRNS", trns))
    chunks += [chunk(b"IDAT", stream[i:i + step]) for i in range(0, len(stream), step)]
    return png_file(*chunks, chunk(b"IEND", b""))


def expected_pixels(pixels, depth, color_type, palette=None, alphas=None, key=None):
    """What decode_png must return for ``pixels``, by the documented rules."""
    out = bytearray()
    for row in pixels:
        for pixel in row:
            if color_type == 3:
                out += bytes(palette[pixel[0]])
                if alphas is not None:
                    out.append(alphas[pixel[0]] if pixel[0] < len(alphas) else 255)
                continue
            for value in pixel:
                out.append(value >> 8 if depth == 16 else value * 255 // (2 ** depth - 1))
            if key is not None:
                out.append(0 if pixel == key else 255)
    extra = (alphas is not None) or (key is not None)
    channels = 3 if color_type == 3 else CHANNELS[color_type]
    return bytes(out), len(pixels[0]), len(pixels), channels + extra


@st.composite
def png_cases(draw):
    """Random PNG images: every colour type, depth, filter, interlacing and tRNS."""
    color_type = draw(st.sampled_from(sorted(CHANNELS)))
    depth = draw(st.sampled_from(DEPTHS[color_type]))
    width, height = draw(st.integers(1, 17)), draw(st.integers(1, 17))
    channels = CHANNELS[color_type]
    top = 2 ** depth - 1
    palette = alphas = None
    if color_type == 3:
        size = draw(st.integers(1, min(256, top + 1)))
        palette = [tuple(draw(st.binary(min_size=3, max_size=3))) for _ in range(size)]
        top = size - 1
    sample = st.integers(0, top)
    pixels = [[tuple(draw(sample) for _ in range(channels)) for _ in range(width)]
              for _ in range(height)]
    trns = key = None
    if color_type == 3 and draw(st.booleans()):
        alphas = draw(st.binary(max_size=len(palette)))
        trns = alphas
    elif color_type in (0, 2) and draw(st.booleans()):
        key = pixels[0][0] if draw(st.booleans()) else tuple(draw(sample) for _ in range(channels))
        # Bits above the depth must be ignored (W3C 11.3.2.1).
        high = draw(st.integers(0, 2 ** (16 - depth) - 1)) << depth if depth < 16 else 0
        trns = b"".join(struct.pack(">H", v | high) for v in key)
    filters = draw(st.lists(st.integers(0, 4), min_size=1, max_size=6))
    blob = build_png(pixels, depth, color_type, interlace=draw(st.integers(0, 1)),
                     filters=filters, palette=palette, trns=trns,
                     idat_pieces=draw(st.integers(1, 3)))
    return blob, expected_pixels(pixels, depth, color_type, palette, alphas, key)


@quick
@given(png_cases())
def test_decode_png_matches_reference_writer(case):
    blob, expected = case
    assert decode_png(blob) == expected


def test_decode_png_sixteen_bit_keeps_high_byte():
    pixels = [[(0x0000,), (0x00FF,), (0x0100,), (0x7FFF,), (0x8000,), (0xFFFF,)]]
    data, *_ = decode_png(build_png(pixels, 16, 0, filters=(2,)))
    assert data == bytes([0x00, 0x00, 0x01, 0x7F, 0x80, 0xFF])


def test_decode_png_low_depth_gray_scaled():
    for depth, factor in ((1, 255), (2, 85), (4, 17)):
        pixels = [[(v,) for v in range(2 ** depth)]]
        data, *_ = decode_png(build_png(pixels, depth, 0))
        assert data == bytes(v * factor for v in range(2 ** depth))


def test_decode_png_skips_ancillary_and_trailing_data():
    pixels = [[(1, 2, 3), (4, 5, 6)]]
    stream = zlib.compress(b"\x00" + bytes(range(1, 7)))
    blob = png_file(ihdr(2, 1, 8, 2), chunk(b"tEXt", b"k\x00v"), chunk(b"prVt", b"x"),
                    *[chunk(b"IDAT", stream[i:i + 1]) for i in range(len(stream))],
                    chunk(b"tIME", bytes(7)), chunk(b"IEND", b"")) + b"junk after IEND"
    assert decode_png(blob) == expected_pixels(pixels, 8, 2)


def test_encode_png_layout():
    blob = encode_png(bytes([1, 2, 3, 4, 5, 6]), 3, 2, 1)
    assert blob.startswith(SIGNATURE + chunk(b"IHDR", struct.pack(">IIBBBBB", 3, 2, 8, 0, 0, 0, 0)))
    assert blob.endswith(chunk(b"IEND", b""))
    (length,) = struct.unpack(">I", blob[33:37])
    assert blob[37:41] == b"IDAT" and len(blob) == 33 + 12 + length + 12
    assert zlib.decompress(blob[41:41 + length]) == b"\x00\x01\x02\x03\x00\x04\x05\x06"
    assert zlib.crc32(blob[37:41 + length]) == struct.unpack(">I", blob[41 + length:45 + length])[0]
    for channels, color_type in ((2, 4), (3, 2), (4, 6)):
        assert encode_png(bytes(channels), 1, 1, channels)[25] == color_type


@st.composite
def images(draw, channel_choices):
    channels = draw(st.sampled_from(channel_choices))
    width, height = draw(st.integers(1, 40)), draw(st.integers(1, 40))
    data = draw(st.binary(min_size=width * height * channels, max_size=width * height * channels))
    return data, width, height, channels


@quick
@given(images((1, 2, 3, 4)), st.integers(0, 9))
def test_png_round_trip(image, level):
    assert decode_png(encode_png(*image, compress_level=level)) == image


@quick
@given(images((1, 3)))
def test_pnm_round_trip(image):
    assert decode_pnm(encode_pnm(*image)) == image


def bmp_expected(data, width, height, channels):
    """32-bit BMPs whose alpha bytes are all 0 read back as RGB."""
    if channels == 4 and not any(data[3::4]):
        rgb = bytearray(width * height * 3)
        for i in range(3):
            rgb[i::3] = data[i::4]
        return bytes(rgb), width, height, 3
    return data, width, height, channels


@quick
@given(images((1, 3, 4)))
def test_bmp_round_trip(image):
    assert decode_bmp(encode_bmp(*image)) == bmp_expected(*image)


@quick
@given(images((1, 3)), st.sampled_from([".png", ".PNG", "png", ".pnm", ".bmp"]))
def test_image_round_trip(image, ext):
    assert decode_image(encode_image(*image, ext), ext=".nothing") == image


def test_bmp_layout():
    blob = encode_bmp(bytes([1, 2, 3, 4, 5, 6]), 1, 2, 3)
    assert blob == (b"BM" + struct.pack("<IHHI", 62, 0, 0, 54)
                    + struct.pack("<IiiHHIIiiII", 40, 1, 2, 1, 24, 0, 8, 2835, 2835, 0, 0)
                    + bytes([6, 5, 4, 0, 3, 2, 1, 0]))
    gray = encode_bmp(bytes([7]), 1, 1, 1)
    assert struct.unpack_from("<HI", gray, 28) == (8, 0) and gray[10:14] == struct.pack("<I", 1078)
    assert gray[54:58] == bytes(4) and gray[54 + 4 * 255:58 + 4 * 255] == b"\xff\xff\xff\x00"
    assert gray[1078:] == b"\x07\x00\x00\x00"


def test_pnm_layout():
    assert encode_pnm(b"\x01\x02", 2, 1, 1) == b"P5\n2 1\n255\n\x01\x02"
    assert encode_pnm(b"abcdef", 1, 2, 3) == b"P6\n1 2\n255\nabcdef"


def test_pnm_header_variants():
    blob = b"P5 # comment\n 3#c\r\n\t1\v\f255#x\n\n\x20\xff"
    assert decode_pnm(blob) == (b"\n\x20\xff", 3, 1, 1)
    assert decode_pnm(b"P5\n2 1\n3\n\x00\x03") == (b"\x00\xff", 2, 1, 1)
    assert decode_pnm(b"P5\n3 1\n10\n\x01\x03\x05") == (bytes([26, 76, 128]), 3, 1, 1)
    wide = b"P6\n1 1\n65535\n" + struct.pack(">3H", 0, 0x8080, 0xFFFF)
    assert decode_pnm(wide) == (bytes([0, 128, 255]), 1, 1, 3)
    assert decode_pnm(b"P5\n1 1\n1000\n" + struct.pack(">H", 500)) == (b"\x80", 1, 1, 1)


def test_bmp_reads_top_down_palettes_and_low_depths():
    def bmp(width, height, bits, palette, pixels):
        offset = 54 + len(palette)
        return (b"BM" + struct.pack("<IHHI", offset + len(pixels), 0, 0, offset)
                + struct.pack("<IiiHHIIiiII", 40, width, height, 1, bits, 0, 0, 0, 0,
                              len(palette) // 4, 0) + palette + pixels)
    color = bytes([255, 0, 0, 0, 0, 0, 255, 0])  # blue, red (BGRX)
    assert decode_bmp(bmp(3, -1, 1, color, b"\xa0\x00\x00\x00")) == (
        bytes([255, 0, 0, 0, 0, 255, 255, 0, 0]), 3, 1, 3)
    gray = bytes([9, 9, 9, 0, 200, 200, 200, 0])
    assert decode_bmp(bmp(2, 2, 4, gray, b"\x10\x00\x00\x00\x01\x00\x00\x00")) == (
        bytes([9, 200, 200, 9]), 2, 2, 1)
    rgba = decode_bmp(bmp(1, 1, 32, b"", bytes([1, 2, 3, 4])))
    assert rgba == (bytes([3, 2, 1, 4]), 1, 1, 4)


def test_decode_image_sniffs_magic_before_extension():
    png = encode_png(b"\x05", 1, 1, 1)
    assert decode_image(png, path="mislabelled.bmp") == (b"\x05", 1, 1, 1)
    assert decode_image(encode_bmp(b"\x06", 1, 1, 1), ext=".png") == (b"\x06", 1, 1, 1)
    assert decode_image(encode_pnm(b"\x07", 1, 1, 1), path="x.jpg") == (b"\x07", 1, 1, 1)
    with pytest.raises(FormatError, match=r"^data/a\.png: not a PNG file"):
        decode_image(b"GIF89a...", path="data/a.png")


# -- error handling ----------------------------------------------------------

def case_id(value):
    """Name error cases by their expected message rather than their bytes."""
    if isinstance(value, str):
        return value[:48]
    return value.__name__ if isinstance(value, type) else "_"


def tiny_png(**changes):
    """A valid 2x1 gray PNG, with chunks replaced or added by keyword."""
    parts = {"ihdr": ihdr(2, 1, 8, 0), "extra": b"",
             "idat": chunk(b"IDAT", zlib.compress(b"\x00\x10\x20")), "iend": chunk(b"IEND", b"")}
    parts.update(changes)
    return SIGNATURE + parts["ihdr"] + parts["extra"] + parts["idat"] + parts["iend"]


def test_tiny_png_is_valid():
    assert decode_png(tiny_png()) == (b"\x10\x20", 2, 1, 1)


@pytest.mark.parametrize("blob, error, message", ids=case_id, argvalues=[
    (tiny_png()[:45], TruncatedError, r"chunk IDAT at byte 33 needs 23 bytes but the file ends after 12"),
    (tiny_png()[:40], TruncatedError, r"file ends at byte 40, inside the header of the chunk at byte 33"),
    (tiny_png()[:5], TruncatedError, r"inside the PNG signature"),
    (b"GIF89a" + bytes(40), FormatError, r"not a PNG file: starts with b'GIF89a\\x00\\x00'"),
    (tiny_png(iend=b""), TruncatedError, r"file ends at byte 56 with no IEND chunk"),
    (tiny_png(ihdr=chunk(b"tEXt", b"a\x00b"), extra=ihdr(2, 1, 8, 0)), FormatError,
     r"first chunk is tEXt at byte 8 \(expected IHDR\)"),
    (tiny_png(extra=ihdr(2, 1, 8, 0)), FormatError, r"second IHDR chunk at byte 33"),
    (tiny_png(ihdr=ihdr(2, 1, 16, 3)), FormatError, r"bit depth 16 for colour type 3 \(expected 1, 2, 4, 8\)"),
    (tiny_png(ihdr=ihdr(2, 1, 8, 5)), FormatError, r"colour type 5 \(expected 0, 2, 3, 4 or 6\)"),
    (tiny_png(ihdr=ihdr(0, 1, 8, 0)), FormatError, r"size of 0 x 1"),
    (tiny_png(ihdr=ihdr(2, 1, 8, 0, 2)), FormatError, r"interlace method 2 \(expected 0 or 1\)"),
    (tiny_png(ihdr=chunk(b"IHDR", bytes(12))), FormatError,
     r"IHDR chunk at byte 8 holds 12 bytes \(expected 13\)"),
    (tiny_png(extra=chunk(b"ZZZZ", b"")), FormatError, r"unknown critical chunk ZZZZ at byte 33"),
    (tiny_png(extra=chunk(b"ab1d", b"")), FormatError, r"bad chunk type b'ab1d' at byte 33"),
    (tiny_png(idat=chunk(b"IDAT", zlib.compress(b"\x00\x10\x20")[:-3])), TruncatedError,
     r"IDAT zlib stream ends early, after \d of 3 bytes"),
    (tiny_png(idat=chunk(b"IDAT", zlib.compress(b"\x00\x10"))), TruncatedError,
     r"IDAT data inflates to 2 bytes \(expected 3 from the header\)"),
    (tiny_png(idat=chunk(b"IDAT", zlib.compress(b"\x00\x10\x20\x00"))), FormatError,
     r"IDAT data inflates to more than the 3 bytes the header promises"),
    (tiny_png(idat=chunk(b"IDAT", b"\x78\x9c\xff\xff")), FormatError, r"bad zlib data in IDAT \(Error -3"),
    (tiny_png(idat=chunk(b"IDAT", zlib.compress(b"\x07\x10\x20"))), FormatError,
     r"scanline 0 has filter type 7 \(expected 0 to 4\)"),
    (tiny_png(idat=b""), FormatError, r"no IDAT chunk before IEND"),
    (tiny_png(iend=chunk(b"tEXt", b"") + chunk(b"IDAT", b"") + chunk(b"IEND", b"")), FormatError,
     r"IDAT chunk at byte \d+ follows a tEXt chunk \(expected all IDAT chunks to be consecutive\)"),
    (tiny_png(iend=chunk(b"IEND", b"x")), FormatError, r"IEND chunk at byte \d+ holds 1 bytes \(expected 0\)"),
    (tiny_png(extra=chunk(b"PLTE", bytes(3))), FormatError, r"PLTE chunk at byte 33 in a colour type 0 image"),
    (tiny_png(extra=chunk(b"tRNS", bytes(6))), FormatError,
     r"tRNS chunk at byte 33 holds 6 bytes \(expected 2 for colour type 0\)"),
    (tiny_png(ihdr=ihdr(2, 1, 8, 4)), TruncatedError, r"inflates to 3 bytes \(expected 5"),
    (tiny_png(ihdr=ihdr(2, 1, 8, 3)), FormatError, r"colour type 3 image has no PLTE chunk"),
    (tiny_png(ihdr=ihdr(2, 1, 8, 3), extra=chunk(b"PLTE", bytes(16 * 3))), FormatError,
     r"pixel uses palette index 16 but PLTE holds only 16 entries"),
    (tiny_png(ihdr=ihdr(2, 1, 1, 3), extra=chunk(b"PLTE", bytes(9))), FormatError,
     r"PLTE chunk at byte 33 holds 9 bytes \(expected 3 bytes for each of 1 to 2 entries\)"),
    (tiny_png(ihdr=ihdr(2, 1, 8, 3), extra=chunk(b"tRNS", b"\x00") + chunk(b"PLTE", bytes(99))),
     FormatError, r"tRNS chunk at byte 33 comes before PLTE"),
    (tiny_png(ihdr=ihdr(2, 1, 8, 6), extra=chunk(b"tRNS", bytes(6))), FormatError,
     r"tRNS chunk at byte 33 in a colour type 6 image"),
    (tiny_png(iend=chunk(b"PLTE", bytes(3)) + chunk(b"IEND", b"")), FormatError,
     r"PLTE chunk at byte \d+ comes after IDAT"),
])
def test_png_errors(blob, error, message):
    with pytest.raises(error, match=message) as caught:
        decode_png(blob)
    assert type(caught.value) is error


def test_png_bad_crc_message():
    blob = bytearray(tiny_png())
    blob[-13] ^= 0xFF  # the last byte of the IDAT chunk's CRC
    good = zlib.crc32(bytes(blob[37:-16]))
    with pytest.raises(FormatError) as caught:
        decode_png(bytes(blob), path="digits/7.png")
    assert str(caught.value) == ("digits/7.png: bad CRC 0x%08x in chunk IDAT at byte 33 "
                                 "(expected 0x%08x)" % (good ^ 0xFF, good))
    assert caught.value.path == "digits/7.png"


def test_huge_header_refused_before_any_work():
    blob = tiny_png(ihdr=ihdr(100000, 100000, 8, 6))
    tracemalloc.start()
    started = time.perf_counter()
    try:
        # one wording for every reader since issue 8: "image of H x W (height x width) = N pixels, ..."
        with pytest.raises(ImageTooLargeError, match=r"100000 x 100000 \(height x width\) = 10000000000 pixels, "
                           r"more than the limit max_pixels=%d" % DEFAULT_MAX_PIXELS):
            decode_png(blob)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - started < 0.5
    assert peak < 1_000_000
    with pytest.raises(ImageTooLargeError):
        decode_png(encode_png(bytes(12), 3, 4, 1), max_pixels=11)
    assert decode_png(encode_png(bytes(12), 3, 4, 1), max_pixels=12)[1:] == (3, 4, 1)
    with pytest.raises(ImageTooLargeError):
        decode_bmp(encode_bmp(bytes(12), 3, 4, 1), max_pixels=11)
    with pytest.raises(ImageTooLargeError):
        decode_pnm(b"P5 100000 100000 255\n", max_pixels=DEFAULT_MAX_PIXELS)


def test_zlib_bomb_is_bounded():
    bomb = zlib.compress(bytes(50_000_000), 9)  # 50 MB of zeros in ~50 KB
    blob = tiny_png(idat=chunk(b"IDAT", bomb))
    tracemalloc.start()
    try:
        with pytest.raises(FormatError, match="more than the 3 bytes"):
            decode_png(blob)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2_000_000


@pytest.mark.parametrize("blob, error, message", ids=case_id, argvalues=[
    (b"P2\n1 1\n255\n0", FormatError, r"not a binary PGM or PPM file: starts with b'P2'"),
    (b"P5\n1 1\n", TruncatedError, r"PNM header ends before the maxval"),
    (b"P51 1 255\n\x00", FormatError,
     r"PNM header has b'1' at byte 2 \(expected whitespace before the width\)"),
    (b"P5\nx 1 255\n\x00", FormatError,
     r"PNM width at byte 3 is b'x 1 255\\n\\x00' \(expected a decimal number\)"),
    (b"P5\n12345678901 1 255\n", FormatError,
     r"PNM width at byte 3 is b'12345678901 ' \(expected a decimal number\)"),
    (b"P5\n0 1 255\n", FormatError, r"PNM size is 0 x 1"),
    (b"P5\n1 1 0\n\x00", FormatError, r"PNM maxval is 0 \(expected 1 to 65535\)"),
    (b"P5\n1 1 65536\n\x00\x00", FormatError, r"PNM maxval is 65536"),
    (b"P5\n1 1 255x\x00", FormatError,
     r"PNM maxval is followed by b'x' at byte 10 \(expected one whitespace byte\)"),
    (b"P5\n1 1 255", TruncatedError, r"PNM file ends right after the maxval"),
    (b"P6\n2 1 255\n\x00\x00\x00\x00\x00", TruncatedError, r"PNM raster holds 5 bytes \(expected 6\)"),
    (b"P5\n1 1 100\n\x65", FormatError, r"PNM sample 101 is above maxval 100"),
    (b"P5\n1 1 1000\n\x03\xe9", FormatError, r"PNM sample 1001 is above maxval 1000"),
])
def test_pnm_errors(blob, error, message):
    with pytest.raises(error, match=message) as caught:
        decode_pnm(blob)
    assert type(caught.value) is error


def bmp_with(**fields):
    """A valid 1x1 24-bit BMP with header fields replaced by name."""
    values = dict(magic=b"BM", offset=54, size=40, width=1, height=1, planes=1, bits=24,
                  compression=0, colors=0)
    values.update(fields)
    return (struct.pack("<2sIHHI", values["magic"], 58, 0, 0, values["offset"])
            + struct.pack("<IiiHHIIiiII", values["size"], values["width"], values["height"],
                          values["planes"], values["bits"], values["compression"], 4, 0, 0,
                          values["colors"], 0)
            + b"\x01\x02\x03\x00")


@pytest.mark.parametrize("blob, error, message", ids=case_id, argvalues=[
    (bmp_with(magic=b"BA"), FormatError, r"not a BMP file: starts with b'BA' \(expected b'BM'\)"),
    (bmp_with()[:30], TruncatedError, r"BMP file is 30 bytes, shorter than its headers \(54\)"),
    (bmp_with(size=12), FormatError, r"BMP info header is 12 bytes"),
    (bmp_with(compression=1), FormatError, r"BMP compression is 1 \(BI_RLE8\) \(expected 0, BI_RGB"),
    (bmp_with(compression=3), FormatError, r"BMP compression is 3 \(BI_BITFIELDS\)"),
    (bmp_with(bits=16), FormatError,
     r"BMP has 1 planes of 16 bits \(expected 1 plane of 1, 4, 8, 24 or 32 bits\)"),
    (bmp_with(planes=2), FormatError, r"BMP has 2 planes"),
    (bmp_with(width=0), FormatError, r"BMP size is 0 x 1"),
    (bmp_with(height=0), FormatError, r"BMP size is 1 x 0"),
    (bmp_with(offset=20), FormatError,
     r"BMP pixel data offset 20 points into the headers \(expected at least 54\)"),
    (bmp_with(height=2), TruncatedError, r"BMP pixel data at byte 54 needs 8 bytes but the file has 4"),
    (bmp_with(bits=8, offset=54), FormatError,
     r"BMP palette of 256 colours runs to byte 1078, past the pixel data at byte 54"),
    (bmp_with(bits=1, colors=3), FormatError, r"BMP palette has 3 colours \(expected at most 2"),
    (bmp_with(bits=8, colors=1, offset=58)[:-4] + b"\x00\x00\x00\x00\x05\x00\x00\x00", FormatError,
     r"BMP pixel uses palette index 5 but the palette holds only 1 colours"),
])
def test_bmp_errors(blob, error, message):
    with pytest.raises(error, match=message) as caught:
        decode_bmp(blob)
    assert type(caught.value) is error


@pytest.mark.parametrize("call, message", [
    (lambda: encode_png(b"\x00" * 5, 2, 2, 1),
     r"data holds 5 bytes, expected width \* height \* channels = 2 \* 2 \* 1 = 4"),
    (lambda: encode_png(b"", 0, 2, 1), r"width must be a positive integer, got 0"),
    (lambda: encode_png(b"\x00" * 5, 1, 1, 5), r"PNG stores images of 1, 2, 3 or 4 channels, not 5"),
    (lambda: encode_png(b"\x00", 1, 1, 1, compress_level=10), r"compress_level must be 0 to 9, got 10"),
    (lambda: encode_bmp(b"\x00\x00", 1, 1, 2), r"BMP stores images of 1, 3 or 4 channels, not 2"),
    (lambda: encode_pnm(b"\x00\x00", 1, 1, 2), r"PGM/PPM stores images of 1 or 3 channels, not 2"),
    (lambda: encode_image(b"\x00\x00\x00", 1, 1, 3, ".pgm"), r"\.pgm files hold 1-channel images, not 3 channels"),
    (lambda: encode_image(b"\x00", 1, 1, 1, ""), r"no file extension given"),
])
def test_usage_errors(call, message):
    with pytest.raises(UsageError, match=message):
        call()


@pytest.fixture
def no_pillow(monkeypatch):
    """Make ``from PIL import Image`` fail, as when Pillow is not installed."""
    monkeypatch.setitem(sys.modules, "PIL", None)
    monkeypatch.setitem(sys.modules, "PIL.Image", None)


def test_other_types_need_pillow(no_pillow):
    with pytest.raises(UsageError) as caught:
        decode_image(b"\xff\xd8\xff\xe0 a JPEG", path=os.path.join("photos", "cat.jpg"))
    text = str(caught.value)
    assert text.startswith(os.path.join("photos", "cat.jpg") + ": cannot read .jpg images without Pillow")
    assert all(ext in text for ext in NATIVE_EXTENSIONS)
    with pytest.raises(UsageError, match=r"cannot write \.webp images without Pillow, .*\.png, \.pgm"):
        encode_image(b"\x00", 1, 1, 1, ".WEBP")
    assert decode_image(encode_png(b"\x01", 1, 1, 1), path="a.jpg") == (b"\x01", 1, 1, 1)


def test_import_is_cheap():
    code = "import sys, mnistio.png; print(sorted({'PIL', 'png', 'numpy'} & set(sys.modules)))"
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=root)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.strip() == "[]", out.stderr


# -- robustness: mutated files only ever raise FormatError --------------------

SEEDS = [
    build_png([[(i % 4,) for i in range(9)] for _ in range(5)], 2, 3, interlace=1, filters=(0,),
              palette=[(1, 2, 3), (4, 5, 6), (7, 8, 9), (10, 11, 12)], trns=b"\x00\x80"),
    build_png([[(i * 999, i, 7) for i in range(6)] for _ in range(6)], 16, 2, interlace=1,
              filters=(1, 2, 3, 4), trns=struct.pack(">3H", 0, 0, 7)),
    build_png([[(i, 255 - i) for i in range(11)] for _ in range(3)], 8, 4, filters=(4, 3)),
]


def fix_crcs(blob):
    """Recompute each chunk's CRC, so that mutations reach the chunk parsers."""
    blob, pos = bytearray(blob), 8
    while pos + 12 <= len(blob):
        (length,) = struct.unpack_from(">I", blob, pos)
        end = pos + 8 + length
        if end + 4 > len(blob):
            break
        blob[end:end + 4] = struct.pack(">I", zlib.crc32(bytes(blob[pos + 4:end])))
        pos = end + 4
    return bytes(blob)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(SEEDS), st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)),
                                        min_size=1, max_size=4),
       st.integers(0, 10_000), st.booleans())
def test_mutated_png_never_crashes(seed, flips, cut, crcs):
    blob = bytearray(seed[:max(8, len(seed) - cut % 40)] if cut % 3 == 0 else seed)
    for offset, value in flips:
        blob[offset % len(blob)] = value
    blob = fix_crcs(blob) if crcs else bytes(blob)
    try:
        data, width, height, channels = decode_png(blob)
    except FormatError:
        return
    assert len(data) == width * height * channels


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(["bmp1", "bmp3", "bmp4", "pgm", "ppm"]),
       st.lists(st.tuples(st.integers(0, 1200), st.integers(0, 255)), min_size=1, max_size=4),
       st.integers(0, 2000))
def test_mutated_bmp_pnm_never_crash(kind, flips, cut):
    channels = int(kind[3:] or (1 if kind == "pgm" else 3))
    encode, decode = (encode_bmp, decode_bmp) if kind.startswith("bmp") else (encode_pnm, decode_pnm)
    blob = bytearray(encode(bytes(range(channels * 12)), 4, 3, channels))
    for offset, value in flips:
        blob[offset % min(len(blob), 80)] = value
    blob = bytes(blob[:len(blob) - cut % 50])
    try:
        data, width, height, channels = decode(blob, max_pixels=10_000)
    except FormatError:
        return
    assert len(data) == width * height * channels


# -- Pillow cross-checks -------------------------------------------------------

def pillow_expected(blob):
    """What decode_png must return, from Pillow's decode and the documented rules.

    Pillow's own conversion is used except where the module docstring says it
    loses information: 16-bit gray ("I;16" clamps on conversion to "L") and
    2 or 4-bit gray with tRNS (Pillow compares the unscaled key). The third
    case, 16-bit RGB with tRNS, Pillow cannot write and no conformance image
    has; the pypng tests check it.
    """
    from PIL import Image

    depth, color_type = blob[24], blob[25]
    with Image.open(io.BytesIO(blob)) as image:
        image.load()
        key = image.info.get("transparency")
        channels = (3 if color_type == 3 else CHANNELS[color_type]) + (
            key is not None and color_type in (0, 2, 3))
        if color_type == 0 and (depth == 16 or depth in (2, 4) and key is not None):
            if depth == 16:
                values = struct.unpack("<%dH" % (image.width * image.height), image.tobytes())
                gray = bytes(v >> 8 for v in values)
            else:
                gray = image.tobytes()
                values = [v // (255 // (2 ** depth - 1)) for v in gray]
            planes = [gray]
            if key is not None:
                planes.append(bytes(0 if v == key else 255 for v in values))
            data = b"".join(bytes(p) for p in zip(*planes))
        else:
            data = image.convert(MODES[channels]).tobytes()
        return data, image.width, image.height, channels


def pillow_save(image, **options):
    buffer = io.BytesIO()
    image.save(buffer, **options)
    return buffer.getvalue()


def pillow_images():
    """Images of every mode and bit depth Pillow writes as PNG."""
    from PIL import Image

    gradient = bytes(range(0, 256, 9)) * 3  # 29 columns x 3 rows
    gray = Image.frombytes("L", (29, 3), gradient)
    mirrored = gray.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    rgb = Image.merge("RGB", [gray, mirrored, gray.point(lambda v: 255 - v)])
    rgba = Image.merge("RGBA", list(rgb.split()) + [gray.point(lambda v: v // 2)])
    wide = Image.frombytes("I;16", (29, 3), struct.pack("<87H", *(v * 2311 % 65536 for v in range(87))))
    cases = [
        ("1", gray.convert("1"), {}),
        ("1-trns", gray.convert("1"), {"transparency": 0}),
        ("L", gray, {}),
        ("L-trns", gray, {"transparency": 9}),
        ("LA", Image.merge("LA", [gray, gray.point(lambda v: 255 - v)]), {}),
        ("RGB", rgb, {}),
        ("RGB-trns", rgb, {"transparency": rgb.getpixel((1, 0))}),
        ("RGBA", rgba, {}),
        ("I;16", wide, {}),
        ("I;16-trns", wide, {"transparency": wide.getpixel((3, 1))}),
    ]
    for bits in (1, 2, 4, 8):
        palette_image = rgb.quantize(2 ** bits)
        cases.append(("P%d" % bits, palette_image, {"bits": bits}))
        cases.append(("P%d-trns" % bits, palette_image, {"bits": bits, "transparency": 1}))
        alphas = bytes(index * 16 % 256 for index in range(2 ** bits))
        cases.append(("P%d-alphas" % bits, palette_image, {"bits": bits, "transparency": alphas}))
    return cases


PILLOW_CASES = ["1", "1-trns", "L", "L-trns", "LA", "RGB", "RGB-trns", "RGBA", "I;16", "I;16-trns"] + [
    "P%d%s" % (bits, tail) for bits in (1, 2, 4, 8) for tail in ("", "-trns", "-alphas")]


@pytest.mark.parametrize("name", PILLOW_CASES)
def test_decode_pillow_written_png(name):
    pytest.importorskip("PIL")
    image, options = {n: (i, o) for n, i, o in pillow_images()}[name]
    blob = pillow_save(image, format="PNG", **options)
    assert decode_png(blob) == pillow_expected(blob)


@pytest.mark.parametrize("interlace", [0, 1])
def test_every_filter_and_interlacing_match_pillow(interlace):
    pytest.importorskip("PIL")
    pixels = [[(x * 17 % 256, y * 40, (x ^ y) & 255) for x in range(13)] for y in range(6)]
    blob = build_png(pixels, 8, 2, interlace=interlace, filters=(0, 1, 2, 3, 4))
    assert decode_png(blob) == pillow_expected(blob)


@quick
@given(images((1, 2, 3, 4)))
def test_pillow_reads_our_png(image):
    Image = pytest.importorskip("PIL.Image")
    data, width, height, channels = image
    with Image.open(io.BytesIO(encode_png(*image))) as decoded:
        assert decoded.mode == MODES[channels] and decoded.size == (width, height)
        assert decoded.tobytes() == data


@quick
@given(images((1, 3)))
def test_pillow_reads_our_pnm(image):
    Image = pytest.importorskip("PIL.Image")
    data, width, height, channels = image
    with Image.open(io.BytesIO(encode_pnm(*image))) as decoded:
        assert decoded.mode == MODES[channels] and decoded.tobytes() == data


@quick
@given(images((1, 3, 4)))
def test_pillow_reads_our_bmp(image):
    Image = pytest.importorskip("PIL.Image")
    from PIL import BmpImagePlugin

    data, width, height, channels = image
    with Image.open(io.BytesIO(encode_bmp(*image))) as decoded:
        if channels < 4:
            assert decoded.convert(MODES[channels]).tobytes() == data
        else:  # Pillow ignores the alpha bytes of a 32-bit BI_RGB file
            rgb = bytes(byte for index, byte in enumerate(data) if index % 4 != 3)
            assert decoded.mode == "RGB" and decoded.tobytes() == rgb
    if channels == 4 and hasattr(BmpImagePlugin, "USE_RAW_ALPHA"):
        BmpImagePlugin.USE_RAW_ALPHA = True
        try:
            with Image.open(io.BytesIO(encode_bmp(*image))) as decoded:
                assert decoded.mode == "RGBA" and decoded.tobytes() == data
        finally:
            BmpImagePlugin.USE_RAW_ALPHA = False


@pytest.mark.parametrize("mode, ext", [("1", "BMP"), ("L", "BMP"), ("P", "BMP"), ("RGB", "BMP"),
                                       ("L", "PPM"), ("RGB", "PPM")])
def test_decode_pillow_written_bmp_pnm(mode, ext):
    Image = pytest.importorskip("PIL.Image")
    base = Image.frombytes("RGB", (7, 5), bytes(range(0, 210, 2)))
    image = base.quantize(16) if mode == "P" else base.convert(mode)
    blob = pillow_save(image, format=ext)
    data, width, height, channels = decode_image(blob)
    with Image.open(io.BytesIO(blob)) as reread:
        assert reread.convert(MODES[channels]).tobytes() == data
    assert (width, height, channels) == (7, 5, 1 if mode in ("1", "L") else 3)


def test_pillow_handles_other_types(tmp_path):
    Image = pytest.importorskip("PIL.Image")
    data = bytes(range(0, 240, 2)) * 2  # 10 x 8 RGB
    for ext in (".tif", ".TIFF"):
        blob = encode_image(data, 10, 8, 3, ext)
        assert blob[:2] in (b"II", b"MM")
        assert decode_image(blob, path="a" + ext) == (data, 10, 8, 3)
    jpeg = encode_image(data, 10, 8, 3, "jpg")
    decoded, width, height, channels = decode_image(jpeg, ext=".jpeg")
    assert (width, height, channels, len(decoded)) == (10, 8, 3, 240)
    with pytest.raises(UsageError, match=r"Pillow cannot write 4-channel images as \.jpg"):
        encode_image(bytes(4), 1, 1, 4, ".jpg")
    with pytest.raises(UsageError, match=r"unknown image extension '\.nope'"):
        encode_image(bytes(1), 1, 1, 1, ".nope")
    with pytest.raises(FormatError, match=r"^x\.jpg: Pillow cannot read this image"):
        decode_image(b"\xff\xd8\xff garbage", path="x.jpg")
    with pytest.raises(ImageTooLargeError):
        decode_image(encode_image(data, 10, 8, 3, ".tif"), ext=".tif", max_pixels=79)
    gif = pillow_save(Image.frombytes("P", (2, 1), b"\x00\x01"), format="GIF", transparency=1)
    assert decode_image(gif, ext=".gif")[3] == 4


# -- pypng cross-checks --------------------------------------------------------

def pypng_expected(blob):
    """pypng's decode of ``blob``, converted to 8 bits by the documented rules."""
    import png as pypng

    width, height, rows, info = pypng.Reader(bytes=blob).asDirect()
    depth = info["bitdepth"]
    values = [v for row in rows for v in row]
    if depth == 16:
        data = bytes(v >> 8 for v in values)
    else:
        data = bytes(v * 255 // (2 ** depth - 1) for v in values)
    return data, width, height, info["planes"]


def pypng_cases():
    for greyscale, alpha in ((True, False), (True, True), (False, False), (False, True)):
        depths = (1, 2, 4, 8, 16) if greyscale and not alpha else (8, 16)
        for depth in depths:
            for transparent in (False, True) if not alpha else (False,):
                yield dict(greyscale=greyscale, alpha=alpha, bitdepth=depth), transparent
    for depth in (1, 2, 4, 8):
        yield dict(bitdepth=depth, palette="rgb"), False
        yield dict(bitdepth=depth, palette="rgba"), False


@pytest.mark.parametrize("interlace", [False, True])
@pytest.mark.parametrize("options, transparent", list(pypng_cases()),
                         ids=lambda v: str(v).replace(" ", "") if isinstance(v, dict) else str(v))
def test_decode_pypng_written_png(options, transparent, interlace):
    pypng = pytest.importorskip("png")
    width, height = 11, 7
    top = 2 ** options["bitdepth"] - 1
    planes = 1 if "palette" in options else (1 if options["greyscale"] else 3) + options["alpha"]
    rows = [[(x * 37 + y * 11 + p * 5) * 2654435761 % (top + 1)
             for x in range(width) for p in range(planes)] for y in range(height)]
    if "palette" in options:
        size = top + 1 if options["bitdepth"] < 8 else 200
        rows = [[v % size for v in row] for row in rows]
        alpha = options["palette"] == "rgba"
        options = dict(options, palette=[(i, 255 - i, i * 7 % 256) + ((i * 3 % 256,) if alpha else ())
                                         for i in range(size)])
    if transparent:
        options = dict(options, transparent=tuple(rows[0][:planes]) if planes > 1 else rows[0][0])
    buffer = io.BytesIO()
    pypng.Writer(width, height, interlace=interlace, **options).write(buffer, rows)
    blob = buffer.getvalue()
    assert decode_png(blob) == pypng_expected(blob)


# -- conformance images ----------------------------------------------------------

def data_files(folder, prefix=""):
    path = os.path.join(DATA, folder)
    if not DATA or not os.path.isdir(path):
        return []
    return sorted(os.path.join(folder, name) for name in os.listdir(path)
                  if name.endswith(".png") and name.startswith(prefix))


def read(name):
    with open(os.path.join(DATA, name), "rb") as f:
        return f.read()


VALID = [name for name in data_files("pngsuite") + data_files("testpngs")
         if not os.path.basename(name).startswith("x")]
BROKEN = data_files("pngsuite", "x") + data_files("crashers")
# Its only faults are empty ancillary chunks, which decode_png skips unread
# (the spec lets decoders ignore faulty ancillary chunks); Pillow refuses it.
ANCILLARY_FAULTS_ONLY = {"crashers/empty_ancillary_chunks.png"}


@pytest.mark.skipif(not VALID, reason="MNISTIO_PNG_SUITE names no folder of libpng's test images")
@pytest.mark.parametrize("name", VALID)
def test_conformance_image(name):
    blob = read(name)
    started = time.perf_counter()
    data, width, height, channels = decode_png(blob, path=name)
    assert time.perf_counter() - started < 5
    assert len(data) == width * height * channels
    if HAVE_PILLOW:
        assert (data, width, height, channels) == pillow_expected(blob)


@pytest.mark.skipif(not BROKEN, reason="MNISTIO_PNG_SUITE names no folder of libpng's test images")
@pytest.mark.parametrize("name", BROKEN)
def test_broken_image(name):
    blob = read(name)
    started = time.perf_counter()
    try:
        result = decode_png(blob, path=name)
    except FormatError as exc:
        assert exc.path == name
        result = None
    assert time.perf_counter() - started < 5
    if result is None:
        return
    assert name.replace(os.sep, "/") in ANCILLARY_FAULTS_ONLY
    assert result == (b"\x80\x00\x80", 1, 1, 3)


def test_limit_is_read_when_called(monkeypatch):
    import mnistio.limits

    blob = encode_png(bytes(12), 3, 4, 1)
    bmp, pnm = encode_bmp(bytes(12), 3, 4, 1), encode_pnm(bytes(12), 3, 4, 1)
    monkeypatch.setattr(mnistio.limits, "MAX_IMAGE_PIXELS", 11)
    for call in (lambda: decode_png(blob), lambda: decode_bmp(bmp), lambda: decode_pnm(pnm),
                 lambda: decode_image(blob)):
        with pytest.raises(ImageTooLargeError, match=r"= 12 pixels, more than the limit max_pixels=11 "
                           r"\(set by mnistio\.limits\.MAX_IMAGE_PIXELS: raise it"):
            call()
    assert decode_png(blob, max_pixels=12)[1:] == (3, 4, 1)  # the argument wins
    monkeypatch.setattr(mnistio.limits, "MAX_IMAGE_PIXELS", 12)
    assert decode_png(blob)[1:] == decode_bmp(bmp)[1:] == decode_pnm(pnm)[1:] == (3, 4, 1)
    with pytest.raises(ImageTooLargeError, match=r"max_pixels=5 \(the max_pixels argument: pass a larger one"):
        decode_png(blob, max_pixels=5)


def test_pillow_path_reads_the_limit(monkeypatch):
    pytest.importorskip("PIL")
    import mnistio.limits

    tif = encode_image(bytes(240), 10, 8, 3, ".tif")
    monkeypatch.setattr(mnistio.limits, "MAX_IMAGE_PIXELS", 79)
    with pytest.raises(ImageTooLargeError, match=r"8 x 10 \(height x width\) = 80 pixels.*mnistio\.limits\.MAX_IMAGE_PIXELS"):
        decode_image(tif, ext=".tif")
    monkeypatch.setattr(mnistio.limits, "MAX_IMAGE_PIXELS", 80)
    assert decode_image(tif, ext=".tif")[1:] == (10, 8, 3)
