"""User-defined transforms, written as for Datumaro: ``Transform`` and ``ItemTransform``.

::

    class Brighten(dm.ItemTransform):
        def transform_item(self, item):
            return item.wrap(media=...)

    dataset.transform(Brighten)            # in place, lazily, as in Datumaro

A transform is made with the dataset it reads (``extractor``, a read-only
view) and the options given to ``Dataset.transform``; iterating it yields
the new items. ``categories()`` may give other label names. mnistio wraps
an instance in :class:`TransformSource` so that it streams like any other
source.
"""

from __future__ import annotations

from .items import AnnotationType, as_label_categories
from .sources import DerivedSource, ItemSource

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, Iterator, Optional

    from .items import DatasetItem

__all__ = ["Transform", "ItemTransform", "TransformSource"]


class Transform:
    """A dataset computed from another, as Datumaro's ``Transform``: override ``__iter__``
    (and ``categories`` when the label names change)."""

    def __init__(self, extractor: Any) -> None:
        self._extractor = extractor

    def __iter__(self) -> Iterator[DatasetItem]:
        return iter(self._extractor)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def categories(self) -> Dict[AnnotationType, Any]:
        return self._extractor.categories()

    def infos(self) -> Dict[str, Any]:
        return {}

    def media_type(self) -> Any:
        from .image import Image

        return Image

    def subsets(self) -> Dict[str, Any]:
        return self._extractor.subsets()


class ItemTransform(Transform):
    """A transform of one item at a time, as Datumaro's: override ``transform_item`` (None drops
    the item)."""

    def transform_item(self, item: DatasetItem) -> Optional[DatasetItem]:
        return item

    def __iter__(self) -> Iterator[DatasetItem]:
        for item in self._extractor:
            transformed = self.transform_item(item)
            if transformed is not None:
                yield transformed


class TransformSource(DerivedSource):
    """The items of a :class:`Transform` instance, as a source; the instance is iterated anew
    each time, so that it streams."""

    def __init__(self, parent: ItemSource, transform: Transform) -> None:
        categories = transform.categories()
        super().__init__(parent, as_label_categories(categories) if categories is not None else None)
        self.transform = transform

    def __iter__(self) -> Iterator[DatasetItem]:
        return iter(self.transform)
