"""The ``mnist`` layout: IDX label and image files per subset (``docs/formats.rst``, mnist).

::

    train-labels-idx1-ubyte.gz  train-images-idx3-ubyte.gz    subset "train"
    t10k-labels-idx1-ubyte.gz   t10k-images-idx3-ubyte.gz     subset "test"
    <s>-labels-idx1-ubyte.gz    <s>-images-idx3-ubyte.gz      subset "<s>"
    <s>-meta.gz                 Datumaro's ids / sizes, when not the defaults
    labels.txt, dataset_meta.json

Files may be gzip, xz, bzip2 or raw, with or without their suffix, and named
the way the original downloads are (``train-images.idx3-ubyte``); when both a
raw and a compressed copy exist (torchvision keeps both) the raw one is read.
Label 255 means "no label". Images files whose count is Datumaro's pixel
total are read too.

The MNIST family as published (``docs/formats.rst``, "The MNIST family",
"torchvision's folders"; names in :mod:`._idxfamily`): EMNIST's splits
(``emnist-<split>-train-*``, one split read at a time, images turned upright,
names from ``emnist-<split>-mapping.txt``), KMNIST's ``kmnist_classmap.csv``,
QMNIST's ``qmnist-train-*``, ``xnist-*`` and ``-labels-idx2-int`` rows (the
class, then seven columns kept as item attributes and written back), and
torchvision's ``<root>/<ClassName>/raw`` folders, read and written.
"""

from __future__ import annotations

import os
import re

from .._words import count as counted
from ..codecs import idx
from ..codecs.streams import GzipWriter, open_decompressed
from ..errors import FormatError, UsageError
from ..model.image import Image
from ..model.items import DatasetItem, Label, LabelCategories
from ..model.options import Option
from ..model.sources import ItemSource, in_subset_order
from . import _idxfamily as family
from ._catalogue import known_label_names
from ._export import SubsetWriter, export_one_channel
from ._labels import item_label, label_error, read_label_categories
from ._meta import MetaSpool, parse_meta_row
from ._paths import check_subset_name
from ._reading import dataset_folder, decompressed_copy, file_present, position_of_id
from ._spec import FormatSpec

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Dict, List

__all__ = ["SPEC", "MnistSource"]

NAME = "mnist"
#: the one-channel layouts' export option
REFUSE_COLOR = Option("refuse_color", bool, help="refuse colour images instead of converting them to gray "
                                                 "(ITU-R 601-2 luma)")

LABELS_MAGIC = 0x00000801
QMNIST_LABELS_MAGIC = 0x00000C02  # int32, N x 8 columns; column 0 is the class
IMAGES_MAGIC = 0x00000803
_MAGIC_MEANING = {LABELS_MAGIC: "uint8 labels", QMNIST_LABELS_MAGIC: "QMNIST int32 labels"}
NO_LABEL = 255
META_CELL_CHARS = 32
_META_CELL_BYTES = 4 * META_CELL_CHARS
_COMPRESSED = r"(?:\.gz|\.xz|\.bz2)"
_LABELS_FILE = re.compile(r"^(?P<prefix>.+?)-labels[-.](?P<kind>idx1-ubyte|idx2-int)(?P<gz>%s)?$" % _COMPRESSED)
_IMAGES_FILE = re.compile(r"^(?P<prefix>.+?)-images[-.]idx3-ubyte%s?$" % _COMPRESSED)
_META_BATCH_ROWS = 4096

#: reading: which split of a folder holding several (EMNIST's), which dataset of a torchvision root
SPLIT = Option("split", str, metavar="NAME", help="the split to read when a folder holds several: an EMNIST "
                                                 "split (balanced, letters, ...), qmnist or plain")
DATASET = Option("dataset", str, metavar="NAME", choices=family.TORCHVISION_NAMES,
                 help="the dataset to read from a torchvision root holding several (MNIST, FashionMNIST, "
                      "KMNIST, EMNIST, QMNIST)")
UPRIGHT = Option("upright", str, default="auto", choices=("auto", "yes", "no"), metavar="auto|yes|no",
                 help="transpose images on reading: auto (EMNIST's emnist-* files, stored transposed), "
                      "yes (every file), no (as stored)")
#: writing
COMPRESS = Option("compress", str, choices=("gzip", "none"), metavar="gzip|none",
                  help="gzip (the default, as Datumaro) or none: raw IDX files, as torchvision reads them")
TRANSPOSE = Option("transpose", bool, help="store images transposed, as EMNIST's files do")
EMNIST_SPLIT = Option("emnist_split", str, metavar="SPLIT",
                      help="name the files as EMNIST's split SPLIT (emnist-SPLIT-train-images-idx3-ubyte.gz ...), "
                           "images stored transposed, and write emnist-SPLIT-mapping.txt")
TORCHVISION_LAYOUT = Option("torchvision_layout", str, metavar="NAME", choices=family.TORCHVISION_NAMES,
                            help="write <output>/NAME/raw/ with the raw files torchvision.datasets.NAME(root, "
                                 "download=False) loads (EMNIST needs --emnist-split)")
#: torchvision's subsets for each class (MNIST-like classes read both train and test)
_TORCHVISION_SUBSETS = {"QMNIST": ("train", "test", "nist")}
#: torchvision classes whose folder name says what the labels are (when no names file does)
_NAMES_BY_FOLDER = {
    "FashionMNIST": ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                     "Ankle boot"],
    "KMNIST": list("\u304a\u304d\u3059\u3064\u306a\u306f\u307e\u3084\u308c\u3092"),  # kmnist_classmap.csv
}
_DIGITS = "0123456789"
_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#: the names EMNIST's mapping files give, for a split read without its mapping file (torchvision drops it)
_EMNIST_NAMES = {
    "byclass": list(_DIGITS + _UPPER + _UPPER.lower()),
    "bymerge": list(_DIGITS + _UPPER + "abdefghnqrt"),
    "balanced": list(_DIGITS + _UPPER + "abdefghnqrt"),
    "letters": [family.NO_CHARACTER] + [upper + upper.lower() for upper in _UPPER],
    "digits": list(_DIGITS),
    "mnist": list(_DIGITS),
}


def _has_labels(folder):
    try:
        return any(_LABELS_FILE.match(name) for name in os.listdir(folder))
    except OSError:
        return False


def detect(path):
    if os.path.isfile(path):
        name = os.path.basename(path)
        return bool(_LABELS_FILE.match(name) or _IMAGES_FILE.match(name))
    return bool(family.dataset_folders(path, _has_labels))


def read(path, split=None, dataset=None, upright="auto"):
    return MnistSource(path, split=split, dataset=dataset, upright=upright)


class _SubsetFiles:
    def __init__(self, labels):
        self.labels = labels
        self.images = None
        self.meta = None


class MnistSource(ItemSource):
    """The items of an ``mnist`` folder (or of one subset's file), read lazily.

    A folder may be a torchvision root (``<root>/<ClassName>/raw``) or hold several EMNIST splits:
    ``dataset`` and ``split`` choose; ``upright`` says whether images are transposed on reading."""

    def __init__(self, path, split=None, dataset=None, upright="auto"):
        if os.path.isdir(path):
            found = family.dataset_folders(path, _has_labels) or [("", path)]
            torchvision_name, folder = family.choose_folder(path, found, dataset)
            only_file = None
        else:
            torchvision_name = ""
            folder, only_file = dataset_folder(path)
        groups = _find_subsets(folder, only_file)
        group = _choose_group(groups, split, path)
        categories, self._names_source = _label_categories(folder, group, torchvision_name)
        super().__init__(categories, path, NAME)
        self.folder = folder
        self.group = group
        self._subsets = in_subset_order(groups.get(group, {}))  # train, test, then the others sorted
        if not self._subsets:
            raise FormatError("no MNIST labels file (expected e.g. train-labels-idx1-ubyte.gz)", path)
        self._transpose = upright == "yes" or (upright == "auto" and family.is_emnist_group(group))
        self._counts = {name: _check_headers(files) for name, files in self._subsets.items()}

    def subset_counts(self):
        return dict(self._counts)

    known_counts = subset_counts

    def __iter__(self):
        for name in self._subsets:
            yield from self.iter_subset(name)

    def iter_subset(self, name):
        files = self._subsets.get(name)
        if not files:
            return iter(())
        return _iter_items(name, files, self.categories, self._names_source, self.item_fault, self._transpose)

    grouped = True

    # -- random access (docs/api.rst, "Random access") ---------------------------------

    def item_at(self, subset, index):
        """One seek per file when the subset has uint8 labels (raw files; compressed ones are
        decompressed once into a temporary file; a meta file's ids and sizes indexed once); else a
        read up to the item."""
        count = self._counts.get(subset, 0)
        if not 0 <= index < count:
            raise IndexError("subset %r has no item %d (%s)" % (subset, index, counted(count, "item")))
        if not self._seeks(subset):
            return super().item_at(subset, index)
        files = self._subsets[subset]
        meta = self._meta_index(subset) if files.meta else None
        with self._reader(files.labels, LABELS_MAGIC, count) as labels:
            value = labels.record_at(index)[0]
        image = None
        item_id = meta.ids[index] if meta is not None else None
        if files.images:
            with self._reader(files.images, IMAGES_MAGIC, count, meta) as images:
                _, rows, cols = images.header.dims
                if meta is None or meta.offsets is None:
                    data = images.record_at(index)
                elif (meta.heights[index], meta.widths[index]) != (0, 0):  # (0, 0): no image
                    rows, cols = meta.heights[index], meta.widths[index]
                    data = images.bytes_at(meta.offsets[index], rows * cols)
                else:
                    data = None
            if data is not None:
                image = _image(data, rows, cols, self._transpose)
        if value == NO_LABEL:
            annotations = []
        elif value < len(self.categories):
            annotations = [Label._make(value)]
        else:  # the error iteration meets there (no policy: _seeks)
            raise _label_error(value, len(self.categories), self._names_source, files.labels, index)
        return DatasetItem._make(item_id if item_id is not None else str(index), subset, image, annotations)

    @property
    def random_access(self):
        return all(self._seeks(subset) for subset in self._subsets)

    def lookup(self, id, subset):
        """Without a meta file the ids are the positions: ``item_at``. With one, a dictionary of
        the ids made in one pass (:meth:`_meta_index`). A scan when :meth:`item_at` cannot seek."""
        files = self._subsets.get(subset)
        if files is None:
            return None
        if not self._seeks(subset):
            return super().lookup(id, subset)
        if files.meta is not None:
            position = self._meta_index(subset).positions.get(id)
        else:
            position = position_of_id(id, self._counts[subset])
        return self.item_at(subset, position) if position is not None else None

    def _seeks(self, subset):
        """Whether :meth:`item_at` seeks in ``subset``: uint8 labels (not QMNIST's rows), no error
        policy (whose skipped items would move the others)."""
        files = self._subsets[subset]
        return self.context is None and _labels_magic(files.labels) == LABELS_MAGIC

    def _meta_index(self, subset):
        """The subset's meta file read once (:class:`_MetaIndex`)."""
        indexes = self.__dict__.setdefault("_meta_indexes", {})
        if subset not in indexes:
            files = self._subsets[subset]
            count = self._counts[subset]
            indexes[subset] = _MetaIndex(files.meta, count, _meta_columns(files, count))
        return indexes[subset]

    def _reader(self, path, magic, count, meta=None):
        """An IDX reader of a subset of ``count`` items that can seek: the file itself when raw, else
        its decompressed copy, made the first time (one pass; the copy is a temporary file as large as
        the raw file, deleted when the source is)."""
        copies = self.__dict__.setdefault("_copies", {})
        copy = copies.get(path)
        if copy is None:
            reader = _open_checked(path, magic)
            self._set_payload(reader, magic, count, meta, path)
            if reader.seekable:
                return reader
            copy = copies[path] = _decompressed_copy(reader)
            reader.close()
        copy.seek(0)
        reader = idx.Reader(copy)
        self._set_payload(reader, magic, count, meta, path)
        return reader

    @staticmethod
    def _set_payload(reader, magic, count, meta, path):
        """Datumaro's image headers count pixels: the labels' count (or the meta file's sizes) decides
        how many bytes an images file holds."""
        if magic == IMAGES_MAGIC:
            sized = meta is not None and meta.offsets is not None
            reader.payload_size = meta.total if sized else _images_payload(reader.header, count, False, path)

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_copies", None)  # temporary files: made again when needed
        state.pop("_meta_indexes", None)
        return state

    def __del__(self):
        for copy in self.__dict__.get("_copies", {}).values():
            copy.close()  # and so deleted

    def read_arrays(self, subset, *, no_label, writable):
        """The fast way for plain IDX files (uint8 labels, no meta file, not transposed): the image
        payload read straight into the array's buffer, the labels at once. None otherwise, or when a
        label is out of range or an error policy is set: iterating reports those items as it should."""
        files = self._subsets.get(subset)
        if (files is None or not files.images or files.meta or self._transpose or self.context is not None
                or _labels_magic(files.labels) != LABELS_MAGIC):
            return None
        return read_plain_arrays(files, len(self.categories), no_label, writable)


class _MetaIndex:
    """A meta file's ids and image sizes, read in one pass: ``ids`` (the id of each item, None for
    the default), ``positions`` (id -> first position), and with sizes ``heights``, ``widths`` and
    ``offsets`` (where each image starts in the images file's values) and their ``total``. About
    150 bytes an item, most of it the dictionary and the ids' text."""

    def __init__(self, path, count, columns):
        from array import array

        self.ids = []
        self.positions: Dict[str, int] = {}
        self.offsets = array("q") if columns >= 2 else None
        self.heights, self.widths = array("l"), array("l")
        self.total = 0
        for index, row in enumerate(_iter_meta_rows(path, count, columns) if columns else ()):
            item_id, size = parse_meta_row(row, path, "item %d" % index)
            self.ids.append(item_id)
            self.positions.setdefault(item_id if item_id is not None else str(index), index)
            if self.offsets is not None:
                height, width = size
                self.offsets.append(self.total)
                self.heights.append(height)
                self.widths.append(width)
                self.total += height * width


def _image(data, height, width, transpose):
    """An image of the stored pixels, upright when they are stored transposed (EMNIST)."""
    if transpose:
        return Image._wrap(family.transposed(data, height, width), width, height)
    return Image._wrap(data, height, width)


def _decompressed_copy(reader):
    """A temporary file holding ``reader``'s IDX file decompressed (header and values), read once and
    checked as iteration checks it (its size, its end)."""
    return decompressed_copy(reader, reader.header.pack(), reader.payload_size)



def read_plain_arrays(files, names_count, no_label, writable):
    """``Arrays`` of a subset's labels and images files, or None when a label has no name."""
    from array import array

    from ..model.arrays import LABEL_TYPESTR, Array, Arrays, writable_buffer  # here: ``import mnistio`` stays cheap

    with _open_checked(files.labels, LABELS_MAGIC) as labels:
        values = labels.read_all()
    count = len(values)
    if count and max(values.translate(_NO_LABEL_AS_ZERO)) >= names_count:
        return None
    with _open_checked(files.images, IMAGES_MAGIC) as images:
        _, rows, cols = images.header.dims
        images.payload_size = _images_payload(images.header, count, False, files.images)
        pixels = writable_buffer(images.payload_size)
        images.readinto(pixels)
        images.finish()
    classes = array("q", memoryview(values))  # values, not bytes: array("q", bytes) would read int64s
    if no_label != NO_LABEL:
        start = values.find(NO_LABEL)
        while start >= 0:  # a loop over the unlabelled items only
            classes[start] = no_label
            start = values.find(NO_LABEL, start + 1)
    return Arrays(Array(pixels, (count, rows, cols), writable=writable),
                  Array(classes, (count,), LABEL_TYPESTR, writable=writable))


_NO_LABEL_AS_ZERO = bytes(range(255)) + b"\x00"


def _choose_group(groups, split, path):
    """The one group (EMNIST split, ``qmnist``, ``plain``) to read."""
    if split is not None:
        if split not in groups:
            raise UsageError("no split %r here (found: %s)" % (split, ", ".join(sorted(groups)) or "none"), path)
        return split
    if len(groups) > 1:
        raise UsageError("holds the files of several splits (%s); choose one with split=NAME (--split NAME)"
                         % ", ".join(sorted(groups)), path)
    return next(iter(groups), family.PLAIN_GROUP)


def _label_categories(folder, group, torchvision_name):
    """Names from dataset_meta.json or labels.txt; else the names file published with the files
    (EMNIST's mapping, KMNIST's class map); else what the split or torchvision folder says; else digits."""
    categories, source = read_label_categories(folder)
    if source is not None:
        return categories, source
    names, source = family.family_names(folder, group)
    if names is None:
        names = _EMNIST_NAMES.get(group) if family.is_emnist_group(group) else _NAMES_BY_FOLDER.get(torchvision_name)
    if names is None:
        names = known_label_names(folder)  # files whose checksums are a published set's (Fashion-MNIST, ...)
    return (LabelCategories(names), source) if names is not None else (categories, None)


def _find_subsets(folder, only_file):
    """``{group: {subset: _SubsetFiles}}``, raw files preferred over compressed twins."""
    names = sorted(os.listdir(folder))
    if only_file is not None:
        match = _IMAGES_FILE.match(only_file) or _LABELS_FILE.match(only_file)
        if match is None:
            raise FormatError("not an MNIST labels or images file name (expected e.g. "
                              "train-labels-idx1-ubyte.gz)", os.path.join(folder, only_file))
        wanted = {match.group("prefix")}
    groups: Dict[str, Dict[str, _SubsetFiles]] = {}
    for name in names:
        match = _LABELS_FILE.match(name)
        if not match or (only_file is not None and match.group("prefix") not in wanted):
            continue
        prefix = match.group("prefix")
        group, subset = family.group_and_subset(prefix)
        subsets = groups.setdefault(group, {})
        found = subsets.get(subset)
        if found is not None and _labels_prefix(found.labels) != prefix:
            raise FormatError("two labels files for subset %r: %s and %s"
                              % (subset, os.path.basename(found.labels), name), folder)
        if found is None or not match.group("gz"):
            subsets[subset] = _SubsetFiles(os.path.join(folder, name))
    for subsets in groups.values():
        for subset, files in subsets.items():
            prefix = _labels_prefix(files.labels)
            images = [name for name in names if _images_prefix(name) == prefix]
            if images:
                raw = [name for name in images if name.endswith("ubyte")]
                files.images = os.path.join(folder, (raw or images)[0])
            meta = os.path.join(folder, subset + "-meta.gz")
            files.meta = meta if file_present(meta) else None
    return groups


def _labels_prefix(path):
    """The subset prefix of a labels file found by :func:`_find_subsets` (so its name matches)."""
    return _LABELS_FILE.match(os.path.basename(path)).group("prefix")  # type: ignore[union-attr]


def _images_prefix(name):
    match = _IMAGES_FILE.match(name)
    return match.group("prefix") if match else None


def _labels_magic(path):
    match = _LABELS_FILE.match(os.path.basename(path))
    return QMNIST_LABELS_MAGIC if match is not None and match.group("kind") == "idx2-int" else LABELS_MAGIC


def _label_rows(reader):
    """``(class, attributes or None)`` of each item: the value itself, or QMNIST's row (its class in
    column 0, the other columns as named attributes)."""
    if reader.header.magic != QMNIST_LABELS_MAGIC:
        return ((value, None) for value in reader.iter_records())
    return _qmnist_rows(reader)


def _qmnist_rows(reader):
    names = None
    for row in reader.iter_records():
        if names is None:  # named once a row is read: the reader has checked its size against the limits
            extra = tuple("column_%d" % column for column in range(len(family.QMNIST_COLUMNS) + 1, len(row)))
            names = family.QMNIST_COLUMNS[:len(row) - 1] + extra
        yield row[0], dict(zip(names, row[1:]))


def _label_error(value, names_count, names_source, path, index):
    """The error for a label value the item loops refuse: below 0 (QMNIST), or with no name."""
    if value < 0:
        return FormatError("label %d is negative (QMNIST classes are 0..9)" % value, path, "item %d" % index)
    return label_error(value, names_count, names_source, path, "item %d" % index)


def _open_checked(path, magic):
    reader = idx.Reader(path)
    try:
        if reader.header.magic != magic:
            raise FormatError("bad magic 0x%08x (expected 0x%08x, %s)"
                              % (reader.header.magic, magic, _MAGIC_MEANING.get(magic, "uint8 images, 3 dims")),
                              path, "byte 0")
        dims = reader.header.dims
        if magic == QMNIST_LABELS_MAGIC and dims[1] == 0:
            raise FormatError("QMNIST label rows of 0 columns (expected 8, the class first)", path, "byte 8")
        if magic == IMAGES_MAGIC and 0 in dims[1:]:
            raise FormatError("images of %d x %d pixels (expected both sides at least 1)" % (dims[2], dims[1]),
                              path, "byte 8")
    except BaseException:
        reader.close()
        raise
    return reader


def _check_headers(files):
    """The subset's item count, once label and image headers agree."""
    with _open_checked(files.labels, _labels_magic(files.labels)) as labels:
        count = labels.header.count
    columns = _meta_columns(files, count)
    if files.images:
        with _open_checked(files.images, IMAGES_MAGIC) as images:
            _images_payload(images.header, count, columns >= 2, files.images)
    return count


def _images_payload(header, count, sized, path):
    """Payload bytes of an images file for ``count`` items, or None when meta sizes decide."""
    images, rows, cols = header.dims
    if sized:
        return None
    if images == count or images == count * rows * cols:  # the latter is Datumaro's pixel total
        return count * rows * cols
    raise FormatError("images file holds %d images, the labels file %d labels" % (images, count), path)


def _meta_columns(files, count):
    """Cells per meta row (1, 2 or 3), 0 without a meta file."""
    if not files.meta:
        return 0
    total = 0
    most = 3 * _META_CELL_BYTES * count  # read no further: a bomb stops here
    try:
        with open_decompressed(files.meta) as stream:
            while total <= most:
                chunk = stream.read(min(1 << 20, most + 1 - total))
                if not chunk:
                    break
                total += len(chunk)
    except FormatError as error:
        raise FormatError("unreadable meta file (%s)" % _reason(error), files.meta) from None
    cells, remainder = divmod(total, _META_CELL_BYTES)
    if remainder or (count and (cells % count or cells // count not in (1, 2, 3))) or (not count and cells):
        raise FormatError("meta file holds %d bytes, not %d items x 1, 2 or 3 cells of %d bytes"
                          % (total, count, _META_CELL_BYTES), files.meta)
    return cells // count if count else 0


def _reason(error):
    """What a stream error says, with the library's own words when it had some."""
    return str(error.__cause__) if error.__cause__ is not None else error.message


def _iter_meta_rows(path, count, columns):
    with open_decompressed(path) as stream:
        for start in range(0, count, _META_BATCH_ROWS):
            rows = min(_META_BATCH_ROWS, count - start)
            try:
                text = stream.read(rows * columns * _META_CELL_BYTES).decode("utf-32-le")
            except UnicodeDecodeError as error:
                raise FormatError("unreadable meta file (%s)" % error, path) from None
            except FormatError as error:
                raise FormatError("unreadable meta file (%s)" % _reason(error), path) from None
            cells = [text[i:i + META_CELL_CHARS].rstrip("\x00") for i in range(0, len(text), META_CELL_CHARS)]
            for row in range(0, len(cells), columns):
                yield cells[row:row + columns]


def _iter_items(subset, files, categories, names_source, fault, transpose=False):
    """The items of one subset; ``fault`` (the source's :meth:`~mnistio.model.sources.ItemSource.item_fault`)
    raises, or returns when the import's error policy lets the item be skipped. A bad label skips its
    item; a file cut short, or a meta row whose size cannot be read, stops the subset."""
    names_count = len(categories)
    with _open_checked(files.labels, _labels_magic(files.labels)) as labels:
        count = labels.header.count
        columns = _meta_columns(files, count)
        images = _open_checked(files.images, IMAGES_MAGIC) if files.images else None
        try:
            if images is not None:
                images.payload_size = _images_payload(images.header, count, columns >= 2, files.images)
            meta = _iter_meta_rows(files.meta, count, columns) if columns else None
            plain = meta is None and images is not None and not transpose
            if plain and labels.header.magic == LABELS_MAGIC:
                yield from _iter_plain(subset, labels, images, names_count, names_source, fault)
            else:
                yield from _iter_with_meta(subset, labels, images, meta, names_count, names_source, files, fault,
                                           transpose)
        finally:
            if images is not None:
                images.close()


def _iter_plain(subset, labels, images, names_count, names_source, fault):
    """The fast path: default ids, every image of the header's size, one uint8 label each."""
    _, rows, cols = images.header.dims
    pixels = images.iter_records()
    wrap, make = Image._wrap, DatasetItem._make
    for index, value in enumerate(labels.iter_records()):
        if value == NO_LABEL:
            annotations = []
        else:
            if not 0 <= value < names_count:
                next(pixels)  # read even if skipped: the next item's pixels follow
                fault(_label_error(value, names_count, names_source, labels.path, index), str(index), subset)
                continue
            annotations = [Label._make(value)]
        yield make(str(index), subset, wrap(next(pixels), rows, cols), annotations)
    for _ in pixels:  # runs the end-of-file check
        pass


def _iter_with_meta(subset, labels, images, meta, names_count, names_source, files, fault, transpose=False):
    """Items whose ids or sizes come from the meta file, with no images file, with QMNIST's label
    rows, or transposed on reading."""
    default_size = images.header.dims[1:] if images is not None else None
    for index, (value, attributes) in enumerate(_label_rows(labels)):
        # A meta row's size says where the next image starts: one that cannot be read stops here.
        item_id, size = parse_meta_row(next(meta), files.meta, "item %d" % index) if meta is not None else (None, None)
        image = None
        if images is not None:
            height, width = size if size is not None else default_size  # type: ignore[misc]  # set with images
            if size != (0, 0):
                image = _image(images.read(height * width), height, width, transpose)
        if value == NO_LABEL:
            annotations = []
        elif 0 <= value < names_count:
            annotations = [Label._make(value)]
        else:
            fault(_label_error(value, names_count, names_source, labels.path, index),
                  item_id if item_id is not None else str(index), subset)
            continue
        item = DatasetItem._make(item_id if item_id is not None else str(index), subset, image, annotations)
        if attributes is not None:
            item.attributes = attributes
        yield item
    if images is not None:
        images.finish()


# -- writing ------------------------------------------------------------------------

def write(dataset, save_dir, *, save_media=False, image_ext=None, save_dataset_meta=False, refuse_color=False,
          compress=None, transpose=False, emnist_split=None, torchvision_layout=None):
    """Write every item; labels always, pixels only with ``save_media``.

    ``compress`` ``"none"`` writes raw IDX files; ``transpose`` stores images as EMNIST does;
    ``emnist_split`` names the files as that EMNIST split's (and transposes); ``torchvision_layout``
    writes ``<save_dir>/<NAME>/raw/`` as ``torchvision.datasets.NAME`` reads it."""
    naming = _Naming(compress, transpose, emnist_split, torchvision_layout, save_media)
    folder = naming.folder(save_dir)
    report = export_one_channel(dataset, folder, NAME, save_dataset_meta, refuse_color,
                                lambda subset, names_count, gray: _SubsetWriter(folder, subset, save_media,
                                                                                names_count, gray, naming))
    report.path = save_dir
    naming.finish(folder, dataset.label_names, report)
    return report


class _Naming:
    """How an export names and stores its files: the export options, checked together."""

    def __init__(self, compress, transpose, emnist_split, torchvision_layout, save_media):
        if emnist_split is not None and not re.match(r"^[A-Za-z0-9_]+$", emnist_split):
            raise UsageError("emnist_split is a split name such as balanced or letters, not %r" % (emnist_split,))
        if torchvision_layout is not None:
            if compress == "gzip":
                raise UsageError("torchvision reads raw IDX files: torchvision_layout writes them (compress none)")
            if not save_media:
                raise UsageError("torchvision_layout writes the images torchvision loads: add --save-media "
                                 "(save_media=True)")
            if (torchvision_layout == "EMNIST") != (emnist_split is not None):
                raise UsageError("torchvision_layout EMNIST needs emnist_split (and emnist_split with a "
                                 "torchvision layout needs EMNIST)")
            compress = "none"
        self.suffix = "" if compress == "none" else ".gz"
        self.transpose = bool(transpose or emnist_split)
        self.emnist_split = emnist_split
        self.torchvision = torchvision_layout
        self.qmnist_names = torchvision_layout == "QMNIST"
        #: items written with QMNIST's rows but lacking some of its columns (written as 0)
        self.zero_filled = 0

    def folder(self, save_dir):
        if self.torchvision is None:
            return save_dir
        folder = os.path.join(save_dir, self.torchvision, "raw")
        os.makedirs(folder)
        return folder

    def check_subset(self, subset):
        wanted = _TORCHVISION_SUBSETS.get(self.torchvision or "", ("train", "test"))
        if (self.torchvision or self.emnist_split) and subset not in wanted:
            raise UsageError("subset %r cannot be written %s: its subsets are %s"
                             % (subset, "for torchvision's " + self.torchvision if self.torchvision
                                else "as an EMNIST split", ", ".join(wanted)))
        prefix = family.prefix_for(subset, self.emnist_split, self.qmnist_names)
        group = self.emnist_split or (family.QMNIST_GROUP if self.qmnist_names else family.PLAIN_GROUP)
        if family.group_and_subset(prefix) != (group, subset):
            # a subset named like EMNIST's or QMNIST's files would come back as another subset
            raise UsageError("subset %r cannot be stored in mnist: its files (%s-*) are read back as %s's subset %r"
                             % ((subset, prefix) + family.group_and_subset(prefix)))

    def base(self, folder, subset):
        return os.path.join(folder, family.prefix_for(subset, self.emnist_split, self.qmnist_names))

    def finish(self, folder, names, report):
        if self.zero_filled:
            report.notes.append("%s had no QMNIST label columns (%s): written as 0"
                                % (counted(self.zero_filled, "item"), ", ".join(family.QMNIST_COLUMNS)))
        if self.emnist_split:
            text = family.emnist_mapping_lines(list(names))
            if text is None:
                report.notes.append("no emnist-%s-mapping.txt written: a label name is not one or two characters "
                                    "(labels.txt holds the names)" % self.emnist_split)
            else:
                with open(os.path.join(folder, "emnist-%s-mapping.txt" % self.emnist_split), "w",
                          encoding="utf-8", newline="\n") as file:
                    file.write(text)
        if self.torchvision and self.torchvision not in _TORCHVISION_SUBSETS:
            missing = [subset for subset in ("train", "test") if subset not in report.subsets]
            if missing:
                report.notes.append("torchvision's %s wants both train and test files; there is no %s subset"
                                    % (self.torchvision, " or ".join(missing)))


_RESERVED_SUBSETS = {"t10k": "t10k files are read back as 'test'"}


def check_meta_id(item_id):
    if len(item_id) > META_CELL_CHARS or "\x00" in item_id:
        raise UsageError("item id %r cannot be stored in an mnist meta file (at most %d characters, no NUL)"
                         % (item_id, META_CELL_CHARS))


class _SubsetWriter(SubsetWriter):
    def __init__(self, folder, subset, save_media, names_count, gray, naming):
        check_subset_name(subset, NAME, _RESERVED_SUBSETS)
        naming.check_subset(subset)
        self.folder = folder
        self.subset = subset
        self.save_media = save_media
        self.names_count = names_count
        self.gray = gray
        self.naming = naming
        self.base = naming.base(folder, subset)
        self.labels = None
        self.qmnist = False
        self.images_path = self.base + "-images-idx3-ubyte" + naming.suffix
        self.images = None
        self.first_size = None
        self.meta = MetaSpool(folder)

    @property
    def count(self):
        return self.meta.count

    def add(self, item):
        label = item_label(item, self.names_count, NO_LABEL, "255 means 'no label' in mnist")
        if item.id != str(self.meta.count):
            check_meta_id(item.id)
        value = NO_LABEL if label is None else label
        labels = self.labels if self.labels is not None else self._open_labels(item)
        if self.qmnist:
            if not all(name in item.attributes for name in family.QMNIST_COLUMNS):
                self.naming.zero_filled += 1
            labels.write_record([value] + _qmnist_columns(item))
        else:
            labels.write_payload(bytes((value,)), 1)
        size = None
        if item.media is not None and item.media.has_data:
            if not self.save_media:
                self.images_not_saved += 1
            elif item.media.height * item.media.width:
                size = self._write_image(item)
        self.meta.add(item.id, size)

    def _open_labels(self, first):
        """uint8 labels, or QMNIST's int32 rows when the first item carries QMNIST's columns (or
        torchvision's QMNIST is written)."""
        self.qmnist = self.naming.qmnist_names or all(name in first.attributes for name in family.QMNIST_COLUMNS)
        if self.qmnist:
            self.labels = idx.Writer(self.base + "-labels-idx2-int" + self.naming.suffix, "int32",
                                     (1 + len(family.QMNIST_COLUMNS),), compress=bool(self.naming.suffix))
        else:
            self.labels = idx.Writer(self.base + "-labels-idx1-ubyte" + self.naming.suffix,
                                     compress=bool(self.naming.suffix))
        return self.labels

    def _write_image(self, item):
        image = self.gray.apply(item, NAME)
        data, size = image.data, image.size
        if self.naming.transpose:
            data, size = family.transposed(data, image.height, image.width), (image.width, image.height)
        if self.images is None:
            self.first_size = size
            self.images = idx.Writer(self.images_path, record_shape=self.first_size,
                                     compress=bool(self.naming.suffix))
        self.images.write_payload(data, 1)
        return size

    def finish(self):
        if self.labels is None:
            self.labels = idx.Writer(self.base + "-labels-idx1-ubyte" + self.naming.suffix,
                                     compress=bool(self.naming.suffix))
        self.labels.close()
        if self.images is not None:
            # The true count and the first image's size; the meta file holds
            # every size when they differ (docs/formats.rst, mnist).
            self.images.count = self.meta.count
            self.images.close()
        rows = self.meta.rows()
        if rows is not None:
            _write_meta(os.path.join(self.folder, self.subset + "-meta.gz"), rows)

    def close(self):
        for file in (self.labels, self.images):
            if file is not None:
                file.close()
        self.meta.close()


def _qmnist_columns(item):
    """QMNIST's seven columns after the class, from the item's attributes (0 for one it lacks: the
    torchvision layout writes QMNIST's rows for any dataset)."""
    values = []
    for name in family.QMNIST_COLUMNS:
        value = item.attributes.get(name, 0)
        if isinstance(value, bool) or not isinstance(value, int) or not -(1 << 31) <= value < 1 << 31:
            raise UsageError("item %r (subset %r): attribute %s is %r; QMNIST's label columns hold 32-bit integers"
                             % (item.id, item.subset, name, value))
        values.append(value)
    return values


def _write_meta(path, rows):
    with open(path, "wb") as file, GzipWriter(file, 6) as out:
        batch: List[str] = []
        for row in rows:
            batch.extend(cell.ljust(META_CELL_CHARS, "\x00") for cell in row)
            if len(batch) >= 3 * _META_BATCH_ROWS:
                out.write("".join(batch).encode("utf-32-le", "surrogatepass"))
                batch = []
        out.write("".join(batch).encode("utf-32-le", "surrogatepass"))


def subset_files(folder, subset):
    """The files of one subset in ``folder``, as they are named there (for saving in place)."""
    groups = _find_subsets(folder, None)
    if set(groups) - {family.PLAIN_GROUP}:
        raise UsageError("cannot save in place a folder of EMNIST or QMNIST files (%s): export to a new folder"
                         % ", ".join(sorted(groups)), folder)
    files = groups.get(family.PLAIN_GROUP, {}).get(subset)
    paths = [files.labels, files.images, files.meta] if files is not None else []
    return [os.path.relpath(path, folder) for path in paths if path]


SPEC = FormatSpec(
    NAME, detect=detect, read=read, write=write, detect_rank=10, subset_files=subset_files,
    description="IDX files per subset: <subset>-labels-idx1-ubyte.gz, <subset>-images-idx3-ubyte.gz "
                "(and EMNIST's, QMNIST's, torchvision's folders)",
    export_options=[REFUSE_COLOR, COMPRESS, TRANSPOSE, EMNIST_SPLIT, TORCHVISION_LAYOUT],
    import_options=[SPLIT, DATASET, UPRIGHT])
