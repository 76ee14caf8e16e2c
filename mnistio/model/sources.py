"""Item sources: what a :class:`~mnistio.model.dataset.Dataset` reads its items from.

A source yields its items again on every iteration; an imported dataset's
source reads its files each time, so nothing grows with the dataset's size.
Format readers subclass :class:`ItemSource`; operations wrap a source in a
:class:`DerivedSource` (:class:`MappedSource` for item-by-item changes).
"""

from __future__ import annotations

from .items import DatasetItem, LabelCategories

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable, Dict, Iterable, Iterator, List, Optional

    SubsetCounts = Dict[str, int]

__all__ = ["ItemSource", "ListSource", "DerivedSource", "MappedSource", "SubsetSource"]



class ItemSource:
    """Items, iterable again and again, with their label names, path and format.

    Subclasses call ``super().__init__(categories, path, format)`` (or set
    ``categories`` themselves), implement ``__iter__``, and override
    :meth:`subset_counts`, :meth:`iter_subset` and :meth:`known_counts` when
    they can do better than reading every item.
    """

    categories: LabelCategories
    # Immutable defaults, for subclasses that set only ``categories``.
    path: Optional[str] = None
    format: Optional[str] = None

    def __init__(self, categories: Optional[LabelCategories] = None, path: Optional[str] = None,
                 format: Optional[str] = None) -> None:
        self.categories = categories if categories is not None else LabelCategories()
        self.path = path
        self.format = format

    def __iter__(self) -> Iterator[DatasetItem]:
        raise NotImplementedError

    def subset_counts(self) -> SubsetCounts:
        """``{subset: item count}`` in first-seen order."""
        counts: SubsetCounts = {}
        for item in self:
            counts[item.subset] = counts.get(item.subset, 0) + 1
        return counts

    def iter_subset(self, name: str) -> Iterator[DatasetItem]:
        """The items of one subset."""
        return (item for item in self if item.subset == name)

    def known_counts(self) -> Optional[SubsetCounts]:
        """:meth:`subset_counts` when it costs no reading, else None."""
        return None

    def inputs(self) -> List[str]:
        """The files and folders the items are read from (an export must not replace them)."""
        return [self.path] if self.path else []


class ListSource(ItemSource):
    """Items held in memory (``Dataset.from_iterable``)."""

    def __init__(self, items: List[DatasetItem], categories: LabelCategories) -> None:
        super().__init__(categories)
        self.items = items

    def __iter__(self) -> Iterator[DatasetItem]:
        return iter(self.items)

    def known_counts(self) -> Optional[SubsetCounts]:
        return self.subset_counts()


class DerivedSource(ItemSource):
    """A source computed from ``parent``: its label names (unless given), path and format."""

    def __init__(self, parent: ItemSource, categories: Optional[LabelCategories] = None) -> None:
        super().__init__(parent.categories if categories is None else categories, parent.path, parent.format)
        self.parent = parent

    def __iter__(self) -> Iterator[DatasetItem]:
        return iter(self.parent)

    def inputs(self) -> List[str]:
        return self.parent.inputs()


class MappedSource(DerivedSource):
    """``function(item)`` for every item of ``parent``, in order; None drops the item.

    The function must keep each item in its subset. ``keeps_count`` promises
    that it drops none, so counts are the parent's, read for free.
    """

    def __init__(self, parent: ItemSource, function: Callable[[DatasetItem], Optional[DatasetItem]],
                 categories: Optional[LabelCategories] = None, keeps_count: bool = False) -> None:
        super().__init__(parent, categories)
        self.function = function
        self.keeps_count = keeps_count

    def __iter__(self) -> Iterator[DatasetItem]:
        return self._map(self.parent)

    def iter_subset(self, name: str) -> Iterator[DatasetItem]:
        return self._map(self.parent.iter_subset(name))

    def _map(self, items: Iterable[DatasetItem]) -> Iterator[DatasetItem]:
        function = self.function
        for item in items:
            result = function(item)
            if result is not None:
                yield result

    def subset_counts(self) -> SubsetCounts:
        return self.parent.subset_counts() if self.keeps_count else super().subset_counts()

    def known_counts(self) -> Optional[SubsetCounts]:
        return self.parent.known_counts() if self.keeps_count else None


class SubsetSource(DerivedSource):
    """One subset of ``parent``, whose item count is known."""

    def __init__(self, parent: ItemSource, name: str, count: int) -> None:
        super().__init__(parent)
        self.name = name
        self.count = count

    def __iter__(self) -> Iterator[DatasetItem]:
        return self.parent.iter_subset(self.name)

    def subset_counts(self) -> SubsetCounts:
        return {self.name: self.count}

    def known_counts(self) -> Optional[SubsetCounts]:
        return self.subset_counts()

    def iter_subset(self, name: str) -> Iterator[DatasetItem]:
        return self.parent.iter_subset(name) if name == self.name else iter(())
