"""``remove_items``: drop items by ``id:subset`` or ``id`` (Datumaro's)."""

from __future__ import annotations

from ...model.dataset import Dataset
from ...model.options import Option
from ...model.sources import MappedSource
from ._common import ItemRefs
from ._spec import TransformSpec

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ._common import ItemRefsArg


def remove_items(dataset: Dataset, ids: ItemRefsArg) -> Dataset:
    """Drop the items ``ids`` names: ``"id:subset"``, ``"id"`` (any subset) or ``(id, subset)`` pairs.

    The subset is after the last ``:``; end with ``:`` for an id holding one
    in any subset. A lone string or pair names one item.
    """
    refs = ItemRefs(ids)
    return Dataset(MappedSource(dataset.source, lambda item: None if item in refs else item))


SPEC = TransformSpec("remove_items", remove_items, [
    Option("ids", str, flags=("--id",), multiple=True, required=True, metavar="ID[:SUBSET]",
           help="an item to remove; without a subset, in every subset (repeatable)"),
])
