"""User-defined transforms and extractors, written as for Datumaro: ``Transform``,
``ItemTransform``, ``DatasetBase`` and ``SubsetBase``.

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

An *extractor* is any iterable of items with ``categories()``, such as a
subclass of :class:`DatasetBase` or :class:`SubsetBase`;
``Dataset(extractor)`` and ``Dataset.from_extractors(...)`` read it through
:class:`ExtractorSource`.
"""

from __future__ import annotations

from .items import AnnotationType, as_label_categories
from .sources import DerivedSource, ItemSource

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, Iterator, List, Optional

    from .items import DatasetItem

__all__ = ["Transform", "ItemTransform", "TransformSource", "DatasetBase", "SubsetBase", "ExtractorSource"]


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


class DatasetBase:
    """A base for user-defined extractors, as Datumaro's: override ``__iter__`` (and ``categories``)."""

    def __init__(self, *, length: Optional[int] = None, subsets: Optional[Any] = None, media_type: Any = None,
                 ann_types: Any = None, ctx: Any = None) -> None:
        self._length = length
        self._subsets = list(subsets) if subsets is not None else None
        self._ann_types = set(ann_types or ())

    def __iter__(self) -> Iterator[DatasetItem]:
        raise NotImplementedError

    def __len__(self) -> int:
        if self._length is None:
            self._length = sum(1 for _ in self)
        return self._length

    def categories(self) -> Dict[AnnotationType, Any]:
        return {}

    def infos(self) -> Dict[str, Any]:
        return {}

    def media_type(self) -> Any:
        from .image import Image

        return Image

    def ann_types(self) -> Any:
        return self._ann_types

    def subsets(self) -> Dict[str, Any]:
        names = self._subsets if self._subsets is not None else list(dict.fromkeys(item.subset for item in self))
        return {name: None for name in names}

    def get(self, id: str, subset: Optional[str] = None) -> Optional[DatasetItem]:
        from .items import DEFAULT_SUBSET_NAME

        subset = subset or DEFAULT_SUBSET_NAME
        return next((item for item in self if item.id == id and item.subset == subset), None)


class SubsetBase(DatasetBase):
    """A base for single-subset extractors, as Datumaro's: fill ``self._items`` and ``self._categories``."""

    def __init__(self, *, length: Optional[int] = None, subset: Optional[str] = None, media_type: Any = None,
                 ann_types: Any = None, ctx: Any = None) -> None:
        from .items import DEFAULT_SUBSET_NAME

        self._subset = subset or DEFAULT_SUBSET_NAME
        super().__init__(length=length, subsets=[self._subset], media_type=media_type, ann_types=ann_types, ctx=ctx)
        self._infos: Dict[str, Any] = {}
        self._categories: Dict[AnnotationType, Any] = {}
        self._items: List[DatasetItem] = []

    def infos(self) -> Dict[str, Any]:
        return self._infos

    def categories(self) -> Dict[AnnotationType, Any]:
        return self._categories

    def __iter__(self) -> Iterator[DatasetItem]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)


class ExtractorSource(ItemSource):
    """The items of an extractor (an iterable of items with ``categories()``), read anew each time."""

    def __init__(self, extractor: Any) -> None:
        categories = extractor.categories() if hasattr(extractor, "categories") else None
        super().__init__(as_label_categories(categories) if categories else None)
        self.extractor = extractor

    def __iter__(self) -> Iterator[DatasetItem]:
        return iter(self.extractor)
