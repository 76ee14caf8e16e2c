"""Hostile inputs for the decoders: seeded mutations, run in a child process with bounded memory and time.

Every decoder test of ``test_hostile_*.py`` does the same thing: make many
inputs from a valid one (bit flips, truncations, duplicated or deleted runs,
header fields set to extreme values), write them to files, and have a child
process decode each with a ``check(path)`` function, under an address-space
limit (``RLIMIT_AS``) and a time limit per input. The child reports, for each
input, whether decoding succeeded, was refused with a mnistio error, or
failed otherwise; the test asserts that nothing but mnistio errors escaped,
no input ran out of memory or time, and the child did not crash.

``MNISTIO_FUZZ_CASES`` sets how many inputs each test makes (default 150, so
the suite stays quick); ``benchmarks/fuzz.py`` runs the same tests with
thousands.
"""

import json
import os
import random
import struct
import subprocess
import sys
import textwrap

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_CASES = 150


def case_count(default=DEFAULT_CASES):
    return int(os.environ.get("MNISTIO_FUZZ_CASES", default))


# -- making inputs ------------------------------------------------------------------

_EXTREMES = (0, 1, 2, 3, 7, 8, 255, 256, 0x7FFF, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF)


def mutate(blob, rng, protect=0):
    """One mutation of ``blob`` (bytes): a flip, a cut, an insertion, a deletion, a repeat or an
    extreme 32-bit field; ``protect`` leading bytes (a magic) are left alone most of the time."""
    data = bytearray(blob)
    kind = rng.randrange(7)
    start = protect if protect < len(data) and rng.random() < 0.9 else 0
    if not data or start >= len(data):
        return bytes(data) + bytes(rng.randrange(256) for _ in range(rng.randrange(1, 9)))
    position = rng.randrange(start, len(data))
    if kind == 0:  # flip some bits
        for _ in range(rng.randrange(1, 5)):
            data[rng.randrange(start, len(data))] ^= 1 << rng.randrange(8)
    elif kind == 1:  # cut short
        del data[position:]
    elif kind == 2:  # insert random bytes
        data[position:position] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 64)))
    elif kind == 3:  # delete a run
        del data[position:position + rng.randrange(1, 64)]
    elif kind == 4:  # repeat a run many times
        run = data[position:position + rng.randrange(1, 16)]
        data[position:position] = run * rng.randrange(2, 2000)
    elif kind == 5:  # an extreme big-endian 32-bit field, where headers keep theirs
        field = rng.randrange(0, max(1, min(len(data) - 4, 64)) + 1) if len(data) >= 4 else 0
        data[field:field + 4] = struct.pack(">I", rng.choice(_EXTREMES))
    else:  # an extreme little-endian 32-bit field
        field = rng.randrange(0, max(1, min(len(data) - 4, 64)) + 1) if len(data) >= 4 else 0
        data[field:field + 4] = struct.pack("<I", rng.choice(_EXTREMES))
    return bytes(data)


def mutations(blob, seed, count, protect=0, rounds=3):
    """``count`` inputs, each ``blob`` through one to ``rounds`` mutations."""
    rng = random.Random(seed)
    made = []
    for _ in range(count):
        data = blob
        for _ in range(rng.randrange(1, rounds + 1)):
            data = mutate(data, rng, protect)
        made.append(data)
    return made


# -- running them -------------------------------------------------------------------------

_CHILD = r'''
import json, os, resource, signal, sys, time, traceback
sys.path.insert(0, %(root)r)
import mnistio
from mnistio.errors import MnistioError

resource.setrlimit(resource.RLIMIT_AS, (%(memory)d, %(memory)d))


class _Timeout(BaseException):
    pass


def _alarm(signum, frame):
    raise _Timeout()


signal.signal(signal.SIGALRM, _alarm)

%(setup)s

for case in json.load(open(sys.argv[1])):
    print(json.dumps({"case": case, "outcome": "started"}), flush=True)
    began = time.perf_counter()
    signal.setitimer(signal.ITIMER_REAL, %(seconds)f)
    try:
        check(case)
        outcome, detail = "ok", ""
    except _Timeout:
        outcome, detail = "timeout", ""
    except MnistioError as error:
        outcome, detail = "refused", "%%s: %%s" %% (type(error).__name__, str(error)[:300])
    except BaseException as error:
        outcome, detail = "escaped", "%%s: %%s" %% (type(error).__name__, str(error)[:300]) + " | " + \
            " / ".join(line.strip() for line in traceback.format_exc().splitlines()[-6:-1])[:600]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    print(json.dumps({"case": case, "outcome": outcome, "detail": detail,
                      "seconds": time.perf_counter() - began}), flush=True)
'''


def run_cases(setup, cases, folder, memory_mb=600, seconds_per_case=10.0, total_seconds=600):
    """Run ``check(case)`` (defined by the ``setup`` source, a function of one case: usually a
    path) on every case in a child process. Return ``{outcome: [(case, detail)]}`` for outcomes
    "ok", "refused", "escaped", "timeout" and "crashed" (the child died on that case)."""
    manifest = os.path.join(str(folder), "cases.json")
    with open(manifest, "w") as file:
        json.dump(cases, file)
    code = _CHILD % {"root": ROOT, "memory": memory_mb << 20, "seconds": seconds_per_case,
                     "setup": textwrap.dedent(setup)}
    done = subprocess.run([sys.executable, "-c", code, manifest], capture_output=True, text=True,
                          timeout=total_seconds)
    results = {"ok": [], "refused": [], "escaped": [], "timeout": [], "crashed": []}
    started = None
    for line in done.stdout.splitlines():
        record = json.loads(line)
        if record["outcome"] == "started":
            started = record["case"]
            continue
        started = None
        results[record["outcome"]].append((record["case"], record.get("detail", "")))
    if started is not None or done.returncode != 0:
        results["crashed"].append((started, "exit status %d: %s" % (done.returncode, done.stderr[-2000:])))
    return results


def write_cases(folder, blobs, name):
    """Write each blob as ``folder/<n>/<name>``; return the paths."""
    paths = []
    for number, blob in enumerate(blobs):
        case = os.path.join(str(folder), str(number))
        os.makedirs(case, exist_ok=True)
        path = os.path.join(case, name)
        with open(path, "wb") as file:
            file.write(blob)
        paths.append(path)
    return paths


def assert_contained(results, at_least_refused=1):
    """Only mnistio errors, no timeout, no crash; and the mutations did reach the checks."""
    problems = {kind: results[kind][:5] for kind in ("escaped", "timeout", "crashed") if results[kind]}
    assert problems == {}, json.dumps(problems, indent=1)
    assert len(results["refused"]) >= at_least_refused, "no input was refused: the mutations miss the decoder"
