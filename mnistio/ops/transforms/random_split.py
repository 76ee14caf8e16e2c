"""``random_split``: every item into one of the given subsets, at random, in exact counts (Datumaro's)."""

from __future__ import annotations

from ...model.dataset import Dataset
from ._spec import TransformSpec
from ._splitting import RANDOM_SPLIT_DEFAULT, SplitSource, check_seed, check_splits, split_options

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional

    from ._splitting import Splits


def random_split(dataset: Dataset, splits: Splits = RANDOM_SPLIT_DEFAULT, seed: Optional[int] = 0) -> Dataset:
    """Every item into one of ``splits`` (``[(subset, ratio), ...]``), at random, in exact counts.

    The source's own subsets are pooled first, as Datumaro does. Counts are
    ``ratio * len(dataset)`` rounded by largest remainder; ``seed=None``
    picks a fresh seed (kept by the returned dataset).
    """
    names, ratios = check_splits(splits)
    return Dataset(SplitSource(dataset.source, names, ratios, check_seed(seed), stratified=False))


SPEC = TransformSpec("random_split", random_split, split_options(RANDOM_SPLIT_DEFAULT))
