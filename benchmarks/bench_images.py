#!/usr/bin/env python3
"""Time and peak memory of the image decoders on large images, worst cases first.

usage: python benchmarks/bench_images.py [--size N] [--only SUBSTRING ...] [--baseline CHECKOUT]
                                         [--timeout SECONDS] [--keep DIR]

Writes N x N images (default 4096, the default ``MAX_IMAGE_PIXELS``) to a
temporary folder, then decodes each with ``mnistio.codecs.images.decode_image``
in a fresh child process, one at a time, and prints the decode's CPU time
(steadier than wall time on a shared machine; the decoders use one thread) and the
child's peak memory (``VmHWM``) above what it held before decoding (the
interpreter, the library and the file's bytes), beside the output's size.

The PNGs are the costly shapes: gray, RGB and RGBA, 8 and 16 bits, with every
row carrying the same filter type (0 none ... 4 Paeth), or the five in turn
("mixed", as adaptive encoders write), and interlaced ones. Their filtered
bytes repeat a random block, so the files are small (a hostile file is) while
the pixels are not uniform; and the same pixels in images 1 and 4 pixels
wide, the slowest shapes. Also: PGM/PPM at 8 and 16 bits, BMP at 1, 8, 24
and 32 bits.

``--baseline CHECKOUT``: another checkout (a folder holding ``mnistio/``, e.g.
``git archive HEAD~3 mnistio | tar -x -C /tmp/before``) decodes each file
too, in the same run. ``--timeout``: seconds a child may take (default 120).
Linux only (``/proc/self/status``).
"""

import argparse
import json
import os
import random
import struct
import subprocess
import sys
import tempfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

_CHILD = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
from mnistio.codecs.images import decode_image

def status(key):
    with open("/proc/self/status") as file:
        for line in file:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024

with open(sys.argv[2], "rb") as file:
    blob = file.read()
before = status("VmRSS")
started = time.process_time()
raster = decode_image(blob, path=sys.argv[2])
seconds = time.process_time() - started
print(json.dumps({"seconds": seconds, "peak": status("VmHWM") - before, "output": len(raster.data),
                  "shape": [raster.height, raster.width, raster.channels]}))
"""

_BLOCK = random.Random(8).randbytes(4093) if hasattr(random.Random, "randbytes") else \
    bytes(random.Random(8).randrange(256) for _ in range(4093))


def _rows(row_bytes, height, kinds):
    """Filtered scanlines: each a filter byte and a window of the repeating random block."""
    period = len(_BLOCK)
    source = _BLOCK * (row_bytes // period + 2)
    for row in range(height):
        start = row * 31 % period
        yield bytes([kinds[row % len(kinds)]]) + source[start:start + row_bytes]


def _chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(size, depth, color_type, kinds, interlace=False, palette=None, width=None):
    """A PNG of size x size pixels (``width`` wide, if given) whose every scanline uses a filter type of
    ``kinds``, in turn."""
    width = width or size
    height = size * size // width
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[color_type]
    bits = depth * channels
    if interlace:
        passes = [((width - x0 + dx - 1) // dx, (height - y0 + dy - 1) // dy)
                  for x0, y0, dx, dy in ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4),
                                         (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))]
    else:
        passes = [(width, height)]
    compressor = zlib.compressobj(1)
    pieces = []
    for columns, rows in passes:
        for line in _rows((columns * bits + 7) // 8, rows, kinds):
            pieces.append(compressor.compress(line))
    pieces.append(compressor.flush())
    stream = b"".join(pieces)
    header = struct.pack(">IIBBBBB", width, height, depth, color_type, 0, 0, int(interlace))
    chunks = [_chunk(b"IHDR", header)]
    if palette is not None:
        chunks.append(_chunk(b"PLTE", palette))
    chunks += [_chunk(b"IDAT", stream[i:i + 65536]) for i in range(0, len(stream), 65536)]
    return b"\x89PNG\r\n\x1a\n" + b"".join(chunks) + _chunk(b"IEND", b"")


def pnm(size, channels, maxval):
    wide = maxval > 255
    count = size * size * channels
    if wide:
        raster = b"".join(struct.pack(">H", v * 4099 % (maxval + 1)) for v in range(4096))
        raster = (raster * (count // 4096 + 1))[:2 * count]
    else:
        raster = bytes(v % (maxval + 1) for v in _BLOCK) * (count // len(_BLOCK) + 1)
        raster = raster[:count]
    return b"P%d\n%d %d\n%d\n" % (5 if channels == 1 else 6, size, size, maxval) + raster


def bmp(size, bits):
    stride = (size * bits + 31) // 32 * 4
    palette = b"".join(bytes((i, 255 - i, i * 7 % 256, 0)) for i in range(2 ** bits)) if bits <= 8 else b""
    offset = 54 + len(palette)
    pixels = (_BLOCK * (stride * size // len(_BLOCK) + 1))[:stride * size]
    return (b"BM" + struct.pack("<IHHI", offset + len(pixels), 0, 0, offset)
            + struct.pack("<IiiHHIIiiII", 40, size, size, 1, bits, 0, len(pixels), 0, 0, 0, 0)
            + palette + pixels)


def cases(size):
    """(name, bytes) of every benchmarked file."""
    made = []
    for color_type, kind in ((0, "gray"), (2, "rgb"), (6, "rgba")):
        for depth in (8, 16):
            for name, kinds in (("none", [0]), ("sub", [1]), ("up", [2]), ("average", [3]),
                                ("paeth", [4]), ("mixed", [0, 1, 2, 3, 4])):
                made.append(("png-%s%d-%s" % (kind, depth, name), lambda d=depth, c=color_type, k=kinds:
                             png(size, d, c, k)))
    made.append(("png-rgba16-paeth-interlaced", lambda: png(size, 16, 6, [4], interlace=True)))
    made.append(("png-gray1-paeth", lambda: png(size, 1, 0, [4])))
    made.append(("png-palette8-paeth", lambda: png(size, 8, 3, [4], palette=bytes(range(256)) * 3)))
    # The same pixels in a narrow image: long chains of bytes that depend on the one before.
    made.append(("png-rgba8-paeth-4-wide", lambda: png(size, 8, 6, [4], width=4)))
    made.append(("png-rgba8-mixed-4-wide", lambda: png(size, 8, 6, [0, 1, 2, 3, 4], width=4)))
    made.append(("png-rgba8-average-1-wide", lambda: png(size, 8, 6, [3], width=1)))
    made.append(("pgm16-maxval1000", lambda: pnm(size, 1, 1000)))
    made.append(("pgm8", lambda: pnm(size, 1, 200)))
    made.append(("pgm16", lambda: pnm(size, 1, 65535)))
    made.append(("ppm16", lambda: pnm(size, 3, 65535)))
    for bits in (1, 8, 24, 32):
        made.append(("bmp%d" % bits, lambda b=bits: bmp(size, b)))
    return made


def decode_in_child(root, path, timeout):
    try:
        done = subprocess.run([sys.executable, "-c", _CHILD, root, path], capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timeout (>%gs)" % timeout
    if done.returncode:
        return "failed: " + (done.stderr.strip().splitlines() or ["exit %d" % done.returncode])[-1][:60]
    result = json.loads(done.stdout)
    return "%7.2f s %7.1f MB" % (result["seconds"], result["peak"] / 2 ** 20), result["output"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=4096)
    parser.add_argument("--only", nargs="*", default=[])
    parser.add_argument("--baseline")
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--keep")
    args = parser.parse_args()
    folder = args.keep or tempfile.mkdtemp(prefix="bench_images.")
    os.makedirs(folder, exist_ok=True)
    roots = [("mnistio", ROOT)] + ([("baseline", os.path.abspath(args.baseline))] if args.baseline else [])
    print("%-30s %9s %10s" % ("case", "file KB", "output MB")
          + "".join(" %-26s" % ("%s: time, peak" % name) for name, _ in roots))
    for name, make in cases(args.size):
        if args.only and not any(part in name for part in args.only):
            continue
        path = os.path.join(folder, name + (".png" if name.startswith("png") else
                                            ".bmp" if name.startswith("bmp") else ".pnm"))
        if not os.path.exists(path):
            with open(path, "wb") as file:
                file.write(make())
        cells, output = [], None
        for _, root in roots:
            result = decode_in_child(root, path, args.timeout)
            if isinstance(result, tuple):
                result, output = result
            cells.append(result)
        print("%-30s %9d %10s" % (name, os.path.getsize(path) // 1024,
                                  "%.1f" % (output / 2 ** 20) if output else "?")
              + "".join(" %-26s" % cell for cell in cells), flush=True)
        if not args.keep:
            os.remove(path)
    if not args.keep:
        os.rmdir(folder)


if __name__ == "__main__":
    main()
