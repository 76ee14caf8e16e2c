"""The long hostile-input run: the suite's fuzz tests with thousands of cases each.

The suite runs every hostile-input test with ``MNISTIO_FUZZ_CASES`` cases
(150 by default, so that it stays under five minutes); this script runs
the same tests with many more: mutated IDX, CSV, meta, labels and JSON
files (``tests/test_hostile_files.py``), images (``test_hostile_images.py``),
CIFAR pickles (``test_hostile_cifar.py``), XPath filters
(``test_hostile_xpath.py``), hostile names round-tripped through every
layout (``test_hostile_names.py``), and SIGKILL / Ctrl-C at random moments
of an export (``test_output_safety.py``). Every case runs in a child process
with an address-space and a time limit; see ``tests/hostile.py``.

Usage::

    python benchmarks/fuzz.py [--cases 3000] [-k EXPRESSION] [PYTEST ARGS...]

It needs pytest and hypothesis (``pip install -e .[test]``) and prints what
pytest prints, then the cases per test and the time taken. At 3,000 cases a
test it takes about half an hour on two cores.
"""

import argparse
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FUZZ_TESTS = ["test_hostile_files.py", "test_hostile_images.py", "test_hostile_cifar.py", "test_hostile_xpath.py",
              "test_hostile_names.py", "test_output_safety.py"]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=3000, help="cases per fuzz test (default 3000; the suite: 150)")
    parser.add_argument("-k", dest="expression", help="only the tests this pytest -k expression selects")
    args, pytest_args = parser.parse_known_args(argv)
    tests = [os.path.join(ROOT, "tests", name) for name in FUZZ_TESTS
             if os.path.exists(os.path.join(ROOT, "tests", name))]
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"] + tests + pytest_args
    if args.expression:
        command += ["-k", args.expression]
    environment = dict(os.environ, MNISTIO_FUZZ_CASES=str(args.cases))
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=environment)
    print("fuzz: %d cases a test, %.0f s, pytest exit status %d"
          % (args.cases, time.perf_counter() - started, done.returncode))
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
