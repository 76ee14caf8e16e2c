"""``reindex``: item ids ``start``, ``start + 1``, ... in iteration order (Datumaro's)."""

from __future__ import annotations

from ...errors import UsageError
from ...model.dataset import Dataset
from ...model.options import Option
from ...model.sources import DerivedSource
from ._spec import TransformSpec


class _ReindexSource(DerivedSource):
    def __init__(self, parent, start):
        super().__init__(parent)
        self._start = start

    def __iter__(self):
        for number, item in enumerate(self.parent, self._start):
            yield item.wrap(id=str(number))

    def subset_counts(self):
        return self.parent.subset_counts()

    def known_counts(self):
        return self.parent.known_counts()


def reindex(dataset: Dataset, start: int = 1) -> Dataset:
    """Item ids ``start``, ``start + 1``, ... in iteration order over the whole dataset (as Datumaro)."""
    if not isinstance(start, int) or isinstance(start, bool):
        raise UsageError("start must be an integer, not %r" % (start,))
    return Dataset(_ReindexSource(dataset.source, start))


SPEC = TransformSpec("reindex", reindex, [
    Option("start", int, flags=("-s", "--start"), default=1, help="the first id"),
])
