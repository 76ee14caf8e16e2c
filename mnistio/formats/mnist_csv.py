"""The ``mnist_csv`` layout: "MNIST in CSV", one file per subset (``docs/formats.rst``, mnist_csv).

::

    mnist_train.csv  mnist_test.csv  mnist_<s>.csv    subset = text after "mnist_"
    train.csv  test.csv  <anything>_train.csv         subset = the word (Kaggle's names)
    meta_<s>.csv                                     Datumaro's ids / sizes, when needed
    labels.txt, dataset_meta.json

Each line is ``label,p0,p1,...`` (28 x 28 unless the meta file gives sizes);
a line with only the label is an item without an image; label -1 means "no
label". A first line whose first field is not a number (Kaggle's
``label,1x1,...``) is a header and skipped; ids count data lines from 0.
The label may also be last, elsewhere, or absent: :mod:`._csv_columns`
decides which, from the ``label_column`` option, the header or the data,
or refuses. A file may be gzip-compressed (``.csv.gz``; the first bytes decide).
Meta ids are quoted per RFC 4180 when they need it; unquoted ones (as
Datumaro writes them) are read too.
"""

from __future__ import annotations

import csv
import io
import itertools
import os
import re
from collections import deque

from .. import limits
from ..codecs import csvrows
from ..codecs.streams import open_decompressed, open_input
from ..errors import FormatError, MnistioError, UsageError
from ..model.image import Image
from ..model.items import DatasetItem, Label, describe_item
from ..model.options import Option
from . import _csv_columns as columns
from ._export import SubsetWriter, export_one_channel
from ._labels import DATASET_META_FILE, DEFAULT_LABEL_NAMES, LABELS_FILE, item_label, label_error, read_label_categories
from ._meta import MNIST_SIZE, MetaSpool, parse_meta_row
from ._parallel import BatchPool, default_workers, ordered_map
from ._patch import subset_files_by_pattern
from ._paths import check_subset_name
from ._reading import FilePerSubsetSource, dataset_folder, file_present, position_of_id
from ._spec import FormatSpec
from .mnist import REFUSE_COLOR

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Deque, Dict, List, Optional, Tuple

    Layout = Tuple[int, Optional[int]]

__all__ = ["SPEC", "MnistCsvSource"]

NAME = "mnist_csv"
NO_LABEL = csvrows.NO_LABEL
# Files this large are parsed by worker processes, in blocks of this size.
_PARALLEL_MIN_BYTES = 8 << 20
_PARALLEL_BLOCK = 2 << 20
_CSV_NAME = re.compile(r"^(?P<stem>.+)\.csv(?:\.gz)?$")
_DATUMARO_STEM = re.compile(r"^.*?mnist_(?P<subset>.+)$")  # Datumaro's mnist_<subset>.csv, and Kaggle's
# Subset words a file name may end with: train.csv, emnist-balanced-test.csv, digits_val.csv.
_SUBSET_WORD = re.compile(r"^(?:.*[-_])?(?P<subset>train|test|val|valid|validation)$")
#: label names of the files named as Kaggle's Fashion-MNIST and Sign Language MNIST, when no names file
FASHION_NAMES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                 "Ankle boot")
SIGN_NAMES = tuple(chr(ord("A") + letter) for letter in range(26))  # 9 (J) and 25 (Z) need motion: unused


def subset_of(name, given=False):
    """The subset of a data file named ``name`` (None: not a data file). ``mnist_<s>.csv`` is ``s``
    (``fashion-mnist_train.csv``: ``train``); a name ending with ``train``, ``test``, ``val``, ``valid`` or
    ``validation`` is that word; any other ``.csv`` or ``.csv.gz`` file is its stem when ``given`` as a path."""
    match = _CSV_NAME.match(name)
    if not match or name.startswith("meta_"):
        return None
    stem = match.group("stem")
    if stem.endswith(("classmap", "mapping")):  # KMNIST's kmnist_classmap.csv: label names, not data
        return None
    for pattern in (_DATUMARO_STEM, _SUBSET_WORD):
        found = pattern.match(stem)
        if found:
            return found.group("subset")
    return stem if given else None


def detect(path):
    if os.path.isfile(path):
        return subset_of(os.path.basename(path), given=True) is not None
    return any(subset_of(name) is not None for name in os.listdir(path))


class MnistCsvSource(FilePerSubsetSource):
    """The items of an ``mnist_csv`` folder (or of one CSV file), read lazily."""

    def __init__(self, path, workers=None, label_column=None):
        label_column = columns.check_option(label_column)
        folder, only_file = dataset_folder(path)
        files = _find_files(folder, only_file)
        if not files:
            raise FormatError("no MNIST CSV file (expected e.g. mnist_train.csv or train.csv)", path)
        categories, self._names_source = read_label_categories(folder, default=_family_names(files.values()))
        super().__init__(files, categories, path, NAME)
        self.workers = workers
        # Looked for now: a meta file that is there but no regular file is refused on opening.
        self._metas = {subset: _meta_file(folder, subset) for subset in files}
        # Decided now, once: a file whose label column cannot be told stops the import at once.
        self._shapes = {file: _file_shape(file, label_column, len(categories), self._names_source is not None,
                                          self._metas[subset] is not None) for subset, file in files.items()}

    def _count_items(self, path):
        return _count_items(path)

    def _iter_file(self, subset, path):
        return _iter_items(subset, path, self._metas[subset], len(self.categories), self._names_source,
                           self.workers, self.item_fault, self._shapes[path])

    grouped = True

    # -- random access (docs/api.rst, "Random access") ---------------------------------

    def item_at(self, subset, index):
        """A seek to the item's line once the file's lines are indexed (:meth:`_line_index`); a
        subset with a meta file, or read with an error policy, is read up to the item."""
        path = self._files.get(subset)
        if path is None or not self._seeks(subset):
            return super().item_at(subset, index)
        offsets, numbers, copy = self._line_index(subset, path)
        if not 0 <= index < len(offsets):
            raise IndexError("subset %r has no item %d (%d items)" % (subset, index, len(offsets)))
        if copy is not None:
            line = csvrows.line_at(copy, offsets[index])
        else:
            with open_input(path) as file:
                line = csvrows.line_at(file, offsets[index])
        rows = _rows([(numbers[index], line)], path, self._shapes[path].layout)
        return next(_items(subset, path, rows, None, None, len(self.categories), self._names_source,
                           self.item_fault, index))

    @property
    def random_access(self):
        return all(self._seeks(subset) for subset in self._files)

    def lookup(self, id, subset):
        """Without a meta file the ids are the positions: :meth:`item_at`. With one, a scan."""
        path = self._files.get(subset)
        if path is None:
            return None
        if not self._seeks(subset):
            return super().lookup(id, subset)
        position = position_of_id(id, len(self._line_index(subset, path)[0]))
        return self.item_at(subset, position) if position is not None else None

    def _seeks(self, subset):
        return self.context is None and self._metas.get(subset) is None

    def _line_index(self, subset, path):
        """``(offsets, line numbers, copy or None)`` of the subset's data lines, made in one pass on
        first use: 16 bytes an item (two ``array('q')``). A gzip file's text is decompressed once into
        a temporary file (as large as the text, deleted with the source) that the offsets point into."""
        index = self.__dict__.setdefault("_line_indexes", {})
        if subset not in index:
            index[subset] = _index_lines(path)
        return index[subset]

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_line_indexes", None)  # temporary files: made again when needed
        return state

    def __del__(self):
        for _, _, copy in self.__dict__.get("_line_indexes", {}).values():
            if copy is not None:
                copy.close()  # and so deleted


class _Shape:
    """What is decided once about a data file: gzip or not, and the row layout (``csvrows.LABEL_FIRST``...)."""

    __slots__ = ("compressed", "layout")

    def __init__(self, compressed: bool, layout: Layout) -> None:
        self.compressed = compressed
        self.layout = layout


def _file_shape(path, label_column, names_count, names_file, has_meta):
    """The :class:`_Shape` of a data file (the rules of :mod:`._csv_columns`)."""
    with open_decompressed(path) as file:
        return _Shape(file.compressed, _layout(file, path, label_column, names_count, names_file, has_meta))


def _layout(file, path, label_column, names_count, names_file, has_meta):
    lines = (line for _, line in csvrows.iter_lines(file, path))
    try:
        first = next(lines, None)
    except MnistioError:  # bad gzip data, an overlong line: the read stops there, naming it
        first = None
    if first is None:
        return csvrows.LABEL_FIRST
    names = columns.header_names(first) if csvrows.is_header(first) else None
    if label_column is not None:
        return columns.layout_from_option(label_column, names, path)
    if names is not None:
        return columns.layout_from_header(names, path)
    if has_meta:  # Datumaro's meta file: its lines are label first, of any size
        return csvrows.LABEL_FIRST
    rows = columns.sample_rows(itertools.chain((first,), lines))
    if names_file:  # written by Datumaro or mnistio: label first, unless the data plainly says otherwise
        if columns.datumaro_layout_refuted(rows, names_count):
            raise columns.ask_for_option(path, "its first column holds one value and its last column labels, "
                                               "as if the label were last, beside a labels file")
        return csvrows.LABEL_FIRST
    layout, why = columns.guess_layout(rows, names_count)
    if layout is None:
        raise columns.ask_for_option(path, why)
    return layout


def _family_names(paths):
    """Default label names from the data files' names: Kaggle's Fashion-MNIST and Sign Language MNIST
    files say what they hold; anything else (or a mix) has the digits' names."""
    stems = [os.path.basename(path).lower() for path in paths]
    if stems and all("fashion" in stem for stem in stems):
        return FASHION_NAMES
    if stems and all("sign_mnist" in stem for stem in stems):
        return SIGN_NAMES
    return DEFAULT_LABEL_NAMES


def _meta_file(folder, subset):
    """The subset's ``meta_<subset>.csv``, or None when there is none."""
    meta = os.path.join(folder, "meta_%s.csv" % subset)
    return meta if file_present(meta) else None


def _find_files(folder, only_file):
    """``{subset: path}`` of the CSV files in ``folder`` (or of ``only_file``)."""
    files: Dict[str, str] = {}
    for name in sorted(os.listdir(folder) if only_file is None else [only_file]):
        subset = subset_of(name, given=only_file is not None)
        if subset is None:
            continue
        if subset in files:
            raise FormatError("two CSV files for subset %r: %s and %s"
                              % (subset, os.path.basename(files[subset]), name), folder)
        files[subset] = os.path.join(folder, name)
    return files


def _count_items(path):
    with open_decompressed(path) as file:
        lines = csvrows.iter_lines(file, path)
        first = next(lines, None)
        if first is None:
            return 0
        return sum(1 for _ in lines) + (0 if csvrows.is_header(first[1]) else 1)


class _Tee:
    """A stream whose every read is also written to ``copy``."""

    def __init__(self, stream, copy):
        self.stream, self.copy = stream, copy

    def read(self, size):
        data = self.stream.read(size)
        self.copy.write(data)
        return data


def _index_lines(path):
    """``(offsets, line numbers, copy or None)`` of the data lines of ``path`` (its header left out):
    see :meth:`MnistCsvSource._line_index`."""
    import tempfile
    from array import array

    offsets, numbers = array("q"), array("q")
    with open_decompressed(path) as file:
        copy = tempfile.TemporaryFile() if file.compressed else None
        try:
            lines = csvrows.iter_line_offsets(_Tee(file, copy) if copy is not None else file, path)
            for number, offset in lines:
                numbers.append(number)
                offsets.append(offset)
            if copy is not None:
                copy.flush()
        except BaseException:
            if copy is not None:
                copy.close()
            raise
    if offsets:  # the header, as _serial_rows leaves it out
        reader = copy if copy is not None else open_input(path)
        try:
            first = csvrows.line_at(reader, offsets[0])
        finally:
            if copy is None:
                reader.close()
        if csvrows.is_header(first):
            del offsets[0], numbers[0]
    return offsets, numbers, copy


def _serial_rows(path, layout=csvrows.LABEL_FIRST):
    """``(line number, label, pixels or None)`` of every data line, parsed here (see :func:`_rows`)."""
    with open_decompressed(path) as file:
        lines = csvrows.iter_lines(file, path)
        first = next(lines, None)
        if first is not None and not csvrows.is_header(first[1]):
            lines = itertools.chain((first,), lines)
        yield from _rows(lines, path, layout)


def _rows(numbered_lines, path, layout=csvrows.LABEL_FIRST):
    """``(line number, label, pixels or None)`` of each ``(number, line)``; a line whose fields are
    not numbers is ``(line number, None, its FormatError)``, so that the reader can go on after it."""
    if layout != csvrows.LABEL_FIRST:
        yield from _cut_rows(numbered_lines, path, layout)
        return
    parse_label, decode = csvrows.parse_label, csvrows.decode_pixels
    for number, line in numbered_lines:
        label_text, comma, pixel_text = line.partition(b",")
        try:
            row: Tuple[int, Optional[int], Any] = (number, parse_label(label_text, path, number),
                                                   decode(pixel_text, path, number) if comma else None)
        except FormatError as error:
            row = number, None, error
        yield row


def _cut_rows(numbered_lines, path, layout):
    """:func:`_rows` in a layout other than label first."""
    parse_label, decode, cut = csvrows.parse_label, csvrows.decode_pixels, csvrows.cut_line
    for number, line in numbered_lines:
        label_text, pixel_text = cut(line, layout)
        try:
            label = NO_LABEL if label_text is None else parse_label(label_text, path, number)
            row: Tuple[int, Optional[int], Any] = (number, label, None if pixel_text is None
                                                   else decode(pixel_text, path, number))
        except FormatError as error:
            row = number, None, error
        yield row


def _parallel_rows(path, workers, layout=csvrows.LABEL_FIRST):
    """The same rows as :func:`_serial_rows`, parsed by worker processes.

    The file is cut at line ends into blocks that workers parse in order,
    a few ahead; a block with anything unusual (a bad field, a label above
    255) is parsed again here, line by line, for an exact error or value.
    """
    with open_input(path) as file:
        start, number = _data_start(file, path)
        blocks = list(_blocks(file, start, os.fstat(file.fileno()).st_size, path))
    max_line = limits.MAX_LINE_BYTES  # read here, when called: a worker may have started before a change
    parsed = ordered_map(_parse_block, ((path, begin, end, max_line, layout) for begin, end in blocks), workers)
    try:
        for (begin, end), result in zip(blocks, parsed):
            if result is None:
                with open_input(path) as file:
                    file.seek(begin)
                    lines = file.read(end - begin).splitlines()
                yield from _parse_lines(path, lines, number, layout)
                number += len(lines)
                continue
            yield from _decoded_rows(result, number)
            number += len(result[0])  # no blank line: one line an item
    finally:
        parsed.close()  # stops the workers when the reader stops early


def _decoded_rows(result, number):
    """The rows of a block :func:`csvrows.decode_block` parsed, its first line numbered ``number``."""
    labels, lengths, pixels = result
    view = memoryview(pixels)
    offset = 0
    for label, length in zip(labels, lengths):
        if length == csvrows.NO_PIXELS:
            yield number, label, None
        else:
            yield number, label, view[offset:offset + length]
            offset += length
        number += 1


def _gzip_rows(path, workers, layout):
    """:func:`_parallel_rows` of a gzip file: inflated here, as a stream, into blocks of whole lines
    that the workers parse (a block is sent to them, as a gzip stream cannot be entered midway)."""
    max_line = limits.MAX_LINE_BYTES
    pending: Deque[Tuple[int, bytes]] = deque()  # the blocks sent and not yet back, in order

    def tasks():
        for number, block in _inflated_blocks(path, max_line):
            pending.append((number, block))
            yield block, max_line, layout
    parsed = ordered_map(csvrows.decode_block, tasks(), workers)
    try:
        for result in parsed:
            number, block = pending.popleft()
            if result is None:
                yield from _parse_lines(path, block.splitlines(), number, layout)
            else:
                yield from _decoded_rows(result, number)
    finally:
        parsed.close()


def _inflated_blocks(path, max_line):
    """``(number of its first line, bytes)`` of blocks of whole lines of a gzip file, about
    _PARALLEL_BLOCK long, after a byte-order mark, blank lines and a header, as :func:`_data_start`."""
    with open_decompressed(path) as file:
        data = file.read(_PARALLEL_BLOCK)
        data = data[len(csvrows.BOM):] if data.startswith(csvrows.BOM) else data
        number = 1
        while True:  # the lines before the data
            end = data.find(b"\n")
            while end < 0 and len(data) <= max_line:
                more = file.read(_PARALLEL_BLOCK)
                if not more:
                    break
                data += more
                end = data.find(b"\n")
            line = data[:end + 1] if end >= 0 else data
            if len(line.rstrip(b"\r\n")) > max_line:
                raise csvrows.line_too_long(path, number)
            if line and line.isspace():
                data, number = data[len(line):], number + 1
                continue
            if line and csvrows.is_header(line):
                data, number = data[len(line):], number + 1
            break
        while True:
            cut = data.rfind(b"\n") + 1
            if cut:
                block, data = data[:cut], data[cut:]
                yield number, block
                number += len(block.splitlines())
            if len(data) > max_line:
                raise csvrows.line_too_long(path, number)
            more = file.read(_PARALLEL_BLOCK)
            if not more:
                break
            data += more
        if data:
            yield number, data


def _parse_lines(path, lines, first_number, layout):
    return _rows(_block_lines(path, lines, first_number), path, layout)


def _block_lines(path, lines, first_number):
    """``(number, line)`` of a block's lines that are not blank, each within the length limit."""
    for number, line in enumerate(lines, first_number):
        if len(line) > limits.MAX_LINE_BYTES:
            raise csvrows.line_too_long(path, number)
        if line and not line.isspace():
            yield number, line


def _data_start(file, path):
    """``(byte offset, line number)`` of the first data line: after a byte-order mark, blank
    lines and a header line, as the serial parser reads them."""
    offset, number = 0, 1
    if file.read(len(csvrows.BOM)) == csvrows.BOM:
        offset = len(csvrows.BOM)
    file.seek(offset)
    while True:
        line = _line(file, path, number)
        if not line or not line.isspace():
            break
        offset, number = offset + len(line), number + 1
    if line and csvrows.is_header(line):
        offset, number = offset + len(line), number + 1
    return offset, number


def _line(file, path, number):
    """The next line, refused if longer than the limit (readline alone would read it all)."""
    line = file.readline(limits.MAX_LINE_BYTES + 1)
    if len(line) > limits.MAX_LINE_BYTES:
        raise csvrows.line_too_long(path, number)
    return line


def _blocks(file, start, size, path):
    """``(begin, end)`` byte ranges of whole lines, about _PARALLEL_BLOCK long. A line over the limit
    where a block ends is cut after MAX_LINE_BYTES + 1 bytes: the block is then read line by line,
    and that line refused with its number."""
    while start < size:
        end = min(size, start + _PARALLEL_BLOCK)
        if end < size:
            file.seek(end)
            end += len(file.readline(limits.MAX_LINE_BYTES + 1))
        yield start, end
        start = end


def _parse_block(path, begin, end, max_line, layout):
    """Run in a worker: one block's rows, or None when it needs the careful path."""
    with open_input(path) as file:
        file.seek(begin)
        return csvrows.decode_block(file.read(end - begin), max_line, layout)


def _iter_meta(path):
    with io.TextIOWrapper(open_input(path), encoding="utf-8", newline="") as file:
        try:
            for number, row in enumerate(csv.reader(file, strict=True), 1):  # an open quote is an error
                if row:
                    yield number, row
        except (UnicodeDecodeError, csv.Error) as error:
            raise FormatError("unreadable meta file (%s)" % error, path) from None


def _iter_items(subset, path, meta_path, names_count, names_source, workers, fault, shape):
    """The items of one CSV file. A line that cannot be an item (fields that are not numbers, a bad
    label, the wrong number of pixels, a bad meta row) goes to ``fault`` (the source's
    :meth:`~mnistio.model.sources.ItemSource.item_fault`), which raises, or returns when the import's
    error policy lets the line be skipped: every line is an item of its own. A line over the length
    limit, text that cannot be read, or a meta file with fewer or more rows than lines stops the file."""
    meta = _iter_meta(meta_path) if meta_path else None
    if workers is None:
        workers = default_workers() if os.path.getsize(path) >= _PARALLEL_MIN_BYTES else 1
        if shape.compressed:  # its size is of the gzip stream: some 8 times less text
            workers = default_workers() if os.path.getsize(path) >= _PARALLEL_MIN_BYTES // 8 else 1
    if workers <= 1:
        rows = _serial_rows(path, shape.layout)
    elif shape.compressed:
        rows = _gzip_rows(path, workers, shape.layout)
    else:
        rows = _parallel_rows(path, workers, shape.layout)
    yield from _items(subset, path, rows, meta, meta_path, names_count, names_source, fault)  # lazy, as before


def _items(subset, path, rows, meta, meta_path, names_count, names_source, fault, start=0):
    """The items of ``rows`` (:func:`_rows`), the first item ``start`` of its file."""
    wrap, make = Image._wrap, DatasetItem._make
    height, width = MNIST_SIZE
    item_id = None
    try:
        for index, (number, label, pixels) in enumerate(rows, start):
            if meta is not None:
                meta_number, meta_row = _next_meta(meta, meta_path, index)
                try:
                    item_id, size = parse_meta_row(meta_row, meta_path, "line %d" % meta_number)
                except FormatError as error:
                    fault(error, meta_row[0] if len(meta_row) == 3 else str(index), subset)
                    continue
                height, width = size or MNIST_SIZE
            if label is None:  # fields that are not numbers: ``pixels`` is the error
                fault(pixels, item_id if item_id is not None else str(index), subset)
                continue
            if label == NO_LABEL:
                annotations = []
            elif 0 <= label < names_count:
                annotations = [Label._make(label)]
            else:
                fault(FormatError("label %d is negative (-1 means no label)" % label, path, "line %d" % number)
                      if label < 0 else label_error(label, names_count, names_source, path, "line %d" % number),
                      item_id if item_id is not None else str(index), subset)
                continue
            image = None
            if pixels is not None:
                if len(pixels) != height * width:
                    fault(_pixel_count_error(len(pixels), height, width, meta is not None, index, label, subset,
                                             path, number), item_id if item_id is not None else str(index), subset)
                    continue
                image = wrap(pixels, height, width)
            yield make(item_id if item_id is not None else str(index), subset, image, annotations)
        if meta is not None and next(meta, None) is not None:
            raise FormatError("more meta rows than data lines in %s" % os.path.basename(path), meta_path)
    finally:  # now, not when the error's traceback is freed: the workers stop, the files close
        rows.close()
        if meta is not None:
            meta.close()


def _pixel_count_error(count, height, width, has_meta, index, label, subset, path, number):
    """The error for a line of the wrong length, with the likely cause when there is one."""
    if count == height * width + 1 and label == index:
        advice = ("the first column counts the lines, as pandas' index column does: write the file with "
                  "to_csv(..., index=False)")
    elif has_meta:
        advice = "as its meta file gives the size"
    else:
        advice = "other sizes need a meta_%s.csv" % subset
    return FormatError("%d pixel values (expected %d for %d x %d; %s)" % (count, height * width, height, width,
                                                                          advice), path, "line %d" % number)


def _next_meta(meta, meta_path, index):
    """``(line number, cells)`` of the meta row of item ``index``."""
    try:
        return next(meta)
    except StopIteration:
        raise FormatError("meta file ends before item %d" % index, meta_path) from None


def _csv_field(text):
    """RFC 4180 quoting, only where a reader needs it: Datumaro does not unquote,
    and a quote inside an unquoted field is read as it is."""
    if text and not text.startswith('"') and not any(char in text for char in ",\r\n"):
        return text
    return '"' + text.replace('"', '""') + '"'


# -- writing ------------------------------------------------------------------------

def write(dataset, save_dir, *, save_media=False, image_ext=None, save_dataset_meta=False, refuse_color=False,
          workers=None):
    """Write every item; pixels only with ``save_media``. ``workers``: processes writing the pixels
    as text (default: every core, on Linux)."""
    # Writing pixels as text is most of a conversion's time: the subsets' lines are encoded in
    # batches, by worker processes once the export is large, each batch's text written to its file.
    lines = BatchPool(csvrows.encode_lines, workers, _write_text)
    try:
        return export_one_channel(dataset, save_dir, NAME, save_dataset_meta, refuse_color,
                                  lambda subset, names_count, gray: _SubsetWriter(save_dir, subset, save_media,
                                                                                  names_count, gray, lines))
    finally:
        lines.close()


def _write_text(text, file):
    file.write(text)


# A batch ends at this many lines or bytes of pixels, whichever comes first.
_BATCH_LINES = 256
_BATCH_PIXEL_BYTES = 256 << 10


class _SubsetWriter(SubsetWriter):
    def __init__(self, folder, subset, save_media, names_count, gray, lines):
        check_subset_name(subset, NAME)
        self.folder = folder
        self.subset = subset
        self.save_media = save_media
        self.names_count = names_count
        self.gray = gray
        self.lines = lines
        self.batch: List[Tuple[bytes, Optional[bytes]]] = []
        self.batch_bytes = 0
        self.file = open(os.path.join(folder, "mnist_%s.csv" % subset), "wb")
        # A line with only the label already says "no image": no size needed for it.
        self.meta = MetaSpool(folder, sizes_for_missing_images=False)

    @property
    def count(self):
        return self.meta.count

    def add(self, item):
        if "\x00" in item.id:
            # Python's csv module reads no NUL before 3.11: the meta file could not be read back there.
            raise UsageError("%s: an id holding NUL cannot be stored in a CSV meta file" % describe_item(item))
        label = item_label(item, self.names_count)
        pixels = size = None
        image = item.media
        if image is not None and image.has_data:
            if not self.save_media:
                self.images_not_saved += 1
            elif image.height * image.width:
                image = self.gray.apply(item, NAME)
                pixels = bytes(image.data)
                size = image.size
                self.batch_bytes += len(pixels)
        self.batch.append((b"-1" if label is None else str(label).encode(), pixels))
        if len(self.batch) >= _BATCH_LINES or self.batch_bytes >= _BATCH_PIXEL_BYTES:
            self._send_batch(full=True)
        self.meta.add(item.id, size)

    def _send_batch(self, full):
        batch, self.batch, self.batch_bytes = self.batch, [], 0
        self.lines.send(batch, full, self.file)

    def finish(self):
        if self.batch:
            self._send_batch(full=False)
        self.lines.finish(self.file)
        self.file.close()
        rows = self.meta.rows()
        if rows is not None:
            with open(os.path.join(self.folder, "meta_%s.csv" % self.subset), "w", encoding="utf-8",
                      newline="") as file:
                file.writelines(",".join(map(_csv_field, row)) + "\n" for row in rows)

    def close(self):
        self.file.close()
        self.meta.close()


def _subset_files(folder, subset):
    """The files of ``subset`` kept when a dataset read from ``folder`` is saved back in place: only a
    folder as Datumaro writes it (``mnist_<subset>.csv`` beside a names file); None otherwise (a Kaggle
    ``train.csv``, a label-last file), so everything is written again in Datumaro's layout, which the
    new ``labels.txt`` would make read label first."""
    if not any(os.path.lexists(os.path.join(folder, name)) for name in (LABELS_FILE, DATASET_META_FILE)):
        return None
    if not os.path.lexists(os.path.join(folder, "mnist_%s.csv" % subset)):
        return None
    return _datumaro_files(folder, subset)


_datumaro_files = subset_files_by_pattern(["mnist_%s.csv", "meta_%s.csv"])


def _owned_files(folder, subset):
    """The files of ``subset`` whatever their names (a Kaggle ``train.csv``): saving in place replaces them."""
    found = _find_files(folder, None).get(subset)
    meta = "meta_%s.csv" % subset
    files = [os.path.basename(found)] if found else []
    return files + ([meta] if os.path.lexists(os.path.join(folder, meta)) else [])


def read(path, workers=None, label_column=None):
    """``workers``: processes parsing a large file (default: every core, on Linux); ``label_column``:
    ``"first"``, ``"last"``, ``"none"``, a column number from 0 or a header name (default: decided from
    the header or the data, see :mod:`._csv_columns`)."""
    return MnistCsvSource(path, workers, label_column)


SPEC = FormatSpec(
    NAME, detect=detect, read=read, write=write, detect_rank=20,
    subset_files=_subset_files, owned_files=_owned_files,
    description="\"MNIST in CSV\": mnist_<subset>.csv (train.csv, .csv.gz, ...) lines of label,p0,...,p783 "
                "(or the label last, or none)",
    export_options=[REFUSE_COLOR, Option("workers", int, help="processes writing pixels as text (default: every "
                                                               "core, on Linux)")],
    import_options=[Option("workers", int, help="processes parsing a large file (default: every core, on Linux)"),
                    Option("label_column", columns.parse_option_text, metavar="first|last|none|NAME|N",
                           help="the column holding the label, N counted from 0 (default: from the header "
                                "or the data)")])
