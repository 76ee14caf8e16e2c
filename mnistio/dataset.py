"""Compatibility: the model's names under the old module name ``mnistio.dataset``."""

from .model import (
                    DEFAULT_SUBSET_NAME,
                    AnnotationType,
                    Dataset,
                    DatasetItem,
                    ItemSource,
                    Label,
                    LabelCategories,
                    as_label_categories,
)

__all__ = ["AnnotationType", "Label", "LabelCategories", "DatasetItem", "ItemSource", "Dataset",
           "DEFAULT_SUBSET_NAME", "as_label_categories"]
