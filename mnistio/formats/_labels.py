"""Label names and label values, as every layout keeps them (``docs/formats.rst``, "Label names").

Reading: ``dataset_meta.json`` wins over ``labels.txt``; neither means the
ten names ``"0"`` ... ``"9"``; a label value with no name is an error naming
the file and the item. Writing: an item holds at most one label in the
layouts that keep one (a set of labels in those that keep several), and every
label value has a name.
"""

from __future__ import annotations

import json
import os

from .._words import count
from ..codecs.jsonfile import json_kind, read_json
from ..codecs.streams import read_small_file
from ..errors import FormatError, UsageError
from ..model.items import DatasetItem, LabelCategories
from ._paths import LONE_SURROGATES
from ._reading import file_present

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterable, List, Optional, Sequence, Tuple

__all__ = ["LABELS_FILE", "DATASET_META_FILE", "DEFAULT_LABEL_NAMES", "read_label_categories",
           "names_from_dataset_meta", "read_names_file", "write_label_files", "write_names_file",
           "write_dataset_meta", "check_label", "label_error", "single_label", "item_label", "item_labels",
           "check_item_id", "check_label_names"]

LABELS_FILE = "labels.txt"
DATASET_META_FILE = "dataset_meta.json"
DEFAULT_LABEL_NAMES = tuple(str(digit) for digit in range(10))


# -- reading ----------------------------------------------------------------------

def read_label_categories(folder: str, names_file: str = LABELS_FILE,
                          default: Sequence[str] = DEFAULT_LABEL_NAMES) -> Tuple[LabelCategories, Optional[str]]:
    """``(LabelCategories, the file they came from or None)`` for a dataset folder.

    ``dataset_meta.json`` wins; then ``names_file`` (``labels.txt``, or a
    layout's own, such as ``synsets.txt``); then ``default``. Either file
    there but not a regular file (a FIFO, a folder, a link to nothing) is
    refused, not taken for absent.
    """
    meta_path = os.path.join(folder, DATASET_META_FILE)
    if file_present(meta_path):
        return LabelCategories(names_from_dataset_meta(meta_path)), meta_path
    names_path = os.path.join(folder, names_file)
    if file_present(names_path):
        return LabelCategories(read_names_file(names_path)), names_path
    return LabelCategories(default), None


def names_from_dataset_meta(path: str) -> List[str]:
    """The label names of a ``dataset_meta.json``: ``"labels"``, then ``"label_map"``'s new names."""
    meta = read_json(path, "dataset meta file", 'expected JSON like {"labels": ["name0", ...]}')
    if not isinstance(meta, dict):
        raise FormatError('expected a JSON object with a "labels" list, not %s' % json_kind(meta), path)
    labels = meta.get("labels", [])
    label_map = meta.get("label_map", {})
    if not isinstance(labels, list) or not isinstance(label_map, dict):
        raise FormatError('"labels" must be a list and "label_map" an object (found %s and %s)'
                          % (json_kind(labels), json_kind(label_map)), path)
    names = list(labels)
    seen = set(names)
    for name in label_map.values():
        if isinstance(name, str) and name not in seen:
            names.append(name)
            seen.add(name)
    wrong = [name for name in names if not isinstance(name, str)] + \
        [name for name in label_map.values() if not isinstance(name, str)]
    if wrong:
        raise FormatError("label names must be strings, not %s" % json_kind(wrong[0]), path)
    _refuse_duplicates(names, path)
    return names


def _refuse_duplicates(names: Sequence[str], path: str) -> None:
    seen = set()
    for name in names:
        if name in seen:
            raise FormatError("label name %r appears twice" % name, path)
        seen.add(name)


def read_names_file(path: str) -> List[str]:
    """One name a line, UTF-8 (a BOM is dropped), white space around names and blank lines ignored.

    Lines end at ``\\n``, ``\\r\\n`` or ``\\r`` only, as Python's text files (and so Datumaro) read
    them: ``str.splitlines`` would also cut at form feeds and Unicode separators inside a name.
    """
    data = read_small_file(path, "labels file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FormatError("unreadable labels file (not UTF-8 text, byte %d); expected one name a line"
                          % error.start, path) from None
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    names = [line.strip() for line in lines if line.strip()]
    _refuse_duplicates(names, path)
    return names


def check_label(value: int, names_count: int, names_source: Optional[str], path: str, where: str) -> None:
    """Refuse a label value read from ``path`` that has no name."""
    if value >= names_count:
        raise label_error(value, names_count, names_source, path, where)


def label_error(value: int, names_count: int, names_source: Optional[str], path: str, where: str) -> FormatError:
    """The error for a label value ``value`` (at least ``names_count``) that has no name."""
    named = "no label" if not names_count else "%s, 0..%d" % (count(names_count, "label"), names_count - 1)
    return FormatError("label %d has no name (%s names %s)"
                       % (value, os.path.basename(names_source) if names_source else "the default list", named),
                       path, where)


# -- writing ----------------------------------------------------------------------

def write_names_file(path: str, names: Iterable[str], save_dataset_meta: bool) -> None:
    """One name a line; a name that would not read back as itself is refused unless
    ``dataset_meta.json`` is written too (it wins when read)."""
    names = list(names)
    for position, name in enumerate(names):
        # A byte-order mark opening the file is dropped on reading (spreadsheets write one).
        starts_with_mark = position == 0 and name.startswith("\ufeff")
        if "\n" in name or "\r" in name or name != name.strip() or not name or starts_with_mark:
            if not save_dataset_meta:
                raise UsageError("label name %r cannot be stored in %s (one stripped name a line); "
                                 "use --save-dataset-meta" % (name, os.path.basename(path)))
    with open(path, "w", encoding="utf-8", newline="\n") as file:
        file.writelines(name + "\n" for name in names)


def write_dataset_meta(folder: str, names: Iterable[str]) -> None:
    with open(os.path.join(folder, DATASET_META_FILE), "w", encoding="utf-8") as file:
        json.dump({"labels": list(names)}, file, ensure_ascii=False, indent=4)


def write_label_files(folder: str, names: Sequence[str], save_dataset_meta: bool) -> None:
    """Write ``labels.txt`` and, when asked, ``dataset_meta.json``."""
    write_names_file(os.path.join(folder, LABELS_FILE), names, save_dataset_meta)
    if save_dataset_meta:
        write_dataset_meta(folder, names)


def single_label(item: DatasetItem) -> Optional[int]:
    """The item's label index, or None; an item with two labels cannot be stored."""
    labels = item.labels
    if len(labels) > 1:
        raise UsageError("item %r (subset %r) has %d labels; this layout stores one per item"
                         % (item.id, item.subset, len(labels)))
    return labels[0] if labels else None


def check_item_id(item: DatasetItem) -> None:
    """Refuse an id no file can hold: lone surrogates have no UTF-8 form (Python makes such
    strings from undecodable bytes)."""
    if LONE_SURROGATES.search(item.id):
        raise UsageError("item %r (subset %r): its id holds a lone surrogate, which no file can store "
                         "(expected valid Unicode text)" % (item.id, item.subset))


def check_label_names(names: Sequence[str]) -> None:
    """Refuse label names no file can hold (lone surrogates)."""
    for index, name in enumerate(names):
        if LONE_SURROGATES.search(name):
            raise UsageError("label %d, %r, holds a lone surrogate, which no file can store "
                             "(expected valid Unicode text)" % (index, name))


def item_label(item: DatasetItem, names_count: int, reserved: Optional[int] = None,
               reserved_meaning: str = "") -> Optional[int]:
    """The one label of an item about to be written, or None; it must have a name.

    ``reserved`` is the first value the layout keeps for itself (255 in
    ``mnist`` means "no label"); labels from there on cannot be stored.
    """
    check_item_id(item)
    label = single_label(item)
    if label is None:
        return None
    if reserved is not None and label >= reserved:
        raise UsageError("item %r (subset %r) has label %d, but %s"
                         % (item.id, item.subset, label, reserved_meaning))
    _check_named(item, label, names_count)
    return label


def item_labels(item: DatasetItem, names_count: int) -> List[int]:
    """The labels of an item about to be written by a layout that keeps several (a set: each once,
    in increasing order, as Datumaro's exporters write them); each must have a name."""
    check_item_id(item)
    labels = sorted(set(item.labels))
    if labels:
        _check_named(item, labels[-1], names_count)
    return labels


def _check_named(item: DatasetItem, label: int, names_count: int) -> None:
    if label >= names_count:
        raise UsageError("item %r (subset %r) has label %d, but the dataset names only %d labels"
                         % (item.id, item.subset, label, names_count))
