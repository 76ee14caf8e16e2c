"""Peak memory of a job run in a child process, on generated MNIST data of a given size.

Shared by the streaming and merge memory tests.
"""

import gzip
import json
import os
import struct
import subprocess
import sys

# A child's ru_maxrss never reads below the memory it inherited from the process
# that forked it (pytest, tens of MB): Linux's VmHWM is the child's own peak.
_PEAK = r"""
import json, resource, sys
import mnistio as dm

def peak_kb():
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

source, out = sys.argv[1], sys.argv[2]
"""


def make_mnist(folder, count):
    """An mnist folder of ``count`` 28 x 28 digits (gzip level 1: quick to write)."""
    folder.mkdir()
    pixels = bytes(range(256)) * 3 + bytes(16)
    with gzip.open(folder / "train-labels-idx1-ubyte.gz", "wb", compresslevel=1) as out:
        out.write(struct.pack(">II", 0x801, count) + bytes(i % 10 for i in range(count)))
    with gzip.open(folder / "train-images-idx3-ubyte.gz", "wb", compresslevel=1) as out:
        out.write(struct.pack(">IIII", 0x803, count, 28, 28))
        out.write(pixels * count)


def child_peak_kb(job, tmp_path, count):
    """Run ``job`` (Python code using ``dm``, ``source`` and ``out``) on ``count``
    generated digits in a child process; return the child's peak memory in KB."""
    source = tmp_path / ("src%d" % count)
    make_mnist(source, count)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    script = _PEAK + job + "\nprint(json.dumps(peak_kb()))\n"
    done = subprocess.run([sys.executable, "-c", script, str(source), str(tmp_path / ("out%d" % count))],
                          capture_output=True, text=True, env=env, check=True)
    return json.loads(done.stdout)
