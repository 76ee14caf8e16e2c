"""Datumaro's high-level operations (``datumaro.components.hl_ops.HLOps``): functions of
datasets that return a new dataset and leave their inputs as they are.

::

    import mnistio as dm

    threes = dm.HLOps.filter(dataset, '/item[annotation/label="3"]')
    parts = dm.HLOps.transform(dataset, "random_split", splits=[("train", .8), ("test", .2)])
    both = dm.HLOps.merge(a, b, merge_policy="union")
    train = dm.HLOps.aggregate(dataset, from_subsets=["train", "val"], to_subset="train")
    dm.HLOps.export(both, "out", "mnist", save_media=True)

Unlike the :class:`~mnistio.model.dataset.Dataset` methods of the same
names, which change the dataset in place (as Datumaro's do), these return
a new dataset over the input's current items; like them they are lazy and
stream. ``mnistio.HLOps`` loads this module on first use, so ``import
mnistio`` does not load the operations.

Where they differ from Datumaro's:

* ``merge``: ``merge_policy="union"`` is :func:`mnistio.ops.merge.merge`
  (an id clash renamed ``<id>~<input>``; Datumaro renames both items
  ``<id>-0``, ``<id>-1``). ``"exact"`` (the default, as Datumaro's) refuses
  an id clash, naming it: Datumaro joins the two items into one, keeping
  the first image and the labels of both, which silently drops the other
  image when the items carry pixels and no file path (IDX, CSV, CIFAR).
  Label names are united by name under both policies (Datumaro's exact
  merge needs equal label lists). ``"intersect"`` (annotation voting) is
  not supported. ``report_path`` reads the merge once and writes
  Datumaro's report (its error lists, empty: these policies record none)
  with the renamed items.
* ``export`` returns the export report (Datumaro: None) and, as
  :meth:`Dataset.export`, needs an empty or missing folder unless
  ``overwrite=True``; it leaves the dataset unbound.
* ``validate`` and ``compare`` are not carried out: Datumaro's reports
  have no counterpart here; they raise a UsageError naming mnistio's
  ``validate`` and ``stats``.
* ``env`` is accepted and not used: mnistio finds transforms and formats in
  its own registries.
"""

from __future__ import annotations

import json
import os

from ..errors import FileSystemError, UsageError
from ..model.dataset import Dataset, DatasetSubset

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Iterable, Optional, Union

__all__ = ["HLOps"]


class HLOps:
    """Datumaro's ``HLOps``: each operation returns a new dataset (see the module docstring)."""

    @staticmethod
    def transform(dataset: Any, method: Any, *, env: Any = None, **kwargs: Any) -> Dataset:
        """``dataset`` through a transform (a name, or a Transform subclass), as a new dataset."""
        return _new(dataset).transform(method, **kwargs)

    @staticmethod
    def filter(dataset: Any, expr_or_filter_func: Union[str, Callable[..., Any]], *,
               filter_annotations: bool = False, remove_empty: bool = False) -> Dataset:
        """The items (or annotations) an XPath expression or a function selects, as a new dataset."""
        return _new(dataset).filter(expr_or_filter_func, filter_annotations=filter_annotations,
                                    remove_empty=remove_empty)

    @staticmethod
    def merge(*datasets: Any, merge_policy: str = "exact", report_path: Optional[str] = None,
              **kwargs: Any) -> Dataset:
        """The union of ``datasets``; ``merge_policy`` ``"exact"`` refuses id clashes, ``"union"``
        renames them (:mod:`mnistio.ops.merge`)."""
        from .merge import merge

        if kwargs:
            raise UsageError("merge takes no option %s (only merge_policy and report_path)"
                             % ", ".join(sorted(kwargs)))
        if merge_policy not in ("exact", "union"):
            if merge_policy == "intersect":
                raise UsageError("merge policy 'intersect' (Datumaro's voting on annotations) is not "
                                 "supported: use 'union' (clashing ids renamed) or 'exact' (refused)")
            raise UsageError("%s is invalid Merger name. (the policies: 'exact', 'union')" % (merge_policy,))
        merged = merge(*[_dataset(dataset) for dataset in datasets], exact=merge_policy == "exact")
        if report_path:
            _write_merge_report(merged, report_path)
        return merged

    @staticmethod
    def export(dataset: Any, path: Any, format: str, *, env: Any = None, **kwargs: Any) -> Any:
        """Write ``dataset`` to ``path`` in ``format``; the dataset is left as it was (not bound
        to ``path``). Returns the export report."""
        from ..formats import export

        return export(_dataset(dataset), path, format, **kwargs)

    @staticmethod
    def aggregate(dataset: Any, from_subsets: Iterable[str], to_subset: str) -> Dataset:
        """The subsets ``from_subsets`` joined into one called ``to_subset``, as a new dataset."""
        if isinstance(from_subsets, str):
            raise UsageError("from_subsets is a list of subset names, not a string")
        dataset = _dataset(dataset)
        names = list(dataset.subset_counts())
        for subset in from_subsets:
            if subset not in names:
                raise UsageError("%s is not found in the subset names ({%s}) in the dataset."
                                 % (subset, ", ".join(repr(name) for name in sorted(names))))
        return HLOps.transform(dataset, "map_subsets", mapping={subset: to_subset for subset in from_subsets})

    @staticmethod
    def validate(dataset: Any, task: Any, *, env: Any = None, **kwargs: Any) -> Any:
        """Not carried out (see the module docstring)."""
        raise UsageError("HLOps.validate makes Datumaro's validation report, which mnistio does not: use "
                         "mnistio.ops.stats.validate(dataset) (or 'mnistio validate') for the problems it finds")

    @staticmethod
    def compare(first_dataset: Any, second_dataset: Any, report_dir: Optional[str] = None, method: str = "table",
                **kwargs: Any) -> Any:
        """Not carried out (see the module docstring)."""
        raise UsageError("HLOps.compare is not available in mnistio: compare mnistio.ops.stats.compute_stats() "
                         "of the two datasets (or 'mnistio stats')")


def _dataset(value: Any) -> Dataset:
    """A Dataset (a subset view becomes its own dataset); anything else is refused."""
    if isinstance(value, DatasetSubset):
        return value.as_dataset()
    if not isinstance(value, Dataset):
        raise UsageError("expected a Dataset, not %s" % type(value).__name__)
    return value


def _new(value: Any) -> Dataset:
    """A new dataset over the current items of ``value``, with its infos; changing it leaves ``value`` alone."""
    dataset = _dataset(value)
    return Dataset(dataset.source, infos=dataset.infos())


def _write_merge_report(merged: Any, path: str) -> None:
    """Datumaro's merge report (``Merger.save_merge_report``), after one pass over the merge."""
    from ..codecs.streams import write_file_atomically

    for _ in merged:
        pass
    report = merged.merge_report
    renamed = [{"subset": rename.subset, "id": rename.old_id, "new id": rename.new_id, "input": rename.input}
               for rename in report.examples]
    text = json.dumps({"Item errors": {}, "Source errors": {}, "All errors": [],
                       "Renamed items": report.total_renamed, "Renamed examples": renamed}, indent=4)
    folder = os.path.dirname(os.path.abspath(path))
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as error:
        raise FileSystemError.from_os_error(error, folder, "cannot make the folder of the merge report") from None
    write_file_atomically(path, text.encode("utf-8"))
