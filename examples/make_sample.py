#!/usr/bin/env python3
"""Rebuild examples/mnist_sample/ from the 5,000 real digits in ../shared/data.

The sample is 500 "train" and 100 "test" digits in the mnist layout
(gzip IDX files named as the original downloads), drawn with a fixed seed.
Standard library only and independent of mnistio, so tests can check
mnistio against it.

usage: python examples/make_sample.py [SOURCE_CSV_GZ]
"""
import gzip
import os
import random
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(HERE, "..", "..", "shared", "data", "mnist_5k.csv.gz")
OUT = os.path.join(HERE, "mnist_sample")


def main():
    source = sys.argv[1] if len(sys.argv) > 1 else SOURCE
    with gzip.open(source, "rt") as lines:
        digits = [[int(v) for v in line.split(",")] for line in lines]
    order = list(range(len(digits)))
    random.Random(0).shuffle(order)
    picks = {"train": order[:500], "t10k": order[500:600]}
    for prefix, rows in picks.items():
        labels = bytes(digits[i][-1] for i in rows)
        pixels = b"".join(bytes(digits[i][:-1]) for i in rows)
        write(prefix + "-labels-idx1-ubyte.gz", struct.pack(">II", 0x801, len(rows)) + labels)
        write(prefix + "-images-idx3-ubyte.gz", struct.pack(">IIII", 0x803, len(rows), 28, 28) + pixels)


def write(name, data):
    with open(os.path.join(OUT, name), "wb") as raw:
        with gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as out:
            out.write(data)


if __name__ == "__main__":
    main()
