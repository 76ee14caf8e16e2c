"""``split``: a random split stratified by label and attribute values, as Datumaro's
``split -t classification`` (``plugins/splitter.py``, ``_ClassificationSplit``), with its draws.

**Groups.** An item with exactly one label belongs to the group of that
label; within it, to the subgroup of the label's attribute values (those
that are not floats, nor text of a float: ``{"color": "red", "score":
0.9}`` is grouped by its color only). Items with no label or several are
split apart, last.

**The plan, step by step as Datumaro's**, with numpy's legacy generator
(:class:`~mnistio.ops.transforms._splitting.LegacyRandomState`) seeded by
``seed``:

1. For each label, in order of first appearance: its items are shuffled,
   then grouped by attribute values (groups in order of first appearance
   after the shuffle), and the order of the groups is shuffled.
2. Items are split in blocks of *r* items, *r* the smallest count that
   the ratios divide (10 for 0.5 / 0.2 / 0.3): each group's whole blocks
   are split at once; what is left of it joins a pool, carried on across
   groups and labels, whose whole blocks are split as they form, and the
   rest of which is split at the end. A block (or the rest) of *m* items
   gets ``round(m * ratio)`` for every subset but the last, round half to
   even, the last the remainder; a subset with a ratio but no item takes
   one from the largest.
3. The items with no label or several are shuffled and fill each subset
   up to ``round(n * ratio)`` of the whole dataset (the last takes the
   rest).

So every subset holds each label's and each attribute group's share, to
within one block. Subsets whose ratio is under 1e-7 are named but get no
item.

**Unlike Datumaro**, an item keeps its place when items with no label or
several come before it: Datumaro numbers the single-labelled items among
themselves but looks them up by their place among all items, so the
items after the first unlabelled one are assigned other items' subsets,
some none at all (they land in ``default``). With no such item before the
last single-labelled one, the subsets are Datumaro's, item for item, for
the same seed. The seed defaults to 0 (Datumaro's to a fresh one) and must
lie in ``0 .. 2**32 - 1``, as numpy's.

**Memory.** The plan reads the dataset once, keeping per item its label
group and place (16 bytes, and about 36 more for the items of the label
being split: 2.5 MB at the peak for 70,000 digits), and then, for the
later passes, only its subset (one byte; 70 KB for 70,000 items). Nothing
else grows with the dataset, and items stream through as before.
"""

from __future__ import annotations

from array import array
from math import gcd

from ...errors import UsageError
from ...model.dataset import Dataset
from ...model.items import AnnotationType
from ...model.options import Option
from ._spec import TransformSpec
from ._splitting import (
    NEAR_ZERO,
    SPLIT_DEFAULT,
    LegacyRandomState,
    SplitSource,
    check_seed,
    check_splits,
    split_options,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, Hashable, List, Optional, Sequence, Tuple

    from ._splitting import Splits

__all__ = ["split", "SPEC"]

#: numpy's legacy seeds: 0 .. 2**32 - 1
_SEEDS = 1 << 32


def split(dataset: Dataset, splits: Splits = SPLIT_DEFAULT, seed: Optional[int] = 0,
          task: str = "classification") -> Dataset:
    """Every item into one of ``splits``, at random, stratified by label and attribute values.

    Datumaro's ``split`` transform with ``task="classification"`` (the only
    task here), the same subsets for the same seed; see the module docstring.
    """
    if task != "classification":
        raise UsageError("split task %r is not supported (only 'classification')" % (task,))
    names, ratios = check_splits(splits)
    return Dataset(_ClassificationSplitSource(dataset.source, names, [float(ratio) for ratio in ratios],
                                              check_seed(seed, _SEEDS)))


class _ClassificationSplitSource(SplitSource):
    def __init__(self, parent, names, ratios, seed):
        super().__init__(parent, names)
        self._ratios = ratios
        self._seed = seed
        self._subsets: Optional[array] = None

    def _plan(self):
        plan = _Plan(self._ratios, len(self._names))
        groups = _read_groups(self.parent)
        plan.run(groups, LegacyRandomState(self._seed))
        self._subsets = plan.subsets
        return plan.counts

    def _assigner(self):
        subsets = self._subsets
        assert subsets is not None  # SplitSource plans before it assigns
        return lambda position, item: subsets[position]


class _Groups:
    """What the planning pass records: per label, its items' places and attribute groups."""

    def __init__(self) -> None:
        self.labels: Dict[int, Tuple[array, array]] = {}  # label -> (places, attribute group numbers)
        self.others = array("q")  # the places of items with no label or several
        self.count = 0
        self._attribute_groups: Dict[Hashable, int] = {}

    def add(self, item: Any) -> None:
        labels = [annotation for annotation in item.annotations if annotation.type is AnnotationType.label]
        if len(labels) != 1:
            self.others.append(self.count)
        else:
            key = _attribute_key(labels[0].attributes)
            number = self._attribute_groups.setdefault(key, len(self._attribute_groups))
            entry = self.labels.get(labels[0].label)
            if entry is None:
                entry = self.labels[labels[0].label] = (array("q"), array("q"))
            places, numbers = entry
            places.append(self.count)
            numbers.append(number)
        self.count += 1


def _read_groups(source):
    groups = _Groups()
    for item in source:
        groups.add(item)
    return groups


class _Plan:
    """Datumaro's classification split (the module docstring), into ``subsets``: per item its subset number."""

    def __init__(self, ratios: Sequence[float], count: int) -> None:
        self.kept = [k for k, ratio in enumerate(ratios) if ratio > NEAR_ZERO]  # subsets that get items
        self.ratios = [ratios[k] for k in self.kept]
        self.block = _block_size(self.ratios)
        self.counts = [0] * count
        self.subsets = array("B" if count <= 256 else "H")

    def run(self, groups: _Groups, generator: LegacyRandomState) -> None:
        self.subsets.extend(bytes(self.subsets.itemsize * groups.count))
        pool: List[int] = []
        for places, numbers in groups.labels.values():
            generator.shuffle(places, numbers)
            by_attributes: Dict[int, List[int]] = {}
            for place, number in zip(places, numbers):
                by_attributes.setdefault(number, []).append(place)
            order = list(by_attributes)
            generator.shuffle(order)
            for number in order:
                members = by_attributes[number]
                whole = len(members) // self.block * self.block
                if whole:
                    self._split(members[:whole])
                pool.extend(members[whole:])
                whole = len(pool) // self.block * self.block
                if whole:
                    self._split(pool[:whole])
                    pool = pool[whole:]
        if pool:
            self._split(pool)
        if groups.others:
            self._fill(list(groups.others), groups.count, generator)

    def _split(self, places: List[int]) -> None:
        self._assign(places, _shares(len(places), self.ratios))

    def _fill(self, places: List[int], total: int, generator: LegacyRandomState) -> None:
        wanted = [max(0, share - self.counts[k]) for k, share in zip(self.kept, _shares(total, self.ratios))]
        generator.shuffle(places)
        self._assign(places, wanted)

    def _assign(self, places: List[int], sizes: List[int]) -> None:
        """Datumaro's ``np.array_split(places, cumulative sizes but the last)``, part k to subset k:
        the last part takes the rest."""
        bounds = [0]
        for size in sizes[:-1]:
            bounds.append(bounds[-1] + size)
        bounds.append(len(places))
        for position, k in enumerate(self.kept):
            part = places[bounds[position]:bounds[position + 1]]
            for place in part:
                self.subsets[place] = k
            self.counts[k] += len(part)


def _shares(total: int, ratios: List[float]) -> List[int]:
    """Datumaro's ``_get_sections`` counts: rounded (half to even) but the last; a subset left
    with none takes one from the largest."""
    shares = [int(round(total * ratio)) for ratio in ratios[:-1]]
    shares.append(total - sum(shares))
    for k, share in enumerate(shares):
        if share == 0 and ratios[k] > NEAR_ZERO:
            largest = shares.index(max(shares))
            if shares[largest] > 0:
                shares[k] += 1
                shares[largest] -= 1
    return shares



def _block_size(ratios: List[float]) -> int:
    """Datumaro's ``_get_required``: the ratios in tenths (or hundredths, truncated), divided by
    their greatest common divisor, summed."""
    if len(ratios) < 2:
        return 1
    for scale in (10, 100):
        scaled = [ratio * scale for ratio in ratios]
        whole = [int(value) for value in scaled]
        if whole == scaled:
            break
    divisor = 0
    for value in whole:
        divisor = gcd(divisor, value)
    return sum(int(value / divisor) for value in whole) if divisor else 1


def _attribute_key(attributes: Dict[str, Any]) -> Hashable:
    """The attribute values a split groups by: all but floats and the text of floats."""
    return frozenset((name, _hashable(value)) for name, value in attributes.items() if not _is_float(value))


def _is_float(value: Any) -> bool:
    """Datumaro's test: a float, or text that a float prints as (``"0.5"``, not ``"1"``)."""
    if isinstance(value, str):
        try:
            return str(float(value)) == value
        except ValueError:
            return False
    return isinstance(value, float)


def _hashable(value: Any) -> Hashable:
    try:
        hash(value)
    except TypeError:  # a list or a dict: Datumaro fails on it; grouped here by its text
        return ("unhashable", repr(value))
    return value


SPEC = TransformSpec("split", split, [
    Option("task", str, flags=("-t", "--task"), choices=("classification",), default="classification",
           help="the split task (only classification)"),
] + split_options(SPLIT_DEFAULT))
