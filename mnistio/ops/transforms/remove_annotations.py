"""``remove_annotations``: drop annotations of some items, or of all (Datumaro's ``RemoveAnnotations``)."""

from __future__ import annotations

import operator

from ...errors import UsageError
from ...model.dataset import Dataset
from ...model.options import Option
from ...model.sources import MappedSource
from ._common import ItemRefs
from ._spec import TransformSpec

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, Iterable, List, Optional, Set, Tuple, Union

    from ._common import ItemRefsArg

    #: what ``ids`` takes besides items: ``(id, subset, annotation id)`` triples
    AnnotationRefsArg = Union[ItemRefsArg, Tuple[str, str, int], Iterable[Union[str, Tuple[Any, ...]]]]


def remove_annotations(dataset: Dataset, ids: Optional[AnnotationRefsArg] = None) -> Dataset:
    """Remove annotations, as Datumaro's ``remove_annotations``.

    ``ids`` names items as :func:`remove_items` does (``(id, subset)`` pairs,
    ``"id:subset"``, ``"id"`` for any subset), whose every annotation goes,
    and ``(id, subset, annotation id)`` triples, which remove the annotations
    of that item with that ``id`` only. An item named both ways loses every
    annotation (in Datumaro the entry given last decides). Without ``ids``,
    every item loses its annotations (Datumaro needs ``ids``).
    """
    if ids is None:
        return Dataset(MappedSource(dataset.source, _stripped, keeps_count=True))
    whole, some = _parse(ids)

    def strip(item):
        if not item.annotations:
            return item
        if item in whole:
            return _stripped(item)
        chosen = some.get((item.id, item.subset), set()) | some.get((item.id, None), set())
        if not chosen:
            return item
        kept = [annotation for annotation in item.annotations if annotation.id not in chosen]
        return item if len(kept) == len(item.annotations) else item.wrap(annotations=kept)

    return Dataset(MappedSource(dataset.source, strip, keeps_count=True))


def _stripped(item):
    return item.wrap(annotations=[]) if item.annotations else item


def _parse(ids):
    """``(ItemRefs of whole items, {(id, subset or None): annotation ids})``."""
    if isinstance(ids, (str, tuple)):
        ids = [ids]
    items: List[Any] = []
    some: Dict[Tuple[str, Optional[str]], Set[int]] = {}
    for ref in ids:
        if isinstance(ref, (tuple, list)) and len(ref) == 3:
            item_id, subset, annotation_id = ref
            key = (str(item_id), str(subset) if subset else None)
            some.setdefault(key, set()).add(_annotation_id(annotation_id, ref))
        else:
            items.append(ref)
    return ItemRefs(items), some


def _annotation_id(value, ref):
    """An integer, or its text (as Datumaro's command line words give it)."""
    try:
        if isinstance(value, bool):
            raise TypeError
        return int(value.strip()) if isinstance(value, str) else operator.index(value)
    except (TypeError, ValueError):
        raise UsageError("an annotation is named as (id, subset, annotation id), the annotation id an "
                         "integer; not %r" % (ref,)) from None


SPEC = TransformSpec("remove_annotations", remove_annotations, [
    Option("ids", str, flags=("--id",), multiple=True, metavar="ID[:SUBSET]",
           help="an item whose annotations to remove (repeatable; default: every item); annotation ids "
                "are given from Python, as (id, subset, annotation id)"),
])
