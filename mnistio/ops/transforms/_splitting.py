"""What ``random_split`` and ``split`` share: the generator, exact counts, and the split source.

**Randomness.** The splits draw from :class:`_SplitMix64`, a 64-bit
generator written out here, not from :mod:`random`: the random module
promises the same sequence across Python versions for ``random()`` only
(its notes on reproducibility); ``shuffle``, ``randrange`` and ``choice``
may change their algorithms (``randrange`` did, in 3.2), and a split must
be the same on every version for a given seed. Integer arithmetic alone is
used, so the same seed gives the same subsets everywhere.

**Exact counts in two passes.** A split first counts (the items, or the
items of every label) in one streaming pass, turns the ratios into whole
counts, and then assigns the items in a second pass by sequential
selection: an item goes to subset *k* with probability
``remaining_k / remaining_total``, which yields a uniformly random
assignment with exactly those counts while holding only the counters.

**Rounding** is by largest remainder, on exact fractions (a float ratio
is read as its shortest decimal, ``0.67`` as 67/100; ratios summing to 1
within 1e-7, as Datumaro allows, are scaled to sum to 1): every subset
first gets ``floor(n * ratio)``, then the items left over go one each to
the subsets with the largest remainders, the earlier subset first on a
tie. A stratified split rounds every label group so: each of its counts is
the floor or the ceiling of ``group size * ratio``, and which subsets of a
group get a ceiling is settled by a small bipartite flow (largest
remainders preferred) so that every subset's total is also the floor or
the ceiling of ``n * ratio``: groups with remainders for the same subset
do not all round it up together.
"""

from __future__ import annotations

import os
from collections import deque
from fractions import Fraction
from functools import partial

from ...errors import UsageError
from ...model.options import Option
from ...model.sources import DerivedSource

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, List, Optional, Sequence, Tuple

    #: ``[(subset name, ratio), ...]``: ratios as numbers, or their text ("0.8")
    Splits = Sequence[Tuple[str, Any]]

__all__ = ["SplitSource", "check_splits", "check_seed", "split_options", "RANDOM_SPLIT_DEFAULT",
           "SPLIT_DEFAULT"]

_MASK64 = (1 << 64) - 1
_RATIO_TOLERANCE = Fraction(1, 10 ** 7)  # Datumaro's: the ratios must sum to 1 within it
RANDOM_SPLIT_DEFAULT = (("train", 0.67), ("test", 0.33))
SPLIT_DEFAULT = (("train", 0.5), ("val", 0.2), ("test", 0.3))


class _SplitMix64:
    """Steele, Lea and Flood's SplitMix64 (as in Java's SplittableRandom):
    a 64-bit state stepped by the golden-ratio constant, then mixed."""

    def __init__(self, seed):
        self.state = seed & _MASK64

    def next(self):
        self.state = z = (self.state + 0x9E3779B97F4A7C15) & _MASK64
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
        return z ^ (z >> 31)

    def below(self, bound):
        """A uniform integer in ``0 .. bound - 1``."""
        # Rejecting the top (2**64 % bound) values keeps every residue equally likely.
        limit = (1 << 64) - (1 << 64) % bound
        while True:
            value = self.next()
            if value < limit:
                return value % bound



def check_seed(seed):
    if seed is None:
        return int.from_bytes(os.urandom(8), "big")
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise UsageError("a seed is an integer, not %r" % (seed,))
    return seed



def _fraction(value, name):
    """An exact ratio: floats by their shortest decimal (0.67 is 67/100)."""
    try:
        if isinstance(value, bool):
            raise TypeError
        if isinstance(value, float):
            value = repr(value)
        ratio = Fraction(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError, ZeroDivisionError):
        raise UsageError("subset %r: ratio %r is not a number" % (name, value)) from None
    if not 0 <= ratio <= 1:
        raise UsageError("subset %r: ratio %s is outside 0..1" % (name, value))
    return ratio



def check_splits(splits):
    """``(names, ratios)`` from ``[(name, ratio), ...]`` or ``{name: ratio}``, the ratios summing to 1."""
    if isinstance(splits, dict):
        splits = list(splits.items())
    try:
        pairs = [(name, ratio) for name, ratio in splits]
    except (TypeError, ValueError):
        raise UsageError("splits are (subset, ratio) pairs, e.g. [('train', 0.8), ('test', 0.2)]") from None
    if not pairs:
        raise UsageError("no subsets to split into")
    names = []
    for name, _ in pairs:
        if not isinstance(name, str) or not name:
            raise UsageError("a subset name is a non-empty string, not %r" % (name,))
        if name in names:
            raise UsageError("subset %r is given twice" % name)
        names.append(name)
    ratios = [_fraction(ratio, name) for name, ratio in pairs]
    total = sum(ratios)
    if abs(total - 1) > _RATIO_TOLERANCE:
        raise UsageError("the ratios sum to %s; they must sum to 1" % float(total))
    return names, [ratio / total for ratio in ratios]



def _apportion(group_sizes, ratios):
    """``{group: [count per subset]}``: every group's size split by ``ratios``.

    Each count is the floor or the ceiling of ``size * ratio``, and so is
    each subset's total over the groups (the module docstring says how).
    """
    groups = sorted(group_sizes, key=_group_order)
    subsets = range(len(ratios))
    ideal = {group: [group_sizes[group] * ratio for ratio in ratios] for group in groups}
    counts = {group: [_floor(value) for value in ideal[group]] for group in groups}
    need = {group: group_sizes[group] - sum(counts[group]) for group in groups}
    # A group's leftover items go one each to subsets where its share has a remainder,
    # the largest remainder first.
    choices = {group: sorted((k for k in subsets if ideal[group][k] != counts[group][k]),
                             key=partial(_remainder_order, counts[group], ideal[group]))
               for group in groups}
    totals = [sum(ideal[group][k] for group in groups) for k in subsets]
    floors = [sum(counts[group][k] for group in groups) for k in subsets]
    at_least = [_floor(totals[k]) - floors[k] for k in subsets]
    at_most = [-_floor(-totals[k]) - floors[k] for k in subsets]
    extra = _assign_leftovers(groups, need, choices, at_least, at_most)
    for group in groups:
        for k in extra[group]:
            counts[group][k] += 1
    return {group: counts[group] for group in groups}



def _floor(value):
    return value.numerator // value.denominator



def _assign_leftovers(groups, need, choices, at_least, at_most):
    """``{group: subsets}``: ``need[group]`` distinct subsets per group, from ``choices[group]``,
    every subset picked ``at_least[k]`` to ``at_most[k]`` times.

    A bipartite flow: filled greedily, then completed along augmenting paths
    (Edmonds-Karp). Filling up to ``at_least`` first and then to ``at_most``
    meets both bounds, since a path never takes an item back from a subset.
    It always succeeds: the exact fractional remainders are a flow meeting
    them, and flows with integer bounds have integer solutions.
    """
    picked: Dict[Any, List[int]] = {group: [] for group in groups}
    load = [0] * len(at_least)
    for capacity in (at_least, at_most):
        for group in groups:
            for k in choices[group]:
                if len(picked[group]) < need[group] and k not in picked[group] and load[k] < capacity[k]:
                    picked[group].append(k)
                    load[k] += 1
        while _augment(groups, need, choices, picked, load, capacity):
            pass
    if any(len(picked[group]) != need[group] for group in groups):
        raise AssertionError("no rounding of the split counts (please report it)")  # unreachable, see above
    return picked



def _remainder_order(counts, ideal, k):
    """Largest remainder first, the earlier subset first on a tie."""
    return (counts[k] - ideal[k], k)


def _augment(groups, need, choices, picked, load, capacity):
    """Move one more leftover into a subset with room, along the shortest alternating path."""
    parent: Dict[Tuple[str, Any], Optional[Tuple[str, Any]]] = {
        ("group", group): None for group in groups if len(picked[group]) < need[group]}
    queue = deque(parent)
    while queue:
        node = queue.popleft()
        if node[0] == "group":
            for k in choices[node[1]]:
                if k not in picked[node[1]] and ("subset", k) not in parent:
                    parent[("subset", k)] = node
                    queue.append(("subset", k))
            continue
        k = node[1]
        if load[k] < capacity[k]:
            load[k] += 1
            step: Optional[Tuple[str, Any]] = node
            while step is not None:  # flip the path: subset <- group (take), group <- subset (give back)
                group_node = parent[step]
                assert group_node is not None  # a subset is always reached from a group
                picked[group_node[1]].append(step[1])
                step = parent[group_node]
                if step is not None:
                    picked[group_node[1]].remove(step[1])
            return True
        for group in groups:
            if k in picked[group] and ("group", group) not in parent:
                parent[("group", group)] = node
                queue.append(("group", group))
    return False



def _group_order(group):
    return (group is None, group if group is not None else 0)



def _stratum(item):
    """The label of a single-label item; None for the unlabeled and the multi-labeled (Datumaro's rule)."""
    labels = item.labels
    return labels[0] if len(labels) == 1 else None



class SplitSource(DerivedSource):
    """Items reassigned to ``names`` in exact counts; counted on first use, assigned on every pass."""

    def __init__(self, parent, names, ratios, seed, stratified):
        super().__init__(parent)
        self._names = names
        self._ratios = ratios
        self._seed = seed
        self._group_of = _stratum if stratified else (lambda item: None)
        self._stratified = stratified
        self._plan = None

    def _counts_plan(self):
        if self._plan is None:
            if self._stratified:
                sizes: Dict[Any, int] = {}
                for item in self.parent:
                    group = _stratum(item)
                    sizes[group] = sizes.get(group, 0) + 1
            else:
                sizes = {None: sum(self.parent.subset_counts().values())}
            self._plan = _apportion(sizes, self._ratios)
        return self._plan

    def __iter__(self):
        remaining = {group: list(counts) for group, counts in self._counts_plan().items()}
        totals = {group: sum(counts) for group, counts in remaining.items()}
        names, group_of, generator = self._names, self._group_of, _SplitMix64(self._seed)
        for item in self.parent:
            group = group_of(item)
            total = totals.get(group, 0)
            if not total:
                raise UsageError("the dataset yielded more items on the second pass of the split than on "
                                 "the first (it changed while being read?)", self.path)
            draw = generator.below(total)
            left = remaining[group]
            k = 0
            while draw >= left[k]:
                draw -= left[k]
                k += 1
            left[k] -= 1
            totals[group] = total - 1
            yield item if item.subset == names[k] else item.wrap(subset=names[k])
        if any(totals.values()):
            raise UsageError("the dataset yielded fewer items on the second pass of the split than on "
                             "the first (it changed while being read?)", self.path)

    def subset_counts(self):
        counts = dict.fromkeys(self._names, 0)
        for group_counts in self._counts_plan().values():
            for name, count in zip(self._names, group_counts):
                counts[name] += count
        return counts

    def known_counts(self):
        if self._plan is None and (self._stratified or self.parent.known_counts() is None):
            return None
        return self.subset_counts()


def _split_arg(text):
    name, colon, ratio = text.rpartition(":")
    if not colon:
        raise ValueError("%r is not NAME:RATIO, e.g. train:0.8" % text)
    if not name:
        raise ValueError("%r has no subset name (expected NAME:RATIO)" % text)
    return name, ratio


def split_options(default):
    """The options of both splits: the subsets with their ratios, and the seed."""
    return [
        Option("splits", _split_arg, flags=("-s", "--subset"), multiple=True, metavar="NAME:RATIO",
               to_text=lambda pair: "%s:%s" % tuple(pair),
               default=default, help="a subset and its ratio (repeatable; default: %s)"
                                     % " ".join("%s:%s" % pair for pair in default)),
        Option("seed", int, help="the random seed (default: 0)"),
    ]
