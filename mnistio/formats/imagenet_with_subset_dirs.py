"""The ``imagenet_with_subset_dirs`` layout: ``imagenet`` per subset (``docs/formats.rst``).

::

    out/<subset>/<label name>/<name><ext>

Everything else is as in :mod:`mnistio.formats.imagenet`; the label names
are those of every subset, sorted.
"""

import os

from ..errors import FormatError
from ..model.sources import ItemSource, in_subset_order
from . import imagenet
from ._imagefiles import IMAGE_EXTENSIONS, FolderProfile, walk_tree
from ._paths import relative_path_to_id
from ._spec import FormatSpec

__all__ = ["SPEC", "SubsetDirsSource"]

NAME = "imagenet_with_subset_dirs"


def detect(path):
    """A folder ``train``, ``test`` or ``val`` (any case) that is an ``imagenet`` tree, as Datumaro
    detects the layout (whatever else the root holds: reading takes every folder for a subset)."""
    return os.path.isdir(path) and bool(FolderProfile(path).subsets)


def read(path):
    return SubsetDirsSource(path)


class SubsetDirsSource(ItemSource):
    def __init__(self, path):
        # The subset folders (links to folders too); a link to nothing there is refused, not skipped.
        _, folders, files, _ = next(walk_tree(path))
        for name in files:
            if os.path.splitext(name)[1].lower() in IMAGE_EXTENSIONS:
                # Datumaro 1.13 leaves it out without a word.
                raise FormatError("image file %r is in no subset folder; expected <subset>/<label>/<image> (or "
                                  "read the folder as imagenet)" % name, path)
        trees = {folder: imagenet.Tree(os.path.join(path, folder)) for folder in folders}
        parents = {name: parent for tree in trees.values() for name, parent in tree.label_parents().items()}
        super().__init__(imagenet.label_categories(parents), path, NAME)
        self._subsets = in_subset_order({relative_path_to_id(folder): imagenet.ImagenetSource(
            os.path.join(path, folder), relative_path_to_id(folder), self.categories, tree)
            for folder, tree in trees.items()})

    def __iter__(self):
        for source in self._subsets.values():
            yield from source

    def iter_subset(self, name):
        source = self._subsets.get(name)
        return iter(source) if source is not None else iter(())


def write(dataset, save_dir, **options):
    return imagenet.write(dataset, save_dir, subset_dirs=True, format=NAME, **options)


SPEC = FormatSpec(
    NAME, detect=detect, read=read, write=write, detect_rank=50,
    description="image files in one folder per subset and label: <subset>/<label>/<name>.png",
    export_options=[imagenet.WORKERS], save_media_default=True)
