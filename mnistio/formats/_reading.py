"""What several readers share: a dataset path as a folder (and maybe one file), one file per subset."""

from __future__ import annotations

import os

from ..model.items import DatasetItem, LabelCategories
from ..model.sources import ItemSource

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Dict, Iterator, Optional, Tuple

    from ..model.sources import SubsetCounts

__all__ = ["dataset_folder", "FilePerSubsetSource"]


def dataset_folder(path: str) -> Tuple[str, Optional[str]]:
    """``(folder, file name or None)``: a dataset is a folder, or one file in it (one subset)."""
    if os.path.isdir(path):
        return path, None
    return os.path.dirname(path) or ".", os.path.basename(path)


class FilePerSubsetSource(ItemSource):
    """A source with one file per subset, ``files`` (``{subset: path}``).

    Subclasses define ``_count_items(path)`` and ``_iter_file(subset, path)``.
    """

    def __init__(self, files: Dict[str, str], categories: LabelCategories, path: str, format: str) -> None:
        super().__init__(categories, path, format)
        self._files = dict(files)
        self._counts: Optional[SubsetCounts] = None

    def _count_items(self, path: str) -> int:
        raise NotImplementedError

    def _iter_file(self, subset: str, path: str) -> Iterator[DatasetItem]:
        raise NotImplementedError

    def subset_counts(self) -> SubsetCounts:
        if self._counts is None:
            self._counts = {subset: self._count_items(path) for subset, path in self._files.items()}
        return dict(self._counts)

    def __iter__(self) -> Iterator[DatasetItem]:
        for subset in self._files:
            yield from self.iter_subset(subset)

    def iter_subset(self, name: str) -> Iterator[DatasetItem]:
        path = self._files.get(name)
        return self._iter_file(name, path) if path is not None else iter(())
