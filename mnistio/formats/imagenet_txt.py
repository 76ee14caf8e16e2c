"""The ``imagenet_txt`` layout: a list file per subset (FORMATS.md section 6).

::

    out/<subset>.txt      lines "<file name> <label index>..." ("<id with spaces>"<ext> quoted)
    out/images/<file>     the images, all subsets together
    out/synsets.txt       label names, one a line (dataset_meta.json wins when present)

An item's id is its file name without the extension (``%XX`` escapes
undone). All subsets share ``images/``: an item whose file is taken by an
earlier one gets ``~<subset>`` in its name (and so in its id), never
overwriting it; the export report says how many.
"""

import os

from ..dataset import DatasetItem, ItemSource, Label, LabelCategories
from ..errors import FormatError, UsageError
from ._common import (DATASET_META_FILE, ExportReport, _names_from_dataset_meta, check_label,
                      id_to_relative_path, relative_path_to_id, single_label, write_label_files)
from ._imagefiles import ImageFileWriter, check_writable_subset, lazy_image, normalize_ext, require_media

__all__ = ["NAME", "EXPORT_OPTIONS", "detect", "read", "write", "ImagenetTxtSource"]

NAME = "imagenet_txt"
EXPORT_OPTIONS = ("workers",)
LABELS_FILE = "synsets.txt"
IMAGE_DIR = "images"


def detect(path):
    if not os.path.isdir(path):
        return False
    names = os.listdir(path)
    has_list = any(name.endswith(".txt") and name not in (LABELS_FILE, "labels.txt") for name in names)
    return has_list and (LABELS_FILE in names or os.path.isdir(os.path.join(path, IMAGE_DIR)))


def read(path):
    return ImagenetTxtSource(path)


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
    format = NAME

    def __init__(self, path):
        self.path = path
        meta = os.path.join(path, DATASET_META_FILE)
        synsets = os.path.join(path, LABELS_FILE)
        if os.path.isfile(meta):
            names, self._names_source = _names_from_dataset_meta(meta), meta
        elif os.path.isfile(synsets):
            with open(synsets, encoding="utf-8") as file:
                names, self._names_source = [line.strip() for line in file if line.strip()], synsets
        else:
            names, self._names_source = [], None
        self.categories = LabelCategories(names)
        self._lists = {name[:-4]: os.path.join(path, name) for name in sorted(os.listdir(path))
                       if name.endswith(".txt") and name not in (LABELS_FILE, "labels.txt")}

    def __iter__(self):
        for subset in self._lists:
            yield from self.iter_subset(subset)

    def iter_subset(self, name):
        list_path = self._lists.get(name)
        return self._iter_list(name, list_path) if list_path else iter(())

    def _iter_list(self, subset, list_path):
        images = os.path.join(self.path, IMAGE_DIR)
        with open(list_path, encoding="utf-8") as lines:
            for number, line in enumerate(lines, 1):
                if not line.strip():
                    continue
                item_id, image, labels = parse_line(line.rstrip("\r\n"), list_path, number)
                for label in labels:
                    check_label(label, len(self.categories), self._names_source, list_path, "line %d" % number)
                file = os.path.join(images, *image.split("/"))
                media = lazy_image(file) if os.path.isfile(file) else None
                yield DatasetItem._make(item_id, subset, media, [Label(label) for label in labels])


def write(dataset, save_dir, *, save_media=False, image_ext=None, save_dataset_meta=False, workers=None):
    report = ExportReport(NAME, save_dir)
    names = dataset.label_names
    ext = normalize_ext(image_ext)
    writer = ImageFileWriter(os.path.join(save_dir, IMAGE_DIR), ext, workers) if save_media else None
    lists = {}
    skipped = 0
    try:
        for item in dataset:
            out = lists.get(item.subset)
            if out is None:
                check_writable_subset(item.subset)
                if item.subset + ".txt" in (LABELS_FILE, "labels.txt"):
                    raise UsageError("subset %r would overwrite %s.txt" % (item.subset, item.subset))
                out = lists[item.subset] = open(os.path.join(save_dir, item.subset + ".txt"), "w", encoding="utf-8")
            label = single_label(item)
            if label is not None and label >= len(names):
                raise UsageError("item %r (subset %r) has label %d, but the dataset names only %d labels"
                                 % (item.id, item.subset, label, len(names)))
            stem = id_to_relative_path(item.id)
            if writer is not None and item.media is not None and item.media.has_data:
                stem = writer.write(stem, item.media, item.subset)[:-len(ext)]
            else:
                skipped += 1
            out.write("%s %s\n" % (_quoted(stem) + ext, "" if label is None else label))
            report.count(item.subset)
    finally:
        for out in lists.values():
            out.close()
        if writer is not None:
            writer.close()
    with open(os.path.join(save_dir, LABELS_FILE), "w", encoding="utf-8") as file:
        file.writelines(name + "\n" for name in names)
    if save_dataset_meta:
        write_label_files(save_dir, names, True)
        os.remove(os.path.join(save_dir, "labels.txt"))
    require_media(report, skipped, save_media)
    if writer is not None and writer.names.renamed:
        report.notes.append("%d images renamed with ~<subset> (their ids too) so that no item overwrites another"
                            % writer.names.renamed)
    return report


def _quoted(stem):
    return '"%s"' % stem if len(stem.split()) != 1 or stem != stem.strip() else stem
