#!/usr/bin/env python3
"""Benchmark ``mnistio.load`` (arrays in one call) against its floors: gunzip, and idx2numpy.

usage: python benchmarks/bench_arrays.py [DATA_DIR] [--repeat N]

DATA_DIR holds ``idx/`` and ``idx-raw/`` as ``benchmarks/make_data.py`` writes
them (60,000 train digits); without it the script builds them in a temporary
folder first. Measured in one process, the jobs interleaved round after round
so that they share the machine's state, best of N rounds (default 7):

* gzip files, train images and labels: the floor ``gzip.decompress`` and
  ``zlib.decompress(data, 31)`` of the two files (no parsing, no array);
  ``mnistio.load(idx, "train")`` (writable) and with ``writable=False``;
* raw files: the floor of reading the two files' bytes; idx2numpy's
  ``convert_from_file`` of both (when importable); ``mnistio.load(idx-raw)``
  writable and ``writable=False``.

Each ratio is a time over the floor, or over idx2numpy, measured side by
side in the same run (issue 11's goals: within 1.1x of gunzip and of
idx2numpy). The arrays are checked equal to idx2numpy's when it is there.
"""

import argparse
import gc
import gzip
import os
import subprocess
import sys
import tempfile
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import mnistio  # noqa: E402  (the checkout's, after the path above)

FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte")


def read(path):
    with open(path, "rb") as file:
        return file.read()


def jobs(data_dir):
    packed = [os.path.join(data_dir, "idx", name + ".gz") for name in FILES]
    raw = [os.path.join(data_dir, "idx-raw", name) for name in FILES]
    found = {
        "gzip": [
            ("floor: gzip.decompress", lambda: [gzip.decompress(read(path)) for path in packed]),
            ("floor: zlib.decompress", lambda: [zlib.decompress(read(path), 31) for path in packed]),
            ("mnistio.load", lambda: mnistio.load(os.path.join(data_dir, "idx"), "train")),
            ("mnistio.load writable=False",
             lambda: mnistio.load(os.path.join(data_dir, "idx"), "train", writable=False)),
        ],
        "raw": [
            ("floor: read the bytes", lambda: [read(path) for path in raw]),
            ("mnistio.load", lambda: mnistio.load(os.path.join(data_dir, "idx-raw"), "train")),
            ("mnistio.load writable=False",
             lambda: mnistio.load(os.path.join(data_dir, "idx-raw"), "train", writable=False)),
        ],
    }
    try:
        import idx2numpy
    except ImportError:
        print("idx2numpy is not importable: its job is skipped")
    else:
        found["raw"].insert(1, ("idx2numpy", lambda: [idx2numpy.convert_from_file(path) for path in raw]))
    return found


def measure(groups, repeat):
    times = {(group, name): [] for group, rows in groups.items() for name, _ in rows}
    for _ in range(repeat):
        for group, rows in groups.items():
            for name, job in rows:
                gc.collect()
                start = time.perf_counter()
                result = job()
                times[group, name].append(time.perf_counter() - start)
                del result
    return {key: min(values) for key, values in times.items()}


def check(data_dir):
    try:
        import idx2numpy
        import numpy
    except ImportError:
        return "not checked (numpy or idx2numpy missing)"
    images, labels = mnistio.load(os.path.join(data_dir, "idx"), "train").to_numpy()
    expected = [idx2numpy.convert_from_file(os.path.join(data_dir, "idx-raw", name)) for name in FILES]
    same = numpy.array_equal(images, expected[0]) and numpy.array_equal(labels, expected[1])
    return "arrays equal idx2numpy's" if same else "MISMATCH with idx2numpy"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", nargs="?")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as temporary:
        data_dir = args.data_dir
        if data_dir is None or not os.path.isdir(os.path.join(data_dir, "idx")):
            data_dir = data_dir or os.path.join(temporary, "data")
            subprocess.run([sys.executable, os.path.join(HERE, "make_data.py"), data_dir], check=True)
        groups = jobs(data_dir)
        best = measure(groups, args.repeat)
        print("mnistio.load of 60,000 train digits, best of %d (Python %s)" % (args.repeat, sys.version.split()[0]))
        print("%-6s %-32s %9s %9s" % ("files", "job", "seconds", "ratio"))
        for group, rows in groups.items():
            reference = min(best[group, name] for name, _ in rows if name.startswith("floor"))
            peer = best.get((group, "idx2numpy"))
            for name, _ in rows:
                ratio = best[group, name] / reference
                note = "x floor"
                if peer is not None and name.startswith("mnistio"):
                    ratio, note = best[group, name] / peer, "x idx2numpy"
                print("%-6s %-32s %9.4f %6.2f %s" % (group, name, best[group, name], ratio, note))
        print(check(data_dir))


if __name__ == "__main__":
    main()
