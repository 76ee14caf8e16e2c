#!/usr/bin/env python3
"""Benchmark mnistio's core paths against the gunzip floor and peer libraries.

usage: python benchmarks/bench_core.py [DATA_DIR] [--repeat N] [--make-data] [--source CSV_GZ]
                                       [--datumaro-python PATH] [--baseline CHECKOUT] [--json OUT]

DATA_DIR holds ``idx/``, ``idx-raw/``, ``csv/`` and ``csv-header/`` as
``benchmarks/make_data.py`` writes them: 70,000 digits. Without DATA_DIR, or
with ``--make-data``, that script builds them in a temporary folder first (from
``--source``, a label-last CSV of real digits, when given); a DATA_DIR that does
not exist yet is built.

``--baseline CHECKOUT`` also times the mnistio of another checkout (an earlier
commit, say) on every mnistio job, in the same run, as ``mnistio@baseline``:
the ratio column then says how much a change moved each path.

Measured, all on the same data in one run:

1. IDX import+iterate: the gunzip floor (``gzip.decompress`` of the four
   files, no parsing), mnistio, python-mnist, Datumaro; on the gunzipped
   files: the read floor, mnistio, idx2numpy.
2. CSV import+iterate (``csv/`` and ``csv-header/``): mnistio, pandas
   (``read_csv`` then iterating the rows of ``.values``), Datumaro.
3. ``mnist`` -> ``mnist_csv`` with ``--save-media``, as whole commands:
   ``python -m mnistio convert`` vs ``datum convert``.
4. ``import mnistio``: ``-X importtime`` cumulative, and the wall time of
   ``python -c "import mnistio"`` minus ``python -c pass``.

Every iterating job touches each item the same way: it counts it, reads its
centre pixel (row 14, column 14) and its label; the sums must agree between
tools (column "check"). Each job runs in a fresh child process (this script
with ``--job``), which times itself after its imports and prints JSON; the
peak memory is the child's ``ru_maxrss`` as ``os.wait4`` reports it. Times
are the best of N runs, "x mnistio" is a time over mnistio's in the same
group, peak memory the highest of the N runs.

Peers are used when importable by this interpreter (numpy, pandas,
idx2numpy, python-mnist). Datumaro may live in another environment: give
its interpreter with ``--datumaro-python``; by default the script uses
``import datumaro`` here, or the interpreter named in the shebang of a
``datum`` on PATH, and otherwise skips Datumaro with a note. Unix only.
"""

import argparse
import compileall
import gzip
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
MAKE_DATA = os.path.join(HERE, "make_data.py")

CENTRE = 14 * 28 + 14  # flat index of pixel (14, 14) in a 28 x 28 image
MB = 1024.0 * 1024.0

IDX_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
             "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
CSV_FILES = ("mnist_train.csv", "mnist_test.csv")


# -- the jobs (run in a child process) ----------------------------------------------

def _import_mnistio():
    """mnistio from the checkout the parent named (--baseline), else as installed, else from this one."""
    chosen = os.environ.get("MNISTIO_BENCH_REPO")
    if chosen:
        sys.path.insert(0, chosen)
    try:
        import mnistio
    except ImportError:
        sys.path.insert(0, REPO)
        import mnistio
    return mnistio


def _touch_items(items, centre):
    """(items, centre pixel sum, label sum) over mnistio- or Datumaro-style items."""
    count = pixels = labels = 0
    for item in items:
        count += 1
        pixels += int(centre(item.media.data))
        labels += int(item.annotations[0].label)
    return count, pixels, labels


def _flat_centre(data):
    return data[CENTRE]


def _grid_centre(data):
    return data[14, 14]


def _floor_gunzip(path):
    for name in IDX_FILES:
        with open(os.path.join(path, name + ".gz"), "rb") as file:
            gzip.decompress(file.read())


def _floor_read(path):
    for name in IDX_FILES:
        with open(os.path.join(path, name), "rb") as file:
            file.read()


def _setup_mnistio(fmt):
    dm = _import_mnistio()
    return lambda path: _touch_items(dm.Dataset.import_from(path, fmt), _flat_centre)


def _setup_datumaro(fmt):
    import datumaro

    return lambda path: _touch_items(datumaro.Dataset.import_from(path, fmt), _grid_centre)


def _setup_idx2numpy():
    import idx2numpy

    def job(path):
        count = pixels = labels = 0
        for prefix in ("train", "t10k"):
            images = idx2numpy.convert_from_file(os.path.join(path, prefix + "-images-idx3-ubyte"))
            values = idx2numpy.convert_from_file(os.path.join(path, prefix + "-labels-idx1-ubyte"))
            for image, label in zip(images, values):
                count += 1
                pixels += int(image[14, 14])
                labels += int(label)
        return count, pixels, labels
    return job


def _setup_python_mnist():
    from mnist import MNIST

    def job(path):
        loader = MNIST(path, gz=True)
        count = pixels = labels = 0
        for images, values in (loader.load_training(), loader.load_testing()):
            for image, label in zip(images, values):
                count += 1
                pixels += int(image[CENTRE])
                labels += int(label)
        return count, pixels, labels
    return job


def _setup_pandas(header):
    import pandas

    def job(path):
        count = pixels = labels = 0
        for name in CSV_FILES:
            for row in pandas.read_csv(os.path.join(path, name), header=header).values:
                count += 1
                pixels += int(row[1 + CENTRE])
                labels += int(row[0])
        return count, pixels, labels
    return job


#: job name -> setup() returning job(path); setup runs (imports) before the clock starts
JOBS = {
    "floor-gunzip": lambda: _floor_gunzip,
    "floor-read": lambda: _floor_read,
    "mnistio-mnist": lambda: _setup_mnistio("mnist"),
    "mnistio-csv": lambda: _setup_mnistio("mnist_csv"),
    "datumaro-mnist": lambda: _setup_datumaro("mnist"),
    "datumaro-csv": lambda: _setup_datumaro("mnist_csv"),
    "idx2numpy": _setup_idx2numpy,
    "python-mnist": _setup_python_mnist,
    "pandas": lambda: _setup_pandas(None),
    "pandas-header": lambda: _setup_pandas(0),
}


def run_child(name, path):
    """Child side of --job: set up, time one run, print JSON."""
    job = JOBS[name]()
    start = time.perf_counter()
    check = job(path)
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "check": list(check) if check else None}))
    return 0


# -- the parent: children, commands, rusage --------------------------------------------

def _maxrss_mb(rusage):
    return rusage.ru_maxrss / (MB if sys.platform == "darwin" else 1024.0)


def _spawn(cmd, env=None, cwd=None):
    """Run cmd; return (wall seconds, peak MB, stdout text). Raises on failure."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=cwd)
        _, status, rusage = os.wait4(process.pid, 0)  # this child's own rusage
        seconds = time.perf_counter() - start
        process.returncode = status  # already reaped: keep Popen from waiting again
        out.seek(0)
        err.seek(0)
        if status != 0:
            raise RuntimeError("%s failed (status %d):\n%s" % (" ".join(cmd), status,
                                                                err.read().decode(errors="replace")[-2000:]))
        return seconds, _maxrss_mb(rusage), out.read().decode(errors="replace")


def measure_job(python, name, path, repeat, env=None):
    """Best child-timed seconds, peak MB and the check sums of a job."""
    best, peak, check = None, 0.0, None
    for _ in range(repeat):
        _, rss, out = _spawn([python, os.path.abspath(__file__), "--job", name, path], env=env)
        report = json.loads(out.strip().splitlines()[-1])
        best = report["seconds"] if best is None else min(best, report["seconds"])
        peak, check = max(peak, rss), report["check"]
    return {"seconds": best, "peak_mb": peak, "check": check}


def measure_command(make_cmd, repeat, env=None):
    """Best wall seconds and peak MB of a whole command writing to a fresh folder."""
    best, peak = None, 0.0
    with tempfile.TemporaryDirectory(prefix="bench-convert-") as scratch:
        for run in range(repeat):
            out = os.path.join(scratch, "out%d" % run)
            # Run elsewhere than here: ``python -m mnistio`` puts the working folder first on sys.path,
            # which would run this checkout's mnistio for the baseline too.
            seconds, rss, _ = _spawn(make_cmd(out), env=env, cwd=scratch)
            best = seconds if best is None else min(best, seconds)
            peak = max(peak, rss)
            digest = _csv_digest(out)
            shutil.rmtree(out)
    return {"seconds": best, "peak_mb": peak, "check": digest}


def _csv_digest(folder):
    import hashlib

    digest = hashlib.sha1()
    for name in CSV_FILES:
        with open(os.path.join(folder, name), "rb") as file:
            for block in iter(lambda: file.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()[:12]


def measure_import(env, runs=10):
    """(best -X importtime cumulative, best wall delta), both in seconds."""
    python = sys.executable
    cumulative = []
    for _ in range(runs):
        err = subprocess.run([python, "-X", "importtime", "-c", "import mnistio"], env=env,
                             capture_output=True, text=True, check=True).stderr
        for line in err.splitlines():
            match = re.match(r"import time:\s*\d+\s*\|\s*(\d+)\s*\|\s*mnistio\s*$", line)
            if match:
                cumulative.append(int(match.group(1)) / 1e6)
    wall = {}
    for code in ("pass", "import mnistio"):
        wall[code] = min(_spawn([python, "-c", code], env=env)[0] for _ in range(runs))
    return min(cumulative), wall["import mnistio"] - wall["pass"]


# -- finding the tools and the data -------------------------------------------------------

def _importable(module):
    return importlib.util.find_spec(module) is not None


def find_datumaro(given):
    """(python running Datumaro, datum command) or (None, note)."""
    if given:
        python = os.path.abspath(given)
        datum = os.path.join(os.path.dirname(python), "datum")
        return python, [datum] if os.path.exists(datum) else [python, "-m", "datumaro"]
    if _importable("datumaro"):
        datum = shutil.which("datum")
        return sys.executable, [datum] if datum else [sys.executable, "-m", "datumaro"]
    datum = shutil.which("datum")
    if datum:
        with open(datum, "rb") as file:
            shebang = file.readline().decode(errors="replace")
        python = shebang[2:].strip().split()[0] if shebang.startswith("#!") else ""
        if os.path.exists(python):
            return python, [datum]
    return None, "Datumaro skipped: not importable here, no datum on PATH (give --datumaro-python)"


def prepare_data(data_dir, make_data, source=None):
    """The data folder, built by make_data.py when missing or asked; (path, temp or None)."""
    temporary = None
    if data_dir is None or make_data:
        temporary = tempfile.mkdtemp(prefix="mnistio-bench-")
        data_dir = temporary
    if temporary or not os.path.isdir(os.path.join(data_dir, "idx")):
        print("building the data with %s into %s ..." % (os.path.normpath(MAKE_DATA), data_dir), flush=True)
        subprocess.run([sys.executable, MAKE_DATA, data_dir] + (["--source", source] if source else []),
                       check=True, stdout=subprocess.DEVNULL)
    return os.path.abspath(data_dir), temporary


def python_mnist_dir(idx_dir, scratch):
    """python-mnist wants exact names (``train-images-idx3-ubyte.gz``): link them."""
    for name in IDX_FILES:
        os.symlink(os.path.join(idx_dir, name + ".gz"), os.path.join(scratch, name + ".gz"))
    return scratch


# -- the plan ------------------------------------------------------------------------------

def run_all(args, data, datumaro_python, datum_cmd, mnistio_env, notes, baseline_env=None):
    """Every measurement; returns result rows. A failing peer becomes a note."""
    rows = []
    python = sys.executable
    peers = {"idx2numpy": _importable("idx2numpy"), "python-mnist": _importable("mnist"),
             "pandas": _importable("pandas")}

    def job(group, tool, name, path, interpreter=python, env=None):
        print("  %-14s %-22s" % (group, tool), end="", flush=True)
        try:
            result = measure_job(interpreter, name, path, args.repeat, env)
        except RuntimeError as error:
            if tool == "mnistio":
                raise
            print(" failed", flush=True)
            notes.append("%s (%s) failed: %s" % (tool, group, str(error).strip().splitlines()[-1]))
            return
        print(" %8.3f s" % result["seconds"], flush=True)
        rows.append(dict(result, group=group, tool=tool))
        if tool == "mnistio" and baseline_env is not None:
            job(group, "mnistio@baseline", name, path, interpreter, baseline_env)

    idx, raw = os.path.abspath(os.path.join(data, "idx")), os.path.abspath(os.path.join(data, "idx-raw"))
    job("idx", "gunzip floor", "floor-gunzip", idx)
    job("idx", "mnistio", "mnistio-mnist", idx, env=mnistio_env)
    if peers["python-mnist"]:
        with tempfile.TemporaryDirectory(prefix="bench-python-mnist-") as scratch:
            job("idx", "python-mnist", "python-mnist", python_mnist_dir(idx, scratch))
    if datumaro_python:
        job("idx", "datumaro", "datumaro-mnist", idx, datumaro_python)
    job("idx-raw", "read floor", "floor-read", raw)
    job("idx-raw", "mnistio", "mnistio-mnist", raw, env=mnistio_env)
    if peers["idx2numpy"]:
        job("idx-raw", "idx2numpy", "idx2numpy", raw)

    for folder, pandas_job in (("csv", "pandas"), ("csv-header", "pandas-header")):
        path = os.path.join(data, folder)
        job(folder, "mnistio", "mnistio-csv", path, env=mnistio_env)
        if peers["pandas"]:
            job(folder, "pandas", pandas_job, path)
        if datumaro_python:
            job(folder, "datumaro", "datumaro-csv", path, datumaro_python)

    def convert(tool, prefix, env=None):
        print("  %-14s %-22s" % ("convert", tool), end="", flush=True)
        result = measure_command(lambda out: prefix + ["convert", "-if", "mnist", "-i", idx, "-f", "mnist_csv",
                                                       "-o", out, "--", "--save-media"], args.repeat, env)
        print(" %8.3f s" % result["seconds"], flush=True)
        rows.append(dict(result, group="convert", tool=tool))

    convert("mnistio CLI", [python, "-m", "mnistio"], mnistio_env)
    if baseline_env is not None:
        convert("mnistio@baseline CLI", [python, "-m", "mnistio"], baseline_env)
    if datum_cmd:
        convert("datum CLI", datum_cmd)

    cumulative, wall = measure_import(mnistio_env)
    rows.append({"group": "import", "tool": "-X importtime", "seconds": cumulative, "peak_mb": None, "check": None})
    rows.append({"group": "import", "tool": "wall - python -c pass", "seconds": wall, "peak_mb": None,
                 "check": None})
    return rows


# -- ratios, targets, report -----------------------------------------------------------------

def _find(rows, group, tool):
    for row in rows:
        if row["group"] == group and row["tool"] == tool:
            return row
    return None


def add_ratios(rows):
    """time / mnistio's time in the same group, and whether the check sums agree."""
    for row in rows:
        base = _find(rows, row["group"], "mnistio") or _find(rows, row["group"], "mnistio CLI")
        row["ratio"] = row["seconds"] / base["seconds"] if base and row["group"] != "import" else None
        if row["check"] is None or base is None:
            row["agrees"] = None
        else:
            row["agrees"] = row["check"] == base["check"]


def targets(rows):
    """[(description, measured text, PASS/FAIL/SKIP)]."""
    out = []

    def seconds(group, tool):
        row = _find(rows, group, tool)
        return row["seconds"] if row else None

    def ratio_target(text, numerator, denominator, limit, at_most):
        if numerator is None or denominator is None:
            out.append((text, "n/a", "SKIP"))
            return
        value = numerator / denominator
        ok = value <= limit if at_most else value >= limit
        out.append((text, "%.2fx" % value, "PASS" if ok else "FAIL"))

    mnistio_idx = seconds("idx", "mnistio")
    ratio_target("IDX import+iterate <= 2x gunzip floor", mnistio_idx, seconds("idx", "gunzip floor"), 2.0, True)
    ratio_target("IDX import+iterate >= 4x faster than Datumaro", seconds("idx", "datumaro"), mnistio_idx, 4.0,
                 False)
    for folder in ("csv", "csv-header"):
        mnistio_csv = seconds(folder, "mnistio")
        ratio_target("CSV (%s) import+iterate <= 0.8x pandas (issue 11)" % folder, mnistio_csv,
                     seconds(folder, "pandas"), 0.8, True)
        ratio_target("CSV (%s) import+iterate >= 3x faster than Datumaro" % folder, seconds(folder, "datumaro"),
                     mnistio_csv, 3.0, False)
    ratio_target("mnist -> mnist_csv >= 6x faster than datum convert (issue 11)", seconds("convert", "datum CLI"),
                 seconds("convert", "mnistio CLI"), 6.0, False)
    convert = _find(rows, "convert", "mnistio CLI")
    out.append(("mnist -> mnist_csv peak memory < 64 MB (issue 11)", "%.1f MB" % convert["peak_mb"],
                "PASS" if convert["peak_mb"] < 64 else "FAIL"))
    for tool in ("-X importtime", "wall - python -c pass"):
        value = seconds("import", tool)
        out.append(("import mnistio < 30 ms (%s)" % tool, "%.1f ms" % (value * 1000),
                    "PASS" if value < 0.030 else "FAIL"))
    return out


def print_report(rows, goals, notes):
    print()
    print("%-11s %-22s %10s %11s %9s  %s" % ("group", "tool", "best", "x mnistio", "peak MB", "check"))
    print("-" * 78)
    for row in rows:
        best = ("%.1f ms" % (row["seconds"] * 1000)) if row["group"] == "import" else "%.3f s" % row["seconds"]
        ratio = "%.2f" % row["ratio"] if row["ratio"] is not None else "-"
        peak = "%.1f" % row["peak_mb"] if row["peak_mb"] is not None else "-"
        agrees = {None: "-", True: "ok", False: "MISMATCH %s" % (row["check"],)}[row["agrees"]]
        print("%-11s %-22s %10s %11s %9s  %s" % (row["group"], row["tool"], best, ratio, peak, agrees))
    print()
    print("targets:")
    for text, measured, verdict in goals:
        print("  %-4s  %-62s %s" % (verdict, text, measured))
    for note in notes:
        print("note: " + note)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", nargs="?", help="folder with idx/, idx-raw/, csv/, csv-header/")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement, best kept (default 3)")
    parser.add_argument("--make-data", action="store_true", help="build the data in a temporary folder")
    parser.add_argument("--datumaro-python", help="interpreter of an environment with Datumaro")
    parser.add_argument("--no-datumaro", action="store_true", help="do not time Datumaro")
    parser.add_argument("--source", help="with --make-data: the real digits to build from (label-last CSV, gzip)")
    parser.add_argument("--baseline", metavar="CHECKOUT",
                        help="another checkout of mnistio to time beside this one, e.g. an earlier commit")
    parser.add_argument("--json", help="also save the results as JSON here")
    parser.add_argument("--job", nargs=2, metavar=("NAME", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.job:
        return run_child(*args.job)

    notes = []
    datumaro_python, datum_cmd = (None, "Datumaro skipped: --no-datumaro") if args.no_datumaro \
        else find_datumaro(args.datumaro_python)
    if datumaro_python is None:
        notes.append(datum_cmd)
        datum_cmd = None
    mnistio_env = None
    if not _importable("mnistio"):
        mnistio_env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [REPO, os.environ.get("PYTHONPATH")])))
    for module, peer in (("idx2numpy", "idx2numpy"), ("mnist", "python-mnist"), ("pandas", "pandas")):
        if not _importable(module):
            notes.append("%s skipped: not importable by %s" % (peer, sys.executable))
    baseline_env = None
    if args.baseline:
        baseline_env = dict(os.environ, PYTHONPATH=os.path.abspath(args.baseline),
                            MNISTIO_BENCH_REPO=os.path.abspath(args.baseline))
        mnistio_env = dict(os.environ, PYTHONPATH=REPO, MNISTIO_BENCH_REPO=REPO)
    # As an install does: without bytecode (PYTHONDONTWRITEBYTECODE, a read-only checkout) every
    # run would compile the package again, and time that instead of mnistio.
    for checkout in [REPO] + ([args.baseline] if args.baseline else []):
        compileall.compile_dir(os.path.join(checkout, "mnistio"), quiet=1)
    data, temporary = prepare_data(args.data_dir, args.make_data, args.source)
    print("data: %s, best of %d, python %s" % (data, args.repeat, sys.version.split()[0]))
    print("datumaro: %s" % (datumaro_python or "skipped"))
    try:
        rows = run_all(args, data, datumaro_python, datum_cmd, mnistio_env, notes, baseline_env)
    finally:
        if temporary:
            shutil.rmtree(temporary, ignore_errors=True)
    add_ratios(rows)
    goals = targets(rows)
    print_report(rows, goals, notes)
    if args.json:
        with open(args.json, "w") as file:
            json.dump({"data_dir": data, "repeat": args.repeat, "python": sys.executable,
                       "datumaro_python": datumaro_python, "results": rows,
                       "targets": [{"target": t, "measured": m, "verdict": v} for t, m, v in goals],
                       "notes": notes}, file, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
