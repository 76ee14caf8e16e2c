"""Merging datasets: the union of their items, label names reconciled by name.

::

    merged = merge(a, b, c)                 # or a.merge(b, c); exact=True refuses clashes
    merged.export("out", "mnist")
    merged.merge_report.renamed             # what the latest pass renamed

It follows Datumaro's ``union`` merge (``components/merge/union_merge.py``),
streamed, and narrows its ``exact`` merge to a refusal:

* **Label names**: the union in first-seen order: the first dataset's names,
  then the names of the second that the first lacks, and so on. Every
  label index is remapped by name; a label index with no name in its own
  dataset is a :class:`~mnistio.errors.UsageError`.
* **Hierarchy**: a label takes the first non-empty ``parent`` among the
  inputs and the union of their ``attributes``; label groups of the same
  name unite their labels. Two different parents for one label, or two
  types for one group, are a UsageError naming both inputs, as
  Datumaro's intersect merge refuses a parent conflict; its union merge
  keeps the first input's parent and attributes and drops every label
  group (:mod:`mnistio.ops._categories`).
* **Items**: every item of every input, one input after another, each in
  its own order; nothing is read until the result is iterated.
* **Clashes**: two items clash when they have the same ``(subset, id)``,
  from two inputs or twice from one. The first keeps its id; a later one
  becomes ``<id>~<k>``, ``k`` the 1-based position of its input (``7~2`` is
  item 7 of input 2), or, when that id is taken too, ``<id>~<k>~2``,
  ``<id>~<k>~3``, ... The same inputs always give the same ids. (Datumaro
  renames both items, ``id-0`` and ``id-1``; that needs every id known
  before the first item is written.) With ``exact=True`` a clash raises a
  UsageError naming the id, the subset and both inputs, as soon as the
  pass reaches it.
* **Memory**: finding clashes needs the ids seen so far: one dict entry
  and the id string per item, about 100 bytes (7 MB for 70,000 items);
  an id repeated three or more times within one input adds one more entry.
  Nothing else grows with the datasets; items and pixels stream through.

The result's ``merge_report`` (a :class:`MergeReport`) counts what the
latest whole pass over it did (passes over one subset leave it alone):
items per input, renames, and the first few renamed ids.
"""

from __future__ import annotations

from ..errors import UsageError
from ..model.dataset import Dataset
from ..model.items import Label
from ..model.sources import ItemSource
from ._categories import CategoriesUnion

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Dict, List, Sequence, Tuple

__all__ = ["merge", "MergeReport", "Rename", "MAX_EXAMPLES"]

#: renamed ids a report keeps as examples
MAX_EXAMPLES = 10


class Rename:
    """One renamed item: ``input`` is the 0-based position of its dataset."""

    __slots__ = ("subset", "old_id", "new_id", "input")

    def __init__(self, subset: str, old_id: str, new_id: str, input: int) -> None:
        self.subset = subset
        self.old_id = old_id
        self.new_id = new_id
        self.input = input

    def __repr__(self):
        return "Rename(%r, %r -> %r, input=%d)" % (self.subset, self.old_id, self.new_id, self.input)


class MergeReport:
    """What the latest pass over a merged dataset did.

    ``items[k]`` and ``renamed[k]`` count the items read from and renamed
    in input ``k``; ``examples`` holds the first :data:`MAX_EXAMPLES`
    :class:`Rename` s; ``new_labels[k]`` lists the label names input ``k``
    added to the union.
    """

    def __init__(self, datasets: Sequence[Dataset], new_labels: List[List[str]]) -> None:
        self.paths = [dataset.path for dataset in datasets]
        self.formats = [dataset.format for dataset in datasets]
        self.new_labels = new_labels
        self._start()

    @property
    def total_items(self) -> int:
        return sum(self.items)

    @property
    def total_renamed(self) -> int:
        return sum(self.renamed)

    def __repr__(self):
        return "MergeReport(items=%r, renamed=%r)" % (self.items, self.renamed)

    def _start(self):
        self.items = [0] * len(self.paths)
        self.renamed = [0] * len(self.paths)
        self.examples = []

    def _rename(self, rename):
        self.renamed[rename.input] += 1
        if len(self.examples) < MAX_EXAMPLES:
            self.examples.append(rename)


class _MergedSource(ItemSource):
    def __init__(self, datasets, exact):
        categories, self._remaps, new_labels = _union_of_labels(datasets)
        super().__init__(categories)
        self._datasets = datasets
        self._exact = exact
        self.report = MergeReport(datasets, new_labels)

    def __iter__(self):
        return self._items(None)

    def iter_subset(self, name):
        # A clash needs the same subset, so one subset renames as the whole does.
        return self._items(name)

    def subset_counts(self):
        return _sum_counts(dataset.subset_counts() for dataset in self._datasets)

    def inputs(self):
        return [path for dataset in self._datasets for path in dataset.source.inputs()]

    def known_counts(self):
        counts = [dataset.source.known_counts() for dataset in self._datasets]
        return None if None in counts else _sum_counts(counts)

    def _items(self, only_subset):
        # The report describes whole passes; a pass over one subset keeps its own.
        report = self.report if only_subset is None else MergeReport(self._datasets, self.report.new_labels)
        report._start()
        seen: Dict[str, Dict[str, int]] = {}  # subset -> {id: position of the input it came from}
        hints: Dict[Tuple[str, str, int], int] = {}  # (subset, id, position) -> last number tried
        for position, dataset in enumerate(self._datasets):
            items = dataset if only_subset is None else dataset.source.iter_subset(only_subset)
            remap = self._remaps[position]
            for item in items:
                ids = seen.get(item.subset)
                if ids is None:
                    ids = seen[item.subset] = {}
                if item.id in ids:
                    item = self._renamed(item, ids, hints, position, report)
                ids[item.id] = position
                if remap is not None:
                    item = _remapped(item, remap, position, self._datasets)
                report.items[position] += 1
                yield item

    def _renamed(self, item, ids, hints, position, report):
        if self._exact:
            raise UsageError(_clash_message(item, self._datasets, ids[item.id], position))
        new_id = _free_id(item, ids, hints, position)
        report._rename(Rename(item.subset, item.id, new_id, position))
        return item.wrap(id=new_id)


def _union_of_labels(datasets):
    """(merged LabelCategories, per input a list old index -> new index or None
    when unchanged, per input the names it added)."""
    union = CategoriesUnion()
    remaps, added = [], []
    for position, dataset in enumerate(datasets):
        known = len(union.result)
        remap = union.add(dataset.label_categories, _input_name(datasets, position))
        remaps.append(None if remap == list(range(len(remap))) else remap)
        added.append(union.result.names[known:])
    return union.finish(), remaps, added


def _input_name(datasets, position):
    return "input %d (%s)" % (position + 1, datasets[position].path or "in memory")


def _sum_counts(counts):
    total: Dict[str, int] = {}
    for subsets in counts:
        for name, count in subsets.items():
            total[name] = total.get(name, 0) + count
    return total


def _free_id(item, ids, hints, position):
    """``<id>~<k>``, or ``<id>~<k>~<n>`` with the first free n from 2."""
    base = "%s~%d" % (item.id, position + 1)
    if base not in ids:
        return base
    # Start after the last number given for this id in this input: an id
    # repeated n times costs n probes, not n squared.
    key = (item.subset, item.id, position)
    number = hints.get(key, 1)
    while True:
        number += 1
        candidate = "%s~%d" % (base, number)
        if candidate not in ids:
            hints[key] = number
            return candidate


def _clash_message(item, datasets, first, position):
    name = _input_name(datasets, first)
    where = "twice in %s" % name if first == position else "in %s and %s" % (name, _input_name(datasets, position))
    return ("item id %r of subset %r is %s; an exact merge refuses clashing ids "
            "(without it the later item is renamed)" % (item.id, item.subset, where))


def _remapped(item, remap, position, datasets):
    annotations = []
    for annotation in item.annotations:
        if isinstance(annotation, Label):
            if annotation.label >= len(remap):
                raise UsageError("item %r (subset %r) of %s has label %d, which has no name there "
                                 "(it names %d labels)" % (item.id, item.subset, _input_name(datasets, position),
                                                           annotation.label, len(remap)))
            annotation = annotation.wrap(label=remap[annotation.label])
        annotations.append(annotation)
    return item.wrap(annotations=annotations)


class MergedDataset(Dataset):
    """A merge's result: a Dataset with the ``merge_report`` of its latest whole pass."""

    def __init__(self, source: _MergedSource) -> None:
        super().__init__(source)
        self.merge_report = source.report


def merge(*datasets: Dataset, exact: bool = False) -> MergedDataset:
    """The union of ``datasets`` (lazy); see the module docstring for the rules.

    The result has a ``merge_report`` attribute, a :class:`MergeReport`
    filled in as it is iterated.
    """
    if not datasets:
        raise UsageError("merge needs at least one dataset")
    for position, dataset in enumerate(datasets):
        if not isinstance(dataset, Dataset):
            raise UsageError("merge input %d is a %s, expected a Dataset" % (position + 1, type(dataset).__name__))
    source = _MergedSource(list(datasets), exact)
    return MergedDataset(source)
