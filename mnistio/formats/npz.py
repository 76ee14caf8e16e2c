"""The ``npz`` layout: NumPy ``.npz`` archives as keras, KMNIST and MedMNIST ship them (``docs/formats.rst``, npz).

Three publishers' layouts, read by their keys and file names::

    mnist.npz            x_train, y_train, x_test, y_test          keras (tf.keras.datasets.mnist)
    kmnist-train-imgs.npz, kmnist-train-labels.npz, ...   arr_0     KMNIST, Kuzushiji-49 (k49-*)
    pathmnist.npz        train_images, train_labels, val_images, ...  MedMNIST (labels N x 1)
    labels.txt, dataset_meta.json                                  label names, as every layout

Images are uint8 arrays N x H x W (gray) or N x H x W x C (C = 1, 3, 4);
labels are integers of any width and byte order, N or N x 1; ``ids_<s>``
(``<s>_ids``, ``<name>-<s>-ids.npz``) holds item ids when they are not
``0..N-1`` (mnistio's, ignored by the publishers' loaders). Label ``-1``
means no label. The arrays are read through :mod:`mnistio.codecs.npz`
without numpy, streamed from the zip, one batch of records at a time.

Writing keeps one subset's pixels in a temporary file until the subset is
complete (the ``.npy`` header needs the count), then writes each array into
the archive, deflated as ``numpy.savez_compressed`` (``stored``: as
``numpy.savez``).
"""

from __future__ import annotations

import os
import re
import tempfile
from array import array

from ..codecs import npy, npz
from ..codecs._raster import check_size
from ..codecs.npy import Dtype, Header, dtype_of, encode_values
from ..codecs.streams import open_input
from ..errors import FormatError, UsageError
from ..model.image import Image
from ..model.items import DatasetItem, Label, LabelCategories
from ..model.options import Option
from ..model.sources import ItemSource, in_subset_order
from ._export import ExportReport, SubsetWriter, export_subsets
from ._labels import DEFAULT_LABEL_NAMES, check_label, item_label, read_label_categories, write_label_files
from ._paths import check_subset_name
from ._reading import dataset_folder, decompressed_copy, file_present, position_of_id
from ._spec import FormatSpec

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, Iterator, List, Optional, Tuple

    #: (archive path, key)
    ArrayRef = Tuple[str, str]

__all__ = ["SPEC", "NpzSource", "STYLES"]

NAME = "npz"
EXTENSION = ".npz"
NO_LABEL = -1
STYLES = ("keras", "kmnist", "medmnist")
_DEFAULT_NAMES = {"keras": "mnist", "kmnist": "kmnist", "medmnist": "mnist"}
#: style -> key of (images, labels, ids) for a subset, in one archive
_KEYS = {"keras": ("x_%s", "y_%s", "ids_%s"), "medmnist": ("%s_images", "%s_labels", "%s_ids")}
_KERAS_KEY = re.compile(r"^(?P<kind>x|y|ids)_(?P<subset>.+)$", re.S)
_MEDMNIST_KEY = re.compile(r"^(?P<subset>.+)_(?P<kind>images|labels|ids)$", re.S)
_KIND = {"x": "images", "y": "labels", "ids": "ids", "images": "images", "labels": "labels",
         "imgs": "images"}
#: KMNIST's files: <set>-<subset>-imgs.npz, <set>-<subset>-labels.npz (each holds arr_0)
_KMNIST_FILE = re.compile(r"^(?P<set>[^-]+)-(?P<subset>.+)-(?P<kind>imgs|labels|ids)\.npz$", re.S)
_KMNIST_KEY = "arr_0"
_CHANNELS = (1, 3, 4)


# -- finding the arrays ----------------------------------------------------------------------

class _Subset:
    """Where one subset's arrays are: ``{"images"|"labels"|"ids": (archive path, key)}``."""

    def __init__(self) -> None:
        self.arrays: Dict[str, ArrayRef] = {}


def _is_npz_file(path: str) -> bool:
    if not path.endswith(EXTENSION) or not os.path.isfile(path):
        return False
    try:
        with open_input(path) as file:
            return npz.is_zip(file.read(4))
    except Exception:  # detection never fails: reading says what is wrong
        return False


def _sets_in(folder: str) -> Dict[str, List[str]]:
    """``{set name: [file names]}``: KMNIST's files by their prefix, every other archive by its stem."""
    sets: Dict[str, List[str]] = {}
    for name in sorted(os.listdir(folder)):
        if not name.endswith(EXTENSION) or not file_present(os.path.join(folder, name)):
            continue
        match = _KMNIST_FILE.match(name)
        sets.setdefault(match.group("set") if match else name[:-len(EXTENSION)], []).append(name)
    return sets


def _choose_set(folder: str, only_file: Optional[str], name: Optional[str], path: str) -> Tuple[str, List[str]]:
    sets = _sets_in(folder)
    if only_file is not None:
        match = _KMNIST_FILE.match(only_file)
        if match is None:
            return only_file[:-len(EXTENSION)] if only_file.endswith(EXTENSION) else only_file, [only_file]
        # one KMNIST file: its subset (images, labels and ids), as the mnist layout reads one file
        same_subset = ["%s-%s-%s.npz" % (match.group("set"), match.group("subset"), kind)
                       for kind in ("imgs", "labels", "ids")]
        return match.group("set"), [file for file in sets.get(match.group("set"), []) if file in same_subset]
    if name is not None:
        if name not in sets:
            raise UsageError("no npz dataset %r here (found: %s)" % (name, ", ".join(sets) or "none"), path)
        return name, sets[name]
    if not sets:
        raise FormatError("no .npz file (expected e.g. mnist.npz or kmnist-train-imgs.npz)", path)
    if len(sets) > 1:
        raise UsageError("the folder holds %d npz datasets (%s): choose one with the import option dataset "
                         "(dataset=%r; --dataset on the command line), or give the path of one file"
                         % (len(sets), ", ".join(sets), next(iter(sets))), path)
    return next(iter(sets.items()))


def _archive_subsets(path: str, subsets: Dict[str, _Subset]) -> None:
    """Add the arrays of one archive (keras' or MedMNIST's keys, or KMNIST's ``arr_0``)."""
    name = os.path.basename(path)
    kmnist = _KMNIST_FILE.match(name)
    with npz.Archive(path) as archive:
        keys = archive.keys()
    if kmnist is not None:
        if keys != [_KMNIST_KEY]:
            raise FormatError("expected one array arr_0, as KMNIST's files hold, found %s"
                              % (", ".join(map(repr, keys)) or "none"), path)
        _put(subsets, kmnist.group("subset"), _KIND[kmnist.group("kind")], (path, _KMNIST_KEY), path)
        return
    for pattern in (_KERAS_KEY, _MEDMNIST_KEY):
        matches = [pattern.match(key) for key in keys]
        if all(matches):
            for key, match in zip(keys, matches):
                _put(subsets, match.group("subset"), _KIND[match.group("kind")], (path, key),  # type: ignore[union-attr]
                     path)
            return
    raise FormatError("arrays %s are none of keras' (x_train, y_train, ...), MedMNIST's (train_images, "
                      "train_labels, ...) or KMNIST's (arr_0 in <set>-<subset>-imgs.npz)"
                      % ", ".join(repr(key) for key in keys[:8]), path)


def _put(subsets: Dict[str, _Subset], subset: str, kind: str, ref: ArrayRef, path: str) -> None:
    arrays = subsets.setdefault(subset, _Subset()).arrays
    if kind in arrays:
        raise FormatError("two %s arrays for subset %r (%s and %s)" % (kind, subset, arrays[kind][1], ref[1]), path)
    arrays[kind] = ref


# -- checking the arrays ----------------------------------------------------------------------

class _Shapes:
    """A subset's checked headers: item count, image shape (h, w, channels) or None, label shape."""

    def __init__(self, subset: str, files: _Subset) -> None:
        self.image: Optional[Tuple[int, int, int]] = None
        counts = {}
        for kind, ref in files.arrays.items():
            header = _header(ref)
            where = "%s/%s.npy" % ref
            counts[kind] = header.count if header.shape else -1
            if kind == "images":
                self.image = _image_shape(header, where)
            elif kind == "labels":
                _check_labels(header, where)
            else:
                _check_ids(header, where)
        if len(set(counts.values())) != 1 or -1 in counts.values():
            raise FormatError("subset %r: the arrays disagree on the number of items (%s)"
                              % (subset, ", ".join("%s %d" % item for item in counts.items())),
                              files.arrays[next(iter(counts))][0])
        self.count = next(iter(counts.values()))


def _header(ref: ArrayRef) -> Header:
    with npz.Archive(ref[0]) as archive, archive.open(ref[1]) as reader:
        return reader.header


def _image_shape(header: Header, where: str) -> Tuple[int, int, int]:
    dtype, shape = header.dtype, header.shape
    if not dtype.is_uint8:
        raise FormatError("images of dtype %s (expected uint8, 0..255, as the MNIST family's)" % dtype.descr, where)
    if len(shape) == 3:
        height, width, channels = shape[1], shape[2], 1
    elif len(shape) == 4 and shape[3] in _CHANNELS:
        height, width, channels = shape[1:]
    else:
        raise FormatError("images of shape %r (expected N x height x width, or N x height x width x 1, 3 or 4 "
                          "channels)" % (shape,), where)
    if not height or not width:
        raise FormatError("images of %d x %d pixels (expected both sides at least 1)" % (height, width), where)
    check_size(height, width, None, where, "header")
    return height, width, channels


def _check_labels(header: Header, where: str) -> None:
    if header.dtype.kind not in "iu":
        raise FormatError("labels of dtype %s (expected integers)" % header.dtype.descr, where)
    if len(header.shape) == 2 and header.shape[1] != 1:
        raise FormatError("labels of shape %r: %d labels per item (a multi-label set such as ChestMNIST) are not "
                          "read; expected N or N x 1" % (header.shape, header.shape[1]), where)
    if len(header.shape) not in (1, 2):
        raise FormatError("labels of shape %r (expected N or N x 1)" % (header.shape,), where)


def _check_ids(header: Header, where: str) -> None:
    if header.dtype.kind != "U" or len(header.shape) != 1:
        raise FormatError("ids of dtype %s and shape %r (expected N Unicode strings)"
                          % (header.dtype.descr, header.shape), where)


# -- reading ---------------------------------------------------------------------------------

def detect(path: str) -> bool:
    if os.path.isfile(path):
        return _is_npz_file(path)
    return any(_is_npz_file(os.path.join(path, name)) for name in os.listdir(path) if name.endswith(EXTENSION))


def read(path: str, dataset: Optional[str] = None) -> NpzSource:
    """``dataset`` names the set to read from a folder holding several (``k49``), as the ``mnist``
    layout's ``dataset`` names a torchvision folder: one word for one question."""
    return NpzSource(path, dataset)


class NpzSource(ItemSource):
    """The items of an ``npz`` dataset (a folder, or one archive of it), streamed from the archives."""

    def __init__(self, path: str, name: Optional[str] = None) -> None:
        folder, only_file = dataset_folder(path)
        self.set_name, files = _choose_set(folder, only_file, name, path)
        subsets: Dict[str, _Subset] = {}
        for file in files:
            _archive_subsets(os.path.join(folder, file), subsets)
        self._subsets = in_subset_order(subsets)  # train, test, then the others sorted
        self._shapes = {subset: _Shapes(subset, arrays) for subset, arrays in self._subsets.items()}
        categories, self._names_source = read_label_categories(folder)
        if self._names_source is None:
            categories = LabelCategories(_default_names(self._largest_label()))
        super().__init__(categories, path, NAME)

    def _largest_label(self) -> int:
        """The largest label of every subset (a pass over the labels alone: a byte or a few per item)."""
        largest = -1
        for files in self._subsets.values():
            ref = files.arrays.get("labels")
            if ref is not None:
                with npz.Archive(ref[0]) as archive, archive.open(ref[1]) as reader:
                    for values in _label_batches(reader):
                        largest = max(largest, max(values, default=-1))
        return largest

    def subset_counts(self) -> Dict[str, int]:
        return {subset: shapes.count for subset, shapes in self._shapes.items()}

    known_counts = subset_counts

    def __iter__(self) -> Iterator[DatasetItem]:
        for subset in self._subsets:
            yield from self.iter_subset(subset)

    def iter_subset(self, name: str) -> Iterator[DatasetItem]:
        files = self._subsets.get(name)
        return self._iter_items(name, files) if files is not None else iter(())

    grouped = True

    # -- random access (docs/api.rst, "Random access") ---------------------------------

    def item_at(self, subset: str, index: int) -> DatasetItem:
        """A seek in each array of the subset: in the archive when the array is stored (numpy's
        ``savez``), else in a temporary copy of it, decompressed once (as large as the array)."""
        files, shapes = self._subsets.get(subset), self._shapes.get(subset)
        if files is None or shapes is None or not 0 <= index < shapes.count:
            raise IndexError("subset %r has no item %d" % (subset, index))
        if self.context is not None:  # items the policy leaves out move the others
            return super().item_at(subset, index)
        records = {kind: self._record(ref, index) for kind, ref in files.arrays.items()}
        label = records.get("labels")
        if label is not None and not isinstance(label, int):
            label = label[0]  # an N x 1 array's record
        found = {kind: iter([value]) for kind, value in records.items()}
        return next(_items(subset, 1, shapes.image, found.get("images"), iter([label]) if label is not None else None,
                           found.get("ids"), len(self.categories), self._names_source, files.arrays.get("labels"),
                           self.item_fault, index))

    @property
    def random_access(self) -> bool:
        return self.context is None

    def lookup(self, id: str, subset: str) -> Optional[DatasetItem]:
        """Without an ids array the ids are the positions: :meth:`item_at`. With one, a scan."""
        files, shapes = self._subsets.get(subset), self._shapes.get(subset)
        if files is None or shapes is None:
            return None
        if "ids" in files.arrays or self.context is not None:
            return super().lookup(id, subset)
        position = position_of_id(id, shapes.count)
        return self.item_at(subset, position) if position is not None else None

    def _record(self, ref: ArrayRef, index: int) -> Any:
        path, key = ref
        name = "%s/%s.npy" % ref
        places = self.__dict__.setdefault("_places", {})
        place = places.get(ref)
        if place is None:
            with npz.Archive(path) as archive:
                place = places[ref] = archive.stored_span(key) or _decompressed_member(archive, key)
        if isinstance(place, tuple):
            offset, size = place
            with open_input(path) as file:
                file.seek(offset)
                return npy.Reader(file, path=name, size=size).record_at(index)
        place.seek(0)
        return npy.Reader(place, path=name).record_at(index)

    def __getstate__(self) -> Dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_places", None)  # temporary files: made again when needed
        return state

    def __del__(self) -> None:
        for place in self.__dict__.get("_places", {}).values():
            if not isinstance(place, tuple):
                place.close()  # and so deleted

    def _iter_items(self, subset: str, files: _Subset) -> Iterator[DatasetItem]:
        shapes = self._shapes[subset]
        count, names_count = shapes.count, len(self.categories)
        opened: List[Any] = []
        try:
            images = _records(files.arrays.get("images"), opened)
            labels = _labels(files.arrays.get("labels"), opened)
            ids = _records(files.arrays.get("ids"), opened)
            yield from _items(subset, count, shapes.image, images, labels, ids, names_count, self._names_source,
                              files.arrays.get("labels"), self.item_fault)
        finally:
            for archive in reversed(opened):
                archive.close()


def _decompressed_member(archive: Any, key: str) -> Any:
    """A temporary file holding the array ``key`` decompressed (a ``.npy`` file), read once and
    checked as iteration checks it."""
    reader = archive.open(key)
    try:
        header = reader.header
    except BaseException:
        reader.close()
        raise
    return decompressed_copy(reader, npy.header_bytes(header.dtype, header.shape, header.fortran_order),
                             header.payload_size)


def _default_names(largest: int) -> List[str]:
    """``"0"`` ... ``"9"``, or up to the largest label (Kuzushiji-49's 49, MedMNIST's 11) when larger."""
    return list(DEFAULT_LABEL_NAMES) + [str(label) for label in range(len(DEFAULT_LABEL_NAMES), largest + 1)]


def _open_reader(ref: ArrayRef, opened: List[Any]) -> Any:
    archive = npz.Archive(ref[0])
    opened.append(archive)
    reader = archive.open(ref[1])
    opened.append(reader)
    return reader


def _records(ref: Optional[ArrayRef], opened: List[Any]) -> Optional[Iterator[Any]]:
    return _open_reader(ref, opened).iter_records() if ref is not None else None


def _label_batches(reader: Any) -> Iterator[Any]:
    """The label values in batches (a bytes or an array): an N x 1 array holds the same values as N."""
    header = reader.header
    size = header.dtype.itemsize
    remaining = header.payload_size
    while remaining:
        chunk = min(remaining, 1 << 20)
        data = reader.read(chunk)
        remaining -= chunk
        yield data if size == 1 and header.dtype.kind == "u" else _values(data, header.dtype)
    reader.finish()


def _values(data: bytes, dtype: Dtype) -> array:
    values = array(dtype.typecode)  # type: ignore[arg-type]  # checked to be an integer dtype
    values.frombytes(data)
    if dtype.swapped:
        values.byteswap()
    return values


def _labels(ref: Optional[ArrayRef], opened: List[Any]) -> Optional[Iterator[int]]:
    if ref is None:
        return None
    reader = _open_reader(ref, opened)
    return (value for values in _label_batches(reader) for value in values)


def _items(subset: str, count: int, shape: Optional[Tuple[int, int, int]], images: Optional[Iterator[Any]],
           labels: Optional[Iterator[int]], ids: Optional[Iterator[str]], names_count: int,
           names_source: Optional[str], labels_ref: Optional[ArrayRef], fault: Any,
           start: int = 0) -> Iterator[DatasetItem]:
    """The items ``start`` .. ``start + count - 1`` of a subset, from its arrays' records."""
    wrap, make, make_label = Image._wrap, DatasetItem._make, Label._make
    height, width, channels = shape if shape is not None else (0, 0, 0)
    where = "%s/%s.npy" % labels_ref if labels_ref is not None else None
    for index in range(start, start + count):
        item_id = next(ids) if ids is not None else str(index)
        image = wrap(next(images), height, width, channels) if images is not None else None
        annotations = []
        label = next(labels) if labels is not None else NO_LABEL
        if label != NO_LABEL:
            try:
                if label < 0:
                    raise FormatError("label %d is negative (expected 0 or more, or -1 for no label)" % label,
                                      where, "item %d" % index)
                check_label(label, names_count, names_source, where or "", "item %d" % index)
            except FormatError as error:
                fault(error, item_id, subset)
                continue
            annotations.append(make_label(label))
        yield make(item_id, subset, image, annotations)
    for rest in (images, labels, ids):  # each reader checks its end (and the zip member's CRC)
        if rest is not None:
            for _ in rest:
                pass


# -- writing ---------------------------------------------------------------------------------

def write(dataset: Any, save_dir: str, *, save_media: bool = True, image_ext: Optional[str] = None,
          save_dataset_meta: bool = False, style: str = "keras", name: Optional[str] = None,
          stored: bool = False) -> ExportReport:
    """Every subset's images, labels (and ids when they are not 0..N-1) as ``style`` lays them out."""
    report = ExportReport(NAME, save_dir)
    name = _default_name(style) if name is None else name
    _check_name(name, style)
    names_count = len(dataset.label_names)
    archive = npz.Writer(os.path.join(save_dir, name + EXTENSION), compress=not stored) \
        if style != "kmnist" else None
    opened: List[str] = []

    def open_subset(subset: str) -> _SubsetWriter:
        _check_subset(subset, style, opened)
        opened.append(subset)
        return _SubsetWriter(save_dir, subset, save_media, names_count, style, name, archive, stored)

    try:
        export_subsets(dataset, report, open_subset)
    finally:
        if archive is not None:
            archive.close()
    write_label_files(save_dir, dataset.label_names, save_dataset_meta)
    return report


def _default_name(style: str) -> str:
    if style not in STYLES:
        raise UsageError("npz style %r is none of %s" % (style, ", ".join(STYLES)))
    return _DEFAULT_NAMES[style]


def _check_name(name: str, style: str) -> None:
    if not isinstance(name, str) or not name or "/" in name or "\\" in name or name in (".", "..") \
            or "\x00" in name or (style == "kmnist" and "-" in name):
        raise UsageError("npz name %r cannot name the file%s" % (name, " (no '-' in KMNIST's <name>-<subset>-imgs.npz)"
                                                                 if style == "kmnist" else ""))


def _check_subset(subset: str, style: str, others: List[str]) -> None:
    check_subset_name(subset, NAME)
    if style == "medmnist" and _KERAS_KEY.match(subset + "_images"):
        raise UsageError("subset name %r cannot be stored in style medmnist: its keys (%s_images, ...) would be "
                         "read back as keras' x_/y_ keys (use style keras)" % (subset, subset))
    if style == "kmnist":
        for other in others:
            if other.lower() == subset.lower():
                raise UsageError("subsets %r and %r would be one file on case-insensitive file systems"
                                 % (other, subset))


class _SubsetWriter(SubsetWriter):
    """One subset: pixels in a temporary file, labels in memory (8 bytes an item), ids in a temporary
    file; the arrays are written when the subset is complete."""

    def __init__(self, folder: str, subset: str, save_media: bool, names_count: int, style: str, name: str,
                 archive: Optional[npz.Writer], stored: bool) -> None:
        self.folder, self.subset, self.save_media = folder, subset, save_media
        self.names_count, self.style, self.name, self.archive, self.stored = names_count, style, name, archive, stored
        self.pixels = tempfile.TemporaryFile(dir=folder)
        self.ids = tempfile.TemporaryFile(dir=folder)
        self.labels = array("q")
        self.shape: Optional[Tuple[int, int, int]] = None
        self.with_image = 0
        self.custom_ids = False
        self.id_width = 1
        self._count = 0

    @property
    def count(self) -> int:
        return self._count

    def add(self, item: DatasetItem) -> None:
        label = item_label(item, self.names_count)
        self._add_id(item)
        self._add_image(item)
        self.labels.append(NO_LABEL if label is None else label)
        self._count += 1

    def _add_id(self, item: DatasetItem) -> None:
        if "\x00" in item.id:
            raise UsageError("item %r (subset %r): an id with NUL cannot be stored in npz (numpy strips it)"
                             % (item.id, item.subset))
        self.custom_ids = self.custom_ids or item.id != str(self._count)
        self.id_width = max(self.id_width, len(item.id))
        encoded = item.id.encode("utf-8")
        self.ids.write(len(encoded).to_bytes(4, "little") + encoded)

    def _add_image(self, item: DatasetItem) -> None:
        image = item.media
        has_image = image is not None and image.has_data
        if has_image and not self.save_media:
            self.images_not_saved += 1
            return
        if not self.save_media:
            return
        if not has_image or (self._count and not self.with_image):
            if has_image or self.with_image:
                raise UsageError("item %r (subset %r) %s: npz keeps a subset's images in one array, so every item "
                                 "needs one, or none does" % (item.id, item.subset, "has no image" if not has_image
                                                              else "has an image and earlier items have none"))
            return
        shape = (image.height, image.width, image.channels)  # type: ignore[union-attr]
        if self.shape is None:
            self.shape = shape
        elif shape != self.shape:
            raise UsageError("item %r (subset %r) has an image of %s, the subset's first one is %s: npz keeps a "
                             "subset's images in one array of one shape (resize them first)"
                             % (item.id, item.subset, _shown(shape), _shown(self.shape)))
        self.pixels.write(image.data)  # type: ignore[union-attr]
        self.with_image += 1

    def finish(self) -> None:
        images_key, labels_key, ids_key = self._keys()
        labelled = any(label != NO_LABEL for label in self.labels)
        if self.with_image:
            height, width, channels = self.shape  # type: ignore[misc]
            shape = (self._count, height, width) + ((channels,) if channels > 1 else ())
            self.pixels.seek(0)
            self._write(images_key, "|u1", shape, self.pixels)
        if labelled or not self.with_image:
            small = all(0 <= label <= 255 for label in self.labels)
            dtype = "|u1" if small else "<i8"
            shape = (self._count, 1) if self.style == "medmnist" else (self._count,)
            self._write(labels_key, dtype, shape, encode_values(self.labels, dtype_of(dtype)))
        if self.custom_ids:
            self._write(ids_key, "<U%d" % self.id_width, (self._count,), self._encoded_ids())

    def _keys(self) -> Tuple[str, str, str]:
        if self.style == "kmnist":
            return tuple("%s-%s-%s" % (self.name, self.subset, kind)  # type: ignore[return-value]
                         for kind in ("imgs", "labels", "ids"))
        return tuple(pattern % self.subset for pattern in _KEYS[self.style])  # type: ignore[return-value]

    def _write(self, key: str, dtype: str, shape: Tuple[int, ...], payload: Any) -> None:
        if self.archive is not None:
            self.archive.add(key, dtype, shape, payload)
            return
        with npz.Writer(os.path.join(self.folder, key + EXTENSION), compress=not self.stored) as archive:
            archive.add(_KMNIST_KEY, dtype, shape, payload)

    def _encoded_ids(self) -> bytes:
        """The ids as ``<U`` values: 4 bytes a character (as numpy stores them)."""
        self.ids.seek(0)
        ids = []
        for _ in range(self._count):
            length = int.from_bytes(self.ids.read(4), "little")
            ids.append(self.ids.read(length).decode("utf-8"))
        return encode_values(ids, dtype_of("<U%d" % self.id_width))

    def close(self) -> None:
        self.pixels.close()
        self.ids.close()


def _shown(shape: Tuple[int, int, int]) -> str:
    height, width, channels = shape
    return "%d x %d%s" % (height, width, "" if channels == 1 else " x %d" % channels)


SPEC = FormatSpec(
    NAME, detect=detect, read=read, write=write, detect_rank=25, save_media_default=True,
    description="NumPy .npz archives as keras (mnist.npz: x_train, y_train, ...), KMNIST "
                "(kmnist-train-imgs.npz) and MedMNIST (train_images, ...) ship them",
    import_options=[Option("dataset", str, metavar="NAME",
                           help="which dataset of a folder holding several .npz sets (kmnist, k49, mnist, ...)")],
    export_options=[
        Option("style", str, default="keras", choices=STYLES,
               help="keras: <name>.npz with x_<subset>, y_<subset> (default); kmnist: <name>-<subset>-imgs.npz "
                    "and -labels.npz; medmnist: <name>.npz with <subset>_images, <subset>_labels (N x 1)"),
        Option("name", str, metavar="NAME", help="the file name's stem (default: mnist; kmnist for style kmnist)"),
        Option("stored", bool, help="store the arrays uncompressed, as numpy.savez (default: deflated, as "
                                    "numpy.savez_compressed, keras and KMNIST)"),
    ])
