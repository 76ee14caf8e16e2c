"""Hostile image files: mnistio.codecs.images.decode_image only ever raises mnistio errors, within
bounded memory and time (see ``hostile.py``: a child process under an address-space limit and a
time limit per file).

Inputs: seeded mutations of valid PNGs (every colour type and bit depth, interlaced or not, with
filters of every type, PLTE and tRNS), PGM/PPM (8 and 16-bit samples) and BMPs (1, 4, 8, 24 and
32 bits, both row orders); and hand-made ones: sizes at and past the limits, zlib bombs, IDAT
split into one-byte chunks, hundreds of thousands of chunks, worst-case filters on the largest
images the limit allows, BMP offsets and heights at the extremes. ``MNISTIO_FUZZ_CASES`` (default
150) mutations are made of each format; above the default, the largest hand-made files (the
default limit's worst cases, a few seconds each) are decoded too.
"""

import random
import struct
import zlib

from hostile import DEFAULT_CASES, assert_contained, case_count, mutations, run_cases, write_cases

SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
DEPTHS = {0: (1, 2, 4, 8, 16), 2: (8, 16), 3: (1, 2, 4, 8), 4: (8, 16), 6: (8, 16)}
ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))
FULL = case_count() > DEFAULT_CASES  # a long run: the largest hand-made files too

CHECK = '''
from mnistio.codecs.images import decode_image


def check(path):
    with open(path, "rb") as file:
        blob = file.read()
    raster = decode_image(blob, path=path)
    assert len(raster.data) == raster.height * raster.width * raster.channels, "wrong size"
'''


def run(tmp_path, named_blobs):
    """Write ``(name, blob)`` pairs, decode them in the bounded child; return the results."""
    paths = []
    for index, (name, blob) in enumerate(named_blobs):
        paths += write_cases(tmp_path / str(index), [blob], name)
    return run_cases(CHECK, paths, tmp_path, memory_mb=600, seconds_per_case=10.0)


# -- PNG ------------------------------------------------------------------------------------

def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def ihdr(width, height, depth, color_type, interlace=0):
    return chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, color_type, 0, 0, interlace))


def filtered(lines, bpp, rng):
    """Scanlines with a random filter type each (W3C 9.2), from the spec's formulas."""
    out, prior = [], None
    for line in lines:
        prior = prior or bytes(len(line))
        kind = rng.randrange(5)
        row = bytearray([kind])
        for i, x in enumerate(line):
            a, b, c = (line[i - bpp] if i >= bpp else 0), prior[i], (prior[i - bpp] if i >= bpp else 0)
            p = a + b - c
            guess = a if abs(p - a) <= abs(p - b) and abs(p - a) <= abs(p - c) else b if abs(p - b) <= abs(p - c) else c
            row.append((x - (0, a, b, (a + b) // 2, guess)[kind]) % 256)
        out.append(bytes(row))
        prior = line
    return b"".join(out)


def png_seed(rng, color_type, depth, interlace, width=7, height=5):
    """A valid PNG with random samples, random filters, a palette and tRNS where they apply."""
    channels = CHANNELS[color_type]
    top = (2 ** depth - 1) if color_type != 3 else min(2 ** depth, 6) - 1
    samples = [[rng.randint(0, top) for _ in range(width * channels)] for _ in range(height)]

    def pack(row):
        if depth == 16:
            return struct.pack(">%dH" % len(row), *row)
        if depth == 8:
            return bytes(row)
        bits = "".join(format(v, "0%db" % depth) for v in row)
        bits += "0" * (-len(bits) % 8)
        return bytes(int(bits[i:i + 8], 2) for i in range(0, len(bits), 8))

    bpp = max(1, depth * channels // 8)
    passes = ADAM7 if interlace else ((0, 0, 1, 1),)
    raw = b"".join(filtered([pack([v for x in range(x0, width, dx) for v in row[x * channels:(x + 1) * channels]])
                             for row in samples[y0::dy]], bpp, rng)
                   for x0, y0, dx, dy in passes if x0 < width and y0 < height)
    extra = b""
    if color_type == 3:
        extra += chunk(b"PLTE", bytes(rng.randrange(256) for _ in range(3 * (top + 1))))
        extra += chunk(b"tRNS", b"\x00\x80\xff"[:top + 1])
    elif color_type in (0, 2) and rng.random() < 0.7:
        extra += chunk(b"tRNS", struct.pack(">%dH" % channels, *samples[0][:channels]))
    return (width, height, depth, color_type, interlace), extra, raw


def assemble(header, extra, raw):
    """A PNG of IHDR fields, the chunks between IHDR and IDAT, and the scanlines (split over two IDATs)."""
    stream = zlib.compress(raw)
    middle = len(stream) // 2
    return (SIGNATURE + ihdr(*header) + chunk(b"tEXt", b"k\x00v") + extra
            + chunk(b"IDAT", stream[:middle]) + chunk(b"IDAT", stream[middle:]) + chunk(b"IEND", b""))


def fix_crcs(blob):
    """Recompute each chunk's CRC, so that mutations reach the chunk parsers and the decoder."""
    blob, pos = bytearray(blob), 8
    while pos + 12 <= len(blob):
        (length,) = struct.unpack_from(">I", blob, pos)
        end = pos + 8 + length
        if end + 4 > len(blob):
            break
        blob[end:end + 4] = struct.pack(">I", zlib.crc32(bytes(blob[pos + 4:end])))
        pos = end + 4
    return bytes(blob)


def png_seeds():
    """(IHDR fields, chunks before IDAT, scanlines) of every colour type and depth, interlaced and not."""
    rng = random.Random(8)
    return [png_seed(rng, color_type, depth, interlace)
            for color_type in sorted(DEPTHS) for depth in DEPTHS[color_type] for interlace in (0, 1)]


def test_png_seeds_are_valid():
    from mnistio.codecs.png import decode_png

    for seed in png_seeds():
        data, height, width, channels = decode_png(assemble(*seed))
        assert (height, width) == (5, 7) and len(data) == 35 * channels


def png_mutations(seed, number, count):
    """Mutations of the file (half with their CRCs fixed), of its scanlines (recompressed, so that
    they reach the filters and palettes), and of its IHDR fields (the data read with other ones)."""
    header, extra, raw = seed
    blob = assemble(*seed)
    rng = random.Random(number)
    made = [fix_crcs(data) if index % 2 else data
            for index, data in enumerate(mutations(blob, number, count // 3 + count % 3, protect=8))]
    made += [assemble(header, extra, data) for data in mutations(raw, number + 1, count // 3)]
    for _ in range(count // 3):
        color_type = rng.choice(sorted(DEPTHS))
        fields = (rng.choice([1, 2, 3, 7, 8, 9, 35, 2 ** 12, 2 ** 24]), rng.choice([1, 2, 5, 6, 3 * 2 ** 10]),
                  rng.choice(DEPTHS[color_type]), color_type, rng.randrange(2))
        made.append(assemble(fields, extra if rng.random() < 0.5 else b"", raw))
    return made


def test_mutated_pngs(tmp_path):
    seeds = png_seeds()
    per_seed = max(3, case_count() // len(seeds))
    blobs = [blob for number, seed in enumerate(seeds) for blob in png_mutations(seed, 100 + 10 * number, per_seed)]
    results = run(tmp_path, [("case.png", blob) for blob in blobs])
    assert_contained(results, at_least_refused=len(blobs) // 4)


def zeros_png(width, height, depth, color_type, kind, interlace=0, extra=b"", pieces=None):
    """A valid PNG whose scanlines are all of filter type ``kind`` and all zero: tiny, however large."""
    bits = depth * CHANNELS[color_type]
    passes = [((width - x0 + dx - 1) // dx, (height - y0 + dy - 1) // dy) for x0, y0, dx, dy in ADAM7] \
        if interlace else [(width, height)]
    compressor = zlib.compressobj(1)
    stream = b""
    for columns, rows in passes:
        if columns > 0 and rows > 0:
            line = bytes([kind]) + bytes((columns * bits + 7) // 8)
            for start in range(0, rows, 4096):
                stream += compressor.compress(line * min(4096, rows - start))
    stream += compressor.flush()
    step = pieces or len(stream)
    return (SIGNATURE + ihdr(width, height, depth, color_type, interlace) + extra
            + b"".join(chunk(b"IDAT", stream[i:i + step]) for i in range(0, len(stream), step))
            + chunk(b"IEND", b""))


def png_of(width, height, depth, color_type, raw, extra=b""):
    """A PNG whose IDAT stream is ``raw``, compressed, whatever it holds."""
    return (SIGNATURE + ihdr(width, height, depth, color_type) + extra + chunk(b"IDAT", zlib.compress(raw))
            + chunk(b"IEND", b""))


def png_nasties():
    tiny = zlib.compress(b"\x00\x00")
    bomb = zlib.compress(bytes(64 * 2 ** 20), 9)  # 64 MiB of zeros in about 64 KB
    made = [
        ("huge", SIGNATURE + ihdr(100000, 100000, 16, 6) + chunk(b"IDAT", tiny) + chunk(b"IEND", b"")),
        ("just-past-limit", SIGNATURE + ihdr(4097, 4096, 8, 0) + chunk(b"IDAT", tiny) + chunk(b"IEND", b"")),
        ("widest", SIGNATURE + ihdr(2 ** 31 - 1, 1, 8, 0) + chunk(b"IDAT", tiny) + chunk(b"IEND", b"")),
        ("too-wide", SIGNATURE + ihdr(2 ** 32 - 1, 1, 8, 0) + chunk(b"IDAT", tiny) + chunk(b"IEND", b"")),
        ("bomb", SIGNATURE + ihdr(1, 1, 8, 0) + chunk(b"IDAT", bomb) + chunk(b"IEND", b"")),
        ("bomb-at-limit", SIGNATURE + ihdr(4096, 4096, 8, 0) + chunk(b"IDAT", bomb) + chunk(b"IEND", b"")),
        ("stream-ends-early-at-limit", png_of(4096, 4096, 16, 6, (b"\x04" + bytes(8 * 4096)) * 300)),
        ("chunk-cut-at-limit", zeros_png(4096, 4096, 16, 6, 4)[:-2000]),
        ("one-byte-idats", zeros_png(64, 64, 8, 2, 4, pieces=1)),
        ("empty-idats", SIGNATURE + ihdr(1, 1, 8, 0) + chunk(b"IDAT", b"") * 200000 + chunk(b"IDAT", tiny)
         + chunk(b"IEND", b"")),
        ("many-chunks", zeros_png(8, 8, 8, 0, 0, extra=chunk(b"tEXt", b"") * 200000)),
        ("huge-length", SIGNATURE + ihdr(1, 1, 8, 0) + struct.pack(">I4s", 2 ** 31 - 1, b"IDAT") + tiny),
        ("length-past-max", SIGNATURE + ihdr(1, 1, 8, 0) + struct.pack(">I4s", 2 ** 32 - 1, b"IDAT") + tiny),
        ("preset-dictionary", SIGNATURE + ihdr(1, 1, 8, 0) + chunk(b"IDAT", b"\x78\xbb\x00\x00\x00\x01")
         + chunk(b"IEND", b"")),
        ("stored-block-lies", SIGNATURE + ihdr(64, 64, 8, 0)
         + chunk(b"IDAT", b"\x78\x01\x01\xff\xff\x00\x00" + bytes(100)) + chunk(b"IEND", b"")),
        ("palette-overrun", png_of(300, 300, 8, 3, (b"\x00" + b"\xff" * 300) * 300, chunk(b"PLTE", bytes(3)))),
        ("bad-filter-type-late", png_of(300, 300, 8, 0, (b"\x04" + bytes(300)) * 299 + b"\x05" + bytes(300))),
        ("gray-paeth-at-limit", zeros_png(4096, 4096, 8, 0, 4)),
        ("one-wide-average", zeros_png(1, 2 ** 20, 8, 6, 3)),
        ("four-wide-paeth", zeros_png(4, 2 ** 16, 8, 6, 4)),
        ("two-high-paeth", zeros_png(2 ** 17, 2, 8, 6, 4)),
        ("twenty-wide-average", zeros_png(20, 2 ** 16, 16, 2, 3, extra=chunk(b"tRNS", bytes(6)))),
        ("one-high-paeth", zeros_png(2 ** 20, 1, 8, 6, 4)),  # Paeth is Sub on the first row
        ("interlaced-paeth", zeros_png(1000, 1000, 16, 6, 4, interlace=1)),
    ]
    if FULL:
        made += [
            ("rgba16-paeth-at-limit", zeros_png(4096, 4096, 16, 6, 4)),
            ("rgb16-trns-paeth-at-limit", zeros_png(4096, 4096, 16, 2, 4, extra=chunk(b"tRNS", bytes(6)))),
            ("rgba8-average-at-limit", zeros_png(4096, 4096, 8, 6, 3)),
            ("interlaced-rgba16-paeth-at-limit", zeros_png(4096, 4096, 16, 6, 4, interlace=1)),
            ("one-wide-rgba-average-at-limit", zeros_png(1, 4096 * 4096, 8, 6, 3)),
            # Narrow images are the slowest per pixel (chains of one Python step a byte): a quarter of the
            # limit here, as the limit's 4 x 4194304 RGBA Paeth takes 7 to 9 s, too near the time limit.
            ("four-wide-rgba-paeth", zeros_png(4, 4096 * 256, 8, 6, 4)),
            ("eight-wide-rgb16-trns-paeth", zeros_png(8, 4096 * 128, 16, 2, 4, extra=chunk(b"tRNS", bytes(6)))),
        ]
    return made


def test_hand_made_pngs(tmp_path):
    results = run(tmp_path, [("case.png", blob) for _, blob in png_nasties()])
    assert_contained(results, at_least_refused=10)


# -- PGM/PPM ------------------------------------------------------------------------------

def pnm_seeds():
    rng = random.Random(5)
    seeds = []
    for magic, channels in ((b"P5", 1), (b"P6", 3)):
        for maxval in (255, 100, 1000, 65535):
            count = 6 * 4 * channels
            values = [rng.randint(0, maxval) for _ in range(count)]
            raster = struct.pack(">%dH" % count, *values) if maxval > 255 else bytes(values)
            seeds.append(magic + b"\n# a comment\n6 4\n%d\n" % maxval + raster)
    return seeds


def test_mutated_pnms(tmp_path):
    seeds = pnm_seeds()
    per_seed = max(2, case_count() // len(seeds))
    blobs = [blob for number, seed in enumerate(seeds) for blob in mutations(seed, 200 + number, per_seed, protect=2)]
    results = run(tmp_path, [("case.pnm", blob) for blob in blobs])
    assert_contained(results, at_least_refused=len(blobs) // 10)


def pnm_nasties():
    made = [
        ("huge", b"P6\n65535 65535\n255\n" + bytes(100)),
        ("just-past-limit", b"P5\n4097 4096\n255\n" + bytes(100)),
        ("eleven-digits", b"P5\n99999999999 1\n255\n\x00"),
        ("maxval-zero", b"P5\n1 1\n0\n\x00"),
        ("maxval-too-big", b"P5\n1 1\n65536\n\x00\x00"),
        ("truncated-at-limit", b"P6\n4096 4096\n65535\n" + bytes(1000)),
        ("spaces", b"P5" + b" " * 10 ** 7 + b"1 1 255\n\x00"),
        ("comments", b"P5" + b"\n#" * 10 ** 6 + b"\n1 1 255\n\x00"),
        ("endless-comment", b"P5 #" + b"x" * 10 ** 7),
        ("sample-above-maxval", b"P5\n2 1\n1000\n\x03\xe8\xff\xff"),
        ("gray16-1024", b"P5\n1024 1024\n65535\n" + bytes(2 * 2 ** 20)),
    ]
    if FULL:
        made.append(("rgb16-at-limit", b"P6\n4096 4096\n65535\n" + b"\x12\x34" * (3 * 4096 * 4096)))
    return made


def test_hand_made_pnms(tmp_path):
    results = run(tmp_path, [("case.pnm", blob) for _, blob in pnm_nasties()])
    assert_contained(results, at_least_refused=8)


# -- BMP --------------------------------------------------------------------------------

def bmp(width, height, bits, pixels=None, palette=None, offset=None, colors=None, info_size=40):
    """A BMP file; by default its pixels are zeros and its palette gray."""
    stride = (width * bits + 31) // 32 * 4
    if palette is None:
        palette = b"".join(bytes((v, v, v, 0)) for v in range(2 ** bits)) if bits <= 8 else b""
    if pixels is None:
        pixels = bytes(stride * abs(height))
    offset = 54 + len(palette) if offset is None else offset
    colors = len(palette) // 4 if colors is None else colors
    return (b"BM" + struct.pack("<IHHI", 54 + len(palette) + len(pixels), 0, 0, offset)
            + struct.pack("<IiiHHIIiiII", info_size, width, height, 1, bits, 0, len(pixels), 0, 0, colors, 0)
            + palette + pixels)


def bmp_seeds():
    rng = random.Random(6)
    seeds = []
    for bits in (1, 4, 8, 24, 32):
        for height in (5, -5):
            stride = (6 * bits + 31) // 32 * 4
            palette = bytes(rng.randrange(256) for _ in range(4 * 2 ** bits)) if bits <= 8 else None
            seeds.append(bmp(6, height, bits, bytes(rng.randrange(256) for _ in range(stride * 5)), palette))
    return seeds


def test_mutated_bmps(tmp_path):
    seeds = bmp_seeds()
    per_seed = max(2, case_count() // len(seeds))
    blobs = [blob for number, seed in enumerate(seeds) for blob in mutations(seed, 300 + number, per_seed, protect=2)]
    results = run(tmp_path, [("case.bmp", blob) for blob in blobs])
    assert_contained(results, at_least_refused=len(blobs) // 10)


def bmp_nasties():
    made = [
        ("huge-offset", bmp(4, 4, 24, offset=2 ** 32 - 1)),
        ("offset-in-headers", bmp(4, 4, 24, offset=10)),
        ("most-negative-height", bmp(4, -2 ** 31, 24, pixels=bytes(64))),
        ("most-positive-width", bmp(2 ** 31 - 1, 1, 24, pixels=bytes(64))),
        ("negative-width", bmp(-4, 4, 24, pixels=bytes(64))),
        ("just-past-limit", bmp(4097, -4096, 8, pixels=bytes(64))),
        ("huge-info-size", bmp(4, 4, 24, info_size=2 ** 32 - 1)),
        ("huge-colors", bmp(4, 4, 8, colors=2 ** 32 - 1)),
        ("palette-past-pixels", bmp(4, 4, 8, offset=60)),
        ("index-past-palette", bmp(4, 4, 8, pixels=b"\xff" * 16, palette=bytes(4))),
        ("truncated-at-limit", bmp(4096, 4096, 32, pixels=bytes(1000))),
        ("one-wide-tall", bmp(1, -2 ** 20, 24)),
        ("one-high-wide", bmp(2 ** 20, 1, 32)),
        ("top-down-1024", bmp(1024, -1024, 32, pixels=b"\x01" * (4 * 2 ** 20))),
    ]
    if FULL:
        made.append(("rgba-at-limit", bmp(4096, 4096, 32, pixels=b"\x01\x02\x03\x04" * (4096 * 4096))))
    return made


def test_hand_made_bmps(tmp_path):
    results = run(tmp_path, [("case.bmp", blob) for _, blob in bmp_nasties()])
    assert_contained(results, at_least_refused=8)
