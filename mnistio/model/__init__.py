"""The model: images, items, label names, item sources and the dataset.

Everything here is plain Python values, with no knowledge of files: the
layouts (:mod:`mnistio.formats`) read and write them.

Throughout the package, ``typing`` is imported only under ``if
TYPE_CHECKING:`` (with ``from __future__ import annotations``): importing it
at run time would double the time ``import mnistio`` takes.
"""

from .dataset import Dataset, DatasetSubset, StreamDataset, eager_mode
from .image import Image
from .items import (
                    DEFAULT_SUBSET_NAME,
                    AnnotationType,
                    DatasetItem,
                    GroupType,
                    Label,
                    LabelCategories,
                    as_label_categories,
)
from .patch import DatasetPatch, ItemStatus
from .sources import CheckedSource, DerivedSource, EditedSource, ItemSource, ListSource, MappedSource, SubsetSource
from .transform import DatasetBase, ItemTransform, SubsetBase, Transform

__all__ = ["Dataset", "DatasetSubset", "StreamDataset", "eager_mode", "Image", "DatasetItem", "Label",
           "LabelCategories", "GroupType", "AnnotationType", "DEFAULT_SUBSET_NAME", "as_label_categories",
           "DatasetPatch", "ItemStatus", "Transform", "ItemTransform", "DatasetBase", "SubsetBase", "ItemSource",
           "ListSource", "DerivedSource", "MappedSource", "SubsetSource", "EditedSource", "CheckedSource"]
