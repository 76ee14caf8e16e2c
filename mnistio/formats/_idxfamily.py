"""The MNIST family as published, for the ``mnist`` layout (``docs/formats.rst``, mnist: "The MNIST family").

* File name prefixes: ``train``/``t10k`` (MNIST, Fashion-MNIST, KMNIST),
  ``emnist-<split>-train``/``-test`` (EMNIST, one set of files per split),
  ``qmnist-train``/``-test`` and ``xnist`` (QMNIST): each prefix is a *group*
  (the EMNIST split, ``qmnist``, or the plain files) and a subset.
* Label names published beside the files: EMNIST's ``emnist-<split>-mapping.txt``
  (``<label> <code point> [<code point>]`` a line), KMNIST's and
  Kuzushiji-49's ``kmnist_classmap.csv``/``k49_classmap.csv`` (``index,codepoint,char``).
* torchvision's folders: ``<root>/<ClassName>/raw`` (``MNIST``, ``FashionMNIST``,
  ``KMNIST``, ``EMNIST``, ``QMNIST``), and the ``gzip/`` folder EMNIST's
  ``gzip.zip`` extracts to.
* EMNIST stores each image transposed (column-major): :func:`transposed`.
"""

from __future__ import annotations

import csv
import io
import os
import re

from ..codecs.streams import read_small_file
from ..errors import FormatError, UsageError
from ._paths import LONE_SURROGATES
from ._reading import file_present

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable, Dict, List, Optional, Tuple

__all__ = ["EMNIST_SPLITS", "PLAIN_GROUP", "QMNIST_GROUP", "TORCHVISION_NAMES", "QMNIST_COLUMNS",
           "group_and_subset", "prefix_for", "family_names", "transposed", "dataset_folders",
           "emnist_mapping_lines"]

EMNIST_SPLITS = ("byclass", "bymerge", "balanced", "letters", "digits", "mnist")
#: the group of files named train-* / t10k-* / <subset>-*
PLAIN_GROUP = "plain"
QMNIST_GROUP = "qmnist"
#: torchvision's dataset classes that read IDX files from ``<root>/<ClassName>/raw``
TORCHVISION_NAMES = ("MNIST", "FashionMNIST", "KMNIST", "EMNIST", "QMNIST")
#: QMNIST's label columns after the class (its README), kept as item attributes of these names
QMNIST_COLUMNS = ("hsf_series", "writer_id", "writer_digit_index", "nist_class", "nist_index", "duplicate",
                  "unused")
#: the name torchvision gives a label that has no character in EMNIST's letters split (label 0)
NO_CHARACTER = "N/A"

_EMNIST_PREFIX = re.compile(r"^emnist-(?P<split>[A-Za-z0-9_]+)-(?P<subset>train|test)$")
_QMNIST_PREFIX = re.compile(r"^qmnist-(?P<subset>train|test)$")
_CLASSMAPS = ("kmnist_classmap.csv", "k49_classmap.csv")
_SEARCH_DEPTH = 3  # <root>/<Name>/raw/gzip


def group_and_subset(prefix: str) -> Tuple[str, str]:
    """``(group, subset)`` of a file name prefix: ``emnist-balanced-train`` -> ``("balanced", "train")``."""
    match = _EMNIST_PREFIX.match(prefix)
    if match:
        return match.group("split"), match.group("subset")
    match = _QMNIST_PREFIX.match(prefix)
    if match:
        return QMNIST_GROUP, match.group("subset")
    if prefix == "xnist":
        return QMNIST_GROUP, "nist"  # torchvision's QMNIST(what="nist")
    return PLAIN_GROUP, "test" if prefix == "t10k" else prefix


def prefix_for(subset: str, emnist_split: Optional[str] = None, qmnist: bool = False) -> str:
    """The file name prefix a subset is written under (the inverse of :func:`group_and_subset`)."""
    if emnist_split:
        return "emnist-%s-%s" % (emnist_split, subset)
    if qmnist:
        return "xnist" if subset == "nist" else "qmnist-" + subset
    return "t10k" if subset == "test" else subset


def is_emnist_group(group: str) -> bool:
    return group not in (PLAIN_GROUP, QMNIST_GROUP)


# -- label names ------------------------------------------------------------------------

def family_names(folder: str, group: str) -> Tuple[Optional[List[str]], Optional[str]]:
    """``(label names, their file)`` from the names file EMNIST or KMNIST publish beside the IDX files, or
    ``(None, None)``."""
    if is_emnist_group(group):
        path = os.path.join(folder, "emnist-%s-mapping.txt" % group)
        if file_present(path):
            return emnist_names(path), path
        return None, None
    for name in _CLASSMAPS:
        path = os.path.join(folder, name)
        if file_present(path):
            return classmap_names(path), path
    return None, None


def _text(path: str, what: str, expected: str) -> str:
    try:
        return read_small_file(path, what).decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FormatError("unreadable %s (not UTF-8 text, byte %d); expected %s" % (what, error.start, expected),
                          path) from None


def emnist_names(path: str) -> List[str]:
    """EMNIST's ``<label> <code point> [<code point> ...]`` lines as names: the characters of each
    label's code points (``1 65 97`` in the letters split -> ``"Aa"``). Labels are indices as stored:
    a label with no line (label 0 of the letters split) is named ``"N/A"``, as torchvision names it."""
    expected = "lines of '<label> <unicode code point>' (EMNIST's mapping file)"
    by_label: Dict[int, str] = {}
    for number, line in enumerate(_text(path, "EMNIST mapping file", expected).splitlines(), 1):
        words = line.split()
        if not words:
            continue
        try:
            values = [int(word) for word in words]
            if len(values) < 2 or min(values) < 0:
                raise ValueError
            name = "".join(chr(code) for code in values[1:])
            if LONE_SURROGATES.search(name):
                raise ValueError
        except (ValueError, OverflowError):
            raise FormatError("bad line %r (expected %s)" % (line[:80], expected), path, "line %d" % number) from None
        if values[0] in by_label or values[0] >= 1 << 16:
            raise FormatError("label %d %s" % (values[0], "given twice" if values[0] in by_label else "too large"),
                              path, "line %d" % number)
        by_label[values[0]] = name
    return _names_by_index(by_label, path)


def _names_by_index(by_label: Dict[int, str], path: str) -> List[str]:
    names = [by_label.get(label, NO_CHARACTER if label == 0 else "%s %d" % (NO_CHARACTER, label))
             for label in range(max(by_label) + 1 if by_label else 0)]
    seen: Dict[str, int] = {}
    for label, name in enumerate(names):
        if name in seen:
            raise FormatError("labels %d and %d have the same name %r" % (seen[name], label, name), path)
        seen[name] = label
    return names


def classmap_names(path: str) -> List[str]:
    """KMNIST's ``index,codepoint,char`` rows as names (the ``char`` column)."""
    expected = "a header 'index,codepoint,char' and a row per label (KMNIST's class map)"
    try:
        rows = list(csv.reader(io.StringIO(_text(path, "class map", expected), newline="")))
    except csv.Error as error:  # Python < 3.11's csv refuses a NUL ("line contains NUL")
        raise FormatError("unreadable class map (%s; expected %s)" % (error, expected), path) from None
    if not rows or [cell.strip() for cell in rows[0][:3]] != ["index", "codepoint", "char"]:
        raise FormatError("bad header (expected %s)" % expected, path, "line 1")
    by_label: Dict[int, str] = {}
    for number, row in enumerate(rows[1:], 2):
        if not row:
            continue
        try:
            index = int(row[0])
            if len(row) < 3 or index < 0 or index >= 1 << 16 or index in by_label or not row[2]:
                raise ValueError
        except ValueError:
            raise FormatError("bad row %r (expected index,codepoint,char with each index once)" % (row,),
                              path, "line %d" % number) from None
        by_label[index] = row[2]
    return _names_by_index(by_label, path)


def emnist_mapping_lines(names: List[str]) -> Optional[str]:
    """EMNIST's mapping file for ``names``, or None when a name is not characters EMNIST's way
    (one or two, the letters split's upper and lower case)."""
    lines = []
    for label, name in enumerate(names):
        if name == NO_CHARACTER or name == "%s %d" % (NO_CHARACTER, label):
            continue
        if not 1 <= len(name) <= 2 or not name.strip() or name != name.strip():
            return None
        lines.append("%d %s\n" % (label, " ".join(str(ord(char)) for char in name)))
    return "".join(lines)


# -- pixels -------------------------------------------------------------------------------

def transposed(data: object, rows: int, cols: int) -> bytes:
    """The ``cols x rows`` transpose of a ``rows x cols`` image: one strided slice a column, no loop
    per pixel."""
    flat = bytes(data)  # type: ignore[call-overload]
    return b"".join([flat[column::cols] for column in range(cols)])


# -- folders ---------------------------------------------------------------------------

def dataset_folders(path: str, has_files: Callable[[str], bool]) -> List[Tuple[str, str]]:
    """``[(name, folder)]``: the folders under ``path`` holding IDX files, as torchvision and EMNIST's
    archive lay them out (``path``, ``path/raw``, ``path/gzip``, ``path/<ClassName>/raw`` ...), the first
    found on each branch. ``name`` is the torchvision class name, or ``""``. Detection asks this too,
    so anything that is not a folder (a file named ``raw``, a link to nothing) is simply not searched."""
    if has_files(path):
        return [("", path)]
    for child in ("raw", "gzip"):
        sub = os.path.join(path, child)
        if os.path.isdir(sub) and has_files(sub):
            return [("", sub)]
    found = []
    for name in TORCHVISION_NAMES:
        sub = os.path.join(path, name)
        if os.path.isdir(sub):
            inner = _search(sub, has_files, _SEARCH_DEPTH - 1)
            if inner is not None:
                found.append((name, inner))
    return found


def _search(path: str, has_files: Callable[[str], bool], depth: int) -> Optional[str]:
    if has_files(path):
        return path
    if depth <= 0:
        return None
    for child in ("raw", "gzip"):
        sub = os.path.join(path, child)
        if os.path.isdir(sub):
            inner = _search(sub, has_files, depth - 1)
            if inner is not None:
                return inner
    return None


def choose_folder(path: str, found: List[Tuple[str, str]], wanted: Optional[str]) -> Tuple[str, str]:
    """The one ``(name, folder)`` of :func:`dataset_folders` to read: ``wanted`` picks among several."""
    if wanted is not None:
        for name, folder in found:
            if name == wanted:
                return name, folder
        raise UsageError("no %s dataset here (found: %s)" % (wanted, ", ".join(name or "." for name, _ in found)
                                                            or "none"), path)
    if len(found) > 1:
        raise UsageError("holds several torchvision datasets (%s); choose one with dataset=NAME (--dataset NAME)"
                         % ", ".join(name for name, _ in found), path)
    return found[0]
