"""The dataset: items streamed from a source, and the facade over the layers above.

A :class:`Dataset` does not hold its items: it holds a *source* (see
:mod:`mnistio.model.sources`) that yields them, again on every iteration.
Imported datasets read their files lazily, so iterating or converting one
keeps a bounded window of items in memory, whatever the dataset's size.

``Dataset.import_from``, ``export``, ``filter``, ``transform`` and ``merge``
are the one documented facade that reaches up: they look the format registry
and the operations up when called, so the model imports nothing above it.
"""

from __future__ import annotations

from ..errors import UsageError
from .items import AnnotationType, DatasetItem, LabelCategories, as_label_categories
from .sources import ItemSource, ListSource, MappedSource, SubsetSource

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Union

    from .sources import SubsetCounts

__all__ = ["Dataset"]


class Dataset:
    """A labelled image dataset, streamed from its source on every iteration."""

    def __init__(self, source: ItemSource) -> None:
        self._source = source
        self._counts: Optional[SubsetCounts] = None

    # -- constructors -------------------------------------------------------

    @classmethod
    def from_iterable(cls, items: Iterable[DatasetItem], categories: Any = None) -> "Dataset":
        """A dataset from DatasetItems, with label names (a list of names,
        a LabelCategories, or Datumaro's ``{AnnotationType.label: ...}``).

        Unlike imported datasets, the items are held in memory.
        """
        items = list(items)
        for position, item in enumerate(items):
            if not isinstance(item, DatasetItem):
                raise UsageError("item %d is a %s, expected a DatasetItem" % (position, type(item).__name__))
        return cls(ListSource(items, as_label_categories(categories)))

    @classmethod
    def import_from(cls, path: Any, format: Optional[str] = None, **options: Any) -> "Dataset":
        """Open a dataset on disk, lazily; ``format=None`` detects it."""
        from .. import formats  # the facade: the registry sits above, looked up at call time

        return cls(formats.read(path, format, **options))

    # -- user visible -------------------------------------------------------

    @property
    def source(self) -> ItemSource:
        """The :class:`~mnistio.model.sources.ItemSource` this dataset reads its items from."""
        return self._source

    @property
    def format(self) -> Optional[str]:
        return self._source.format

    @property
    def path(self) -> Optional[str]:
        return self._source.path

    def categories(self) -> Dict[AnnotationType, LabelCategories]:
        """Datumaro's ``{AnnotationType.label: LabelCategories}``."""
        return {AnnotationType.label: self._source.categories}

    @property
    def label_categories(self) -> LabelCategories:
        return self._source.categories

    @property
    def label_names(self) -> List[str]:
        return self._source.categories.names

    def __iter__(self) -> Iterator[DatasetItem]:
        return iter(self._source)

    def __len__(self) -> int:
        return sum(self.subset_counts().values())

    def known_length(self) -> Optional[int]:
        """The number of items when it is known without reading them, else None."""
        counts = self._counts or self._source.known_counts()
        return sum(counts.values()) if counts is not None else None

    def subset_counts(self) -> SubsetCounts:
        """``{subset name: item count}``."""
        if self._counts is None:
            self._counts = self._source.subset_counts()
        return dict(self._counts)

    def subsets(self) -> Dict[str, "Dataset"]:
        """``{subset name: Dataset}`` views, as Datumaro's ``subsets()``."""
        return {name: Dataset(SubsetSource(self._source, name, count))
                for name, count in self.subset_counts().items()}

    def get_subset(self, name: str) -> "Dataset":
        subsets = self.subsets()
        if name not in subsets:
            raise UsageError("no subset %r (the subsets are %s)" % (name, ", ".join(map(repr, subsets)) or "none"))
        return subsets[name]

    def get(self, id: Any, subset: Optional[str] = None) -> Optional[DatasetItem]:
        """The item with this id (in this subset, if given), or None."""
        id = str(id)
        items = self._source.iter_subset(subset) if subset is not None else self._source
        for item in items:
            if item.id == id:
                return item
        return None

    def transform_items(self, function: Callable[[DatasetItem], Optional[DatasetItem]]) -> "Dataset":
        """A new dataset whose items are ``function(item)``, lazily; None drops one."""
        return Dataset(MappedSource(self._source, function))

    # The operations sit above the model; they are looked up only when called.

    def filter(self, expression: Union[str, Callable[..., bool]], filter_annotations: bool = False,
               remove_empty: bool = False) -> "Dataset":
        """Keep the items (or annotations) an XPath expression or a callable selects; lazily.

        ``filter_annotations=False`` is Datumaro's mode ``i``; True is ``a``;
        True with ``remove_empty=True`` is ``i+a``.
        """
        from ..ops.filter import filter_dataset  # the facade

        return filter_dataset(self, expression, filter_annotations=filter_annotations,
                              remove_empty=remove_empty)

    def transform(self, name: str, **options: Any) -> "Dataset":
        """The dataset through the named transform (see :mod:`mnistio.ops.transforms`); lazily."""
        from ..ops.transforms import transform  # the facade

        return transform(self, name, **options)

    def merge(self, *others: "Dataset", exact: bool = False) -> "Dataset":
        """The union of this dataset and ``others``, label names reconciled by name."""
        from ..ops.merge import merge  # the facade

        return merge(self, *others, exact=exact)

    def export(self, save_dir: Any, format: str, *, save_media: Optional[bool] = None, image_ext: Optional[str] = None,
               save_dataset_meta: bool = False, overwrite: bool = False, **options: Any) -> Any:
        """Write the dataset to ``save_dir`` in ``format``, atomically.

        ``save_media=None`` is the layout's default, as in Datumaro: labels
        only, but images for the layouts made of image files only
        (imagenet, imagenet_with_subset_dirs, image_dir).

        ``save_dir`` must be missing or empty unless ``overwrite=True``; it
        is replaced as a whole only once the export has succeeded.
        """
        from .. import formats  # the facade: the registry sits above, looked up at call time

        return formats.export(self, save_dir, format, save_media=save_media, image_ext=image_ext,
                              save_dataset_meta=save_dataset_meta, overwrite=overwrite, **options)

    def __repr__(self) -> str:
        return "Dataset(format=%r, path=%r, labels=%d)" % (self.format, self.path, len(self.label_names))
