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

An item with several labels is written once in each of its label folders,
under one name, as Datumaro writes it. Reading takes the files of one name
that are the same image (the same file, or the same bytes) in several label
folders for one item with all those labels, its id that of the first
(Datumaro 1.13 reads each copy as an item of its own, one label each: the
item comes back split). Files of one name that differ are different items,
as in any tree whose label folders each hold a ``1.jpg``. To find the
copies, opening the folder walks it once and holds the image file names
meanwhile (not the images: about 100 bytes a file), then keeps only the
names found in more than one label folder.

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

from __future__ import annotations

import os

from .._words import count
from ..errors import FileSystemError, FormatError, UsageError
from ..model.items import DatasetItem, Label, LabelCategories, describe_item
from ..model.options import Option
from ..model.sources import ItemSource
from ._export import ExportReport
from ._imagefiles import (
    IMAGE_EXTENSIONS,
    FolderProfile,
    ImageFileWriter,
    lazy_image,
    require_media,
    walk_tree,
)
from ._labels import item_labels
from ._paths import check_subset_name, escape, file_stem_name, folder_name, relative_path_to_id
from ._spec import FormatSpec

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Dict, Iterator, List, Optional

__all__ = ["SPEC", "ImagenetSource", "Tree", "WORKERS", "label_categories"]

NAME = "imagenet"
#: the image-file layouts' export option
WORKERS = Option("workers", int, help="processes encoding image files (default: every core, on Linux)")
NO_LABEL_DIR = "no_label"
ID_SEPARATOR = ":"


def detect(path):
    """Only images in the whole tree, no empty folder, and no label folder named ``images``,
    ``labels``, ``annotations`` or ``instances``: Datumaro's rule (see ``FolderProfile``)."""
    return os.path.isdir(path) and FolderProfile(path).images_only


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

    def __init__(self, path, subset="default", categories=None, tree=None):
        if not os.path.isdir(path):
            raise UsageError("an imagenet dataset is a folder", path)
        tree = tree if tree is not None else Tree(path)
        super().__init__(categories if categories is not None else label_categories(tree.label_parents()), path, NAME)
        self.root = path
        self.subset = subset
        self._shared = tree.shared

    def __iter__(self):
        return _iter_items(self.root, self.subset, self.categories, self._shared)

    def iter_subset(self, name):
        return iter(self) if name == self.subset else iter(())


class Tree:
    """What one walk of an imagenet folder tells before its items are read: ``folders``, every label
    folder (relative, ``/``-separated, as on disk) in the walk's order, and ``shared``, the file
    names found in more than one label folder, each with those folders in the walk's order (where
    the copies of an item with several labels are). Symbolic links to folders are followed, as
    Datumaro walks them (see ``walk_tree``)."""

    def __init__(self, root: str) -> None:
        self.folders: List[str] = []
        first: Dict[str, str] = {}
        self.shared: Dict[str, List[str]] = {}
        for relative, _, files, _ in walk_tree(root):
            if relative in ("", NO_LABEL_DIR):
                continue
            self.folders.append(relative)
            for name in files:  # every file, images or not: cheaper than telling them apart here
                other = first.setdefault(name, relative)
                if other != relative:
                    self.shared.setdefault(name, [other]).append(relative)

    def label_parents(self) -> Dict[str, str]:
        """``{label name: its parent's name, or ""}`` of every label folder: a nested folder's parent
        is the folder holding it, as Datumaro 1.13 reads the hierarchy."""
        return {relative_path_to_id(folder): relative_path_to_id(folder.rpartition("/")[0]) if "/" in folder else ""
                for folder in self.folders}


def label_categories(parents: Dict[str, str]) -> LabelCategories:
    """The label names sorted, each with its parent, and a label group per parent holding its
    children's last parts, in that order, as Datumaro 1.13's ``ImagenetBase`` makes them."""
    categories = LabelCategories()
    groups: Dict[str, List[str]] = {}
    for name in sorted(parents):
        parent = parents[name]
        if parent:
            groups.setdefault(parent, []).append(name[len(parent) + 1:] if name.startswith(parent + "/") else name)
        categories.add(name, parent)
    for parent, children in groups.items():
        categories.add_label_group(parent, children)
    return categories


def _iter_items(root: str, subset: str, categories: LabelCategories,
                shared: Dict[str, List[str]]) -> Iterator[DatasetItem]:
    # file name -> {label folder: the label folders of its item, or None for a later copy}
    copies: Dict[str, Dict[str, Optional[List[str]]]] = {}
    for folder, _, files, _ in walk_tree(root):
        labelled = folder not in ("", NO_LABEL_DIR)
        prefix = (relative_path_to_id(folder) if labelled else NO_LABEL_DIR) + ID_SEPARATOR
        index = _label_index(categories, folder, root) if labelled else None
        base = os.path.join(root, folder)
        for name in files:
            stem, ext = os.path.splitext(name)
            if ext.lower() not in IMAGE_EXTENSIONS:
                continue
            annotations = [] if index is None else [Label(index)]
            if labelled and name in shared:
                found = copies.get(name)
                if found is None:
                    found = copies[name] = _same_images(root, name, shared[name])
                folders = found.pop(folder, [folder])
                if not found:
                    del copies[name]
                if folders is None:
                    continue  # a copy of an item already read
                annotations = [Label(label) for label in sorted(_label_index(categories, member, root)
                                                                for member in folders)]
            yield DatasetItem._make(prefix + relative_path_to_id(stem), subset, lazy_image(os.path.join(base, name)),
                                    annotations)


def _label_index(categories: LabelCategories, folder: str, root: str) -> int:
    index, _ = categories.find(relative_path_to_id(folder))
    if index is None:
        raise FormatError("folder %r is not a label" % folder, root)
    return index


def _same_images(root: str, name: str, folders: List[str]) -> Dict[str, Optional[List[str]]]:
    """``{label folder: its item's label folders (the first of them), or None (a later one)}`` for the
    files called ``name`` in ``folders``: those that are the same image make one item."""
    items: List[List[str]] = []
    for folder in folders:
        path = os.path.join(root, folder, name)
        if not os.path.lexists(path):
            continue  # gone since the folder was opened: not a copy of anything
        for members in items:
            if _same_file_content(os.path.join(root, members[0], name), path):
                members.append(folder)
                break
        else:
            items.append([folder])
    roles: Dict[str, Optional[List[str]]] = {}
    for members in items:
        roles[members[0]] = members
        for later in members[1:]:
            roles[later] = None
    return roles


def _same_file_content(first: str, second: str, chunk: int = 1 << 20) -> bool:
    """Whether two files hold the same bytes (the same file does), read a chunk at a time."""
    try:
        one, other = os.stat(first), os.stat(second)
        if (one.st_dev, one.st_ino) == (other.st_dev, other.st_ino):
            return True
        if one.st_size != other.st_size:
            return False
        with open(first, "rb") as a, open(second, "rb") as b:
            while True:
                block = a.read(chunk)
                if block != b.read(chunk):
                    return False
                if not block:
                    return True
    except OSError as error:
        raise FileSystemError.from_os_error(error, second, "cannot read the image file") from None


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
            labels = item_labels(item, len(names))
            used.update(labels)
            # Once per label, as Datumaro writes an item with several labels.
            folders = [root + folders_of[label] for label in labels] or [root + NO_LABEL_DIR]
            if not save_media or item.media is None or not item.media.has_data:
                skipped += 1
                continue
            stem = file_stem(item)
            writer.write(folders[0] + "/" + stem, item, [folder + "/" + stem for folder in folders[1:]])
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
