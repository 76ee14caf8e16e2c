"""What several layouts share: label name files, item meta rows, atomic output.

Label names follow FORMATS.md section 5 (``dataset_meta.json`` wins over
``labels.txt``; neither means ``"0"`` ... ``"9"``). Meta rows are the
``[id]`` / ``[height, width]`` / ``[id, height, width]`` rows of Datumaro's
``<subset>-meta.gz`` and ``meta_<subset>.csv`` (FORMATS.md sections 2, 3).
"""

import json
import os
import re
import shutil
import struct
import tempfile
from contextlib import contextmanager

from ..dataset import ItemSource, LabelCategories
from ..errors import FormatError, UsageError

__all__ = ["id_to_relative_path", "relative_path_to_id", "safe_join", "UniqueNames", "LABELS_FILE", "DATASET_META_FILE", "DEFAULT_LABEL_NAMES", "read_label_categories",
           "write_label_files", "check_label", "single_label", "MetaSpool", "ExportReport",
           "atomic_output_dir", "MNIST_SIZE", "GrayPolicy", "FilePerSubsetSource"]

LABELS_FILE = "labels.txt"
DATASET_META_FILE = "dataset_meta.json"
DEFAULT_LABEL_NAMES = tuple(str(digit) for digit in range(10))
MNIST_SIZE = (28, 28)


# -- label names ----------------------------------------------------------------

def read_label_categories(folder):
    """``(LabelCategories, the file they came from or None)`` for a dataset folder."""
    meta_path = os.path.join(folder, DATASET_META_FILE)
    if os.path.isfile(meta_path):
        return LabelCategories(_names_from_dataset_meta(meta_path)), meta_path
    labels_path = os.path.join(folder, LABELS_FILE)
    if os.path.isfile(labels_path):
        return LabelCategories(_names_from_labels_txt(labels_path)), labels_path
    return LabelCategories(DEFAULT_LABEL_NAMES), None


def _names_from_dataset_meta(path):
    try:
        with open(path, "rb") as file:
            meta = json.loads(file.read().decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise FormatError("unreadable dataset meta file (%s); expected JSON like "
                          '{"labels": ["name0", ...]}' % error, path) from None
    if not isinstance(meta, dict):
        raise FormatError("expected a JSON object with a \"labels\" list", path)
    names = list(meta.get("labels", []))
    label_map = meta.get("label_map", {})
    if not isinstance(names, list) or not isinstance(label_map, dict):
        raise FormatError('"labels" must be a list and "label_map" an object', path)
    names += [name for name in label_map.values() if name not in names]
    if not all(isinstance(name, str) for name in names):
        raise FormatError("label names must be strings", path)
    if len(set(names)) != len(names):
        raise FormatError("a label name appears twice", path)
    return names


def _names_from_labels_txt(path):
    try:
        with open(path, "rb") as file:
            text = file.read().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise FormatError("unreadable labels file (%s); expected UTF-8 text, one name a line" % error, path) from None
    names = [line.strip() for line in text.splitlines() if line.strip()]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise FormatError("label name %r appears twice" % duplicates[0], path)
    return names


def write_label_files(folder, names, save_dataset_meta):
    """Write ``labels.txt`` and, when asked, ``dataset_meta.json``."""
    for name in names:
        if "\n" in name or "\r" in name or name != name.strip() or not name:
            if not save_dataset_meta:
                raise UsageError("label name %r cannot be stored in labels.txt (one stripped name a line); "
                                 "use --save-dataset-meta" % name)
    with open(os.path.join(folder, LABELS_FILE), "w", encoding="utf-8", newline="\n") as file:
        file.writelines(name + "\n" for name in names)
    if save_dataset_meta:
        with open(os.path.join(folder, DATASET_META_FILE), "w", encoding="utf-8") as file:
            json.dump({"labels": list(names)}, file, ensure_ascii=False, indent=4)


def check_label(value, names_count, names_source, path, where):
    """Refuse a label value that has no name."""
    if value >= names_count:
        raise FormatError("label %d has no name (%s names %d labels, 0..%d)"
                          % (value, os.path.basename(names_source) if names_source else "the default list",
                             names_count, names_count - 1), path, where)


def single_label(item):
    """The item's label index, or None; an item with two labels cannot be stored."""
    labels = item.labels
    if len(labels) > 1:
        raise UsageError("item %r (subset %r) has %d labels; this layout stores one per item"
                         % (item.id, item.subset, len(labels)))
    return labels[0] if labels else None


class GrayPolicy:
    """One channel for layouts that hold one: colour is converted (luma) or refused."""

    def __init__(self, refuse_color):
        self.refuse_color = refuse_color
        self.converted = 0

    def apply(self, item, layout):
        image = item.media
        if image.channels == 1:
            return image
        if self.refuse_color:
            raise UsageError("item %r (subset %r) has a %d-channel image and %s stores one channel "
                             "(without --refuse-color it is converted to gray)"
                             % (item.id, item.subset, image.channels, layout))
        self.converted += 1
        return image.to_gray()

    def note(self, report):
        if self.converted:
            report.notes.append("%d colour images converted to gray (ITU-R 601-2 luma, as Pillow's \"L\")"
                                % self.converted)


class FilePerSubsetSource(ItemSource):
    """A source with one file per subset: subclasses set ``self._files``
    (``{subset: path}``) and define ``_count_items(path)`` and
    ``_iter_file(subset, path)``."""

    _files = {}
    _counts = None

    def subset_counts(self):
        if self._counts is None:
            self._counts = {subset: self._count_items(path) for subset, path in self._files.items()}
        return dict(self._counts)

    def __iter__(self):
        for subset in self._files:
            yield from self.iter_subset(subset)

    def iter_subset(self, name):
        path = self._files.get(name)
        return self._iter_file(name, path) if path is not None else iter(())


# -- meta rows --------------------------------------------------------------------

class MetaSpool:
    """Remembers each item's id and image size while a subset is written.

    Rows go to a temporary file, not memory; :meth:`rows` gives them back as
    Datumaro's meta rows once the whole subset is known, or None when every
    id is its row index and every image 28 x 28 (then no meta file is due).
    """

    _RECORD = struct.Struct("<Iii")

    def __init__(self, folder, sizes_for_missing_images=True):
        self._file = tempfile.TemporaryFile(dir=folder)
        self._sizes_for_missing = sizes_for_missing_images
        self.count = 0
        self.custom_ids = False
        self.with_image = 0
        self.other_sizes = False

    def add(self, item_id, size):
        """``size`` is ``(height, width)``, or None for an item without an image."""
        if item_id != str(self.count):
            self.custom_ids = True
        if size is not None:
            self.with_image += 1
            self.other_sizes = self.other_sizes or size != MNIST_SIZE
        encoded = item_id.encode("utf-8", "surrogatepass")
        height, width = size if size is not None else (-1, -1)
        self._file.write(self._RECORD.pack(len(encoded), height, width) + encoded)
        self.count += 1

    @property
    def needs_sizes(self):
        """Sizes are stored when one differs from 28 x 28, or (where the layout
        cannot tell otherwise) when some item lacks an image."""
        missing = self._sizes_for_missing and self.with_image < self.count
        return self.with_image > 0 and (self.other_sizes or missing)

    def rows(self):
        """Meta rows (lists of str), or None if no meta file is needed."""
        if not (self.custom_ids or self.needs_sizes):
            return None
        return self._iter_rows(self.custom_ids, self.needs_sizes)

    def _iter_rows(self, with_ids, with_sizes):
        self._file.seek(0)
        read = self._file.read
        for _ in range(self.count):
            length, height, width = self._RECORD.unpack(read(self._RECORD.size))
            item_id = read(length).decode("utf-8", "surrogatepass")
            row = [item_id] if with_ids else []
            if with_sizes:
                row += ["0", "0"] if height < 0 else [str(height), str(width)]
            yield row

    def close(self):
        self._file.close()


def parse_meta_row(row, path, where):
    """``(id or None, (height, width) or None)`` from a meta row of 1, 2 or 3 cells."""
    if len(row) not in (1, 2, 3):
        raise FormatError("meta row has %d cells (expected 1: id, 2: height, width, or 3: id, height, width)"
                          % len(row), path, where)
    item_id = row[0] if len(row) in (1, 3) else None
    if len(row) == 1:
        return item_id, None
    try:
        height, width = int(row[-2]), int(row[-1])
    except ValueError:
        raise FormatError("image size %r x %r is not two integers" % (row[-2], row[-1]), path, where) from None
    if height < 0 or width < 0:
        raise FormatError("negative image size %d x %d" % (height, width), path, where)
    return item_id, (height, width)


# -- ids as file paths -------------------------------------------------------------------

# Characters no file name may hold on some system (Windows' list, controls, NUL),
# plus "%", the escape itself, so that the mapping can be undone.
_UNSAFE_IN_NAME = re.compile(r'[\x00-\x1f<>:"|?*%\\]')
_ESCAPE = re.compile(r"%[0-9A-F]{2}")


def _escape(text):
    if _UNSAFE_IN_NAME.search(text) is None:
        return text
    return _UNSAFE_IN_NAME.sub(lambda match: "%%%02X" % ord(match.group()), text)


def id_to_relative_path(item_id):
    """A relative path (``/``-separated) that stays inside any folder, for an id.

    An id's ``/`` make subfolders, as in Datumaro, when every part is a plain
    name; otherwise (``..``, ``.``, an empty part from a leading or doubled
    ``/``) the whole id becomes one file name with ``/`` escaped. Characters
    unsafe in file names are written ``%XX``; :func:`relative_path_to_id`
    undoes it.
    """
    parts = item_id.split("/")
    if all(part not in ("", ".", "..") for part in parts):
        return "/".join(_escape(part) for part in parts)
    escaped = _escape(item_id).replace("/", "%2F")
    return "%2E%2E" if escaped == ".." else "%2E" if escaped == "." else escaped


def relative_path_to_id(relative_path):
    """The id :func:`id_to_relative_path` made ``relative_path`` from."""
    text = relative_path.replace(os.sep, "/")
    return _ESCAPE.sub(lambda match: chr(int(match.group()[1:], 16)), text)


def safe_join(root, relative_path):
    """``root/relative_path``, refused unless every part is a plain name.

    Lexical, with no system call: the ``/`` separated parts may not be
    empty, ``.`` or ``..``, nor hold ``:``, ``\\`` or NUL (a drive or a
    separator elsewhere), so the path cannot leave ``root``; exports write
    into a temporary folder made for them, which holds no links.
    """
    parts = relative_path.split("/")
    if any(part in ("", ".", "..") or ":" in part or "\\" in part or "\x00" in part for part in parts):
        raise UsageError("path %r would leave the output folder" % relative_path, root)
    return os.path.join(root, *parts)


class UniqueNames:
    """Hands out relative paths no other item has taken, deterministically.

    A path already taken (by an earlier item of another subset, say: real
    MNIST has train and test items with the same id and label) gets
    ``~<subset>``, then ``~<subset>~2``, ... before its extension. What is
    taken is asked of the output folder itself, so memory stays flat.
    """

    def __init__(self, root):
        self.root = root
        self.renamed = 0
        self._pending = set()

    def claim(self, relative_stem, extension, subset):
        """``(relative path, full path)`` of a file no other item has."""
        candidate = relative_stem + extension
        path = safe_join(self.root, candidate)
        attempt = 1
        while candidate.lower() in self._pending or os.path.lexists(path):
            attempt += 1
            suffix = "~" + _escape(subset).replace("/", "%2F") + ("~%d" % (attempt - 1) if attempt > 2 else "")
            candidate = relative_stem + suffix + extension
            path = safe_join(self.root, candidate)
        if attempt > 1:
            self.renamed += 1
        # Lower case: two names differing in case are one file on Windows and macOS.
        self._pending.add(candidate.lower())
        return candidate, path

    def written(self, relative_path):
        """The file exists now: the folder answers for it from here on."""
        self._pending.discard(relative_path.lower())


# -- export bookkeeping -------------------------------------------------------------

class ExportReport:
    """What an export wrote: item counts per subset, and notes for the user."""

    def __init__(self, format, path=None):
        self.format = format
        self.path = path
        self.subsets = {}
        self.notes = []

    def count(self, subset, items=1):
        self.subsets[subset] = self.subsets.get(subset, 0) + items

    @property
    def items(self):
        return sum(self.subsets.values())

    def __repr__(self):
        return "ExportReport(format=%r, items=%d, subsets=%r)" % (self.format, self.items, self.subsets)


@contextmanager
def atomic_output_dir(save_dir, overwrite):
    """Yield an empty temporary folder beside ``save_dir``; on success it
    replaces ``save_dir``, on failure it is removed and ``save_dir`` is untouched.
    """
    save_dir = os.path.abspath(os.fspath(save_dir))
    if os.path.exists(save_dir):
        if not os.path.isdir(save_dir):
            raise UsageError("output path exists and is not a folder", save_dir)
        if os.listdir(save_dir) and not overwrite:
            raise UsageError("output folder is not empty (use --overwrite, or overwrite=True, to replace it)",
                             save_dir)
    parent, base = os.path.split(save_dir)
    os.makedirs(parent, exist_ok=True)
    temporary = tempfile.mkdtemp(prefix=".%s.partial-" % base, dir=parent)
    try:
        yield temporary
        _make_permissions_usual(temporary)
        _replace_dir(temporary, save_dir)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise


def _make_permissions_usual(folder):
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(folder, 0o777 & ~umask)


def _replace_dir(new, target):
    if not os.path.exists(target):
        os.rename(new, target)
        return
    parent, base = os.path.split(target)
    old = tempfile.mkdtemp(prefix=".%s.old-" % base, dir=parent)
    os.rename(target, os.path.join(old, base))
    try:
        os.rename(new, target)
    except BaseException:
        os.rename(os.path.join(old, base), target)
        raise
    shutil.rmtree(old, ignore_errors=True)
