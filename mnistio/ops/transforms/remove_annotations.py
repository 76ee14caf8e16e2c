"""``remove_annotations``: drop the annotations of some items, or of all (Datumaro's)."""

from __future__ import annotations

from ...model.dataset import Dataset
from ...model.options import Option
from ...model.sources import MappedSource
from ._common import ItemRefs
from ._spec import TransformSpec

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional

    from ._common import ItemRefsArg


def remove_annotations(dataset: Dataset, ids: Optional[ItemRefsArg] = None) -> Dataset:
    """Remove every annotation of the items ``ids`` names (as :func:`remove_items`), or of all items."""
    refs = None if ids is None else ItemRefs(ids)

    def strip(item):
        if not item.annotations or (refs is not None and item not in refs):
            return item
        return item.wrap(annotations=[])

    return Dataset(MappedSource(dataset.source, strip, keeps_count=True))


SPEC = TransformSpec("remove_annotations", remove_annotations, [
    Option("ids", str, flags=("--id",), multiple=True, metavar="ID[:SUBSET]",
           help="an item whose annotations to remove (repeatable; default: every item)"),
])
