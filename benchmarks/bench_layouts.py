#!/usr/bin/env python3
"""Benchmark the conversion of full-size MNIST to image files, mnistio beside Datumaro.

usage: python benchmarks/bench_layouts.py DATA_DIR [--datumaro PATH] [--repeat N] [--keep DIR]
                                          [--baseline CHECKOUT]

DATA_DIR holds ``idx/`` as ``benchmarks/make_data.py`` writes it (70,000
digits). Measured, as whole commands in one run:

1. ``mnist`` -> ``imagenet`` with ``--save-media``: ``python -m mnistio
   convert`` and ``datum convert`` (PNG for both, so pixels are lossless);
   wall time (best of N), peak memory (the largest of the process and its
   children, from ``os.wait4``), and the number of image files written;
2. the floor: a command (this script with ``--create-files``) that makes
   the same folders and the same number of files, each of the same size as
   mnistio's output (the sizes listed from a first mnistio run), with
   ``os.open``/``os.write``/``os.close`` and no encoding; issue 11's goal is
   mnistio within 1.5x of it;
3. ``imagenet`` -> ``mnist`` back with mnistio, checking that every image
   and label comes back (the multiset of (label, pixels) equals the source's).

``--datumaro`` is the ``datum`` executable (default: the one on PATH, else
Datumaro is skipped). ``--baseline CHECKOUT`` times another checkout's mnistio
too, in the same run (runs alternate between the two). Unix only.
"""

import argparse
import collections
import compileall
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import mnistio as dm  # noqa: E402  (after the path tweak, to run from a checkout)


def run(command, env=None):
    """(wall seconds, peak RSS in MB of the command and its children). Run in the temporary folder:
    ``python -m mnistio`` puts the working folder first on sys.path, and would run the checkout
    found there for the baseline too."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
                               cwd=tempfile.gettempdir())
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status) if hasattr(os, "waitstatus_to_exitcode") else status
    if process.returncode:
        raise SystemExit("failed: %s\n%s" % (" ".join(command), process.stderr.read().decode()))
    return wall, usage.ru_maxrss / 1024


def count_files(folder):
    return sum(len(files) for _, _, files in os.walk(folder))


def best_of(repeat, runs):
    """``runs``: {name: (command, output folder, env)}; each run once per round, the rounds alternating
    between them so that a slow moment of the machine does not fall on one only. {name: (best, peak)}."""
    results = {name: [] for name in runs}
    for _ in range(repeat):
        for name, (command, out, env) in runs.items():
            shutil.rmtree(out, ignore_errors=True)
            subprocess.run(["sync"])
            results[name].append(run(command, env))
    return {name: (min(r[0] for r in found), max(r[1] for r in found)) for name, found in results.items()}


def list_files(folder):
    """``[relative path, size]`` of every file under ``folder``, sorted."""
    found = []
    for top, _, files in os.walk(folder):
        for name in files:
            path = os.path.join(top, name)
            found.append([os.path.relpath(path, folder), os.path.getsize(path)])
    return sorted(found)


def create_files(listing, out):
    """The floor (run as a command): make ``out`` and every listed file, of its size, from bytes in
    memory; no encoding, no checks. Files are written in listing order, folder by folder."""
    with open(listing) as file:
        files = json.load(file)
    largest = max((size for _, size in files), default=0)
    data = bytes(range(256)) * (largest // 256 + 1)
    made = set()
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for relative, size in files:
        path = os.path.join(out, relative)
        folder = os.path.dirname(path)
        if folder not in made:
            os.makedirs(folder, exist_ok=True)
            made.add(folder)
        descriptor = os.open(path, flags, 0o644)
        try:
            os.write(descriptor, data[:size])
        finally:
            os.close(descriptor)
    return 0


def content(dataset):
    names = dataset.label_names
    return collections.Counter((names[i.labels[0]] if i.labels else None, bytes(i.media.data)) for i in dataset)


def main():
    if sys.argv[1:2] == ["--create-files"]:
        return create_files(*sys.argv[2:4])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data")
    parser.add_argument("--datumaro", default=shutil.which("datum"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", help="work folder (default: a temporary one, removed)")
    parser.add_argument("--baseline", metavar="CHECKOUT", help="another checkout of mnistio to time beside this one")
    args = parser.parse_args()
    for checkout in [os.path.dirname(HERE)] + ([args.baseline] if args.baseline else []):
        compileall.compile_dir(os.path.join(checkout, "mnistio"), quiet=1)  # as an install does
    source = os.path.abspath(os.path.join(args.data, "idx"))
    work = os.path.abspath(args.keep or tempfile.mkdtemp(prefix="bench-layouts-"))
    ours = os.path.join(work, "mnistio-imagenet")

    def convert(out):
        return [sys.executable, "-m", "mnistio", "convert", "-if", "mnist", "-i", source, "-f", "imagenet",
                "-o", out, "-q", "--", "--save-media"]

    env = dict(os.environ, PYTHONPATH=os.path.dirname(HERE))
    shutil.rmtree(ours, ignore_errors=True)  # left by an earlier run with --keep
    run(convert(ours), env)  # a first run lists the files the floor makes
    listing = os.path.join(work, "files.json")
    with open(listing, "w") as file:
        json.dump(list_files(ours), file)
    floor = os.path.join(work, "floor")
    runs = {"floor: create the files": ([sys.executable, os.path.abspath(__file__), "--create-files", listing, floor],
                                        floor, None),
            "mnistio convert": (convert(ours), ours, env)}
    if args.baseline:
        theirs_too = os.path.join(work, "baseline-imagenet")
        runs["mnistio@baseline"] = (convert(theirs_too), theirs_too,
                                    dict(os.environ, PYTHONPATH=os.path.abspath(args.baseline)))
    if args.datumaro:
        theirs = os.path.join(work, "datum-imagenet")
        runs["datum convert"] = ([args.datumaro, "convert", "-if", "mnist", "-i", source, "-f", "imagenet",
                                  "-o", theirs, "--", "--save-media", "--image-ext", ".png"], theirs, None)
    measured = best_of(args.repeat, runs)
    mine = measured["mnistio convert"]
    rows = [(name, measured[name], count_files(out)) for name, (_, out, _) in runs.items()]
    print("mnist -> imagenet --save-media, %s (70,000 digits), best of %d" % (source, args.repeat))
    print("%-24s %9s %9s %10s %8s" % ("tool", "wall", "x mnistio", "peak MB", "files"))
    for name, (wall, peak), files in rows:
        print("%-24s %8.2fs %9.2f %10.1f %8d" % (name, wall, wall / mine[0], peak, files))
    floor_wall = measured["floor: create the files"][0]
    print("mnistio over the floor: %.2fx (goal: at most 1.5x)" % (mine[0] / floor_wall))

    back = os.path.join(work, "back")
    dm.Dataset.import_from(ours, "imagenet").export(back, "mnist", save_media=True, overwrite=True)
    same = content(dm.Dataset.import_from(back)) == content(dm.Dataset.import_from(source))
    print("imagenet -> mnist gives back every image and label: %s" % ("yes" if same else "NO"))
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
