"""What several transforms share: naming items, item references, label renumbering, sizes."""

from __future__ import annotations

from ...errors import UsageError
from ...model.dataset import Dataset
from ...model.items import Label, describe_item
from ...model.sources import MappedSource

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Dict, Iterable, Sequence, Tuple, Union

    #: renamings: ``{src: dst}`` or ``[(src, dst), ...]``
    Mapping = Union[Dict[str, str], Sequence[Tuple[str, str]], None]

    #: items named as ``"id:subset"``, ``"id"`` (any subset) or ``(id, subset)`` pairs, or one such
    ItemRefsArg = Union[str, Tuple[str, str], Iterable[Union[str, Tuple[str, str]]]]

__all__ = ["where", "parse_item_ref", "ItemRefs", "labels_source", "mapping_pairs", "positive", "fill_values",
           "image_of", "pair_arg", "pair_text"]



where = describe_item



def parse_item_ref(ref):
    """``(id, subset or None)`` from ``"id:subset"``, ``"id"`` or a pair; None means any subset."""
    if isinstance(ref, str):
        item_id, colon, subset = ref.rpartition(":")
        if not colon:
            return ref, None
        return item_id, subset or None
    try:
        item_id, subset = ref
    except (TypeError, ValueError):
        raise UsageError("an item is 'id:subset', 'id' or an (id, subset) pair, not %r" % (ref,)) from None
    return str(item_id), (str(subset) if subset else None)



class ItemRefs:
    """A set of ``(id, subset)`` references, some matching any subset."""

    def __init__(self, refs):
        if refs is None:
            raise UsageError("no items given (ids like 'id:subset', 'id', or (id, subset) pairs)")
        if isinstance(refs, (str, tuple)):
            refs = [refs]
        self.exact = set()
        self.any_subset = set()
        for ref in refs:
            item_id, subset = parse_item_ref(ref)
            if subset is None:
                self.any_subset.add(item_id)
            else:
                self.exact.add((item_id, subset))

    def __contains__(self, item):
        return item.id in self.any_subset or (item.id, item.subset) in self.exact



def labels_source(dataset, categories, index_map):
    """Label annotations renumbered by ``index_map`` (old index -> new index or None to drop)."""
    names_count = len(index_map)
    identity = all(new == old for old, new in enumerate(index_map))

    def relabel(item):
        annotations = item.annotations
        if identity and all(getattr(ann, "label", 0) < names_count for ann in annotations):
            return item
        changed = []
        for ann in annotations:
            if not isinstance(ann, Label):
                changed.append(ann)
                continue
            if ann.label >= names_count:
                raise UsageError("%s has label %d, but the dataset names only %d labels"
                                 % (where(item), ann.label, names_count))
            new = index_map[ann.label]
            if new is not None:
                changed.append(ann if new == ann.label else ann.wrap(label=new))
        return item.wrap(annotations=changed)

    return Dataset(MappedSource(dataset.source, relabel, categories, keeps_count=True))



def mapping_pairs(mapping, what):
    if mapping is None:
        return []
    if isinstance(mapping, dict):
        return list(mapping.items())
    try:
        return [(src, dst) for src, dst in mapping]
    except (TypeError, ValueError):
        raise UsageError("%s mapping is a dict or (src, dst) pairs, not %r" % (what, mapping)) from None



def positive(value, what):
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise UsageError("%s must be a positive integer, not %r" % (what, value))
    return value



def fill_values(value):
    values = [value] if isinstance(value, int) else value
    try:
        values = list(values)
    except TypeError:
        values = None
    if not values or not all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 255 for v in values):
        raise UsageError("the fill value is 0..255 or one such value per channel, not %r" % (value,))
    return values



def image_of(item, what):
    image = item.media
    if image is None or not image.has_data:
        raise UsageError("%s has no image to %s" % (where(item), what))
    return image



def pair_arg(text):
    """``SRC:DST`` on the command line: the text around its last ``:``."""
    src, colon, dst = text.rpartition(":")
    if not colon:
        raise ValueError("%r is not SRC:DST" % text)
    return src, dst


def pair_text(pair):
    """The inverse of :func:`pair_arg`."""
    return "%s:%s" % tuple(pair)
