"""The ``imagenet_txt`` layout: a list file per subset (``docs/formats.rst``, imagenet_txt).

::

    out/<subset>.txt      lines "<file name> <label index>..." ("<id with spaces>"<ext> quoted); an item
                          with several labels has them all on its line, each once, in increasing order
    out/images/<file>     the images, all subsets together
    out/synsets.txt       label names, one a line (dataset_meta.json wins when present)

An item's id is its file name without the extension (``%XX`` escapes
undone). All subsets share ``images/``: an item whose file is taken by an
earlier one gets ``~<subset>`` in its name (and so in its id), never
overwriting it; the export report says how many.
"""

from __future__ import annotations

import contextlib
import io
import os

from .. import limits
from ..codecs.streams import open_input
from ..errors import FormatError, LimitError, UsageError
from ..model.items import DatasetItem, Label, LabelCategories
from ..model.options import Option
from ..model.sources import ItemSource, in_subset_order
from ._export import ExportReport
from ._imagefiles import ImageFileWriter, image_file_ext, lazy_image, normalize_ext, require_media
from ._labels import (
    DATASET_META_FILE,
    check_label,
    item_labels,
    read_label_categories,
    write_dataset_meta,
    write_names_file,
)
from ._labels import LABELS_FILE as _GENERIC_LABELS_FILE
from ._paths import check_subset_name, is_relative_inside, item_relative_path, relative_path_to_id
from ._reading import file_present, folder_present
from ._spec import FormatSpec
from .imagenet import WORKERS

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Dict, TextIO

__all__ = ["SPEC", "ImagenetTxtSource", "parse_line"]

NAME = "imagenet_txt"
LABELS_FILE = "synsets.txt"
#: where the label names come from, as Datumaro's ``labels`` option says
LABELS_SOURCES = ("file", "generate")
IMAGE_DIR = "images"


def detect(path):
    if not os.path.isdir(path):
        return False
    names = os.listdir(path)
    has_list = any(name.endswith(".txt") and name not in (LABELS_FILE, _GENERIC_LABELS_FILE) for name in names)
    # images/ as a folder, or as anything but a regular file (a link to nothing): reading refuses that
    images = os.path.join(path, IMAGE_DIR)
    return has_list and (LABELS_FILE in names or (os.path.lexists(images) and not os.path.isfile(images)))


def read(path, labels="file", labels_file=LABELS_FILE):
    return ImagenetTxtSource(path, labels, labels_file)


def parse_line(line, path, number):
    """``(id, image file, label indices)`` from a list line, as Datumaro reads it."""
    parts = line.split('"')
    try:
        if len(parts) == 1:
            fields = line.split()
            image = fields[0]
            stem = os.path.splitext(image)[0]
        elif len(parts) == 3 and not parts[0].strip():
            fields = parts[2].split()
            stem = parts[1]
            image = stem + (fields[0] if fields and fields[0].startswith(".") else "")
            fields = fields if image != stem else [""] + fields
        else:
            raise ValueError("unexpected quotes")
        labels = [int(field) for field in fields[1:]]
    except (ValueError, IndexError) as error:
        raise FormatError("bad list line %r (%s); expected '<file name> <label index>...'"
                          % (line, error), path, "line %d" % number) from None
    if any(label < 0 for label in labels):
        raise FormatError("negative label index in %r" % line, path, "line %d" % number)
    return relative_path_to_id(stem), image, labels


class ImagenetTxtSource(ItemSource):
    """Items of an imagenet_txt folder. ``labels="file"`` (the default) takes the label names from
    ``dataset_meta.json``, else from ``labels_file`` (relative to the folder, or absolute;
    ``synsets.txt``); ``labels="generate"`` names them ``class-0`` ... up to the largest index the
    lists hold, as Datumaro's ``ImagenetTxtBase`` options do."""

    def __init__(self, path, labels="file", labels_file=LABELS_FILE):
        if labels not in LABELS_SOURCES:
            raise UsageError("labels is one of %s, not %r" % (", ".join(map(repr, LABELS_SOURCES)), labels))
        names_path = os.path.join(path, labels_file)
        # A names file in the folder is no list, whatever its name (Datumaro's file_filter).
        skipped = {LABELS_FILE, _GENERIC_LABELS_FILE}
        if os.path.dirname(os.path.normpath(names_path)) == os.path.normpath(path):
            skipped.add(os.path.basename(names_path))
        self._lists = in_subset_order({name[:-4]: os.path.join(path, name) for name in sorted(os.listdir(path))
                                       if name.endswith(".txt") and name not in skipped})
        self.root = path
        if labels == "generate":
            self._names_source = None
            categories = LabelCategories(["class-%d" % index for index in range(self._largest_label() + 1)])
        else:
            if labels_file != LABELS_FILE and not file_present(names_path) \
                    and not file_present(os.path.join(path, DATASET_META_FILE)):
                raise UsageError("the labels file given (labels_file=) is not there", names_path)
            categories, self._names_source = read_label_categories(path, labels_file, default=())
        super().__init__(categories, path, NAME)
        # No images folder means items without images; a FIFO or a link to nothing is refused.
        self._has_images = folder_present(os.path.join(path, IMAGE_DIR))

    def _largest_label(self):
        """The largest label index of every list (-1: none), one more read of the lists (their text
        only, a line at a time), as the names must be known before the first item."""
        largest = -1
        for list_path in self._lists.values():
            with io.TextIOWrapper(open_input(list_path), encoding="utf-8") as lines:
                for number, line in _numbered_lines(lines, list_path):
                    if line.strip():
                        largest = max([largest, *parse_line(line.rstrip("\r\n"), list_path, number)[2]])
        return largest

    def __iter__(self):
        for subset in self._lists:
            yield from self.iter_subset(subset)

    def iter_subset(self, name):
        list_path = self._lists.get(name)
        return self._iter_list(name, list_path) if list_path else iter(())

    def _iter_list(self, subset, list_path):
        """The items of one list file. A line that cannot be an item (it cannot be parsed, a label has
        no name, its image path leaves the images folder or is not a file) goes to
        :meth:`~mnistio.model.sources.ItemSource.item_fault`, which raises, or returns when the import's
        error policy lets the line be skipped; a line over the length limit or text that is not UTF-8
        stops the file."""
        images = os.path.join(self.root, IMAGE_DIR)
        with io.TextIOWrapper(open_input(list_path), encoding="utf-8") as lines:
            for number, line in _numbered_lines(lines, list_path):
                if not line.strip():
                    continue
                item_id = None
                try:
                    item_id, image, labels = parse_line(line.rstrip("\r\n"), list_path, number)
                    for label in labels:
                        check_label(label, len(self.categories), self._names_source, list_path, "line %d" % number)
                    if not is_relative_inside(image):
                        raise FormatError("image path %r would leave the images folder" % image, list_path,
                                          "line %d" % number)
                    file = os.path.join(images, *image.split("/"))
                    media = lazy_image(file) if self._has_images and _image_present(file, list_path, number) \
                        else None
                except (FormatError, UsageError) as error:
                    self.item_fault(error, item_id, subset)
                    continue
                yield DatasetItem._make(item_id, subset, media, [Label(label) for label in labels])


def _image_present(file, list_path, number):
    """Whether a listed image is there (a plainly missing one makes an item without image, as in a
    labels-only export); a folder, a FIFO or a link to nothing is refused, naming the line."""
    try:
        return file_present(file)
    except UsageError as error:
        raise UsageError("image %s %s" % (error.path, error.message), list_path, "line %d" % number) from None


def _numbered_lines(lines, path):
    """``(number, line)`` of a text file, a line longer than the limit refused, bad UTF-8 named."""
    number = 0
    try:
        while True:
            line = lines.readline(limits.MAX_LINE_BYTES + 1)
            if not line:
                return
            number += 1
            if len(line) > limits.MAX_LINE_BYTES:
                raise LimitError("a line longer than mnistio.limits.MAX_LINE_BYTES", path, "line %d" % number)
            yield number, line
    except UnicodeDecodeError as error:
        raise FormatError("not UTF-8 text (%s)" % error.reason, path, "line %d" % (number + 1)) from None


def write(dataset, save_dir, *, save_media=False, image_ext=None, save_dataset_meta=False, workers=None):
    report = ExportReport(NAME, save_dir)
    names = dataset.label_names
    forced_ext = normalize_ext(image_ext) if image_ext else None
    lists: Dict[str, TextIO] = {}
    skipped = 0
    # The list files close after the encoders have stopped, whatever happened: a worker must not
    # outlive its folder, and a list file failing to close (a full disk) must not keep them going.
    with contextlib.ExitStack() as stack:
        stack.callback(_close_all, lists)  # last, as exits run in reverse
        writer = stack.enter_context(ImageFileWriter(os.path.join(save_dir, IMAGE_DIR), forced_ext, workers)) \
            if save_media else None
        for item in dataset:
            out = lists.get(item.subset)
            if out is None:
                check_subset_name(item.subset, NAME, _RESERVED_SUBSETS)
                out = lists[item.subset] = open(os.path.join(save_dir, item.subset + ".txt"), "w", encoding="utf-8")
            labels = item_labels(item, len(names))
            ext = image_file_ext(item, forced_ext)
            stem = item_relative_path(item, forced_ext)
            if writer is not None and item.media is not None and item.media.has_data:
                stem = writer.write(stem, item)[:-len(ext)]
            else:
                skipped += 1
            out.write("%s %s\n" % (_quoted(stem) + ext, " ".join(map(str, labels))))
            report.count(item.subset)
    write_names_file(os.path.join(save_dir, LABELS_FILE), names, save_dataset_meta)
    if save_dataset_meta:
        write_dataset_meta(save_dir, names)
    require_media(report, skipped, save_media)
    if writer is not None:
        writer.note_renames(report, "image (and so its id)", "images (and so their ids)")
    return report


#: the list files of these subsets would be the label names files
_RESERVED_SUBSETS = {name[:-4]: "its list file would be %s" % name for name in (LABELS_FILE, _GENERIC_LABELS_FILE)}


def _close_all(files):
    """Close every file, and raise the first failure only once all are closed."""
    with contextlib.ExitStack() as stack:
        for file in files.values():
            stack.callback(file.close)


def _quoted(stem):
    return '"%s"' % stem if len(stem.split()) != 1 or stem != stem.strip() else stem


SPEC = FormatSpec(
    NAME, detect=detect, read=read, write=write, detect_rank=40,
    description="<subset>.txt lists of '<file> <label index>', images in images/, names in synsets.txt",
    export_options=[WORKERS],
    import_options=[
        Option("labels", str, choices=LABELS_SOURCES, default="file",
               help="where the label names come from: 'file' (labels_file, or dataset_meta.json) or 'generate' "
                    "(class-0, class-1, ... up to the largest index in the lists)"),
        Option("labels_file", str, default=LABELS_FILE, metavar="FILE",
               help="the file of label names, relative to the dataset folder (default: synsets.txt)")])
