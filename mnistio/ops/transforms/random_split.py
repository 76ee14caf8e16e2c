"""``random_split``: every item into one of the given subsets, at random, in exact counts (Datumaro's
``random_split``, with exact counts and a generator of its own).

**Exact counts.** The planning pass counts the items (for free when the
source knows its counts) and turns the ratios into whole counts by largest
remainder, on exact fractions (ratios summing to 1 within 1e-7, as
Datumaro allows, are first scaled to sum to 1): every subset gets
``floor(n * ratio)``, then the items left over go one each to the subsets
with the largest remainders, the earlier subset first on a tie.

**Assignment** is sequential selection: an item goes to subset *k* with
probability ``remaining_k / remaining_total``, which yields a uniformly
random assignment with exactly those counts while holding only the
counters (no per-item memory). The draws are :class:`SplitMix64`'s, so a
seed gives the same subsets on every Python version, but not Datumaro's
(which shuffles with :mod:`random` and truncates cumulative sums).
"""

from __future__ import annotations

from ...model.dataset import Dataset
from ._spec import TransformSpec
from ._splitting import RANDOM_SPLIT_DEFAULT, SplitMix64, SplitSource, check_seed, check_splits, split_options

TYPE_CHECKING = False
if TYPE_CHECKING:
    from fractions import Fraction
    from typing import List, Optional

    from ._splitting import Splits


def random_split(dataset: Dataset, splits: Splits = RANDOM_SPLIT_DEFAULT, seed: Optional[int] = 0) -> Dataset:
    """Every item into one of ``splits`` (``[(subset, ratio), ...]``), at random, in exact counts.

    The source's own subsets are pooled first, as Datumaro does. Counts are
    ``ratio * len(dataset)`` rounded by largest remainder; ``seed=None``
    picks a fresh seed (kept by the returned dataset).
    """
    names, ratios = check_splits(splits)
    total = sum(ratios)
    return Dataset(_RandomSplitSource(dataset.source, names, [ratio / total for ratio in ratios], check_seed(seed)))


class _RandomSplitSource(SplitSource):
    def __init__(self, parent, names, ratios, seed):
        super().__init__(parent, names)
        self._ratios = ratios
        self._seed = seed

    def _plan(self):
        return largest_remainder(sum(self.parent.subset_counts().values()), self._ratios)

    def _assigner(self):
        remaining = list(self._planned())
        left = [sum(remaining)]
        generator = SplitMix64(self._seed)

        def assign(position, item):
            draw = generator.below(left[0])
            k = 0
            while draw >= remaining[k]:
                draw -= remaining[k]
                k += 1
            remaining[k] -= 1
            left[0] -= 1
            return k
        return assign

    def known_counts(self):
        if self._counts is None and self.parent.known_counts() is None:
            return None
        return self.subset_counts()


def largest_remainder(n: int, ratios: List[Fraction]) -> List[int]:
    """``n`` split by ``ratios`` (exact, summing to 1): floors, then one more each for the
    largest remainders, the earlier subset first on a tie."""
    ideal = [n * ratio for ratio in ratios]
    counts = [ideal_k.numerator // ideal_k.denominator for ideal_k in ideal]
    order = sorted(range(len(ratios)), key=lambda k: (counts[k] - ideal[k], k))
    for k in order[:n - sum(counts)]:
        counts[k] += 1
    return counts


SPEC = TransformSpec("random_split", random_split, split_options(RANDOM_SPLIT_DEFAULT))
