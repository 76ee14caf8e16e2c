"""How the image decoders work inside: the PNG decoder's ways of undoing filters, and decoding in bands.

``mnistio.codecs.png`` undoes the filters of a band of rows row by row, column
by column, all at once (None, Sub and Up) or by anti-diagonals, whichever it
estimates cheapest; each is checked here against the spec's formulas (W3C
9.2), byte by byte, on shapes that reach every way. The PNG, BMP and PGM/PPM
decoders work a band of rows at a time: whole images are decoded here with
bands small enough that each spans several.
"""

import importlib.util
import random
import struct
import zlib

import pytest

from mnistio.codecs import png as codec
from mnistio.codecs.png import decode_png
from mnistio.errors import FormatError

SIGNATURE = b"\x89PNG\r\n\x1a\n"


def paeth(a, b, c):
    """The predictor as the spec writes it."""
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


def reference(raw, rows, row_bytes, bpp, prior):
    """Undo the filters one byte at a time, by the spec's formulas."""
    out = bytearray()
    for row in range(rows):
        kind = raw[row * (row_bytes + 1)]
        line = raw[row * (row_bytes + 1) + 1:(row + 1) * (row_bytes + 1)]
        done = bytearray()
        for i, x in enumerate(line):
            a = done[i - bpp] if i >= bpp else 0
            b = prior[i]
            c = prior[i - bpp] if i >= bpp else 0
            done.append((x + (0, a, b, (a + b) // 2, paeth(a, b, c))[kind]) % 256)
        out += done
        prior = done
    return bytes(out)


def band(rng, bpp, units, rows, kinds):
    row_bytes = units * bpp
    raw = b"".join(bytes([rng.choice(kinds)]) + bytes(rng.randrange(256) for _ in range(row_bytes))
                   for _ in range(rows))
    prior = bytes(rng.randrange(256) for _ in range(row_bytes)) if rng.random() < 0.7 else bytes(row_bytes)
    return raw, row_bytes, prior


KINDS = [[0], [1], [2], [3], [4], [0, 1, 2], [3, 4], [0, 1, 2, 3, 4], [1, 4], [2, 3]]


@pytest.mark.parametrize("seed", range(8))
def test_every_way_matches_the_spec(seed):
    rng = random.Random(seed)
    for _ in range(40):
        bpp = rng.choice([1, 2, 3, 4, 6, 8])
        units, rows = rng.randint(1, 24), rng.randint(1, 30)
        kinds = rng.choice(KINDS)
        raw, row_bytes, prior = band(rng, bpp, units, rows, kinds)
        types = raw[::row_bytes + 1]
        expected = reference(raw, rows, row_bytes, bpp, prior)
        ways = {"rows": codec._unfilter_rows(raw, types, row_bytes, bpp, prior),
                "columns": codec._unfilter_columns(raw, types, rows, row_bytes, bpp, prior),
                "band": codec._unfilter_band(raw, rows, row_bytes, bpp, prior, 0, 0)}
        if units > 1:
            ways["wavefront"] = codec._unfilter_wavefront(raw, types, rows, row_bytes, bpp, prior)
        if not {3, 4} & set(types):
            ways["bulk"] = codec._unfilter_bulk(raw, types, rows, row_bytes, bpp, prior)
        assert {way: result == expected for way, result in ways.items()} == dict.fromkeys(ways, True), \
            (bpp, units, rows, kinds)


def test_one_pixel_rows_read_sub_as_none_and_paeth_as_up():
    rng = random.Random(9)
    for bpp in (1, 4, 8):
        raw, row_bytes, prior = band(rng, bpp, 1, 50, [0, 1, 2, 3, 4])
        assert codec._unfilter_band(raw, 50, row_bytes, bpp, prior, 0, 0) == reference(raw, 50, row_bytes, bpp, prior)


def test_paeth_rule_matches_the_spec():
    """lo where 3c >= lo + 2hi, else hi where 3c <= hi + 2lo, else c: for every triple with numpy,
    else every (a, b) pair for a spread of c, row by row and in 16-bit lanes."""
    if importlib.util.find_spec("numpy"):
        import numpy as np

        values = np.arange(256, dtype=np.int16)
        a, b, c = values[:, None, None], values[None, :, None], values[None, None, :]  # broadcast: 2**24
        pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
        spec = np.where((pa <= pb) & (pa <= pc), a, np.where(pb <= pc, b, c))
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        rule = np.where(3 * c >= lo + 2 * hi, lo, np.where(3 * c <= hi + 2 * lo, hi, c))
        assert (spec == rule).all()
    lefts = bytes(range(256)) * 256
    ups = bytes(v for v in range(256) for _ in range(256))
    constants = codec._Lanes(bytes(len(lefts) - 1), 1)  # as many lanes as triples
    for c in (0, 100, 255):
        expected = bytes(paeth(a, b, c) for a, b in zip(lefts, ups))
        lanes = codec._paeth_lanes(codec._lanes(lefts), codec._lanes(ups), codec._lanes(bytes([c]) * len(ups)),
                                   constants)
        assert lanes.to_bytes(2 * len(lefts) + 2, "little")[0::2][:len(lefts)] == expected


# -- whole images, with bands small enough that each image spans several -------------

def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(width, height, depth, color_type, rows_raw, trns=None):
    header = struct.pack(">IIBBBBB", width, height, depth, color_type, 0, 0, 0)
    extra = chunk(b"tRNS", trns) if trns is not None else b""
    return (SIGNATURE + chunk(b"IHDR", header) + extra + chunk(b"IDAT", zlib.compress(rows_raw))
            + chunk(b"IEND", b""))


@pytest.mark.parametrize("width, height", [(1, 300), (3, 200), (40, 60), (130, 9), (257, 5)])
@pytest.mark.parametrize("color_type, depth", [(0, 8), (2, 8), (6, 8), (6, 16), (2, 16), (0, 1)])
def test_images_across_bands(monkeypatch, width, height, color_type, depth):
    monkeypatch.setattr(codec, "_BAND_BYTES", 700)
    rng = random.Random(width * 1000 + height + depth)
    channels = {0: 1, 2: 3, 6: 4}[color_type]
    bpp = max(1, depth * channels // 8)
    row_bytes = (width * depth * channels + 7) // 8
    raw, _, _ = band(rng, 1, row_bytes, height, rng.choice(KINDS))
    samples = reference(raw, height, row_bytes, bpp, bytes(row_bytes))
    trns = struct.pack(">3H", *struct.unpack(">3H", samples[:6])) if (color_type, depth) == (2, 16) else None
    data, rows, columns, got_channels = decode_png(png(width, height, depth, color_type, raw, trns))
    assert (rows, columns) == (height, width)
    if depth == 16:
        high = samples[0::2]
        expected = high if trns is None else b"".join(
            high[i * 3:i * 3 + 3] + (b"\x00" if samples[i * 6:i * 6 + 6] == samples[:6] else b"\xff")
            for i in range(width * height))
    elif depth == 1:
        expected = b"".join(bytes(255 * (byte >> (7 - bit) & 1) for byte in samples[r * row_bytes:(r + 1) * row_bytes]
                                  for bit in range(8))[:width] for r in range(height))
    else:
        expected = samples
    assert got_channels == channels + (trns is not None)
    assert data == expected


# -- BMP and PGM/PPM, in bands ----------------------------------------------------------

def bmp(width, height, bits, pixels, palette=b""):
    """A BMP of ``pixels`` (rows of stored bytes, top row first), bottom-up for positive heights."""
    stride = (width * bits + 31) // 32 * 4
    rows = [row + bytes(stride - len(row)) for row in pixels]
    body = b"".join(rows if height < 0 else rows[::-1])
    offset = 54 + len(palette)
    return (b"BM" + struct.pack("<IHHI", offset + len(body), 0, 0, offset)
            + struct.pack("<IiiHHIIiiII", 40, width, height, 1, bits, 0, len(body), 0, 0, len(palette) // 4, 0)
            + palette + body)


@pytest.mark.parametrize("width, height", [(1, 97), (2, 60), (13, 11), (300, 3)])
@pytest.mark.parametrize("bits", [1, 4, 8, 24, 32])
@pytest.mark.parametrize("top_down", [False, True])
def test_bmp_in_bands(monkeypatch, width, height, bits, top_down):
    from mnistio.codecs import bmp as bmp_codec
    from mnistio.codecs.bmp import decode_bmp

    monkeypatch.setattr(bmp_codec, "_BMP_BAND", 64)
    rng = random.Random(width * 7 + height + bits)
    if bits <= 8:
        colors = [bytes(rng.randrange(256) for _ in range(3)) for _ in range(2 ** bits)]
        palette = b"".join(color + b"\x00" for color in colors)
        indexes = [[rng.randrange(2 ** bits) for _ in range(width)] for _ in range(height)]
        rows = [bytes(int("".join(format(i, "0%db" % bits) for i in row).ljust(-(-width * bits // 8) * 8, "0")[k:k + 8], 2)
                      for k in range(0, -(-width * bits // 8) * 8, 8)) for row in indexes]
        expected = b"".join(colors[i][2::-1] for row in indexes for i in row)
        channels = 3
    else:
        size = bits // 8
        palette = b""
        rows = [bytes(rng.randrange(1, 256) for _ in range(width * size)) for _ in range(height)]
        expected = b"".join(row[i + 2::-1][:3] + row[i + 3:i + size] for row in rows for i in range(0, len(row), size))
        channels = size
    blob = bmp(width, -height if top_down else height, bits, rows, palette)
    assert decode_bmp(blob) == (expected, height, width, channels)


@pytest.mark.parametrize("maxval", [1, 200, 255, 256, 1000, 65535])
def test_pnm_in_bands(monkeypatch, maxval):
    from mnistio.codecs import netpbm
    from mnistio.codecs.netpbm import decode_pnm

    monkeypatch.setattr(netpbm, "_PNM_BAND", 7)
    rng = random.Random(maxval)
    values = [rng.randint(0, maxval) for _ in range(3 * 5 * 9)]
    raster = struct.pack(">%dH" % len(values), *values) if maxval > 255 else bytes(values)
    data = decode_pnm(b"P6\n5 9\n%d\n" % maxval + raster)
    assert data == (bytes(round(v / maxval * 255) for v in values), 9, 5, 3)
    if maxval not in (255, 65535):
        values[-1] = maxval + 1
        bad = struct.pack(">%dH" % len(values), *values) if maxval > 255 else bytes(values)
        with pytest.raises(FormatError, match=r"PNM sample %d is above maxval %d" % (maxval + 1, maxval)):
            decode_pnm(b"P6\n5 9\n%d\n" % maxval + bad)
