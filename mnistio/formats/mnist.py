"""The ``mnist`` layout: IDX label and image files per subset (``docs/formats.rst``, mnist).

::

    train-labels-idx1-ubyte.gz  train-images-idx3-ubyte.gz    subset "train"
    t10k-labels-idx1-ubyte.gz   t10k-images-idx3-ubyte.gz     subset "test"
    <s>-labels-idx1-ubyte.gz    <s>-images-idx3-ubyte.gz      subset "<s>"
    <s>-meta.gz                 Datumaro's ids / sizes, when not the defaults
    labels.txt, dataset_meta.json

Files may be gzip or raw, with or without ``.gz``, and named the way the
original downloads are (``train-images.idx3-ubyte``); when both a raw and a
gzip copy exist (torchvision keeps both) the raw one is read. Label 255 means
"no label". Images files whose count is Datumaro's pixel total are read too,
and so are QMNIST's ``<s>-labels-idx2-int`` files (their column 0, the class).
"""

from __future__ import annotations

import os
import re

from ..codecs import idx
from ..codecs.streams import GzipWriter, open_decompressed
from ..errors import FormatError, UsageError
from ..model.image import Image
from ..model.items import DatasetItem, Label
from ..model.options import Option
from ..model.sources import ItemSource
from ._export import SubsetWriter, export_one_channel
from ._labels import item_label, label_error, read_label_categories
from ._meta import MetaSpool, parse_meta_row
from ._paths import check_subset_name
from ._reading import dataset_folder, file_present
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
_LABELS_FILE = re.compile(r"^(?P<prefix>.+?)-labels[-.](?P<kind>idx1-ubyte|idx2-int)(?P<gz>\.gz)?$")
_IMAGES_FILE = re.compile(r"^(?P<prefix>.+?)-images[-.]idx3-ubyte(?:\.gz)?$")
_META_BATCH_ROWS = 4096


def subset_of_prefix(prefix):
    return "test" if prefix == "t10k" else prefix


def prefix_of_subset(subset):
    return "t10k" if subset == "test" else subset


def detect(path):
    if os.path.isfile(path):
        name = os.path.basename(path)
        return bool(_LABELS_FILE.match(name) or _IMAGES_FILE.match(name))
    return any(_LABELS_FILE.match(name) for name in os.listdir(path))


def read(path):
    return MnistSource(path)


class _SubsetFiles:
    def __init__(self, labels):
        self.labels = labels
        self.images = None
        self.meta = None


class MnistSource(ItemSource):
    """The items of an ``mnist`` folder (or of one subset's file), read lazily."""

    def __init__(self, path):
        folder, only_file = dataset_folder(path)
        categories, self._names_source = read_label_categories(folder)
        super().__init__(categories, path, NAME)
        self._subsets = _find_subsets(folder, only_file)
        if not self._subsets:
            raise FormatError("no MNIST labels file (expected e.g. train-labels-idx1-ubyte.gz)", path)
        self._counts = {name: _check_headers(files) for name, files in self._subsets.items()}

    def subset_counts(self):
        return dict(self._counts)

    known_counts = subset_counts

    def __iter__(self):
        for name in self._subsets:
            yield from self.iter_subset(name)

    def iter_subset(self, name):
        files = self._subsets.get(name)
        return _iter_items(name, files, self.categories, self._names_source, self.item_fault) if files else iter(())


def _find_subsets(folder, only_file):
    """``{subset: _SubsetFiles}``, raw files preferred over gzip twins."""
    names = sorted(os.listdir(folder))
    if only_file is not None:
        match = _IMAGES_FILE.match(only_file) or _LABELS_FILE.match(only_file)
        if match is None:
            raise FormatError("not an MNIST labels or images file name (expected e.g. "
                              "train-labels-idx1-ubyte.gz)", os.path.join(folder, only_file))
        wanted = {match.group("prefix")}
    subsets: Dict[str, _SubsetFiles] = {}
    for name in names:
        match = _LABELS_FILE.match(name)
        if not match or (only_file is not None and match.group("prefix") not in wanted):
            continue
        prefix = match.group("prefix")
        subset = subset_of_prefix(prefix)
        found = subsets.get(subset)
        if found is not None and _labels_prefix(found.labels) != prefix:
            raise FormatError("two labels files for subset %r: %s and %s"
                              % (subset, os.path.basename(found.labels), name), folder)
        if found is None or not match.group("gz"):
            subsets[subset] = _SubsetFiles(os.path.join(folder, name))
    for subset, files in subsets.items():
        prefix = _labels_prefix(files.labels)
        images = [name for name in names if _images_prefix(name) == prefix]
        if images:
            raw = [name for name in images if not name.endswith(".gz")]
            files.images = os.path.join(folder, (raw or images)[0])
        meta = os.path.join(folder, subset + "-meta.gz")
        files.meta = meta if file_present(meta) else None
    return subsets


def _labels_prefix(path):
    """The subset prefix of a labels file found by :func:`_find_subsets` (so its name matches)."""
    return _LABELS_FILE.match(os.path.basename(path)).group("prefix")  # type: ignore[union-attr]


def _images_prefix(name):
    match = _IMAGES_FILE.match(name)
    return match.group("prefix") if match else None


def _labels_magic(path):
    match = _LABELS_FILE.match(os.path.basename(path))
    return QMNIST_LABELS_MAGIC if match is not None and match.group("kind") == "idx2-int" else LABELS_MAGIC


def _label_values(reader):
    """The class of each item: the value itself, or QMNIST's column 0."""
    if reader.header.magic == QMNIST_LABELS_MAGIC:
        return _qmnist_classes(reader)
    return reader.iter_records()


def _qmnist_classes(reader):
    """Column 0 of QMNIST's int32 rows, the digit class (a class below 0 is refused by the item loops)."""
    for row in reader.iter_records():
        yield row[0]


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


def _iter_items(subset, files, categories, names_source, fault):
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
            if meta is None and images is not None:
                yield from _iter_plain(subset, labels, images, names_count, names_source, fault)
            else:
                yield from _iter_with_meta(subset, labels, images, meta, names_count, names_source, files, fault)
        finally:
            if images is not None:
                images.close()


def _iter_plain(subset, labels, images, names_count, names_source, fault):
    """The fast path: default ids, every image of the header's size."""
    _, rows, cols = images.header.dims
    pixels = images.iter_records()
    wrap, make = Image._wrap, DatasetItem._make
    for index, value in enumerate(_label_values(labels)):
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


def _iter_with_meta(subset, labels, images, meta, names_count, names_source, files, fault):
    """Items whose ids or sizes come from the meta file, or with no images file."""
    default_size = images.header.dims[1:] if images is not None else None
    for index, value in enumerate(_label_values(labels)):
        # A meta row's size says where the next image starts: one that cannot be read stops here.
        item_id, size = parse_meta_row(next(meta), files.meta, "item %d" % index) if meta is not None else (None, None)
        image = None
        if images is not None:
            height, width = size if size is not None else default_size  # type: ignore[misc]  # set with images
            if size != (0, 0):
                image = Image._wrap(images.read(height * width), height, width)
        if value == NO_LABEL:
            annotations = []
        elif 0 <= value < names_count:
            annotations = [Label._make(value)]
        else:
            fault(_label_error(value, names_count, names_source, labels.path, index),
                  item_id if item_id is not None else str(index), subset)
            continue
        yield DatasetItem._make(item_id if item_id is not None else str(index), subset, image, annotations)
    if images is not None:
        images.finish()


# -- writing ------------------------------------------------------------------------

def write(dataset, save_dir, *, save_media=False, image_ext=None, save_dataset_meta=False, refuse_color=False):
    """Write every item; labels always, pixels only with ``save_media``."""
    return export_one_channel(dataset, save_dir, NAME, save_dataset_meta, refuse_color,
                              lambda subset, names_count, gray: _SubsetWriter(save_dir, subset, save_media,
                                                                              names_count, gray))


_RESERVED_SUBSETS = {"t10k": "t10k files are read back as 'test'"}


def check_meta_id(item_id):
    if len(item_id) > META_CELL_CHARS or "\x00" in item_id:
        raise UsageError("item id %r cannot be stored in an mnist meta file (at most %d characters, no NUL)"
                         % (item_id, META_CELL_CHARS))


class _SubsetWriter(SubsetWriter):
    def __init__(self, folder, subset, save_media, names_count, gray):
        check_subset_name(subset, NAME, _RESERVED_SUBSETS)
        self.folder = folder
        self.subset = subset
        self.save_media = save_media
        self.names_count = names_count
        self.gray = gray
        base = os.path.join(folder, prefix_of_subset(subset))
        self.labels = idx.Writer(base + "-labels-idx1-ubyte.gz")
        self.images_path = base + "-images-idx3-ubyte.gz"
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
        self.labels.write_payload(bytes((NO_LABEL if label is None else label,)), 1)
        size = None
        if item.media is not None and item.media.has_data:
            if not self.save_media:
                self.images_not_saved += 1
            elif item.media.height * item.media.width:
                size = self._write_image(item)
        self.meta.add(item.id, size)

    def _write_image(self, item):
        image = self.gray.apply(item, NAME)
        if self.images is None:
            self.first_size = image.size
            self.images = idx.Writer(self.images_path, record_shape=self.first_size)
        self.images.write_payload(image.data, 1)
        return image.size

    def finish(self):
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
    files = _find_subsets(folder, None).get(subset)
    paths = [files.labels, files.images, files.meta] if files is not None else []
    return [os.path.relpath(path, folder) for path in paths if path]


SPEC = FormatSpec(
    NAME, detect=detect, read=read, write=write, detect_rank=10, subset_files=subset_files,
    description="IDX files per subset: <subset>-labels-idx1-ubyte.gz, <subset>-images-idx3-ubyte.gz",
    export_options=[REFUSE_COLOR])
