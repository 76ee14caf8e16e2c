"""``remap_labels``: rename, merge or delete labels by name (Datumaro's)."""

from __future__ import annotations

from ...errors import UsageError
from ...model.dataset import Dataset
from ...model.options import Option
from .._categories import renamed_categories
from ._common import labels_source, mapping_pairs, pair_arg, pair_text
from ._spec import TransformSpec

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import List, Optional

    from ._common import Mapping


def remap_labels(dataset: Dataset, mapping: Mapping = None, default: str = "keep") -> Dataset:
    """Rename, merge or delete labels by name, as Datumaro's ``remap_labels``.

    ``mapping`` is ``{src: dst}`` or ``[(src, dst), ...]``; a ``dst`` that is
    empty or None deletes ``src``; two names mapped to one merge into it.
    Labels not in ``mapping`` are kept (``default="keep"``) or deleted
    (``"delete"``). The new label list is in order of first appearance.
    Parents follow their labels' new names, labels merged into one unite
    their attributes, and label groups are renamed alike
    (:mod:`mnistio.ops._categories`; Datumaro drops renamed parents and
    every group).
    """
    if default not in ("keep", "delete"):
        raise UsageError("default must be 'keep' or 'delete', not %r" % (default,))
    source = dataset.label_categories
    pairs = mapping_pairs(mapping, "a label")
    for src, _ in pairs:
        if source.find(src)[0] is None:
            raise UsageError("no label %r to remap (the labels are %s)" % (src, ", ".join(source.names) or "none"))
    mapping = dict(pairs)
    targets: List[Optional[str]] = []
    for category in source:
        target = mapping[category.name] if category.name in mapping else \
            category.name if default == "keep" else None
        targets.append(str(target) if target else None)
    categories = renamed_categories(source, targets)
    index_map = [categories.find(target)[0] if target is not None else None for target in targets]
    return labels_source(dataset, categories, index_map)


SPEC = TransformSpec("remap_labels", remap_labels, [
    Option("mapping", pair_arg, flags=("-l", "--label"), multiple=True, metavar="SRC:DST", to_text=pair_text,
           help="rename SRC to DST, merging into DST if it exists; 'SRC:' deletes SRC (repeatable)"),
    Option("default", str, flags=("--default",), choices=("keep", "delete"), default="keep",
           help="what happens to the labels not mentioned"),
])
