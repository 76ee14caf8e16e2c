"""The dataset: items streamed from a source, changed in place as Datumaro's are.

A :class:`Dataset` does not hold its items: it holds a *source* (see
:mod:`mnistio.model.sources`) that yields them, again on every iteration.
Imported datasets read their files lazily, so iterating or converting one
keeps a bounded window of items in memory, whatever the dataset's size.

As in Datumaro, ``filter``, ``transform``, ``select`` and ``update`` change
the dataset and return it: the dataset's source is replaced by one that
computes the change lazily, item by item, when the dataset is read.
``put`` and ``remove`` keep the items given in a small overlay. The dataset
remembers what changed since it was imported or last saved
(``is_modified``, ``get_patch``), and exporting it into the folder it came
from rewrites only what changed. In *eager* mode (``eager_mode()``, or
``dataset.eager = True``) every change is computed at once into memory, so
that errors show where they are made.

``Dataset.import_from``, ``export``, ``filter``, ``transform`` and ``merge``
are the one documented facade that reaches up: they look the format registry
and the operations up when called, so the model imports nothing above it.
``docs/datumaro.rst`` lists where mnistio's behaviour differs from Datumaro's.
"""

from __future__ import annotations

from itertools import islice

from ..errors import MnistioError, RepeatedItemError, UsageError
from .items import DEFAULT_SUBSET_NAME, AnnotationType, DatasetItem, LabelCategories, as_label_categories
from .patch import DatasetPatch, ItemStatus, PatchItems, update_status
from .sources import CheckedSource, EditedSource, ItemSource, ListSource, MappedSource, SubsetSource
from .transform import ExtractorSource, Transform, TransformSource

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Set, Tuple, Union

    from .arrays import Arrays
    from .sources import SubsetCounts

    ItemKey = Tuple[str, str]

__all__ = ["Dataset", "DatasetSubset", "StreamDataset", "eager_mode"]


class Dataset:
    """A labelled image dataset, streamed from its source on every iteration."""

    #: eager_mode() sets this for every dataset whose ``eager`` is None
    _global_eager = False
    _stream = False

    def __init__(self, source: Any = None, *, categories: Any = None, infos: Optional[Dict[str, Any]] = None,
                 media_type: Any = None, ann_types: Any = None, env: Any = None) -> None:
        if isinstance(source, Dataset):
            source = source.source
        elif source is None:
            source = ListSource([], as_label_categories(categories))
        elif not isinstance(source, ItemSource):
            if not hasattr(source, "__iter__"):
                raise UsageError("a Dataset is made from an extractor (items with categories()), an ItemSource "
                                 "or another Dataset, not %s" % type(source).__name__)
            source = ExtractorSource(source)
        self._source: ItemSource = source
        self._edits: Dict[ItemKey, Optional[DatasetItem]] = {}
        self._statuses: Dict[ItemKey, ItemStatus] = {}
        self._base: ItemSource = source  # what get_patch compares with: as imported, or as last saved
        self._transformed = False
        self._counts: Optional[SubsetCounts] = None
        self._infos = dict(infos or {})
        self._path: Optional[str] = source.path
        self._format: Optional[str] = source.format
        self._options: Dict[str, Any] = {}
        self._recipe: Optional[List[Tuple[Any, ...]]] = None  # how to make it again (pickling)
        self.eager: Optional[bool] = None

    # -- constructors -------------------------------------------------------

    @classmethod
    def from_iterable(cls, items: Iterable[DatasetItem], infos: Any = None, categories: Any = None, *,
                      media_type: Any = None, ann_types: Any = None, env: Any = None) -> "Dataset":
        """A dataset from DatasetItems, with label names (a list of names,
        a LabelCategories, or Datumaro's ``{AnnotationType.label: ...}``).

        The parameters are in Datumaro's order (``items, infos, categories``); label names given
        second, as ``from_iterable(items, ["a", "b"])``, are taken as the categories they are (a
        dict of infos has string keys). Unlike imported datasets, the items are held in memory.
        """
        if categories is None and infos is not None and not _is_infos(infos):
            infos, categories = None, infos
        items = list(items)
        seen = set()
        for position, item in enumerate(items):
            if not isinstance(item, DatasetItem):
                raise UsageError("item %d is a %s, expected a DatasetItem" % (position, type(item).__name__))
            key = (item.id, item.subset)
            if key in seen:  # as Datumaro: one of the two would otherwise be lost or renamed unasked
                raise RepeatedItemError(key)
            seen.add(key)
        dataset = cls(ListSource(items, as_label_categories(categories)), infos=infos)
        dataset._recipe = [("items", items, dataset._source.categories)]
        return dataset

    @classmethod
    def import_from(cls, path: Any, format: Optional[str] = None, *, env: Any = None, progress_reporter: Any = None,
                    error_policy: Any = None, **options: Any) -> "Dataset":
        """Open a dataset on disk, lazily; ``format=None`` detects it.

        With an ``error_policy`` (:class:`~mnistio.model.policy.ImportErrorPolicy`) or a
        ``progress_reporter`` (:class:`~mnistio.model.progress.ProgressReporter`), the dataset is
        read through once now, as Datumaro reads it at once then: the reporter follows each subset,
        and every item the files hold but that cannot be read is reported to the policy, which
        either stops the import (the default, :class:`~mnistio.model.policy.FailingImportErrorPolicy`)
        or lets it leave the item out and go on. The dataset then stays lazy (unless eager): later
        passes read the files again and leave the same items out, without reporting them again.
        """
        from .. import formats  # the facade: the registry sits above, looked up at call time

        context = None
        if error_policy is not None or progress_reporter is not None:
            from .policy import ImportContext  # here: ``import mnistio`` stays cheap

            context = ImportContext(progress_reporter=progress_reporter, error_policy=error_policy)
        source = formats.read(path, format, **options)
        dataset = cls(source)
        if context is not None:
            checked = CheckedSource(source, context, keep=dataset.is_eager)
            dataset = cls(checked if checked.items is None else ListSource(checked.items, source.categories))
            dataset._path, dataset._format = source.path, source.format
        dataset._recipe = [("import", path, dataset._format, options, error_policy)]
        dataset._options = dict(options)
        if dataset.is_eager:
            dataset.init_cache()
        return dataset

    @classmethod
    def from_extractors(cls, *sources: Any, env: Any = None, merge_policy: str = "exact") -> "Dataset":
        """One dataset of several: their union, label names reconciled by name.

        ``merge_policy="exact"`` refuses an (id, subset) found in two sources; ``"union"`` renames
        the later one ``<id>~<n>`` (Datumaro joins the two items into one).
        """
        if merge_policy not in ("exact", "union"):
            raise UsageError("merge_policy %r: mnistio merges by 'exact' or 'union'" % (merge_policy,))
        datasets = [source if isinstance(source, Dataset) else Dataset(source) for source in sources]
        if len(datasets) == 1:
            return cls(datasets[0].source)
        return datasets[0].merge(*datasets[1:], exact=merge_policy == "exact")

    @staticmethod
    def detect(path: Any, *, env: Any = None, depth: int = 2) -> str:
        """The name of the format ``path`` looks most like; an error when it looks like none."""
        from .. import formats

        found = formats.detect(path)
        if not found:
            raise UsageError("cannot tell the format (known formats: %s)" % ", ".join(formats.names()), path)
        return found[0]

    # -- what it is -----------------------------------------------------------

    @property
    def source(self) -> ItemSource:
        """The :class:`~mnistio.model.sources.ItemSource` this dataset reads its items from now."""
        return EditedSource(self._source, self._edits) if self._edits else self._source

    @property
    def format(self) -> Optional[str]:
        """The format of the folder the dataset is bound to (imported from, or last exported to)."""
        return self._format

    @property
    def path(self) -> Optional[str]:
        return self._path

    data_path = path

    @property
    def options(self) -> Dict[str, Any]:
        return self._options

    @property
    def is_bound(self) -> bool:
        return bool(self._path) and bool(self._format)

    def bind(self, path: Any, format: Optional[str] = None, *, options: Optional[Dict[str, Any]] = None) -> None:
        """Make ``save()`` write to ``path`` in ``format`` (with ``options``) from now on."""
        self._path = str(path)
        self._format = format
        self._options = dict(options or {})

    @property
    def is_eager(self) -> bool:
        return self.eager if self.eager is not None else Dataset._global_eager

    @property
    def is_stream(self) -> bool:
        return self._stream

    @property
    def is_cache_initialized(self) -> bool:
        """Whether the items are held in memory (``from_iterable``, eager mode, ``init_cache()``)."""
        return self._source.in_memory

    def init_cache(self) -> None:
        """Read every item into memory now, as Datumaro's cache: errors show here, and lookups
        by key are a dictionary's. Memory then grows with the dataset."""
        if not self.is_cache_initialized or self._edits:
            self._source = ListSource(list(self.source), self._source.categories)
            self._edits = {}
            self._counts = None

    def categories(self) -> Dict[AnnotationType, LabelCategories]:
        """Datumaro's ``{AnnotationType.label: LabelCategories}``."""
        return {AnnotationType.label: self._source.categories}

    def define_categories(self, categories: Any) -> None:
        """Set the label names of a dataset that has none yet, as Datumaro's."""
        if len(self._source.categories):
            raise UsageError("the dataset's label names are already defined")
        self._source.categories = as_label_categories(categories)

    def infos(self) -> Dict[str, Any]:
        return self._infos

    def define_infos(self, infos: Dict[str, Any]) -> None:
        self._infos = dict(infos)

    def media_type(self) -> Any:
        from .image import Image

        return Image

    def ann_types(self) -> Set[AnnotationType]:
        return {AnnotationType.label}

    @property
    def label_categories(self) -> LabelCategories:
        return self._source.categories

    @property
    def label_names(self) -> List[str]:
        return self._source.categories.names

    def get_label_cat_names(self) -> List[str]:
        return self.label_names

    def get_infos(self) -> Iterator[str]:
        """Datumaro's lines describing ``infos()``: ``"key: value\\n"``."""
        return iter(["%s: %s\n" % pair for pair in self._infos.items()] or ["\n"])

    def get_categories_info(self) -> Iterator[str]:
        """Datumaro's lines describing the categories: ``"1: ['0', '1', ...]\\n"``."""
        # str() of the enum member, as Datumaro: "label" before Python 3.11, "1" from 3.11 (IntEnum)
        return iter(["%s: %r\n" % (str(AnnotationType.label).split(".")[-1], self.label_names)])

    def get_subset_info(self) -> Iterator[str]:
        """Datumaro's line per subset: items, annotated items and annotations, subsets sorted."""
        counts: Dict[str, List[int]] = {}
        for item in self:
            found = counts.setdefault(item.subset, [0, 0, 0])
            found[0] += 1
            found[1] += bool(item.annotations)
            found[2] += len(item.annotations)
        return iter("%s: # of items=%d, # of annotated items=%d, # of annotations=%d\n"
                    % (name, counts[name][0], counts[name][1], counts[name][2]) for name in sorted(counts))

    def get_datasetitem_by_path(self, path: Any) -> Optional[DatasetItem]:
        """The item whose image was read from ``path`` (relative to the dataset's folder, or not)."""
        import os

        wanted = os.path.abspath(os.path.join(self._path or "", os.fspath(path)))
        for item in self:
            if item.media is not None and item.media.path and os.path.abspath(item.media.path) == wanted:
                return item
        return None

    @property
    def env(self) -> None:
        """Datumaro's plugin environment: mnistio has none (its formats and transforms are
        registered in :mod:`mnistio.formats` and :mod:`mnistio.ops.transforms`)."""
        return None

    @classmethod
    def load(cls, path: Any, **options: Any) -> "Dataset":
        """Datumaro's own format, which mnistio does not read: an error saying what to use."""
        raise UsageError("Dataset.load() reads Datumaro's own format, which mnistio does not read; use "
                         "Dataset.import_from(path, format)", path)

    def __iter__(self) -> Iterator[DatasetItem]:
        return iter(self.source)

    def __len__(self) -> int:
        return sum(self.subset_counts().values())

    def known_length(self) -> Optional[int]:
        """The number of items when it is known without reading them, else None."""
        counts = self._counts or self.source.known_counts()
        return sum(counts.values()) if counts is not None else None

    def subset_counts(self) -> SubsetCounts:
        """``{subset name: item count}``."""
        if self._counts is None:
            self._counts = self.source.subset_counts()
        return dict(self._counts)

    def subsets(self) -> Dict[str, "DatasetSubset"]:
        """``{subset name: DatasetSubset}`` live views, as Datumaro's ``subsets()``."""
        return {name: DatasetSubset(self, name) for name in self.subset_counts()}

    def get_subset(self, name: Optional[str]) -> "DatasetSubset":
        """A live view of one subset (empty if there is none of that name yet): ``len``,
        iteration, ``put``, ``get`` and ``remove`` act on this dataset."""
        return DatasetSubset(self, name or DEFAULT_SUBSET_NAME)

    def get(self, id: Any, subset: Optional[str] = None) -> Optional[DatasetItem]:
        """The item ``(id, subset)`` (subset ``"default"`` when not given), or None.

        Items put or held in memory are found in a dictionary; a dataset read
        lazily is searched in that subset only.
        """
        return self.source.lookup(str(id), subset or DEFAULT_SUBSET_NAME)

    def __contains__(self, value: Any) -> bool:
        if isinstance(value, DatasetItem):
            value = (value.id, value.subset)
        elif not isinstance(value, (tuple, list)):
            value = (value,)
        return self.get(*value) is not None

    def get_annotated_items(self) -> int:
        return sum(bool(item.annotations) for item in self)

    def get_annotations(self) -> int:
        return sum(len(item.annotations) for item in self)

    def __getitem__(self, index: Union[int, slice]) -> Any:
        """The item at ``index`` in iteration order (negative from the end; an IndexError past
        it), or a list of items for a slice.

        Found as its subset's item (:meth:`DatasetSubset.__getitem__`: a seek where the layout
        allows, ``docs/api.rst``, "Random access"); a dataset whose iteration does not keep each
        subset's items together (items put under new keys) is read up to the item.
        """
        source = self.source
        if isinstance(index, slice):
            return _take(source, None, range(*index.indices(len(self))))
        position = _position(index, len(self))
        if isinstance(source, ListSource):
            return source.items[position]
        if source.grouped:
            for name, count in self.subset_counts().items():
                if position < count:
                    return source.item_at(name, position)
                position -= count
        return _take(source, None, range(position, position + 1))[0]

    # -- editing --------------------------------------------------------------

    def put(self, item: DatasetItem, id: Optional[str] = None, subset: Optional[str] = None) -> None:
        """Add an item, or replace the one with its id and subset."""
        if not isinstance(item, DatasetItem):
            raise UsageError("put() takes a DatasetItem, not %s" % type(item).__name__)
        changes: Dict[str, Any] = {}
        if id is not None:
            changes["id"] = id
        if subset is not None:
            changes["subset"] = subset
        if changes:
            item = item.wrap(**changes)
        key = (item.id, item.subset)
        # As Datumaro: a put into a dataset read lazily counts as "added" (nothing is looked up);
        # in memory, "modified" when the key was there.
        existed = self.is_cache_initialized and self.get(*key) is not None
        self._edits[key] = item
        update_status(self._statuses, key, ItemStatus.modified if existed else ItemStatus.added)
        self._changed()

    def remove(self, id: Any, subset: Optional[str] = None) -> None:
        """Remove the item ``(id, subset)`` (nothing happens if there is none)."""
        key = (str(id), subset or DEFAULT_SUBSET_NAME)
        self._edits[key] = None
        self._statuses[key] = ItemStatus.removed  # as Datumaro: even an item just added leaves this mark
        self._changed()

    def update(self, source: Any) -> "Dataset":
        """Put every item of ``source`` (a dataset, a patch, or items), as Datumaro's ``update``:
        matching items are replaced, others added; a patch's removals are applied; a dataset's
        labels are matched to this one's by name. Returns this dataset."""
        if isinstance(source, DatasetPatch):
            for (id, subset), status in source.updated_items.items():
                if status is ItemStatus.removed:
                    self.remove(id, subset)
                else:
                    self.put(source.data.get(id, subset))  # type: ignore[arg-type]
            return self
        if isinstance(source, Dataset):
            from ..ops.transforms import transform  # the facade

            source = transform(Dataset(source.source), "project_labels", dst_labels=self.label_names)
        for item in source:
            self.put(item)
        return self

    # -- in-place operations ----------------------------------------------------

    def filter(self, expression: Union[str, Callable[..., bool]], filter_annotations: bool = False,
               remove_empty: bool = False) -> "Dataset":
        """Keep the items (or annotations) an XPath expression or a callable selects; in place,
        lazily, as Datumaro's. Returns this dataset.

        ``filter_annotations=False`` is Datumaro's mode ``i``; True is ``a``;
        True with ``remove_empty=True`` is ``i+a``.
        """
        from ..ops.filter import filter_dataset  # the facade

        result = filter_dataset(self._view(), expression, filter_annotations=filter_annotations,
                                remove_empty=remove_empty)
        return self._replace_source(result.source, ("filter", expression, filter_annotations, remove_empty))

    def select(self, predicate: Callable[[DatasetItem], bool]) -> "Dataset":
        """Keep the items for which ``predicate(item)`` is true; in place, lazily."""
        if not callable(predicate):
            raise UsageError("select() takes a function of an item, not %r" % (predicate,))
        source = MappedSource(self.source, lambda item: item if predicate(item) else None)
        return self._replace_source(source, ("select", predicate))

    def transform(self, method: Any, **options: Any) -> "Dataset":
        """Apply a transform in place, lazily, as Datumaro's: ``method`` is a transform's name
        (see :mod:`mnistio.ops.transforms`) or a :class:`~mnistio.model.transform.Transform`
        subclass. A transform refusing its options raises and leaves the dataset as it was."""
        if isinstance(method, str):
            from ..ops.transforms import transform  # the facade

            source = transform(self._view(), method, **options).source
        elif isinstance(method, type) and issubclass(method, Transform):
            source = TransformSource(self.source, method(self._view(), **options))
        else:
            raise UsageError("a transform is a name or a Transform subclass, not %r" % (method,))
        return self._replace_source(source, ("transform", method, options))

    def transform_items(self, function: Callable[[DatasetItem], Optional[DatasetItem]]) -> "Dataset":
        """A new dataset whose items are ``function(item)``, lazily; None drops one. This dataset
        is left as it is (unlike ``transform``)."""
        return Dataset(MappedSource(self.source, function))

    def merge(self, *others: "Dataset", exact: bool = False) -> "Dataset":
        """A new dataset, the union of this one and ``others``, label names reconciled by name."""
        from ..ops.merge import merge  # the facade

        return merge(self, *others, exact=exact)

    def clone(self) -> "Dataset":
        """A dataset with the same items and changes, changed independently from now on."""
        copy = Dataset(self._source)
        copy._edits = dict(self._edits)
        copy._statuses = dict(self._statuses)
        copy._base = self._base
        copy._transformed = self._transformed
        copy._infos = dict(self._infos)
        copy._path, copy._format, copy._options = self._path, self._format, dict(self._options)
        copy._recipe = list(self._recipe) if self._recipe is not None else None
        copy.eager = self.eager
        return copy

    # -- changes ----------------------------------------------------------------

    @property
    def is_modified(self) -> bool:
        """Whether anything changed since the dataset was imported or last saved."""
        return self._transformed or bool(self._statuses)

    def get_patch(self) -> DatasetPatch:
        """The changes since the dataset was imported or last saved (see :mod:`mnistio.model.patch`).

        After a transform or filter this reads the dataset as it was and as it
        is (their keys only), once each.
        """
        statuses: Dict[ItemKey, ItemStatus] = {}
        if self._transformed:
            before = {(item.id, item.subset) for item in self._base}
            for item in self._source:
                key = (item.id, item.subset)
                statuses[key] = ItemStatus.modified if key in before else ItemStatus.added
            for key in before:
                if key not in statuses:
                    statuses[key] = ItemStatus.removed
        for key, status in self._statuses.items():
            update_status(statuses, key, status)
        return DatasetPatch(PatchItems(statuses, self.get), self.categories(), statuses, self._infos)

    def flush_changes(self) -> None:
        """Forget the changes: the dataset as it is now is what later patches compare with."""
        self._base = self.source
        self._statuses = {}
        self._transformed = False

    # -- writing ----------------------------------------------------------------

    def export(self, save_dir: Any, format: str, *, save_media: Optional[bool] = None, image_ext: Optional[str] = None,
               save_dataset_meta: bool = False, overwrite: bool = False, progress_reporter: Any = None,
               error_policy: Any = None, **options: Any) -> Any:
        """Write the dataset to ``save_dir`` in ``format``, atomically; return the export report.

        ``save_media=None`` is the layout's default, as in Datumaro: labels
        only, but images for the layouts made of image files only
        (imagenet, imagenet_with_subset_dirs, image_dir).

        ``save_dir`` must be missing or empty unless ``overwrite=True``, or be
        the folder the dataset is bound to, in its format: then only what
        changed is written again, as Datumaro saves a dataset in place. The
        folder is replaced as a whole once the export has succeeded, and the
        dataset is bound to it (``save()`` writes there again).
        """
        from .. import formats  # the facade: the registry sits above, looked up at call time

        in_place = format == self._format and formats.same_folder(save_dir, self._path) \
            and self._bound_folder_holds(format)
        if in_place and not self.is_modified:
            report = formats.ExportReport(format)
            report.path = formats.folder_of(self._path)
            report.notes.append("nothing changed since the dataset was read: nothing was written")
            return report
        report = formats.export(self, save_dir, format, save_media=save_media, image_ext=image_ext,
                                save_dataset_meta=save_dataset_meta, overwrite=overwrite or in_place,
                                patch=self.get_patch() if in_place else None, **options)
        self.bind(report.path, format, options=dict(options, save_media=save_media, image_ext=image_ext,
                                                    save_dataset_meta=save_dataset_meta))
        if in_place:  # read the new files from now on: the old ones are gone
            self._source = formats.read(report.path, format)
            self._edits = {}
            self._counts = None
        self.flush_changes()
        return report

    def save(self, save_dir: Any = None, **options: Any) -> Any:
        """Export to the folder the dataset is bound to (or ``save_dir``) in its format."""
        if not self._format or not (save_dir or self._path):
            raise UsageError("the dataset is bound to no folder and format: use export(save_dir, format)")
        from .. import formats  # the facade: the registry sits above, looked up at call time

        # The options the dataset was imported with (label_column, workers) are the reading's, not the export's.
        exporting = formats.get(self._format).all_export_options
        merged = {name: value for name, value in self._options.items() if name in exporting}
        merged.update(options)
        return self.export(save_dir or self._path, self._format, **merged)

    # -- internal ---------------------------------------------------------------

    def _bound_folder_holds(self, format: str) -> bool:
        """Whether the bound folder still holds a dataset in ``format``: one deleted (or emptied)
        since is written whole, not patched (a patch of nothing changed would write nothing)."""
        from .. import formats

        folder = formats.folder_of(self._path)
        try:
            return format in formats.detect(folder)
        except MnistioError:  # gone
            return False

    def _view(self) -> "Dataset":
        """A dataset over the current items that the operations may read (not change)."""
        return Dataset(self.source)

    def _replace_source(self, source: ItemSource, step: Tuple[Any, ...]) -> "Dataset":
        if self.is_eager:  # computed now: an error leaves the dataset as it was
            source = ListSource(list(source), source.categories)
        self._source = source
        self._edits = {}
        self._transformed = True
        self._counts = None
        if self._recipe is not None:
            self._recipe.append(step)
        return self

    def _changed(self) -> None:
        self._counts = None
        if self._recipe is not None:
            self._recipe.append(("edits", dict(self._edits)))
        if self.is_eager:
            self.init_cache()

    def __reduce__(self) -> Tuple[Any, ...]:
        if self._recipe is None:
            return (_from_source, (self.source, self._path, self._format))
        return (_from_recipe, (_compact(self._recipe), self._statuses, self._transformed, self._path,
                               self._format, self._options, self.eager, self._stream))

    def __repr__(self) -> str:
        return "Dataset(format=%r, path=%r, labels=%d)" % (self.format, self.path, len(self.label_names))


class StreamDataset(Dataset):
    """A dataset that is only ever streamed, as Datumaro's: no patch, no in-memory cache."""

    _stream = True

    def get_patch(self) -> DatasetPatch:
        raise UsageError("a StreamDataset keeps no changes: get_patch() is not available in streaming")

    def flush_changes(self) -> None:
        raise UsageError("a StreamDataset keeps no changes: flush_changes() is not available in streaming")

    def init_cache(self) -> None:
        raise UsageError("a StreamDataset is not held in memory")

    def update(self, source: Any) -> "Dataset":
        raise UsageError("a StreamDataset cannot be updated in streaming")


class DatasetSubset:
    """A live view of one subset of a dataset, as Datumaro's ``DatasetSubset``."""

    def __init__(self, parent: Dataset, name: str) -> None:
        self.parent = parent
        self.name = name

    def __iter__(self) -> Iterator[DatasetItem]:
        return self.parent.source.iter_subset(self.name)

    def __len__(self) -> int:
        return self.parent.subset_counts().get(self.name, 0)

    def __getitem__(self, index: Union[int, slice]) -> Any:
        """The item at ``index`` of this subset in iteration order (negative from the end; an
        IndexError past it), or a list of items for a slice. A seek on the layouts that allow it
        (raw IDX, npz, CSV after one pass: ``docs/api.rst``, "Random access"), else a read up to it."""
        source = self.parent.source
        if isinstance(index, slice):
            return _take(source, self.name, range(*index.indices(len(self))))
        return source.item_at(self.name, _position(index, len(self)))

    def _check(self, subset: Optional[str]) -> None:
        if (subset or DEFAULT_SUBSET_NAME) != self.name:
            raise UsageError("subset %r is a view of subset %r only" % (subset, self.name))

    def put(self, item: DatasetItem) -> None:
        self.parent.put(item, subset=self.name)

    def get(self, id: Any, subset: Optional[str] = None) -> Optional[DatasetItem]:
        self._check(subset if subset is not None else self.name)
        return self.parent.get(id, self.name)

    def remove(self, id: Any, subset: Optional[str] = None) -> None:
        self._check(subset if subset is not None else self.name)
        self.parent.remove(id, self.name)

    def __contains__(self, value: Any) -> bool:
        if isinstance(value, DatasetItem):
            return value.subset == self.name and self.get(value.id) is not None
        return self.get(value) is not None

    def get_subset(self, name: Optional[str]) -> "DatasetSubset":
        self._check(name)
        return self

    def subsets(self) -> Dict[str, "DatasetSubset"]:
        return {self.name: self}

    def categories(self) -> Dict[AnnotationType, LabelCategories]:
        return self.parent.categories()

    def infos(self) -> Dict[str, Any]:
        return self.parent.infos()

    def media_type(self) -> Any:
        return self.parent.media_type()

    def ann_types(self) -> Set[AnnotationType]:
        return self.parent.ann_types()

    def get_annotated_items(self) -> int:
        return sum(bool(item.annotations) for item in self)

    def get_annotations(self) -> int:
        return sum(len(item.annotations) for item in self)

    @property
    def is_stream(self) -> bool:
        return self.parent.is_stream

    def as_dataset(self) -> Dataset:
        """A dataset of this subset's items (as they are now), bound as the parent is."""
        dataset = Dataset(SubsetSource(self.parent.source, self.name, len(self)))
        dataset._path, dataset._format = self.parent.path, self.parent.format
        return dataset

    def to_arrays(self, *, writable: bool = True, no_label: int = -1) -> Arrays:
        """``(images, labels)``: this subset's pixels as one uint8 array ``(N, H, W[, C])`` and its
        labels as an int64 array ``(N,)``, each ``numpy.asarray``-able with no copy, writable unless
        ``writable=False``; ``no_label`` for items without a label (``mnistio.model.arrays``)."""
        from .arrays import arrays_of_items, check_no_label  # here: ``import mnistio`` stays cheap

        where = "subset %r" % self.name
        fast = self.parent.source.read_arrays(self.name, no_label=check_no_label(no_label), writable=writable)
        if fast is not None:
            return fast
        counts = self.parent.source.known_counts()
        return arrays_of_items(self, where, count=counts.get(self.name) if counts else None, no_label=no_label,
                               writable=writable)

    def to_numpy(self, *, no_label: int = -1) -> Tuple[Any, Any]:
        """:meth:`to_arrays` as numpy arrays (a UsageError when numpy is not installed)."""
        return self.to_arrays(no_label=no_label).to_numpy()

    def __repr__(self) -> str:
        return "DatasetSubset(%r, %d items)" % (self.name, len(self))


def _position(index: Any, count: int) -> int:
    """``index`` as a position in ``0 .. count - 1`` (negative counts from the end)."""
    if not isinstance(index, int) or isinstance(index, bool):
        raise UsageError("a dataset is indexed by an integer position or a slice, not %r" % (index,))
    position = index + count if index < 0 else index
    if not 0 <= position < count:
        raise IndexError("index %d out of range (%d items)" % (index, count))
    return position


def _take(source: ItemSource, subset: Optional[str], positions: range) -> List[DatasetItem]:
    """The items at ``positions`` of ``subset`` (None: the whole dataset, in iteration order): seeks
    when the source can, else one read up to the last position."""
    if not positions:
        return []
    if subset is not None and source.random_access:
        return [source.item_at(subset, position) for position in positions]
    low, high = min(positions), max(positions)
    items = source.iter_subset(subset) if subset is not None else iter(source)
    window = list(islice(items, low, high + 1))
    if len(window) <= high - low:
        raise IndexError("index %d out of range (%d items)" % (high, low + len(window)))
    return [window[position - low] for position in positions]


def _is_infos(value: Any) -> bool:
    """Datumaro's infos (a dict of string keys), as opposed to categories given in its place."""
    return isinstance(value, dict) and all(isinstance(key, str) for key in value)


class eager_mode:  # noqa: N801 - Datumaro's name; a class, as contextlib costs ``import mnistio`` 1 ms
    """Within the block, datasets (or ``dataset`` only) compute every change at once, in memory."""

    def __init__(self, new_mode: bool = True, dataset: Optional[Dataset] = None) -> None:
        self.new_mode = new_mode
        self.dataset = dataset
        self._old: Optional[bool] = False  # a dataset's own mode may be None: the global one

    def __enter__(self) -> None:
        if self.dataset is not None:
            self._old, self.dataset.eager = self.dataset.eager, self.new_mode
        else:
            self._old, Dataset._global_eager = Dataset._global_eager, self.new_mode

    def __exit__(self, *exc_info: Any) -> None:
        if self.dataset is not None:
            self.dataset.eager = self._old
        else:
            Dataset._global_eager = bool(self._old)


def _compact(recipe: List[Tuple[Any, ...]]) -> List[Tuple[Any, ...]]:
    """The recipe with each run of edit snapshots reduced to its last."""
    compact: List[Tuple[Any, ...]] = []
    for step in recipe:
        if step[0] == "edits" and compact and compact[-1][0] == "edits":
            compact[-1] = step
        else:
            compact.append(step)
    return compact


def _from_source(source: ItemSource, path: Optional[str], format: Optional[str]) -> Dataset:
    dataset = Dataset(source)
    dataset._path, dataset._format = path, format
    return dataset


def _from_recipe(recipe: List[Tuple[Any, ...]], statuses: Dict[Any, ItemStatus], transformed: bool,
                 path: Optional[str], format: Optional[str], options: Dict[str, Any], eager: Optional[bool],
                 stream: bool) -> Dataset:
    """Make a pickled dataset again: open or hold its items, then replay its changes."""
    kind = StreamDataset if stream else Dataset
    first = recipe[0]
    if first[0] == "import":
        dataset = kind.import_from(first[1], first[2], error_policy=first[4], **first[3])
    else:
        dataset = kind.from_iterable(first[1], first[2])
    for step in recipe[1:]:
        if step[0] == "edits":
            dataset._edits = dict(step[1])
        elif step[0] == "filter":
            dataset.filter(step[1], filter_annotations=step[2], remove_empty=step[3])
        elif step[0] == "select":
            dataset.select(step[1])
        else:
            dataset.transform(step[1], **step[2])
    dataset._statuses, dataset._transformed = dict(statuses), transformed
    dataset._path, dataset._format, dataset._options, dataset.eager = path, format, dict(options), eager
    return dataset
