"""What ``random_split`` and ``split`` share: the checks of their arguments, the generators,
and the source that reassigns the items.

**Arguments.** ``splits`` are ``(subset, ratio)`` pairs whose ratios lie in
0..1 and sum to 1 within 1e-7, as Datumaro checks them
(``plugins/splitter.py``, ``_validate_splits``), refused with Datumaro's
words: ``Ratio is expected to be in the range [0, 1], but got 1.5 for
train``, ``Subset (train) is duplicated``, ``Sum of ratios is expected to be
1, got [...], which is 0.9``. A ratio may be given as its text (``"0.8"``, as
the command line and project files give it); a float is read as its
shortest decimal (``0.67`` is 67/100).

**Randomness.** ``random_split`` draws from :class:`SplitMix64`, a 64-bit
generator written out here, not from :mod:`random`: the random module
promises the same sequence across Python versions for ``random()`` only
(its notes on reproducibility), and a split must be the same on every
version for a given seed. ``split`` draws as Datumaro's does, from numpy's
legacy generator (:class:`LegacyRandomState`: MT19937 seeded by
``np.random.seed(seed)``, shuffled by ``np.random.shuffle``), so that a seed
gives Datumaro's subsets; the Mersenne Twister is Python's own, given its
state, so no numpy is needed.

**Passes.** A split reads the dataset twice: once to plan (count the
items, or record each item's group), once more, and on every later pass,
to assign; see :class:`SplitSource`.
"""

from __future__ import annotations

import os
import random
from fractions import Fraction

from ...errors import UsageError
from ...model.options import Option
from ...model.sources import DerivedSource

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Dict, Iterator, List, MutableSequence, Optional, Sequence, Tuple

    from ...model.items import DatasetItem
    from ...model.sources import ItemSource, SubsetCounts

    #: ``[(subset name, ratio), ...]``: ratios as numbers, or their text ("0.8")
    Splits = Sequence[Tuple[str, Any]]

__all__ = ["SplitSource", "SplitMix64", "LegacyRandomState", "check_splits", "check_seed", "split_options",
           "RANDOM_SPLIT_DEFAULT", "SPLIT_DEFAULT", "NEAR_ZERO"]

_MASK32 = (1 << 32) - 1
_MASK64 = (1 << 64) - 1
#: Datumaro's tolerance: ratios must sum to 1 within it, and smaller ratios get no items
NEAR_ZERO = 1e-7
_TOLERANCE = Fraction(1, 10 ** 7)
RANDOM_SPLIT_DEFAULT = (("train", 0.67), ("test", 0.33))
SPLIT_DEFAULT = (("train", 0.5), ("val", 0.2), ("test", 0.3))


class SplitMix64:
    """Steele, Lea and Flood's SplitMix64 (as in Java's SplittableRandom):
    a 64-bit state stepped by the golden-ratio constant, then mixed."""

    def __init__(self, seed: int) -> None:
        self.state = seed & _MASK64

    def next(self) -> int:
        self.state = z = (self.state + 0x9E3779B97F4A7C15) & _MASK64
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
        return z ^ (z >> 31)

    def below(self, bound: int) -> int:
        """A uniform integer in ``0 .. bound - 1``."""
        # Rejecting the top (2**64 % bound) values keeps every residue equally likely.
        limit = (1 << 64) - (1 << 64) % bound
        while True:
            value = self.next()
            if value < limit:
                return value % bound


class LegacyRandomState:
    """numpy's ``np.random.seed(seed)`` then ``np.random.shuffle``, without numpy.

    numpy's legacy seeding of MT19937 is Matsumoto and Nishimura's
    ``init_genrand(seed)`` (``mt19937_seed``); its shuffle is Fisher-Yates
    from the end, each position ``i`` swapped with ``random_interval(i)``:
    32-bit words masked to the bits of ``i``, retried while above ``i``
    (``numpy/random/src/legacy``, ``distributions.c``). Python's
    :class:`random.Random` is the same MT19937; given the state, its
    ``getrandbits(32)`` is the generator's next word.
    """

    def __init__(self, seed: int) -> None:
        state = []
        word = seed & _MASK32
        for position in range(624):
            state.append(word)
            word = (1812433253 * (word ^ (word >> 30)) + position + 1) & _MASK32
        generator = random.Random()
        generator.setstate((3, tuple(state) + (624,), None))
        self._bits = generator.getrandbits

    def interval(self, maximum: int) -> int:
        """numpy's ``random_interval``: a uniform integer in ``0 .. maximum``."""
        if maximum == 0:
            return 0
        mask = (1 << maximum.bit_length()) - 1
        bits = self._bits
        while True:
            value = bits(32) if maximum <= _MASK32 else (bits(32) << 32) | bits(32)
            value &= mask
            if value <= maximum:
                return value

    def shuffle(self, *sequences: MutableSequence[Any]) -> None:
        """``np.random.shuffle`` of the first sequence; the others (as long) get the same swaps."""
        interval = self.interval
        for i in range(len(sequences[0]) - 1, 0, -1):
            j = interval(i)
            for values in sequences:
                values[i], values[j] = values[j], values[i]


def check_seed(seed: Optional[int], limit: Optional[int] = None) -> int:
    """The seed; a fresh one for None. ``limit``: seeds must lie in ``0 .. limit - 1``."""
    if seed is None:
        return int.from_bytes(os.urandom(8), "big") % (limit or 1 << 64)
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise UsageError("a seed is an integer, not %r" % (seed,))
    if limit is not None and not 0 <= seed < limit:
        raise UsageError("Seed must be between 0 and %d (as numpy's), not %d" % (limit - 1, seed))
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
        raise UsageError("Ratio is expected to be in the range [0, 1], but got %s for %s "
                         "(a subset's ratio is its share of the items)" % (value, name))
    return ratio


def check_splits(splits: Any) -> Tuple[List[str], List[Fraction]]:
    """``(names, ratios)`` from ``[(name, ratio), ...]`` or ``{name: ratio}``, checked as Datumaro does.

    The ratios are exact fractions, as given (see the module docstring). A
    name may appear twice only when all but one of its ratios are zero
    (under 1e-7), as in Datumaro; it is kept once, with its share.
    """
    if isinstance(splits, dict):
        splits = list(splits.items())
    try:
        pairs = [(name, ratio) for name, ratio in splits]
    except (TypeError, ValueError):
        raise UsageError("splits are (subset, ratio) pairs, e.g. [('train', 0.8), ('test', 0.2)]") from None
    if not pairs:
        raise UsageError("Expected at least one split, e.g. [('train', 0.8), ('test', 0.2)]")
    ratios: Dict[str, Fraction] = {}
    for name, value in pairs:
        if not isinstance(name, str) or not name:
            raise UsageError("a subset name is a non-empty string, not %r" % (name,))
        ratio = _fraction(value, name)
        if name not in ratios or ratios[name] <= NEAR_ZERO:
            ratios.pop(name, None)  # a subset with a share is where its share is given, as Datumaro orders them
            ratios[name] = ratio
        elif ratio > NEAR_ZERO:
            raise UsageError("Subset (%s) is duplicated: give each subset once" % name)
    total = sum(ratios.values(), Fraction(0))
    if abs(total - 1) > _TOLERANCE:
        raise UsageError("Sum of ratios is expected to be 1, got %s, which is %s" % (splits, float(total)))
    return list(ratios), list(ratios.values())


class SplitSource(DerivedSource):
    """Items reassigned to the subsets ``names``.

    :meth:`_plan` reads the parent once, on first use, and returns the
    item count of each subset; :meth:`_assigner` gives, for every pass, a
    function of ``(position, item)`` that returns the item's subset number.
    A parent that yields more or fewer items on a later pass than when
    planned is an error.
    """

    def __init__(self, parent: ItemSource, names: List[str]) -> None:
        super().__init__(parent)
        self._names = names
        self._counts: Optional[List[int]] = None

    def _plan(self) -> List[int]:
        raise NotImplementedError

    def _assigner(self) -> Callable[[int, DatasetItem], int]:
        raise NotImplementedError

    def _planned(self) -> List[int]:
        if self._counts is None:
            self._counts = self._plan()
        return self._counts

    def __iter__(self) -> Iterator[DatasetItem]:
        total = sum(self._planned())
        assign, names = self._assigner(), self._names
        count = 0
        for item in self.parent:
            if count == total:
                raise UsageError("the dataset yielded more items on this pass of the split than when it "
                                 "was planned (it changed while being read?)", self.path)
            name = names[assign(count, item)]
            count += 1
            yield item if item.subset == name else item.wrap(subset=name)
        if count < total:
            raise UsageError("the dataset yielded fewer items on this pass of the split than when it "
                             "was planned (it changed while being read?)", self.path)

    def subset_counts(self) -> SubsetCounts:
        return dict(zip(self._names, self._planned()))

    def known_counts(self) -> Optional[SubsetCounts]:
        return None if self._counts is None else self.subset_counts()


def _split_arg(text):
    name, colon, ratio = text.rpartition(":")
    if not colon:
        raise ValueError("%r is not NAME:RATIO, e.g. train:0.8" % text)
    if not name:
        raise ValueError("%r has no subset name (expected NAME:RATIO)" % text)
    return name, ratio


def split_options(default: Splits) -> List[Option]:
    """The options of both splits: the subsets with their ratios, and the seed."""
    return [
        Option("splits", _split_arg, flags=("-s", "--subset"), multiple=True, metavar="NAME:RATIO",
               to_text=lambda pair: "%s:%s" % tuple(pair),
               default=default, help="a subset and its ratio (repeatable; default: %s)"
                                     % " ".join("%s:%s" % pair for pair in default)),
        Option("seed", int, help="the random seed (default: 0)"),
    ]
