"""README.rst's Python examples run as written (issue 11, point 4).

Every ``::`` literal block that starts with ``import mnistio`` or ``from mnistio`` is run in a
temporary folder where the paths it names are there (``examples/mnist_sample``, the IDX files the
codecs example opens). A line ``expression  # value`` whose comment is a Python literal is checked:
the expression must equal the value (a dict in the same order too); in a loop, its first value.
"""

import ast
import os
import re
import shutil

import pytest

import mnistio
from mnistio.codecs import idx

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
README = os.path.join(ROOT, "README.rst")
SAMPLE = os.path.join(ROOT, "examples", "mnist_sample")


def python_blocks():
    """``[(line number, code)]`` of README's Python literal blocks."""
    with open(README, encoding="utf-8") as file:
        lines = file.read().splitlines()
    blocks = []
    for number, line in enumerate(lines):
        if not line.rstrip().endswith("::"):
            continue
        body = []
        for following in lines[number + 1:]:
            if following.strip() and not following.startswith("    "):
                break
            body.append(following[4:])
        code = "\n".join(body).strip("\n")
        if re.match(r"(import mnistio|from mnistio)\b", code):
            blocks.append((number + 1, code))
    return blocks


def with_checks(code):
    """``code`` with each ``expression  # literal`` line recording the expression's first value
    in ``_seen`` (by line), and the ``{line: (literal, text)}`` to compare with."""
    checks = {}
    lines = code.splitlines()
    for number, line in enumerate(lines):
        text, hash_, comment = line.partition("  # ")
        if not hash_:
            continue
        try:
            expected = ast.literal_eval(comment.strip())
            parsed = ast.parse(text.strip())
        except (SyntaxError, ValueError):
            continue
        if len(parsed.body) != 1 or not isinstance(parsed.body[0], ast.Expr):
            continue
        indent = text[:len(text) - len(text.lstrip())]
        lines[number] = "%s_seen.setdefault(%d, (%s))" % (indent, number, text.strip())
        checks[number] = expected, text.strip()
    return "\n".join(lines), checks


def test_the_readme_has_its_python_examples():
    blocks = python_blocks()
    assert len(blocks) >= 3
    assert any("'0', 'train', [5]" in code for _, code in blocks)


@pytest.mark.parametrize("line, code", python_blocks(), ids=lambda value: str(value) if isinstance(value, int) else "")
def test_a_readme_example_runs_as_written(tmp_path, monkeypatch, line, code):
    shutil.copytree(SAMPLE, tmp_path / "examples" / "mnist_sample")
    # the files the codecs example opens
    shutil.copy(os.path.join(SAMPLE, "train-images-idx3-ubyte.gz"), tmp_path)
    rows = [(value % 10,) + tuple(range(7)) for value in range(5)]
    idx.write(str(tmp_path / "qmnist-train-labels-idx2-int.gz"), [v for row in rows for v in row], (5, 8),
              dtype="int32")
    monkeypatch.chdir(tmp_path)
    limit = mnistio.limits.MAX_IMAGE_PIXELS
    instrumented, checks = with_checks(code)
    seen = {}
    try:
        exec(compile(instrumented, "README.rst, line %d" % line, "exec"), {"_seen": seen})
    finally:
        mnistio.limits.MAX_IMAGE_PIXELS = limit
    for number, (expected, text) in checks.items():
        value = seen[number]
        assert value == expected, (line + number, text)
        if isinstance(expected, dict):
            assert list(value) == list(expected), (line + number, text)


def test_the_first_item_is_the_one_the_readme_promises():
    first = next(iter(mnistio.Dataset.import_from(SAMPLE)))
    assert (first.id, first.subset, first.labels) == ("0", "train", [5])
