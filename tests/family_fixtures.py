"""Small MNIST-family datasets in their exact published layout and naming, built at test time.

Each builder writes a few 28 x 28 images per subset into a folder and returns what a reader
must find: ``{subset: [(label, upright pixels, attributes)]}`` and the label names. Run as a
script to write them all for a look: ``python tests/family_fixtures.py OUT_DIR``.

* MNIST, Fashion-MNIST, KMNIST: ``train-images-idx3-ubyte.gz`` ... ``t10k-labels-idx1-ubyte.gz``
  (the publishers' names), KMNIST with ``kmnist_classmap.csv``;
* EMNIST: the ``gzip/`` folder of ``gzip.zip``: ``emnist-<split>-{train,test}-{images-idx3,labels-idx1}-ubyte.gz``
  and ``emnist-<split>-mapping.txt``, images stored transposed;
* QMNIST: ``qmnist-{train,test}-images-idx3-ubyte.gz``, ``qmnist-{train,test}-labels-idx2-int.gz``
  (int32 rows of 8 columns), ``xnist-images-idx3-ubyte.xz``, ``xnist-labels-idx2-int.xz``;
* torchvision: ``<root>/<ClassName>/raw/`` with the gunzipped files beside the ``.gz`` ones.
"""

import gzip
import lzma
import os
import random
import struct
import sys
from array import array

SIDE = 28
FASHION = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
KMNIST_MAP = [("U+304A", "\u304a"), ("U+304D", "\u304d"), ("U+3059", "\u3059"), ("U+3064", "\u3064"),
              ("U+306A", "\u306a"), ("U+306F", "\u306f"), ("U+307E", "\u307e"), ("U+3084", "\u3084"),
              ("U+308C", "\u308c"), ("U+3092", "\u3092")]
BALANCED = list("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ") + list("abdefghnqrt")
LETTERS = ["N/A"] + [chr(65 + i) + chr(97 + i) for i in range(26)]
QMNIST_COLUMNS = ("hsf_series", "writer_id", "writer_digit_index", "nist_class", "nist_index", "duplicate", "unused")


def image(rng):
    """An image that differs from its transpose."""
    data = bytearray(rng.randrange(256) for _ in range(SIDE * SIDE))
    data[1] = 255
    data[SIDE] = 0
    return bytes(data)


def transpose(data, rows=SIDE, cols=SIDE):
    return b"".join(data[column::cols] for column in range(cols))


def idx_bytes(dtype, dims, payload):
    return struct.pack(">HBB%dI" % len(dims), 0, dtype, len(dims), *dims) + payload


def put(path, data, how="gzip"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if how == "gzip":
        data = gzip.compress(data, mtime=0)
    elif how == "xz":
        data = lzma.compress(data)
    with open(path, "wb") as file:
        file.write(data)


def _items(rng, count, names_count, first=0):
    return [(rng.randrange(first, names_count), image(rng), None) for _ in range(count)]


def write_plain(folder, items, prefix_of=lambda s: "t10k" if s == "test" else s, stored=lambda d: d, how="gzip",
                suffix=".gz"):
    for subset, rows in items.items():
        prefix = os.path.join(folder, prefix_of(subset))
        put(prefix + "-labels-idx1-ubyte" + suffix, idx_bytes(8, (len(rows),), bytes(r[0] for r in rows)), how)
        put(prefix + "-images-idx3-ubyte" + suffix,
            idx_bytes(8, (len(rows), SIDE, SIDE), b"".join(stored(r[1]) for r in rows)), how)


def mnist(folder, seed=1, names=None):
    """MNIST (and Fashion-MNIST: the same names): four gzip files."""
    rng = random.Random(seed)
    items = {"train": _items(rng, 4, 10), "test": _items(rng, 3, 10)}
    write_plain(folder, items)
    return items, names or [str(d) for d in range(10)]


def fashion(folder):
    return mnist(folder, seed=2, names=FASHION)


def kmnist(folder):
    items, _ = mnist(folder, seed=3)
    with open(os.path.join(folder, "kmnist_classmap.csv"), "w", encoding="utf-8", newline="\n") as file:
        file.write("index,codepoint,char\n")
        file.writelines("%d,%s,%s\n" % (i, code, char) for i, (code, char) in enumerate(KMNIST_MAP))
    return items, [char for _, char in KMNIST_MAP]


def emnist(folder, splits=("balanced", "letters")):
    """EMNIST's gzip/ folder with ``splits``; returns ``{split: (items, names)}``."""
    rng = random.Random(4)
    result = {}
    gz = os.path.join(folder, "gzip")
    for split in splits:
        names = {"balanced": BALANCED, "letters": LETTERS}.get(split, [str(d) for d in range(10)])
        first = 1 if split == "letters" else 0
        items = {"train": _items(rng, 4, len(names), first), "test": _items(rng, 2, len(names), first)}
        if split == "balanced":
            items["train"][0] = (34, items["train"][0][1], None)  # "label 34 has no name" no more
        write_plain(gz, items, lambda s, split=split: "emnist-%s-%s" % (split, s), transpose)
        with open(os.path.join(gz, "emnist-%s-mapping.txt" % split), "w", newline="\n") as file:
            for label, name in enumerate(names):
                if name != "N/A":
                    file.write("%d %s\n" % (label, " ".join(str(ord(c)) for c in name)))
        result[split] = (items, names)
    return result


def qmnist(folder):
    rng = random.Random(5)
    items = {}
    for subset, prefix, how, suffix in (("train", "qmnist-train", "gzip", ".gz"), ("test", "qmnist-test", "gzip", ".gz"),
                                        ("nist", "xnist", "xz", ".xz")):
        rows = []
        for _ in range(3):
            columns = (rng.choice([0, 1, 4]), rng.randrange(2200), rng.randrange(150), rng.randrange(30, 40),
                       rng.randrange(281770), rng.randrange(2), 0)
            rows.append((rng.randrange(10), image(rng), dict(zip(QMNIST_COLUMNS, columns))))
        values = array("i", [v for label, _, attrs in rows for v in [label] + [attrs[c] for c in QMNIST_COLUMNS]])
        if sys.byteorder == "little":
            values.byteswap()
        put(os.path.join(folder, prefix + "-labels-idx2-int" + suffix), idx_bytes(0x0C, (3, 8), values.tobytes()), how)
        put(os.path.join(folder, prefix + "-images-idx3-ubyte" + suffix),
            idx_bytes(8, (3, SIDE, SIDE), b"".join(r[1] for r in rows)), how)
        items[subset] = rows
    return items, [str(d) for d in range(10)]


def torchvision_root(root, name="MNIST"):
    """``<root>/<name>/raw`` as torchvision's download leaves it: each file gunzipped beside its ``.gz``."""
    raw = os.path.join(root, name, "raw")
    items, names = {"MNIST": mnist, "FashionMNIST": fashion, "KMNIST": mnist}[name](raw)
    for file in os.listdir(raw):
        if file.endswith(".gz"):
            with gzip.open(os.path.join(raw, file)) as packed, open(os.path.join(raw, file[:-3]), "wb") as out:
                out.write(packed.read())
    if name == "KMNIST":  # no class map in torchvision's folder: the names the folder says
        names = [char for _, char in KMNIST_MAP]
    return items, names


def main(out):
    mnist(os.path.join(out, "mnist"))
    fashion(os.path.join(out, "fashion"))
    kmnist(os.path.join(out, "kmnist"))
    emnist(os.path.join(out, "emnist"))
    qmnist(os.path.join(out, "qmnist"))
    torchvision_root(os.path.join(out, "torchvision"))
    torchvision_root(os.path.join(out, "torchvision"), "FashionMNIST")


if __name__ == "__main__":
    main(sys.argv[1])
