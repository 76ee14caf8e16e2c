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
    from typing import Callable, Dict, Iterable, Iterator, List, Optional, Tuple, TypeVar

    from ..errors import MnistioError
    from .arrays import Arrays
    from .policy import ImportContext

    SubsetCounts = Dict[str, int]
    ItemKey = Tuple[str, str]
    V = TypeVar("V")

__all__ = ["ItemSource", "ListSource", "DerivedSource", "MappedSource", "SubsetSource", "EditedSource",
           "CheckedSource", "subset_order_key", "in_subset_order"]

#: the subsets that come first, in this order; every other subset follows, sorted by name
_FIRST_SUBSETS = {"train": 0, "test": 1}


def subset_order_key(name: str) -> Tuple[int, str]:
    """The order every reader yields its subsets in (``docs/formats.rst``, "Order"): ``train``, then
    ``test``, then the others sorted by name (``val`` after ``test``, as Datumaro lists ``train`` first)."""
    return _FIRST_SUBSETS.get(name, len(_FIRST_SUBSETS)), name


def in_subset_order(mapping: Dict[str, V]) -> Dict[str, V]:
    """``mapping`` (subset name -> anything) with its keys in :func:`subset_order_key` order."""
    return {name: mapping[name] for name in sorted(mapping, key=subset_order_key)}



class ItemSource:
    """Items, iterable again and again, with their label names, path and format.

    Subclasses call ``super().__init__(categories, path, format)`` (or set
    ``categories`` themselves), implement ``__iter__``, and override
    :meth:`subset_counts`, :meth:`iter_subset` and :meth:`known_counts` when
    they can do better than reading every item. A reader that meets a fault
    confined to one item calls :meth:`item_fault` with it, and skips the item
    when that returns.
    """

    categories: LabelCategories
    # Immutable defaults, for subclasses that set only ``categories``.
    path: Optional[str] = None
    format: Optional[str] = None
    #: the import's error policy and progress reporter; None: every fault is raised
    context: Optional[ImportContext] = None

    def __init__(self, categories: Optional[LabelCategories] = None, path: Optional[str] = None,
                 format: Optional[str] = None) -> None:
        self.categories = categories if categories is not None else LabelCategories()
        self.path = path
        self.format = format

    def __iter__(self) -> Iterator[DatasetItem]:
        raise NotImplementedError

    def item_fault(self, error: MnistioError, item_id: Optional[str], subset: Optional[str]) -> None:
        """A fault confined to one item, ``(item_id, subset)`` (None where the reader cannot tell):
        raise ``error``, unless the import's error policy takes it; then return, and the reader
        leaves the item out and goes on with the next one.

        Every reader reports per-item faults here, and only here; faults that leave the rest of a
        file unreadable are raised as they are. Without a policy (:attr:`context` None) this is
        ``raise error``, so the readers' fast paths do not change.
        """
        context = self.context
        if context is None:
            raise error
        context.report_item(error, (item_id, subset))

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

    def read_arrays(self, subset: str, *, no_label: int, writable: bool) -> Optional[Arrays]:
        """A subset's :class:`~mnistio.model.arrays.Arrays` read the layout's fast way (IDX payloads
        straight into the buffer), or None: then they are built item by item. A layout returns None
        whenever the fast way could differ from iterating (ids, faults, transposed images)."""
        return None

    def inputs(self) -> List[str]:
        """The files and folders the items are read from (an export must not replace them)."""
        return [self.path] if self.path else []

    def lookup(self, id: str, subset: str) -> Optional[DatasetItem]:
        """The item ``(id, subset)``, or None. Sources that can find it without reading every
        item of the subset override this (a dictionary, an index of the files)."""
        for item in self.iter_subset(subset):
            if item.id == id:
                return item
        return None

    #: whether iteration yields each subset's items together, subsets in :meth:`subset_counts`
    #: order, so that a position in the whole dataset is a position in one subset (every reader's
    #: iteration is; a dataset with items put under new keys yields those last)
    grouped = False

    def item_at(self, subset: str, index: int) -> DatasetItem:
        """The item at ``index`` (0 <= index < the subset's count) of ``subset``, in iteration order;
        an IndexError past its end.

        This reads the subset up to the item. Readers that can seek to it (raw IDX files, an index
        of a CSV file's lines) override this, and :attr:`random_access` says so.
        """
        for position, item in enumerate(self.iter_subset(subset)):
            if position == index:
                return item
        raise IndexError("subset %r has no item %d" % (subset, index))

    @property
    def random_access(self) -> bool:
        """Whether :meth:`item_at` finds an item without reading those before it (after at most one
        pass, ``docs/api.rst``, "Random access")."""
        return type(self).item_at is not ItemSource.item_at

    @property
    def in_memory(self) -> bool:
        """Whether the items are held in memory (Datumaro's "cache initialized")."""
        return False


class ListSource(ItemSource):
    """Items held in memory (``Dataset.from_iterable``, eager datasets), found by key in a dictionary."""

    def __init__(self, items: List[DatasetItem], categories: LabelCategories) -> None:
        super().__init__(categories)
        self.items = items
        self._index: Optional[Dict[Tuple[str, str], int]] = None
        self._by_subset: Optional[Dict[str, List[int]]] = None

    def __iter__(self) -> Iterator[DatasetItem]:
        return iter(self.items)

    def known_counts(self) -> Optional[SubsetCounts]:
        return self.subset_counts()

    def lookup(self, id: str, subset: str) -> Optional[DatasetItem]:
        if self._index is None:  # built once: the list does not change
            self._index = {(item.id, item.subset): position for position, item in enumerate(self.items)}
        position = self._index.get((id, subset))
        return self.items[position] if position is not None else None

    def item_at(self, subset: str, index: int) -> DatasetItem:
        if self._by_subset is None:  # built once: the list does not change
            by_subset: Dict[str, List[int]] = {}
            for position, item in enumerate(self.items):
                by_subset.setdefault(item.subset, []).append(position)
            self._by_subset = by_subset
        positions = self._by_subset.get(subset, [])
        if not 0 <= index < len(positions):
            raise IndexError("subset %r has no item %d" % (subset, index))
        return self.items[positions[index]]

    @property
    def in_memory(self) -> bool:
        return True


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

    @property
    def grouped(self) -> bool:  # type: ignore[override]
        return self.parent.grouped  # each item stays in its subset

    def item_at(self, subset: str, index: int) -> DatasetItem:
        if not self.keeps_count:  # an item dropped before it moves it: read up to it
            return super().item_at(subset, index)
        item = self.function(self.parent.item_at(subset, index))
        assert item is not None  # keeps_count: the function drops none
        return item

    @property
    def random_access(self) -> bool:
        return self.keeps_count and self.parent.random_access


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

    grouped = True

    def item_at(self, subset: str, index: int) -> DatasetItem:
        if subset != self.name:
            raise IndexError("subset %r has no item %d" % (subset, index))
        return self.parent.item_at(subset, index)

    @property
    def random_access(self) -> bool:
        return self.parent.random_access


class EditedSource(DerivedSource):
    """``parent`` with items put and removed: ``edits`` maps ``(id, subset)`` to the item put there,
    or to None for a removal.

    Iteration streams the parent, an edited item in its place and a removed one left out; the
    items put under new keys follow, in the order they were put (as Datumaro yields them).
    Memory holds the edits only.
    """

    def __init__(self, parent: ItemSource, edits: Dict[Tuple[str, str], Optional[DatasetItem]]) -> None:
        super().__init__(parent)
        self.edits = edits

    def __iter__(self) -> Iterator[DatasetItem]:
        return self._merged(self.parent, None)

    def iter_subset(self, name: str) -> Iterator[DatasetItem]:
        return self._merged(self.parent.iter_subset(name), name)

    def _merged(self, items: Iterable[DatasetItem], subset: Optional[str]) -> Iterator[DatasetItem]:
        edits = self.edits
        seen = set()
        for item in items:
            key = (item.id, item.subset)
            if key in edits:
                seen.add(key)
                item = edits[key]  # type: ignore[assignment]
                if item is None:
                    continue
            yield item
        for key, edited in list(edits.items()):
            if edited is not None and key not in seen and (subset is None or key[1] == subset):
                yield edited

    def lookup(self, id: str, subset: str) -> Optional[DatasetItem]:
        key = (id, subset)
        if key in self.edits:
            return self.edits[key]
        return self.parent.lookup(id, subset)

    grouped = False  # items put under new keys come last

    @property
    def in_memory(self) -> bool:
        return self.parent.in_memory


class CheckedSource(DerivedSource):
    """A reader's items, read through once when the dataset is imported with an error policy or a
    progress reporter (``context``), as Datumaro reads such an import at once.

    That first pass reports each subset's progress (the reporter is split into one part per
    subset, each walked with ``iter``) and every fault to the policy; it counts the items that
    were not skipped, which are then the subsets' counts. Later passes read the files again, lazily,
    and skip the same items without reporting them again. With ``keep`` the items are also kept
    (:attr:`items`), for an eager dataset; otherwise nothing is held but the counts.
    """

    def __init__(self, parent: ItemSource, context: ImportContext, keep: bool = False) -> None:
        super().__init__(parent)
        parent.context = context
        totals = parent.known_counts()
        if totals is None:
            totals = parent.subset_counts()
        kept: Optional[List[DatasetItem]] = [] if keep else None
        counts: SubsetCounts = {}
        parts = context.progress_reporter.split(len(totals))
        for (subset, total), part in zip(totals.items(), parts):
            found = 0
            for item in part.iter(parent.iter_subset(subset), total=total, desc="Importing '%s'" % subset):
                found += 1
                if kept is not None:
                    kept.append(item)
            counts[subset] = found
        self.counts = counts
        self.items = kept

    def __iter__(self) -> Iterator[DatasetItem]:
        return iter(self.parent)

    def iter_subset(self, name: str) -> Iterator[DatasetItem]:
        return self.parent.iter_subset(name)

    def subset_counts(self) -> SubsetCounts:
        return dict(self.counts)

    def known_counts(self) -> Optional[SubsetCounts]:
        return dict(self.counts)

    def lookup(self, id: str, subset: str) -> Optional[DatasetItem]:
        return self.parent.lookup(id, subset)

    # item_at: ItemSource's, which reads up to the item (items the policy skipped move the others)

    @property
    def grouped(self) -> bool:  # type: ignore[override]
        return self.parent.grouped
