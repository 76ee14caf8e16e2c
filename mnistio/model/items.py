"""Items and what they carry: label annotations, label names, the item itself.

Names follow Datumaro's (``DatasetItem``, ``Label``, ``LabelCategories``,
``AnnotationType``) so that its users feel at home; ``docs/datumaro.rst``
says where mnistio differs.
"""

from __future__ import annotations

from enum import IntEnum

from ..errors import UsageError
from .image import Image

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, Iterable, Iterator, List, Optional, Tuple

__all__ = ["AnnotationType", "GroupType", "Label", "LabelCategories", "DatasetItem", "as_label_categories",
           "describe_item", "DEFAULT_SUBSET_NAME"]

DEFAULT_SUBSET_NAME = "default"


class AnnotationType(IntEnum):
    """Datumaro's annotation types; mnistio's datasets hold labels only."""

    unknown = 0
    label = 1


class Label:
    """A class label: ``label`` is the index into the dataset's label names."""

    __slots__ = ("label", "id", "group", "attributes", "object_id")
    type = AnnotationType.label

    def __init__(self, label: int, *, id: int = 0, group: int = 0, attributes: Optional[Dict[str, Any]] = None,
                 object_id: int = -1) -> None:
        if isinstance(label, bool):
            raise UsageError("a label is a non-negative integer index, not %r" % (label,))
        if not isinstance(label, int) or label < 0:
            try:
                label = _label_index(label)
            except (TypeError, ValueError):
                raise UsageError("a label is a non-negative integer index, not %r" % (label,)) from None
        self.label = label
        self.id = id
        self.group = group
        self.attributes = dict(attributes) if attributes else {}
        self.object_id = object_id

    def wrap(self, **changes: Any) -> "Label":
        """A copy with some fields changed, as Datumaro's ``Annotation.wrap``."""
        fields: Dict[str, Any] = {"id": self.id, "group": self.group, "attributes": self.attributes,
                                  "object_id": self.object_id}
        fields.update(changes)
        return Label(fields.pop("label", self.label), **fields)

    @classmethod
    def _make(cls, label: int) -> "Label":
        """Trusted fast path for readers: no checks."""
        made = cls.__new__(cls)
        made.label = label
        made.id = 0
        made.group = 0
        made.attributes = {}
        made.object_id = -1
        return made

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Label):
            return NotImplemented
        return (self.label, self.id, self.group, self.attributes, self.object_id) == \
            (other.label, other.id, other.group, other.attributes, other.object_id)

    def __hash__(self) -> int:
        return hash((self.label, self.id, self.group))

    def __repr__(self) -> str:
        return "Label(%d)" % self.label


def _label_index(value):
    """An integer label from numpy integers and whole floats."""
    index = int(value)
    if index != value or index < 0:
        raise ValueError(value)
    return index


class GroupType(IntEnum):
    """How the labels of a label group combine, as Datumaro's ``GroupType``."""

    EXCLUSIVE = 0
    INCLUSIVE = 1
    RESTRICTED = 2

    def to_str(self) -> str:
        return self.name.lower()

    @classmethod
    def from_str(cls, text: str) -> "GroupType":
        try:
            return cls[text.upper()]
        except KeyError:
            raise UsageError("unknown label group type %r (expected exclusive, inclusive or restricted)"
                             % (text,)) from None


class LabelCategories:
    """The ordered label names of a dataset: a label's index is its position.

    As Datumaro's: each name may have a ``parent`` (another label's name, or
    ``""``) and ``attributes``; named *label groups* gather labels that go
    together (``add_label_group``).
    """

    class Category:
        """One label: ``name``, ``parent`` (``""`` for none) and ``attributes`` (a set of names)."""

        __slots__ = ("name", "parent", "attributes")

        def __init__(self, name: str, parent: Optional[str] = "", attributes: Optional[Iterable[str]] = None) -> None:
            self.name = str(name)
            self.parent = "" if parent is None else str(parent)
            self.attributes = set(attributes or ())

        def __eq__(self, other: object) -> bool:
            if not isinstance(other, LabelCategories.Category):
                return NotImplemented
            return (self.name, self.parent, self.attributes) == (other.name, other.parent, other.attributes)

        def __hash__(self) -> int:
            return hash((self.name, self.parent))

        def __getstate__(self) -> Tuple[str, str, set]:
            return self.name, self.parent, self.attributes

        def __setstate__(self, state: Tuple[str, str, set]) -> None:
            self.name, self.parent, self.attributes = state

        def __repr__(self) -> str:
            return "Category(name=%r, parent=%r, attributes=%r)" % (self.name, self.parent, self.attributes)

    class LabelGroup:
        """Labels that go together: ``name``, ``labels`` (names) and ``group_type``."""

        __slots__ = ("name", "labels", "group_type")

        def __init__(self, name: str, labels: Optional[Iterable[str]] = None,
                     group_type: Any = GroupType.EXCLUSIVE) -> None:
            self.name = str(name)
            self.labels = list(labels or ())
            self.group_type = GroupType.from_str(group_type) if isinstance(group_type, str) \
                else GroupType(group_type if group_type is not None else GroupType.EXCLUSIVE)

        def __eq__(self, other: object) -> bool:
            if not isinstance(other, LabelCategories.LabelGroup):
                return NotImplemented
            return (self.name, self.labels, self.group_type) == (other.name, other.labels, other.group_type)

        def __getstate__(self) -> Tuple[str, List[str], GroupType]:
            return self.name, self.labels, self.group_type

        def __setstate__(self, state: Tuple[str, List[str], GroupType]) -> None:
            self.name, self.labels, self.group_type = state

        def __repr__(self) -> str:
            return "LabelGroup(name=%r, labels=%r, group_type=%s)" % (self.name, self.labels, self.group_type)

    def __init__(self, items: Iterable[Any] = (), label_groups: Iterable[Any] = (),
                 attributes: Optional[Iterable[str]] = None) -> None:
        """``items`` are Datumaro's ``Category`` objects, or names, or the tuples of :meth:`from_iterable`."""
        self.items: List[LabelCategories.Category] = []
        self.label_groups: List[LabelCategories.LabelGroup] = list(label_groups)
        #: the attribute names the dataset's labels may carry (Datumaro's ``Categories.attributes``)
        self.attributes = set(attributes or ())
        self._indices: Dict[str, int] = {}
        for category in items:
            self._add_any(category)

    @classmethod
    def from_iterable(cls, categories: Iterable[Any]) -> "LabelCategories":
        """From names, or ``(name,)``, ``(name, parent)``, ``(name, parent, attributes)`` tuples, as Datumaro's."""
        return cls(categories)

    def _add_any(self, category: Any) -> None:
        if isinstance(category, str):
            self.add(category)
        elif isinstance(category, LabelCategories.Category):
            self.add(category.name, category.parent, category.attributes)
        else:
            self.add(*category)

    def add(self, name: str, parent: Optional[str] = "", attributes: Optional[Iterable[str]] = None) -> int:
        """Append a label; returns its index. A name may appear once."""
        name = str(name)  # an empty name is allowed here; layouts that cannot store one refuse it
        if name in self._indices:
            raise UsageError("label name %r appears twice" % name)
        self._indices[name] = len(self.items)
        self.items.append(self.Category(name, parent, attributes))
        return len(self.items) - 1

    def add_label_group(self, name: str, labels: Iterable[str], group_type: Any = GroupType.EXCLUSIVE) -> int:
        """Append a label group (label names that go together); returns its index."""
        if not name:
            raise UsageError("a label group needs a name")
        self.label_groups.append(self.LabelGroup(name, labels, group_type))
        return len(self.label_groups) - 1

    def find(self, name: str) -> Tuple[Optional[int], Optional[Any]]:
        """``(index, category)`` of a label name, or ``(None, None)``."""
        index = self._indices.get(name)
        return (index, self.items[index]) if index is not None else (None, None)

    @property
    def names(self) -> List[str]:
        return [category.name for category in self.items]

    def __getitem__(self, index: int) -> Any:
        return self.items[index]

    def __contains__(self, value: object) -> bool:
        if isinstance(value, str):
            return value in self._indices
        return isinstance(value, int) and 0 <= value < len(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.items)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LabelCategories):
            return NotImplemented
        return self.items == other.items and self.label_groups == other.label_groups

    __hash__ = None  # type: ignore[assignment]  # mutable, as Datumaro's

    def __getstate__(self) -> Dict[str, Any]:
        return {"items": self.items, "label_groups": self.label_groups, "attributes": self.attributes}

    def __setstate__(self, state: Dict[str, Any]) -> None:
        self.items = state["items"]
        self.label_groups = state["label_groups"]
        self.attributes = state.get("attributes", set())
        self._indices = {category.name: index for index, category in enumerate(self.items)}

    def __repr__(self) -> str:
        if any(category.parent or category.attributes for category in self.items) or self.label_groups:
            return "LabelCategories(items=%r, label_groups=%r)" % (self.items, self.label_groups)
        return "LabelCategories(%r)" % self.names


def as_label_categories(categories: Any) -> LabelCategories:
    """LabelCategories from names, a LabelCategories, or Datumaro's categories dict."""
    if categories is None:
        return LabelCategories()
    if isinstance(categories, LabelCategories):
        return categories
    if isinstance(categories, dict):
        return as_label_categories(categories.get(AnnotationType.label))
    if isinstance(categories, str):
        raise UsageError("categories must be a list of label names, not a string")
    return LabelCategories.from_iterable(categories)


class DatasetItem:
    """One sample: ``id``, ``subset``, at most one ``media`` image, ``annotations``.

    ``image=`` is accepted as a synonym of ``media=``, and takes anything
    :class:`~mnistio.image.Image` accepts. An item given no subset is in
    ``"default"``, as in Datumaro.
    """

    __slots__ = ("id", "subset", "media", "annotations", "attributes")

    def __init__(self, id: Any, subset: Optional[str] = None, media: Any = None,
                 annotations: Optional[Iterable[Label]] = None, *, image: Any = None,
                 attributes: Optional[Dict[str, Any]] = None) -> None:
        if media is not None and image is not None:
            raise UsageError("give an item's image as media= or image=, not both")
        media = media if media is not None else image
        self.id = str(id)
        self.subset = str(subset) if subset else DEFAULT_SUBSET_NAME
        self.media = media if media is None or isinstance(media, Image) else Image(media)
        self.annotations = list(annotations) if annotations else []
        self.attributes = dict(attributes) if attributes else {}

    @classmethod
    def _make(cls, id: str, subset: str, media: Optional[Image], annotations: List[Label]) -> "DatasetItem":
        """Trusted fast path for readers: no conversions."""
        item = cls.__new__(cls)
        item.id = id
        item.subset = subset
        item.media = media
        item.annotations = annotations
        item.attributes = {}
        return item

    @property
    def image(self) -> Optional[Image]:
        return self.media

    def media_as(self, kind: Any) -> Any:
        """The media, when it is of ``kind`` (Datumaro's ``item.media_as(Image)``)."""
        if self.media is not None and not isinstance(self.media, kind):
            raise UsageError("item %r has a %s, not a %s" % (self.id, type(self.media).__name__, kind.__name__))
        return self.media

    @property
    def labels(self) -> List[int]:
        """The label indices of this item's Label annotations, in order."""
        return [ann.label for ann in self.annotations if ann.type is AnnotationType.label]

    def wrap(self, **changes: Any) -> "DatasetItem":
        """A copy with some fields replaced, as Datumaro's ``item.wrap``.

        This is the one way items are copied: the copy gets its own
        ``attributes`` dict, so changing it leaves this item as it was. Fields
        not given are shared, not converted again (cheap on a hot path);
        given ones are converted as the constructor converts them.
        """
        if "image" in changes:
            if "media" in changes:
                raise UsageError("give an item's image as media= or image=, not both")
            changes["media"] = changes.pop("image")
        unknown = set(changes) - set(self.__slots__)
        if unknown:
            raise UsageError("an item has no field %s (its fields: %s)"
                             % (", ".join(sorted(unknown)), ", ".join(self.__slots__)))
        copy = DatasetItem._make(self.id, self.subset, self.media, self.annotations)
        copy.attributes = dict(self.attributes)
        if "id" in changes:
            copy.id = str(changes["id"])
        if "subset" in changes:
            copy.subset = str(changes["subset"]) if changes["subset"] else DEFAULT_SUBSET_NAME
        if "media" in changes:
            media = changes["media"]
            copy.media = media if media is None or isinstance(media, Image) else Image(media)
        if "annotations" in changes:
            copy.annotations = list(changes["annotations"]) if changes["annotations"] else []
        if "attributes" in changes:
            copy.attributes = dict(changes["attributes"]) if changes["attributes"] else {}
        return copy

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DatasetItem):
            return NotImplemented
        return (self.id, self.subset, self.media, self.annotations, self.attributes) == \
            (other.id, other.subset, other.media, other.annotations, other.attributes)

    __hash__ = None  # type: ignore[assignment]  # mutable, compared by value: not hashable

    def __repr__(self) -> str:
        return "DatasetItem(id=%r, subset=%r, media=%r, annotations=%r)" % (
            self.id, self.subset, self.media, self.annotations)




def describe_item(item: "DatasetItem") -> str:
    """``item '12' (subset 'train')``: how errors name an item (an id alone is ambiguous across subsets)."""
    return "item %r (subset %r)" % (item.id, item.subset)
