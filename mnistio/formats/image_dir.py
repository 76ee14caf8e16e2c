"""The ``image_dir`` layout: a folder of images and nothing else (``docs/formats.rst``, image_dir).

::

    out/<id><ext>       an id's "/" make subfolders; unsafe characters are %XX

No labels and no subsets are kept. An item whose file is taken by an
earlier one (another subset with the same id) gets ``~<subset>`` in its
name, never overwriting it.
"""

import os

from ..model.items import DatasetItem
from ..model.sources import ItemSource
from ._export import ExportReport
from ._imagefiles import FolderProfile, ImageFileWriter, iter_image_files, lazy_image, require_media
from ._labels import check_item_id
from ._paths import item_relative_path, relative_path_to_id
from ._spec import FormatSpec
from .imagenet import WORKERS

__all__ = ["SPEC", "ImageDirSource"]

NAME = "image_dir"


def detect(path):
    """Image files only, no folder, as Datumaro detects the layout."""
    return os.path.isdir(path) and FolderProfile(path).flat


def read(path):
    return ImageDirSource(path)


class ImageDirSource(ItemSource):
    def __init__(self, path):
        super().__init__(None, path, NAME)
        self.root = path

    def __iter__(self):
        for folder, name in iter_image_files(self.root):
            relative = (folder + "/" if folder else "") + os.path.splitext(name)[0]
            yield DatasetItem._make(relative_path_to_id(relative), "default",
                                    lazy_image(os.path.join(self.root, folder, name)), [])


def write(dataset, save_dir, *, save_media=True, image_ext=None, save_dataset_meta=False, workers=None):
    report = ExportReport(NAME, save_dir)
    skipped = 0
    with ImageFileWriter(save_dir, image_ext, workers) as writer:
        for item in dataset:
            if not save_media or item.media is None or not item.media.has_data:
                skipped += 1
                continue
            check_item_id(item)
            writer.write(item_relative_path(item, writer.ext), item)
            report.count(item.subset)
    require_media(report, skipped, save_media)
    writer.note_renames(report)
    return report


SPEC = FormatSpec(
    NAME, detect=detect, read=read, write=write, detect_rank=55,
    description="a folder of image files and nothing else, no labels",
    export_options=[WORKERS],
    # Datumaro's exporter writes the images whatever --save-media says: they are the dataset.
    save_media_default=True)
