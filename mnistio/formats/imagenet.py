"""The ``imagenet`` layout: one folder per label name (``docs/formats.rst``, imagenet).

::

    out/<label name>/<name><ext>       out/no_label/<name><ext>

Reading: an image's label is its folder relative to the root (files in the
root or in ``no_label/`` have none), the id is ``"<label>:<file stem>"``
and the label names are every folder, sorted, as Datumaro does: the layout
keeps no label order, so names come back sorted. Writing: the file name is
the id's part after its first ``:`` (the whole id when there is none), with
``/`` and characters unsafe in file names escaped as ``%XX`` (undone on
reading), so every item keeps its label folder.

Label names come only from folders of images: a name no item has is not
kept (an empty folder would make Datumaro refuse the whole tree), and the
export report lists such names. A label name holding ``:`` makes ids that
split ambiguously; ids differing only in case get ``~<subset>`` too, as
they would be one file on Windows and macOS.

All subsets go into one folder (use ``imagenet_with_subset_dirs`` to keep
them): an item whose file is already taken (real MNIST's train and test
share ids and labels) is written as ``<name>~<subset><ext>`` instead of
over the other, and the export report says how many were renamed.
"""

import os

from .._words import count
from ..errors import FormatError, UsageError
from ..model.items import DatasetItem, Label, LabelCategories, describe_item
from ..model.options import Option
from ..model.sources import ItemSource
from ._export import ExportReport
from ._imagefiles import ImageFileWriter, folder_profile, iter_image_files, lazy_image, require_media, walk_tree
from ._labels import item_label
from ._paths import check_subset_name, escape, file_stem_name, folder_name, relative_path_to_id
from ._spec import FormatSpec

__all__ = ["SPEC", "ImagenetSource", "WORKERS"]

NAME = "imagenet"
#: the image-file layouts' export option
WORKERS = Option("workers", int, help="processes encoding image files (default: every core, on Linux)")
NO_LABEL_DIR = "no_label"
ID_SEPARATOR = ":"


def detect(path):
    """Only images, some in label folders, not all exactly two levels down."""
    if not os.path.isdir(path):
        return False
    depths, others = folder_profile(path)
    return not others and any(depth >= 1 for depth in depths) and depths != {2}


def read(path):
    return ImagenetSource(path)


def label_dir(name, ext):
    """The folder of a label name: its ``/`` are subfolders, as Datumaro's labels; a part named like
    an image file (``x/y.png``, beside label ``x``'s ``y.png``) gets its dot as ``%2E``
    (``_paths.folder_name``)."""
    parts = name.split("/")
    if any(part in ("", ".", "..") for part in parts) or name == NO_LABEL_DIR:
        raise UsageError("label name %r cannot be a folder of %s (expected parts that are names, not empty, "
                         ". or .., and not %r, the folder of unlabelled items)" % (name, NAME, NO_LABEL_DIR))
    return "/".join(folder_name(part, ext) for part in parts)


def file_stem(item):
    """The file name (no extension) of an item: the id after its first ``:``."""
    item_id = item.id
    name = item_id.split(ID_SEPARATOR, 1)[1] if ID_SEPARATOR in item_id else item_id
    if name in ("", ".", ".."):
        raise UsageError("%s: its id gives no usable file name (expected a name after the first %r)"
                         % (describe_item(item), ID_SEPARATOR))
    return file_stem_name(escape(name).replace("/", "%2F"))


class ImagenetSource(ItemSource):
    """Items of an imagenet folder; ``subset`` names them (``default``)."""

    def __init__(self, path, subset="default", categories=None):
        if not os.path.isdir(path):
            raise UsageError("an imagenet dataset is a folder", path)
        super().__init__(categories if categories is not None else LabelCategories(label_names(path)), path, NAME)
        self.subset = subset

    def __iter__(self):
        return _iter_items(self.path, self.subset, self.categories)

    def iter_subset(self, name):
        return iter(self) if name == self.subset else iter(())


def label_names(root):
    """Every folder under root but ``no_label``, sorted: Datumaro's label names (symbolic links to
    folders followed, as it walks them; see ``walk_tree``)."""
    folders = set()
    for relative, _, _, _ in walk_tree(root):
        if relative not in ("", NO_LABEL_DIR):
            folders.add(relative_path_to_id(relative))
    return sorted(folders)


def _iter_items(root, subset, categories):
    for folder, name in iter_image_files(root):
        label = relative_path_to_id(folder) if folder not in ("", NO_LABEL_DIR) else None
        stem = relative_path_to_id(os.path.splitext(name)[0])
        annotations = []
        if label is not None:
            index, _ = categories.find(label)
            if index is None:
                raise FormatError("folder %r is not a label" % folder, root)
            annotations = [Label(index)]
        item_id = (label if label is not None else NO_LABEL_DIR) + ID_SEPARATOR + stem
        yield DatasetItem._make(item_id, subset, lazy_image(os.path.join(root, folder, name)), annotations)


#: label names a note lists before '...': 300,000 names made a 2 MB line
_MOST_NAMES_SHOWN = 20

def write(dataset, save_dir, *, save_media=True, image_ext=None, save_dataset_meta=False, workers=None,
          subset_dirs=False, format=NAME):
    report = ExportReport(format, save_dir)
    names = dataset.label_names
    used = set()
    skipped = 0
    with ImageFileWriter(save_dir, image_ext, workers) as writer:
        folders_of = [label_dir(name, writer.ext) for name in names]
        for item in dataset:
            root = ""
            if subset_dirs:
                check_subset_name(item.subset, format)
                root = escape(item.subset) + "/"
            label = item_label(item, len(names))
            used.add(label)
            folder = root + (NO_LABEL_DIR if label is None else folders_of[label])
            if not save_media or item.media is None or not item.media.has_data:
                skipped += 1
                continue
            writer.write(folder + "/" + file_stem(item), item)
            report.count(item.subset)
    require_media(report, skipped, save_media)
    # No empty folder is written for them: Datumaro refuses a tree holding one.
    unused = [name for index, name in enumerate(names) if index not in used]
    if unused and save_media:
        shown = ", ".join(unused[:_MOST_NAMES_SHOWN]) + (", ..." if len(unused) > _MOST_NAMES_SHOWN else "")
        report.notes.append("%s no item, and this layout keeps names only as folders of images: %s"
                            % (count(len(unused), "label name has", "label names have"), shown))
    writer.note_renames(report)
    return report


SPEC = FormatSpec(
    NAME, detect=detect, read=read, write=write, detect_rank=60,
    description="image files in one folder per label: <label>/<name>.png",
    export_options=[WORKERS],
    # Datumaro's exporter writes the images whatever --save-media says: they are the dataset.
    save_media_default=True)
