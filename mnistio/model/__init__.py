"""The model: images, items, label names, item sources and the dataset.

Everything here is plain Python values, with no knowledge of files: the
layouts (:mod:`mnistio.formats`) read and write them.

Throughout the package, ``typing`` is imported only under ``if
TYPE_CHECKING:`` (with ``from __future__ import annotations``): importing it
at run time would double the time ``import mnistio`` takes.
"""

from .dataset import Dataset
from .image import Image
from .items import DEFAULT_SUBSET_NAME, AnnotationType, DatasetItem, Label, LabelCategories, as_label_categories
from .sources import DerivedSource, ItemSource, ListSource, MappedSource, SubsetSource

__all__ = ["Dataset", "Image", "DatasetItem", "Label", "LabelCategories", "AnnotationType", "DEFAULT_SUBSET_NAME",
           "as_label_categories", "ItemSource", "ListSource", "DerivedSource", "MappedSource", "SubsetSource"]
