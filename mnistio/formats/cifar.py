"""The ``cifar`` layout: CIFAR-10/100 "python version" pickles (``docs/formats.rst``, cifar).

The CIFAR page (https://www.cs.toronto.edu/~kriz/cifar.html, "Dataset
layout", Python version) describes each batch file as a pickled dict whose
``data`` is a 10000 x 3072 numpy uint8 array -- a row per 32 x 32 colour
image, the 1024 red values first, then the green, then the blue, each plane
row-major -- and whose ``labels`` are numbers 0..9; ``batches.meta`` holds
``label_names``. CIFAR-100 has ``meta`` (``fine_label_names``,
``coarse_label_names``) and ``fine_labels`` / ``coarse_labels``. Datumaro
names each batch after its subset and adds ``image_sizes`` for other sizes::

    batches.meta        {"label_names": [...]}            (CIFAR-100: "meta")
    <subset>            {"batch_label": str, "filenames": [id + ext], "labels": [int or None],
                         "data": uint8 array, "image_sizes": [(h, w)] when not all 32 x 32}
    dataset_meta.json   optional, wins over batches.meta (docs/formats.rst, "Label names")

Reading never runs code from a file (:mod:`mnistio.codecs.pickles` resolves
only the globals a numpy array needs, to stand-ins that rebuild it as plain
bytes, and refuses any other). Opening a dataset scans the opcodes of every
batch and meta file (nothing is built), so an unsafe or malformed pickle is
refused then, not when the items are read. A batch is one pickle, loaded
whole: a source holds one batch file at a time; its lengths are compared
before any column is decoded, and items are decoded one at a time. Ids are
the file names less their extension, as Datumaro reads them; the subset is
the batch's file name. Real (Python 2) files have bytes keys and names: both
kinds are read. Coarse CIFAR-100 labels are not kept.

Writing emits protocol 4 through :mod:`mnistio.codecs.pickles`, without
numpy (Datumaro refuses protocol 2's ``_codecs.encode``). Pixels wait in a temporary file per subset, so no subset's
pixels are held in memory. ``data`` is:

* every item with an image of one size: an N x 3hw uint8 array, as real
  CIFAR, so ``np.vstack(d["data"]).reshape(-1, 3, 32, 32)`` loaders work;
  with ``image_sizes`` when that size is not 32 x 32;
* images missing or of several sizes: a 1-D object array of uint8 rows or
  None, and ``image_sizes`` for every item (32 x 32 for no image), as
  Datumaro writes mixed sizes; it reads this back (its own exporter leaves
  image-less items out of ``data``, and then fails to import its export);
* no image at all (``save_media=False``): an empty 0 x 3072 uint8 array.

Images are stored as three planes: gray is replicated into R, G and B
(Datumaro's exporter crashes on it), alpha is dropped, and the report says
how many. **Quirk**: Datumaro puts the planes in its B, G, R memory order, so
it shows real CIFAR's red as blue and writes blue first; mnistio keeps to the
CIFAR page (red first), so a Datumaro-written batch reads with red and blue
swapped, as in any CIFAR loader.
"""

from __future__ import annotations

import math
import os
import posixpath
import re
import tempfile
from functools import partial

from .._words import count as count_words
from ..codecs._raster import check_size
from ..codecs.pickles import ArrayValue, NumpyArray, as_text, as_uint8, copy_bytes, shown
from ..codecs.pickles import dump as dump_pickle
from ..codecs.pickles import load as load_pickle
from ..codecs.pickles import scan as scan_pickle
from ..codecs.streams import open_input
from ..errors import FormatError, MnistioError, UsageError
from ..model.image import Image
from ..model.items import DatasetItem, Label, LabelCategories
from ._export import ExportReport, SubsetWriter, export_subsets
from ._labels import DATASET_META_FILE, check_label, item_label, read_label_categories, write_dataset_meta
from ._patch import subset_files_by_pattern
from ._paths import check_subset_name, is_plain_name, safe_join
from ._reading import FilePerSubsetSource, dataset_folder, file_present
from ._spec import FormatSpec

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, List

__all__ = ["SPEC", "CifarSource", "CIFAR10_LABEL_NAMES"]

NAME = "cifar"

META_10_FILE = "batches.meta"
META_100_FILE = "meta"
IMAGE_SIZE = (32, 32)
DEFAULT_IMAGE_EXT = ".png"
#: Datumaro's names when a batch has no meta file beside it
CIFAR10_LABEL_NAMES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")

_TRAIN_BATCH = re.compile(r"^data_batch_(\d+)$")
_BATCH_KEYS = (b"filenames", b"labels", b"fine_labels", b"batch_label")



# -- the batch dict ---------------------------------------------------------------------
#
# A batch is checked before any item is made, from sizes alone: the lengths of
# its columns and the rows of ``data``. Items are then decoded one at a time
# (a label; a row of pixels, once its image size has passed
# mnistio.limits.MAX_IMAGE_PIXELS and its length matches), so reading builds
# nothing for the whole batch beyond what unpickling built: a long array is
# never turned into a list of Python ints, which takes 5 to 36 times its bytes.

def _as_dict(value, path, what):
    if not isinstance(value, dict):
        raise FormatError("expected a pickled dict (%s), found %s" % (what, type(value).__name__), path)
    return {(as_text(key) if isinstance(key, (bytes, str)) else key): item for key, item in value.items()}


def _column(batch, key, path):
    """The list (or integer or object numpy array) under ``key``, not decoded."""
    value = batch.get(key)
    if value is None:
        raise FormatError("no %r list (a CIFAR batch is a dict with 'filenames', 'labels' and 'data')" % key, path)
    if isinstance(value, NumpyArray):
        if value.objects is None and not value.dtype.is_integer:
            raise FormatError("%r: expected an integer array, found dtype %s%d"
                              % (key, value.dtype.kind, value.dtype.itemsize), path)
        return value
    if not isinstance(value, (list, tuple)):
        raise FormatError("%r is a %s, expected a list" % (key, type(value).__name__), path)
    return value


def _length(column):
    return column.size if isinstance(column, NumpyArray) else len(column)


def _element(column, index):
    return column.ints(index, index + 1)[0] if isinstance(column, NumpyArray) else column[index]


def _labels(batch, path):
    """``labels``, or CIFAR-100's ``fine_labels`` when that is empty or missing, as Datumaro."""
    labels = _column(batch, "labels", path) if "labels" in batch else []
    if not _length(labels) and "fine_labels" in batch:
        labels = _column(batch, "fine_labels", path)
    elif "labels" not in batch:
        raise FormatError("no 'labels' (or 'fine_labels') list", path)
    return labels


def _sizes(batch, count, path):
    """``image_sizes`` (as many as items), or None when every image is 32 x 32."""
    sizes = batch.get("image_sizes")
    if sizes is None:
        return None
    if isinstance(sizes, NumpyArray):
        found = sizes.size // 2 if sizes.size % 2 == 0 else -1
    elif isinstance(sizes, (list, tuple)):
        found = len(sizes)
    else:
        found = -1
    if found != count:
        raise FormatError("'image_sizes' must list %s" % count_words(count, "(height, width) pair"), path)
    return sizes


def _size_at(sizes, index):
    """Item ``index``'s (height, width), within the pixel limit."""
    if sizes is None:
        return IMAGE_SIZE
    size = sizes.ints(2 * index, 2 * index + 2) if isinstance(sizes, NumpyArray) else sizes[index]
    if not (isinstance(size, (list, tuple)) and len(size) == 2
            and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in size)):
        raise FormatError("image size %s is not two non-negative integers" % shown(size))
    height, width = size
    check_size(height, width)
    return height, width


class _Pixels:
    """``data`` in any form a writer makes: each item's planar pixels, found and decoded when
    asked for. ``present`` is false when ``data`` has no rows (no item has an image)."""

    def __init__(self, data, count, path):
        self.array = data if isinstance(data, NumpyArray) and data.objects is None else None
        if self.array is not None:
            rows, self.width = len(data), math.prod(data.shape[1:])
        else:
            self.elements, rows, self.width = _elements(data, path)
        self.present = rows > 0
        if self.present and rows != count:
            raise FormatError("'data' has %s for %s" % (count_words(rows, "row"), count_words(count, "file name")),
                              path)

    def element(self, index):
        """Item ``index``'s row as stored (None: no image), not decoded."""
        if self.array is not None:
            return index
        if self.width is not None:  # a 2-D object array: row ``index`` of its flat list
            return self.elements[index * self.width:(index + 1) * self.width]
        return self.elements[index]

    def length(self, element):
        if self.array is not None:
            return self.width
        if isinstance(element, NumpyArray):
            return element.size
        if isinstance(element, (bytes, bytearray, list, tuple)):
            return len(element)
        raise FormatError("image data is a %s, expected a uint8 array" % type(element).__name__)

    def decode(self, element):
        """The row's uint8 bytes; its length is checked first."""
        if self.array is not None:
            start, stop = element * self.width, (element + 1) * self.width
            if self.array.dtype.kind == "u" and self.array.dtype.itemsize == 1:
                return memoryview(self.array.row_bytes())[start:stop]
            return as_uint8(self.array.ints(start, stop))
        if isinstance(element, NumpyArray):
            return element.row_bytes()
        return as_uint8(element)


def _elements(data, path):
    """``(elements, rows, row width or None)`` of ``data`` that is not a numeric array."""
    if isinstance(data, NumpyArray):
        if len(data.shape) > 1:  # Datumaro's same-size images: a 2-D object array of ints
            return data.objects, data.shape[0], math.prod(data.shape[1:])
        return data.objects, len(data), None
    if isinstance(data, (list, tuple)):
        return data, len(data), None
    raise FormatError("'data' is a %s, expected a numpy array" % type(data).__name__, path)


class _Batch:
    """A batch file's columns, their lengths checked; :meth:`item` makes one item."""

    def __init__(self, batch, path):
        self.filenames = _column(batch, "filenames", path)
        self.labels = _labels(batch, path)
        self.count = _length(self.filenames)
        if _length(self.labels) != self.count:
            raise FormatError("%s for %s" % (count_words(_length(self.labels), "label"),
                                             count_words(self.count, "file name")), path)
        if "data" not in batch:
            raise FormatError("no 'data' array", path)
        self.pixels = _Pixels(batch.pop("data"), self.count, path)
        self.sizes = _sizes(batch, self.count, path) if self.pixels.present else None

    def item(self, index, subset, names_count, names_source, path):
        annotations = []
        label = _element(self.labels, index)
        if label is not None:
            if not isinstance(label, int) or isinstance(label, bool) or label < 0 or label.bit_length() > 63:
                raise FormatError("label %s is not a non-negative integer or None" % shown(label))
            check_label(label, names_count, names_source, path, "item %d" % index)
            annotations.append(Label(label))
        return DatasetItem._make(_item_id(_element(self.filenames, index)), subset, self.image(index), annotations)

    def image(self, index):
        element = self.pixels.element(index) if self.pixels.present else None
        if element is None:
            return None
        height, width = _size_at(self.sizes, index)
        length = self.pixels.length(element)
        if length != 3 * height * width:
            raise FormatError("%d pixel values, expected %d (3 x %d x %d)"
                              % (length, 3 * height * width, height, width))
        return _interleaved(self.pixels.decode(element), height, width)


def _item_id(filename):
    try:
        return posixpath.splitext(as_text(filename))[0]
    except FormatError:
        raise FormatError("file name %s is not a string" % shown(filename)) from None


def _interleaved(planes, height, width):
    """An RGB Image from the R, G and B planes of one CIFAR row."""
    size = height * width
    rgb = bytearray(3 * size)
    rgb[0::3] = planes[:size]
    rgb[1::3] = planes[size:2 * size]
    rgb[2::3] = planes[2 * size:]
    return Image._wrap(bytes(rgb), height, width, 3)


def _unexpected(error, path, where=None):
    """A FormatError for an exception that reading a value from the file raised."""
    return FormatError("not a readable CIFAR file (%s: %s)" % (type(error).__name__, str(error)[:200]), path, where)


def _parse_batch(path):
    """The checked :class:`_Batch` of a batch file."""
    value = load_pickle(path)
    try:
        return _Batch(_as_dict(value, path, "a CIFAR batch"), path)
    except FormatError as error:
        raise error.at(path) from None
    except Exception as error:
        raise _unexpected(error, path) from None


def _iter_batch(path, subset, names_count, names_source, fault):
    """The items of one batch file. An item whose label, file name or pixels are wrong goes to
    ``fault`` (the source's :meth:`~mnistio.model.sources.ItemSource.item_fault`), which raises, or
    returns when the import's error policy lets it be skipped; a batch that cannot be loaded, or
    whose columns do not agree, stops the file."""
    batch = _parse_batch(path)
    for index in range(batch.count):
        try:
            item = _make_item(batch, index, subset, names_count, names_source, path)
        except FormatError as error:
            fault(error, _id_or_none(batch, index), subset)
            continue
        yield item


def _id_or_none(batch, index):
    """Item ``index``'s id, or None when its file name cannot be read."""
    try:
        return _item_id(_element(batch.filenames, index))
    except Exception:  # any value a pickle holds: the item's own error says what is wrong
        return None


def _make_item(batch, index, subset, names_count, names_source, path):
    where = "item %d" % index
    try:
        return batch.item(index, subset, names_count, names_source, path)
    except FormatError as error:
        raise error.at(path, where) from None
    except Exception as error:
        raise _unexpected(error, path, where) from None


def _count_items(path):
    value = load_pickle(path)
    try:
        return _length(_column(_as_dict(value, path, "a CIFAR batch"), "filenames", path))
    except FormatError as error:
        raise error.at(path) from None
    except Exception as error:
        raise _unexpected(error, path) from None


def _read_categories(folder):
    """``(LabelCategories, their file or None)``: dataset_meta.json, batches.meta, meta, or CIFAR-10's."""
    if file_present(os.path.join(folder, DATASET_META_FILE)):
        return read_label_categories(folder)
    for name in (META_10_FILE, META_100_FILE):
        path = os.path.join(folder, name)
        if file_present(path):
            return LabelCategories(_meta_names(path)), path
    return LabelCategories(CIFAR10_LABEL_NAMES), None


def _meta_names(path):
    value = load_pickle(path)
    try:
        return _names_in(_as_dict(value, path, "CIFAR label names"), path)
    except FormatError as error:
        raise error.at(path) from None
    except Exception as error:
        raise _unexpected(error, path) from None


def _names_in(meta, path):
    for key in ("label_names", "fine_label_names"):
        if key in meta:
            names = meta[key]
            if not isinstance(names, (list, tuple)):
                raise FormatError("%r is a %s, expected a list of names" % (key, type(names).__name__), path)
            names = [as_text(name) for name in names]
            if len(set(names)) != len(names):
                raise FormatError("a label name appears twice in %r" % key, path)
            return names
    raise FormatError("no 'label_names' (CIFAR-10) or 'fine_label_names' (CIFAR-100) list", path)


# -- detection and the source ---------------------------------------------------------------

def _is_batch_name(name):
    """Datumaro's rule: a file without extension that is not a meta file (hidden files skipped)."""
    return not name.startswith(".") and not posixpath.splitext(name)[1] and name != META_100_FILE


def _pickle_head(path, size=512):
    """The first bytes of a pickle file, or None; a regular file only (detection must never block)."""
    try:
        with open_input(path) as file:
            head = file.read(size)
    except (MnistioError, OSError):
        return None
    return head if len(head) > 2 and head[0] == 0x80 and 2 <= head[1] <= 5 else None


def _is_batch(folder, name):
    """Datumaro's rule: a batch is anything with a batch name but a folder (a FIFO or a link to
    nothing too: reading refuses those, they are not skipped)."""
    return _is_batch_name(name) and not os.path.isdir(os.path.join(folder, name))


def _claims_meta(path):
    """Whether a meta file's name is taken by a pickle, or by something no reader could open (a
    FIFO, a folder, a link to nothing): detection names the layout by the name (with a batch
    beside it), and reading refuses what is there."""
    if os.path.isfile(path):
        return _pickle_head(path) is not None
    return os.path.lexists(path)


def _looks_like_batch(path):
    head = _pickle_head(path)
    return head is not None and (any(key in head for key in _BATCH_KEYS) or (b"data" in head and b"numpy" in head))


def detect(path):
    if os.path.isfile(path):
        return _looks_like_batch(path)
    names = os.listdir(path)
    if not any(name in names and _claims_meta(os.path.join(path, name)) for name in (META_10_FILE, META_100_FILE)):
        return False
    return any(_is_batch(path, name) for name in names)


def read(path):
    return CifarSource(path)


def _find_batches(folder, only_file, path):
    """``{subset: batch file}``: every batch in ``folder``, or ``only_file``."""
    if only_file is not None:
        return {posixpath.splitext(only_file)[0]: path}
    names = sorted(name for name in os.listdir(folder)
                   if _is_batch(folder, name) and file_present(os.path.join(folder, name)))
    has_meta = any([file_present(os.path.join(folder, name)) for name in (META_10_FILE, META_100_FILE)])
    if not names and not has_meta:
        raise FormatError("no CIFAR batch file (expected batches.meta and e.g. data_batch_1)", path)
    return {name: os.path.join(folder, name) for name in names}


class CifarSource(FilePerSubsetSource):
    """The items of a ``cifar`` folder (or of one batch file), one batch file in memory at a time."""

    def __init__(self, path):
        folder, only_file = dataset_folder(path)
        for name in (META_10_FILE, META_100_FILE):
            if file_present(os.path.join(folder, name)):
                scan_pickle(os.path.join(folder, name))
        categories, self._names_source = _read_categories(folder)
        batches = _find_batches(folder, only_file, path)
        for batch in batches.values():  # refuse an unsafe or broken batch on opening: its opcodes, nothing built
            scan_pickle(batch)
        super().__init__(batches, categories, path, NAME)

    def _count_items(self, path):
        return _count_items(path)

    def _iter_file(self, subset, path):
        return _iter_batch(path, subset, len(self.categories), self._names_source, self.item_fault)



# -- writing a dataset --------------------------------------------------------------------------

def write(dataset, save_dir, *, save_media=False, image_ext=None, save_dataset_meta=False):
    """Write one pickle per subset plus ``batches.meta``; pixels only with ``save_media``."""
    report = ExportReport(NAME, save_dir)
    ext = _filename_ext(image_ext)
    names = dataset.label_names
    conversions = _Conversions()
    opened: List[str] = []

    def open_subset(subset):
        _check_subset_name(subset, opened)
        opened.append(subset)
        return _SubsetWriter(save_dir, subset, save_media, len(names), ext, conversions)

    def before_finish(writers):
        dump_pickle(os.path.join(save_dir, META_10_FILE), {"label_names": list(names)})
        for subset, writer in writers.items():
            writer.batch_label = _batch_label(subset, writers)

    writers = export_subsets(dataset, report, open_subset, before_finish)
    if save_dataset_meta:
        write_dataset_meta(save_dir, names)
    conversions.note(report)
    duplicates = sum(writer.duplicates for writer in writers.values())
    if duplicates:
        report.notes.append("%s an id with an earlier item of their subset (kept; Datumaro reads only the "
                            "last of each)" % count_words(duplicates, "item shares", "items share"))
    return report


def _filename_ext(image_ext):
    ext = image_ext or DEFAULT_IMAGE_EXT
    ext = ext if ext.startswith(".") else "." + ext
    if posixpath.splitext("x" + ext)[1] != ext:
        raise UsageError("image extension %r cannot end a file name (expected e.g. .png)" % (image_ext,))
    return ext


def _check_subset_name(subset, others):
    if not is_plain_name(subset) or subset.startswith(".") or posixpath.splitext(subset)[1] or subset == META_100_FILE:
        raise UsageError("subset name %r cannot name a CIFAR batch file (readers take every file without "
                         "an extension, other than the meta files, as a batch)" % subset)
    check_subset_name(subset, NAME)
    for other in others:
        if other.lower() == subset.lower():
            raise UsageError("subsets %r and %r would be one file on case-insensitive file systems"
                             % (other, subset))


def _batch_label(subset, subsets):
    """CIFAR's own wording for training and test batches; the subset name otherwise."""
    match = _TRAIN_BATCH.match(subset)
    if match:
        numbers = [int(found.group(1)) for found in map(_TRAIN_BATCH.match, subsets) if found]
        return "training batch %s of %d" % (match.group(1), max(len(numbers), max(numbers)))
    if subset in ("test", "test_batch"):
        return "testing batch 1 of 1"
    return subset


class _Conversions:
    """Counts the images that three R, G, B planes changed, for the report."""

    def __init__(self):
        self.gray = 0
        self.alpha = 0

    def planes(self, image):
        """The image's R, G and B planes, one after the other."""
        data = bytes(image.data)
        channels = image.channels
        if channels in (2, 4):
            self.alpha += 1
        if channels in (1, 2):
            self.gray += 1
            return data[0::channels] * 3
        return b"".join(data[channel::channels] for channel in range(3))

    def note(self, report):
        if self.gray:
            report.notes.append("%s replicated into R, G and B (CIFAR stores three channels)"
                                % count_words(self.gray, "gray image"))
        if self.alpha:
            report.notes.append("%s dropped" % count_words(self.alpha, "alpha channel"))


class _SubsetWriter(SubsetWriter):
    """Collects one subset: ids and labels in memory, pixels in a temporary file."""

    batch_label = ""

    def __init__(self, folder, subset, save_media, names_count, ext, conversions):
        self.path = safe_join(folder, subset)
        self.save_media = save_media
        self.names_count = names_count
        self.ext = ext
        self.conversions = conversions
        self.filenames = []
        self.labels = []
        self.sizes = []  # (height, width), or None for an item without an image
        self.duplicates = 0
        self._ids = set()
        self.pixels = tempfile.TemporaryFile(dir=folder) if save_media else None

    @property
    def count(self):
        return len(self.filenames)

    def add(self, item):
        label = item_label(item, self.names_count)
        filename = item.id + self.ext
        if posixpath.splitext(filename)[0] != item.id:
            raise UsageError("item id %r cannot be stored in cifar: read back from the file name %r "
                             "it would become %r" % (item.id, filename, posixpath.splitext(filename)[0]))
        if item.id in self._ids:
            self.duplicates += 1
        self._ids.add(item.id)
        self.filenames.append(filename)
        self.labels.append(label)
        image = item.media
        if self.pixels is not None and image is not None and image.has_data:
            self.pixels.write(self.conversions.planes(image))
            self.sizes.append(image.size)
        else:
            self.images_not_saved += image is not None and image.has_data
            self.sizes.append(None)

    def finish(self):
        batch: Dict[str, Any] = {"batch_label": self.batch_label, "filenames": self.filenames, "labels": self.labels}
        present = [size for size in self.sizes if size is not None]
        if not present:
            batch["data"] = self._array((0, 3 * IMAGE_SIZE[0] * IMAGE_SIZE[1]))
        elif len(present) == self.count and len(set(present)) == 1:
            height, width = present[0]
            batch["data"] = self._array((self.count, 3 * height * width))
            if present[0] != IMAGE_SIZE:
                batch["image_sizes"] = list(self.sizes)
        else:
            rows = [None if size is None else self._array((3 * size[0] * size[1],)) for size in self.sizes]
            batch["data"] = ArrayValue((self.count,), True, lambda writer: writer.value(rows))
            batch["image_sizes"] = [size or IMAGE_SIZE for size in self.sizes]
        if self.pixels is not None:
            self.pixels.seek(0)
        dump_pickle(self.path, batch)

    def _array(self, shape):
        """A uint8 array whose data are the next pixels of the spool file, in order."""
        return ArrayValue(shape, False, partial(copy_bytes, self.pixels, math.prod(shape)))

    def close(self):
        if self.pixels is not None:
            self.pixels.close()


SPEC = FormatSpec(
    NAME, detect=detect, read=read, write=write, detect_rank=30, subset_files=subset_files_by_pattern(["%s"]),
    description="CIFAR-10/100 python pickles: batches.meta and one batch file per subset")
