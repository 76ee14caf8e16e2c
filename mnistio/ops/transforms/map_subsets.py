"""``map_subsets``: rename subsets (Datumaro's)."""

from __future__ import annotations

from ...model.dataset import Dataset
from ...model.items import DEFAULT_SUBSET_NAME
from ...model.options import Option
from ...model.sources import DerivedSource
from ._common import mapping_pairs, pair_arg, pair_text
from ._spec import TransformSpec

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Dict

    from ._common import Mapping


class _MapSubsetsSource(DerivedSource):
    def __init__(self, parent, mapping):
        super().__init__(parent)
        self._mapping = mapping

    def _name(self, subset):
        return self._mapping.get(subset, subset) or DEFAULT_SUBSET_NAME

    def __iter__(self):
        for item in self.parent:
            subset = self._name(item.subset)
            yield item if subset == item.subset else item.wrap(subset=subset)

    def _merge(self, counts):
        merged: Dict[str, int] = {}
        for subset, count in counts.items():
            merged[self._name(subset)] = merged.get(self._name(subset), 0) + count
        return merged

    def subset_counts(self):
        return self._merge(self.parent.subset_counts())

    def known_counts(self):
        counts = self.parent.known_counts()
        return None if counts is None else self._merge(counts)


def map_subsets(dataset: Dataset, mapping: Mapping) -> Dataset:
    """Rename subsets: ``{src: dst}`` or ``[(src, dst), ...]``; an empty ``dst`` is ``"default"``.

    Subsets not in ``mapping`` keep their names; two mapped to one merge.
    """
    pairs = mapping_pairs(mapping, "a subset")
    return Dataset(_MapSubsetsSource(dataset.source, {str(src): str(dst or "") for src, dst in pairs}))


SPEC = TransformSpec("map_subsets", map_subsets, [
    Option("mapping", pair_arg, flags=("-s", "--subset"), multiple=True, required=True, metavar="SRC:DST",
           to_text=pair_text,
           help="rename subset SRC to DST (repeatable)"),
])
