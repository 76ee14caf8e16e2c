"""Label names with their hierarchy carried through merges and label transforms.

A :class:`~mnistio.model.items.LabelCategories` holds, besides the names,
each label's ``parent`` and ``attributes`` and the dataset's label groups.
The operations that build a new label list (``merge``, ``remap_labels``,
``project_labels``) keep them with these rules, Datumaro's where it keeps
them (``components/merge/intersect_merge.py``, ``RemapLabels`` and
``ProjectLabels`` in ``plugins/transforms.py``):

* a ``parent`` that is not a label of the new list becomes ``""``, as
  Datumaro does; a parent that was renamed follows its new name (Datumaro
  keeps the old name, then drops it as unknown: the link is lost);
* the ``attributes`` of labels that become one are united (Datumaro keeps
  the first label's);
* a label group keeps its name and type, its labels follow their new
  names (each once), labels gone are left out, and a group left with no
  label is dropped. Datumaro's transforms and its union merge drop every
  group.

Merging datasets unites, by name: a label takes the first non-empty
``parent`` among the inputs, and two different non-empty parents are a
:class:`~mnistio.errors.UsageError` (Datumaro's intersect merge raises
``ConflictingCategoriesError`` there, its union merge keeps the first
silently); groups of the same name unite their labels, and two types for
one group name are refused as well.
"""

from __future__ import annotations

from ..errors import UsageError
from ..model.items import LabelCategories

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Dict, Iterable, List, Optional, Sequence

__all__ = ["renamed_categories", "projected_categories", "copied_categories", "regrouped", "CategoriesUnion"]


def renamed_categories(source: LabelCategories, targets: Sequence[Optional[str]]) -> LabelCategories:
    """The labels of ``source`` renamed: ``targets[k]`` is the new name of label ``k``, or None
    to drop it; labels given one name become one, at the place of the first (RemapLabels' rules,
    with the changes the module docstring lists)."""
    result = LabelCategories()
    names = _name_map(source, targets)
    for category, target in zip(source, targets):
        if target is None:
            continue
        existing = result.find(target)[1]
        if existing is None:
            parent = category.parent
            if parent in source:  # a label of the dataset: it follows its new name, or is gone
                parent = names.get(parent) or ""
            result.add(target, parent, category.attributes)
        else:
            existing.attributes |= category.attributes
    _drop_unknown_parents(result)
    result.label_groups = regrouped(source.label_groups, names, result)
    return result


def projected_categories(source: LabelCategories, names: Iterable[str]) -> LabelCategories:
    """``names`` in order, each with its parent and attributes in ``source`` when it has them
    (ProjectLabels' rules), and ``source``'s groups restricted to them."""
    result = LabelCategories()
    for name in names:
        found = source.find(name)[1]
        if found is None:
            result.add(name)
        else:
            result.add(name, found.parent, found.attributes)
    _drop_unknown_parents(result)
    result.label_groups = regrouped(source.label_groups, {name: name for name in result.names}, result)
    return result


def copied_categories(categories: LabelCategories) -> LabelCategories:
    """A copy (the caller's object is never changed) whose parents are all labels of it."""
    result = LabelCategories()
    for category in categories:
        result.add(category.name, category.parent, category.attributes)
    _drop_unknown_parents(result)
    result.label_groups = [LabelCategories.LabelGroup(group.name, group.labels, group.group_type)
                           for group in categories.label_groups]
    return result


def regrouped(groups: Iterable[LabelCategories.LabelGroup], names: Dict[str, str],
              result: LabelCategories) -> List[LabelCategories.LabelGroup]:
    """``groups`` with their labels through ``names`` (old -> new), those not in ``result`` left
    out, each once; groups left empty are dropped."""
    kept = []
    for group in groups:
        labels: List[str] = []
        for label in group.labels:
            new = names.get(label)
            if new is not None and new in result and new not in labels:
                labels.append(new)
        if labels:
            kept.append(LabelCategories.LabelGroup(group.name, labels, group.group_type))
    return kept


class CategoriesUnion:
    """The union of several inputs' label names, by name, in first-seen order (a merge's).

    ``add(categories, input_name)`` returns, for each label of ``categories``,
    its index in the union (:attr:`result`).
    """

    def __init__(self) -> None:
        self.result = LabelCategories()
        self._groups: Dict[str, LabelCategories.LabelGroup] = {}
        self._origin: Dict[str, str] = {}  # what first gave a label its parent, or a group its type

    def add(self, categories: LabelCategories, input_name: str) -> List[int]:
        indices: List[int] = []
        for category in categories:
            index, existing = self.result.find(category.name)
            if index is None:
                index = self.result.add(category.name, category.parent, category.attributes)
                self._origin[category.name] = input_name
            else:
                self._unite(existing, category, input_name)
            indices.append(index)
        for group in categories.label_groups:
            self._add_group(group, input_name)
        return indices

    def finish(self) -> LabelCategories:
        """The union, once every input is added."""
        self.result.label_groups = list(self._groups.values())
        return self.result

    def _unite(self, existing, category, input_name):
        if category.parent and existing.parent and category.parent != existing.parent:
            raise UsageError("label %r has parent %r in %s but %r in %s; merging needs one hierarchy "
                             "(rename or re-parent the label in one input first, e.g. with remap_labels)"
                             % (category.name, existing.parent, self._origin[category.name], category.parent,
                                input_name))
        if category.parent and not existing.parent:
            existing.parent = category.parent
            self._origin[category.name] = input_name
        existing.attributes |= category.attributes

    def _add_group(self, group, input_name):
        existing = self._groups.get(group.name)
        key = "group " + group.name
        if existing is None:
            self._groups[group.name] = LabelCategories.LabelGroup(group.name, group.labels, group.group_type)
            self._origin[key] = input_name
            return
        if existing.group_type != group.group_type:
            raise UsageError("label group %r is %s in %s but %s in %s; merging needs one type per group"
                             % (group.name, existing.group_type.to_str(), self._origin[key],
                                group.group_type.to_str(), input_name))
        existing.labels.extend(label for label in group.labels if label not in existing.labels)


def _name_map(source, targets):
    return {category.name: target for category, target in zip(source, targets) if target is not None}


def _drop_unknown_parents(categories):
    for category in categories:
        if category.parent not in categories:
            category.parent = ""
