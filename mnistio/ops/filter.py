"""Filtering items and annotations with XPath 1.0, as Datumaro does (``docs/filtering.rst``).

Each item is seen as the XML tree Datumaro's ``DatasetItemEncoder`` builds
for lxml (:mod:`mnistio.ops.xpath.items`), and the expression is evaluated with ``<item>`` as the context node by
:mod:`mnistio.ops.xpath`. Modes:

* items (``i``): keep an item when the result is true (as Datumaro, Python's
  truth: a non-empty node-set or string, a non-zero number);
* annotations (``a``): keep the annotations among the selected nodes;
* both (``i+a``): ``a``, then drop the items left without annotations.

A Python callable may stand for the expression: ``item -> bool`` in item
mode, ``(item, annotation) -> bool`` in the annotation modes.
"""

from __future__ import annotations

from ..errors import UsageError
from ..model.dataset import Dataset
from ..model.items import describe_item

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Sequence, Tuple, Union

    from ..model.items import DatasetItem
    from .xpath.tree import Element

__all__ = ["MODES", "item_element", "filter_dataset", "parse_mode"]

#: Datumaro's mode names -> (filter_annotations, remove_empty)
MODES = {"i": (False, False), "a": (True, False), "i+a": (True, True)}


def parse_mode(mode: str) -> Tuple[bool, bool]:
    try:
        return MODES[mode]
    except KeyError:
        raise UsageError("unknown filter mode %r (expected i, a or i+a)" % (mode,)) from None


def filter_dataset(dataset: Dataset, expression: Union[str, Callable[..., Any]], filter_annotations: bool = False,
                   remove_empty: bool = False) -> Dataset:
    """A lazy view of ``dataset`` with what ``expression`` selects (see the module docstring)."""
    if callable(expression):
        keep = _callable_filter(expression, filter_annotations, remove_empty)
    else:
        # Imported here: compiling the lexer's patterns costs tens of milliseconds,
        # which every other command (and a conversion without -e) would pay.
        from . import xpath

        compiled = xpath.compile(expression)  # a bad expression fails here, before any reading
        names = dataset.label_names
        keep = (_annotation_filter(compiled, names, remove_empty) if filter_annotations
                else _item_filter(compiled, names))
    return dataset.transform_items(keep)


def item_element(item: DatasetItem, label_names: Sequence[str]) -> Element:
    """The XML view of an item (:func:`mnistio.ops.xpath.items.item_element`)."""
    from .xpath.items import item_element as element_of

    return element_of(item, label_names)


def _item_filter(compiled, names):
    from .xpath import XPathLimitError
    from .xpath.items import item_element

    evaluate = compiled.evaluate

    def keep(item):
        try:
            return item if _truth(evaluate(item_element(item, names))) else None
        except XPathLimitError as error:
            raise error.at(where=describe_item(item)) from None
    return keep


def _annotation_filter(compiled, names, remove_empty):
    from .xpath import NODESET, XPathLimitError
    from .xpath.items import item_element

    if compiled.result_type != NODESET:
        raise UsageError("filter expression %r gives a %s; annotation modes need one that selects "
                         "annotations, e.g. /item/annotation[label_id=\"7\"]"
                         % (compiled.expression, compiled.result_type))

    def keep(item):
        element = item_element(item, names)
        try:
            selected = {id(node) for node in compiled.select(element)}
        except XPathLimitError as error:
            raise error.at(where=describe_item(item)) from None
        kept = [annotation for annotation, node in zip(item.annotations, _annotation_nodes(element))
                if id(node) in selected]
        return _with_annotations(item, kept, remove_empty)
    return keep


def _annotation_nodes(element):
    return [child for child in element.children if child.tag == "annotation"]


def _callable_filter(function, filter_annotations, remove_empty):
    if not filter_annotations:
        return lambda item: item if function(item) else None

    def keep(item):
        kept = [annotation for annotation in item.annotations if function(item, annotation)]
        return _with_annotations(item, kept, remove_empty)
    return keep


def _with_annotations(item, kept, remove_empty):
    if remove_empty and not kept:
        return None
    if len(kept) == len(item.annotations):
        return item
    return item.wrap(annotations=kept)


def _truth(result):
    """Python's truth of an lxml result, as Datumaro's ``bool(xpath(item))``."""
    return bool(result)
