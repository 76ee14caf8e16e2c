"""Importing and converting hold a bounded window of items, whatever the size."""

import gzip
import json
import os
import struct
import subprocess
import sys

CHILD = r"""
import json, resource, sys
import mnistio as dm
source, out = sys.argv[1], sys.argv[2]
for item in dm.Dataset.import_from(source, "mnist"):
    item.media.data
dm.Dataset.import_from(source).export(out, "mnist_csv", save_media=True)
for item in dm.Dataset.import_from(out):
    item.media.data
dm.Dataset.import_from(out).export(out + "-back", "mnist", save_media=True)
# The child's own peak: ru_maxrss would also count the parent's memory, inherited through fork.
try:
    with open("/proc/self/status") as status:
        peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
except OSError:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps(peak))
"""


def make_mnist(folder, count):
    folder.mkdir()
    pixels = bytes(range(256)) * 3 + bytes(16)
    with gzip.open(folder / "train-labels-idx1-ubyte.gz", "wb", compresslevel=1) as out:
        out.write(struct.pack(">II", 0x801, count) + bytes(i % 10 for i in range(count)))
    with gzip.open(folder / "train-images-idx3-ubyte.gz", "wb", compresslevel=1) as out:
        out.write(struct.pack(">IIII", 0x803, count, 28, 28))
        for _ in range(count):
            out.write(pixels)


def peak_rss_kb(tmp_path, count):
    source = tmp_path / ("src%d" % count)
    make_mnist(source, count)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    done = subprocess.run([sys.executable, "-c", CHILD, str(source), str(tmp_path / ("out%d" % count))],
                          capture_output=True, text=True, env=env, check=True)
    return json.loads(done.stdout)


def test_memory_does_not_grow_with_the_dataset(tmp_path):
    small, large = peak_rss_kb(tmp_path, 3000), peak_rss_kb(tmp_path, 30000)
    # 27,000 more digits are 21 MB more pixels (and 60 MB more CSV text);
    # a streaming import and conversion keeps the peak within a few MB.
    assert large - small < 6 * 1024, (small, large)
