"""``project_labels``: the label list becomes the given one (Datumaro's)."""

from __future__ import annotations

from ...errors import UsageError
from ...model.dataset import Dataset
from ...model.items import LabelCategories
from ...model.options import Option
from .._categories import copied_categories, projected_categories
from ._common import labels_source
from ._spec import TransformSpec

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Sequence, Union


def project_labels(dataset: Dataset, dst_labels: Union[Sequence[str], LabelCategories]) -> Dataset:
    """The label list becomes ``dst_labels`` (names, in order), as Datumaro's ``project_labels``.

    Annotations of labels not in it are removed; its new names have none.
    Given names, each keeps its parent and attributes from the dataset, and
    the dataset's label groups keep the labels still there (Datumaro drops
    the groups); given a LabelCategories, a copy of it is the new list.
    Either way a parent that is not in the new list becomes ``""``
    (:mod:`mnistio.ops._categories`).
    """
    if isinstance(dst_labels, str):
        raise UsageError("dst_labels is a list of label names, not a string")
    if isinstance(dst_labels, LabelCategories):
        categories = copied_categories(dst_labels)
    else:
        categories = projected_categories(dataset.label_categories, [str(name) for name in dst_labels])
    index_map = [categories.find(name)[0] for name in dataset.label_names]
    return labels_source(dataset, categories, index_map)


SPEC = TransformSpec("project_labels", project_labels, [
    Option("dst_labels", str, flags=("-l", "--label"), multiple=True, required=True, metavar="NAME",
           help="a label name of the new list, in order (repeatable)"),
])
