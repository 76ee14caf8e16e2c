"""The dataset model: items, labels, label names, datasets.

Names follow Datumaro's (``DatasetItem``, ``Label``, ``LabelCategories``,
``Dataset.from_iterable``, ``Dataset.import_from``, ``dataset.export``) so
that its users feel at home; see the README for where mnistio differs.

A :class:`Dataset` does not hold its items: it holds a *source* that yields
them, again on every iteration. Imported datasets read their files lazily,
so iterating or converting one keeps a bounded window of items in memory,
whatever the dataset's size.
"""

from collections import namedtuple
from enum import Enum

from .errors import UsageError
from .image import Image

__all__ = ["AnnotationType", "Label", "LabelCategories", "DatasetItem", "ItemSource", "Dataset",
           "DEFAULT_SUBSET_NAME"]

DEFAULT_SUBSET_NAME = "default"


class AnnotationType(Enum):
    label = 1


class Label:
    """A class label: ``label`` is the index into the dataset's label names."""

    __slots__ = ("label", "id", "group", "attributes")
    type = AnnotationType.label

    def __init__(self, label, *, id=0, group=0, attributes=None):
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

    @classmethod
    def _make(cls, label):
        """Trusted fast path for readers: no checks."""
        made = cls.__new__(cls)
        made.label = label
        made.id = 0
        made.group = 0
        made.attributes = {}
        return made

    def __eq__(self, other):
        if not isinstance(other, Label):
            return NotImplemented
        return (self.label, self.id, self.group, self.attributes) == \
            (other.label, other.id, other.group, other.attributes)

    def __hash__(self):
        return hash((self.label, self.id, self.group))

    def __repr__(self):
        return "Label(%d)" % self.label


def _label_index(value):
    """An integer label from numpy integers and whole floats."""
    index = int(value)
    if index != value or index < 0:
        raise ValueError(value)
    return index


class LabelCategories:
    """The ordered label names of a dataset: a label's index is its position."""

    Category = namedtuple("Category", "name parent attributes")

    def __init__(self, names=()):
        self.items = []
        self._indices = {}
        for name in names:
            self.add(name)

    @classmethod
    def from_iterable(cls, names):
        return cls(name if isinstance(name, str) else name[0] for name in names)

    def add(self, name, parent="", attributes=None):
        name = str(name)
        if name in self._indices:
            raise UsageError("label name %r appears twice" % name)
        self._indices[name] = len(self.items)
        self.items.append(self.Category(name, parent, set(attributes or ())))
        return len(self.items) - 1

    def find(self, name):
        """``(index, category)`` of a label name, or ``(None, None)``."""
        index = self._indices.get(name)
        return (index, self.items[index]) if index is not None else (None, None)

    @property
    def names(self):
        return [category.name for category in self.items]

    def __getitem__(self, index):
        return self.items[index]

    def __len__(self):
        return len(self.items)

    def __iter__(self):
        return iter(self.items)

    def __eq__(self, other):
        if not isinstance(other, LabelCategories):
            return NotImplemented
        return self.names == other.names

    def __repr__(self):
        return "LabelCategories(%r)" % self.names


def as_label_categories(categories):
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

    def __init__(self, id, subset=None, media=None, annotations=None, *, image=None, attributes=None):
        if media is not None and image is not None:
            raise UsageError("give an item's image as media= or image=, not both")
        media = media if media is not None else image
        self.id = str(id)
        self.subset = str(subset) if subset else DEFAULT_SUBSET_NAME
        self.media = media if media is None or isinstance(media, Image) else Image(media)
        self.annotations = list(annotations) if annotations else []
        self.attributes = dict(attributes) if attributes else {}

    @classmethod
    def _make(cls, id, subset, media, annotations):
        """Trusted fast path for readers: no conversions."""
        item = cls.__new__(cls)
        item.id = id
        item.subset = subset
        item.media = media
        item.annotations = annotations
        item.attributes = {}
        return item

    @property
    def image(self):
        return self.media

    @property
    def labels(self):
        """The label indices of this item's Label annotations, in order."""
        return [ann.label for ann in self.annotations if ann.type is AnnotationType.label]

    def wrap(self, **changes):
        """A copy with some fields replaced, as Datumaro's ``item.wrap``."""
        fields = {name: getattr(self, name) for name in self.__slots__}
        fields.update(changes)
        return DatasetItem(**fields)

    def __eq__(self, other):
        if not isinstance(other, DatasetItem):
            return NotImplemented
        return (self.id, self.subset, self.media, self.annotations, self.attributes) == \
            (other.id, other.subset, other.media, other.annotations, other.attributes)

    __hash__ = None

    def __repr__(self):
        return "DatasetItem(id=%r, subset=%r, media=%r, annotations=%r)" % (
            self.id, self.subset, self.media, self.annotations)


class ItemSource:
    """What a Dataset reads its items from: iterable again and again.

    Format readers subclass it; they set ``categories`` and ``path`` and
    implement ``__iter__``, and override :meth:`subset_counts` when they
    can count without reading every item.
    """

    categories = LabelCategories()
    path = None
    format = None

    def __iter__(self):
        raise NotImplementedError

    def subset_counts(self):
        """``{subset: item count}`` in first-seen order."""
        counts = {}
        for item in self:
            counts[item.subset] = counts.get(item.subset, 0) + 1
        return counts

    def iter_subset(self, name):
        return (item for item in self if item.subset == name)

    def known_counts(self):
        """:meth:`subset_counts` when it costs no reading, else None."""
        return None


class _ListSource(ItemSource):
    def __init__(self, items, categories):
        self.items = items
        self.categories = categories

    def __iter__(self):
        return iter(self.items)

    def known_counts(self):
        return self.subset_counts()


class Dataset:
    """A labelled image dataset, streamed from its source on every iteration."""

    def __init__(self, source):
        self._source = source
        self._counts = None

    # -- constructors -------------------------------------------------------

    @classmethod
    def from_iterable(cls, items, categories=None):
        """A dataset from DatasetItems, with label names (a list of names,
        a LabelCategories, or Datumaro's ``{AnnotationType.label: ...}``).

        Unlike imported datasets, the items are held in memory.
        """
        items = list(items)
        for position, item in enumerate(items):
            if not isinstance(item, DatasetItem):
                raise UsageError("item %d is a %s, expected a DatasetItem" % (position, type(item).__name__))
        return cls(_ListSource(items, as_label_categories(categories)))

    @classmethod
    def import_from(cls, path, format=None, **options):
        """Open a dataset on disk, lazily; ``format=None`` detects it."""
        # The registry sits above the model; it is looked up only when called.
        from . import formats

        return cls(formats.read(path, format, **options))

    # -- user visible -------------------------------------------------------

    @property
    def format(self):
        return self._source.format

    @property
    def path(self):
        return self._source.path

    def categories(self):
        """Datumaro's ``{AnnotationType.label: LabelCategories}``."""
        return {AnnotationType.label: self._source.categories}

    @property
    def label_categories(self):
        return self._source.categories

    @property
    def label_names(self):
        return self._source.categories.names

    def __iter__(self):
        return iter(self._source)

    def __len__(self):
        return sum(self.subset_counts().values())

    def known_length(self):
        """The number of items when it is known without reading them, else None."""
        counts = self._counts or self._source.known_counts()
        return sum(counts.values()) if counts is not None else None

    def subset_counts(self):
        """``{subset name: item count}``."""
        if self._counts is None:
            self._counts = self._source.subset_counts()
        return dict(self._counts)

    def subsets(self):
        """``{subset name: Dataset}`` views, as Datumaro's ``subsets()``."""
        return {name: Dataset(_SubsetSource(self._source, name, count))
                for name, count in self.subset_counts().items()}

    def get_subset(self, name):
        subsets = self.subsets()
        if name not in subsets:
            raise UsageError("no subset %r (the subsets are %s)" % (name, ", ".join(map(repr, subsets)) or "none"))
        return subsets[name]

    def get(self, id, subset=None):
        """The item with this id (in this subset, if given), or None."""
        id = str(id)
        items = self._source.iter_subset(subset) if subset is not None else self._source
        for item in items:
            if item.id == id:
                return item
        return None

    def transform_items(self, function):
        """A new dataset whose items are ``function(item)``, lazily; None drops one."""
        return Dataset(_MappedSource(self._source, function))

    # The operations sit above the model; they are looked up only when called.

    def filter(self, expression, filter_annotations=False, remove_empty=False):
        """Keep the items (or annotations) an XPath expression or a callable selects; lazily.

        ``filter_annotations=False`` is Datumaro's mode ``i``; True is ``a``;
        True with ``remove_empty=True`` is ``i+a``.
        """
        from .ops.filter import filter_dataset

        return filter_dataset(self, expression, filter_annotations=filter_annotations,
                              remove_empty=remove_empty)

    def transform(self, name, **options):
        """The dataset through the named transform (see :mod:`mnistio.ops.transforms`); lazily."""
        from .ops.transforms import transform

        return transform(self, name, **options)

    def merge(self, *others, exact=False):
        """The union of this dataset and ``others``, label names reconciled by name."""
        from .ops.merge import merge

        return merge(self, *others, exact=exact)

    def export(self, save_dir, format, *, save_media=None, image_ext=None, save_dataset_meta=False,
               overwrite=False, **options):
        """Write the dataset to ``save_dir`` in ``format``, atomically.

        ``save_media=None`` is the layout's default, as in Datumaro: labels
        only, but images for the layouts made of image files only
        (imagenet, imagenet_with_subset_dirs, image_dir).

        ``save_dir`` must be missing or empty unless ``overwrite=True``; it
        is replaced as a whole only once the export has succeeded.
        """
        from . import formats

        return formats.export(self, save_dir, format, save_media=save_media, image_ext=image_ext,
                              save_dataset_meta=save_dataset_meta, overwrite=overwrite, **options)

    def __repr__(self):
        return "Dataset(format=%r, path=%r, labels=%d)" % (self.format, self.path, len(self.label_names))


class _SubsetSource(ItemSource):
    def __init__(self, parent, name, count):
        self._parent = parent
        self._name = name
        self._count = count
        self.categories = parent.categories
        self.path = parent.path
        self.format = parent.format

    def __iter__(self):
        return self._parent.iter_subset(self._name)

    def subset_counts(self):
        return {self._name: self._count}

    def iter_subset(self, name):
        return self._parent.iter_subset(name) if name == self._name else iter(())


class _MappedSource(ItemSource):
    def __init__(self, parent, function):
        self._parent = parent
        self._function = function
        self.categories = parent.categories
        self.path = parent.path
        self.format = parent.format

    def __iter__(self):
        function = self._function
        for item in self._parent:
            result = function(item)
            if result is not None:
                yield result
