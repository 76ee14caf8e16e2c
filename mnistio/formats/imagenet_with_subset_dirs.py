"""The ``imagenet_with_subset_dirs`` layout: ``imagenet`` per subset (FORMATS.md section 6).

::

    out/<subset>/<label name>/<name><ext>

Everything else is as in :mod:`mnistio.formats.imagenet`; the label names
are those of every subset, sorted.
"""

import os

from ..dataset import ItemSource, LabelCategories
from ._common import relative_path_to_id
from . import imagenet
from ._imagefiles import folder_profile

__all__ = ["NAME", "EXPORT_OPTIONS", "detect", "read", "write"]

NAME = "imagenet_with_subset_dirs"
EXPORT_OPTIONS = imagenet.EXPORT_OPTIONS
SAVE_MEDIA_DEFAULT = imagenet.SAVE_MEDIA_DEFAULT


def detect(path):
    """Only images, all of them two levels down: ``<subset>/<label>/``."""
    if not os.path.isdir(path):
        return False
    depths, others = folder_profile(path)
    return not others and depths == {2}


def read(path):
    return SubsetDirsSource(path)


class SubsetDirsSource(ItemSource):
    format = NAME

    def __init__(self, path):
        self.path = path
        folders = sorted(name for name in os.listdir(path) if os.path.isdir(os.path.join(path, name)))
        names = sorted({name for folder in folders for name in imagenet.label_names(os.path.join(path, folder))})
        self.categories = LabelCategories(names)
        self._subsets = {relative_path_to_id(folder): imagenet.ImagenetSource(
            os.path.join(path, folder), relative_path_to_id(folder), self.categories) for folder in folders}

    def __iter__(self):
        for source in self._subsets.values():
            yield from source

    def iter_subset(self, name):
        source = self._subsets.get(name)
        return iter(source) if source is not None else iter(())


def write(dataset, save_dir, **options):
    report = imagenet.write(dataset, save_dir, subset_dirs=True, **options)
    report.format = NAME
    return report
