"""What changed in a dataset since it was imported or last saved: Datumaro's ``DatasetPatch``.

``Dataset.get_patch()`` gives a :class:`DatasetPatch`: ``updated_items`` maps
each changed ``(id, subset)`` to its :class:`ItemStatus` (added, modified,
removed), ``updated_subsets`` each changed subset to ``modified``, and
``data`` holds the added and modified items. The statuses follow
Datumaro's rules (``docs/datumaro.rst``): an item put into a dataset that
is read lazily is *added* even when its key was there before; after a
transform or a filter every item left is *modified*; an item dropped is
*removed*.
"""

from __future__ import annotations

from enum import Enum

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Dict, Iterator, Optional, Tuple

    from .items import DatasetItem

__all__ = ["ItemStatus", "DatasetPatch", "update_status"]


class ItemStatus(Enum):
    """How an item changed, as Datumaro's."""

    added = 1
    modified = 2
    removed = 3


def update_status(statuses: Dict[Tuple[str, str], ItemStatus], key: Tuple[str, str], new: ItemStatus) -> None:
    """Record ``new`` for ``key`` on top of what is recorded, by Datumaro's rules: an item added
    and then removed leaves no trace; one modified after being added stays added."""
    current = statuses.get(key)
    if current is None:
        statuses[key] = new
    elif new is ItemStatus.removed:
        if current is ItemStatus.added:
            del statuses[key]
        else:
            statuses[key] = ItemStatus.removed
    elif current is not ItemStatus.added:
        statuses[key] = ItemStatus.modified


class PatchItems:
    """The added and modified items of a patch, fetched from the dataset when asked for."""

    def __init__(self, statuses: Dict[Tuple[str, str], ItemStatus],
                 fetch: Callable[[str, str], Optional[DatasetItem]]) -> None:
        self._statuses = statuses
        self._fetch = fetch

    def get(self, id: str, subset: Optional[str] = None) -> Optional[DatasetItem]:
        from .items import DEFAULT_SUBSET_NAME

        key = (str(id), subset or DEFAULT_SUBSET_NAME)
        status = self._statuses.get(key)
        if status is None or status is ItemStatus.removed:
            return None
        return self._fetch(*key)

    def __iter__(self) -> Iterator[DatasetItem]:
        for (id, subset), status in self._statuses.items():
            if status is not ItemStatus.removed:
                item = self._fetch(id, subset)
                if item is not None:
                    yield item

    def __len__(self) -> int:
        return sum(status is not ItemStatus.removed for status in self._statuses.values())

    def __contains__(self, value: Any) -> bool:
        key = (value.id, value.subset) if hasattr(value, "subset") else tuple(value)
        return self._statuses.get(key) not in (None, ItemStatus.removed)

    def subsets(self) -> Dict[str, Any]:
        return {subset: None for _, subset in self._statuses}


class DatasetPatch:
    """The changes of a dataset: ``updated_items``, ``updated_subsets``, ``data``, ``categories``."""

    def __init__(self, data: PatchItems, categories: Any, updated_items: Dict[Tuple[str, str], ItemStatus],
                 infos: Optional[Dict[str, Any]] = None) -> None:
        self.data = data
        self.categories = categories
        self.infos = infos or {}
        self.updated_items = updated_items

    @property
    def updated_subsets(self) -> Dict[str, ItemStatus]:
        return {subset: ItemStatus.modified for _, subset in self.updated_items}

    def __contains__(self, value: Any) -> bool:
        return value in self.data

    def __repr__(self) -> str:
        return "DatasetPatch(%d updated items in %s)" % (len(self.updated_items), sorted(self.updated_subsets))
