"""``split``: a random split label by label, so every subset keeps the label distribution (Datumaro's
``split -t classification``)."""

from __future__ import annotations

from ...errors import UsageError
from ...model.dataset import Dataset
from ...model.options import Option
from ._spec import TransformSpec
from ._splitting import SPLIT_DEFAULT, SplitSource, check_seed, check_splits, split_options

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional

    from ._splitting import Splits


def split(dataset: Dataset, splits: Splits = SPLIT_DEFAULT, seed: Optional[int] = 0,
          task: str = "classification") -> Dataset:
    """Like :func:`random_split`, but label by label so every subset keeps the label distribution.

    Datumaro's ``split`` transform with ``task="classification"`` (the only
    task here). Items without a label, or with several, form one more group.
    Each subset gets every label's count times its ratio within one item.
    """
    if task != "classification":
        raise UsageError("split task %r is not supported (only 'classification')" % (task,))
    names, ratios = check_splits(splits)
    return Dataset(SplitSource(dataset.source, names, ratios, check_seed(seed), stratified=True))


SPEC = TransformSpec("split", split, [
    Option("task", str, flags=("-t", "--task"), choices=("classification",), default="classification",
           help="the split task (only classification)"),
] + split_options(SPLIT_DEFAULT))
