"""Saving a changed dataset into the folder it was read from: only what changed is written again.

Datumaro saves a dataset in place through its exporters' ``patch``. Here the
export still goes through a temporary folder swapped in at the end (never
half-written), but layouts that keep each subset in files of its own
(:attr:`FormatSpec.subset_files`) write only the changed subsets: the files
of the others are hard-linked (or copied, across file systems) from the old
folder. Other layouts write everything again; their image files are linked
when the image is the unchanged file it was read from (``_imagefiles``).

Nothing of the old folder that is not the dataset's is lost: a file the
layout would never read as data (a ``README.md``, a ``PROVENANCE.txt``) is
linked into the new folder, and a save that would drop anything else (a
folder, or a data file the layout does not own: another dataset's files)
is refused before anything is written. Datumaro's ``save()`` deletes them,
and drops the images of a layout that stores labels without them; so here
saving in place writes the images unless ``save_media=False`` is given.
"""

from __future__ import annotations

import os

from .._words import count
from ..codecs.images import IMAGE_EXTENSIONS
from ..errors import UsageError
from ..model.dataset import Dataset
from ..model.sources import DerivedSource
from ._output import link_or_copy

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Iterator, List, Sequence, Tuple

    from ..model.items import DatasetItem
    from ..model.patch import DatasetPatch
    from ._export import ExportReport
    from ._spec import FormatSpec

__all__ = ["folder_of", "same_folder", "write_patch", "foreign_entries", "keep_foreign"]

#: the names files the layouts read and write themselves (``batches.meta``: cifar's)
_NAMES_FILES = frozenset(["labels.txt", "dataset_meta.json", "batches.meta"])
#: what a file named so may be to some layout: never kept across a save in place, only refused
_DATA_SUFFIXES = frozenset([".gz", ".xz", ".bz2", ".csv", ".npz", ".npy", ".json", ".pkl", ".pickle"]) \
    | IMAGE_EXTENSIONS


def folder_of(path: Any) -> str:
    """The folder of a dataset path (a dataset given by one of its files lives in its folder). A path
    that does not exist yet is a folder to be made: ``<dataset folder>/out`` is not the dataset's folder."""
    path = os.path.abspath(os.fspath(path))
    return os.path.dirname(path) if os.path.isfile(path) else path


def same_folder(save_dir: Any, bound: Any) -> bool:
    """Whether ``save_dir`` is the folder of the dataset path ``bound``."""
    if bound is None or save_dir is None:
        return False
    try:
        return os.path.realpath(folder_of(save_dir)) == os.path.realpath(folder_of(bound))
    except (TypeError, ValueError):
        return False


class _SubsetsSource(DerivedSource):
    """Only the named subsets of ``parent``, each read on its own."""

    def __init__(self, parent: Any, names: Sequence[str]) -> None:
        super().__init__(parent)
        self.names = list(names)

    def __iter__(self) -> Iterator[DatasetItem]:
        for name in self.names:
            yield from self.parent.iter_subset(name)

    def iter_subset(self, name: str) -> Iterator[DatasetItem]:
        return self.parent.iter_subset(name) if name in self.names else iter(())


def foreign_entries(spec: FormatSpec, old_folder: str, subsets: Sequence[str]) -> Tuple[List[str], List[str]]:
    """``(kept, refused)``: the entries of ``old_folder`` that are not the dataset's, split into those a
    save in place carries over (files no layout reads as data) and those it cannot (folders, data files).

    The dataset's own entries are the names files and, for a layout that keeps subsets apart, the
    files of ``subsets`` (old and new); a layout that does not owns every folder and data file.
    """
    owned = set(_NAMES_FILES)
    if spec.owned_files is not None:
        for name in subsets:
            owned.update(relative.split(os.sep)[0] for relative in spec.owned_files(old_folder, name) or ())
    kept: List[str] = []
    refused: List[str] = []
    for entry in sorted(os.listdir(old_folder)):
        if entry in owned or entry.startswith(".mnistio"):
            continue
        path = os.path.join(old_folder, entry)
        data = os.path.isdir(path) or _looks_like_data(entry, spec.subset_files is None)
        if not data:
            kept.append(entry)
        elif spec.subset_files is not None:
            refused.append(entry)
    return kept, refused


def _looks_like_data(name: str, whole_folder_layout: bool) -> bool:
    """Whether some layout could read the file ``name`` as data (IDX, CSV, pickles, images, lists)."""
    lower = name.lower()
    suffix = os.path.splitext(lower)[1]
    if suffix in _DATA_SUFFIXES or "ubyte" in lower or "idx" in lower or "batch" in lower:
        return True
    return whole_folder_layout and suffix == ".txt"  # imagenet_txt's lists


def keep_foreign(kept: Sequence[str], old_folder: str, temporary: str) -> None:
    """Carry the entries ``kept`` of the old folder into the new one (linked, else copied)."""
    for entry in kept:
        target = os.path.join(temporary, entry)
        if not os.path.lexists(target):
            link_or_copy(os.path.join(old_folder, entry), target)


def check_nothing_foreign_lost(refused: Sequence[str], old_folder: str, format: str) -> None:
    if refused:
        raise UsageError("saving in place would delete %s, which the %s layout does not own (another "
                         "dataset's files?): export to another folder instead"
                         % (", ".join(refused[:5]) + (", ..." if len(refused) > 5 else ""), format), old_folder)


def write_patch(spec: FormatSpec, dataset: Dataset, patch: DatasetPatch, temporary: str, old_folder: str,
                **write_options: Any) -> ExportReport:
    """Write ``dataset`` into ``temporary`` as ``spec``'s layout, re-using the old folder's files of
    every subset the patch leaves unchanged (when the layout keeps subsets apart)."""
    counts = dataset.subset_counts()
    changed = set(patch.updated_subsets)
    files_of = spec.subset_files
    kept = [name for name in counts if name not in changed] if files_of is not None else []
    if not kept or files_of is None:
        return spec.write(dataset, temporary, **write_options)
    kept_files = {name: files_of(old_folder, name) for name in kept}
    if any(files is None for files in kept_files.values()):  # files the layout cannot keep as they are
        return spec.write(dataset, temporary, **write_options)
    rewritten = Dataset(_SubsetsSource(dataset.source, [name for name in counts if name in changed]))
    report = spec.write(rewritten, temporary, **write_options)
    for name in kept:
        for relative in kept_files[name] or ():
            target = os.path.join(temporary, relative)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            link_or_copy(os.path.join(old_folder, relative), target)
        report.count(name, counts[name])
    report.notes.append("%s unchanged, kept as %s: %s"
                        % (count(len(kept), "subset"), "it was" if len(kept) == 1 else "they were", ", ".join(kept)))
    return report


def subset_files_by_pattern(patterns: List[str]) -> Any:
    """A ``subset_files`` function: the files of the folder that ``pattern % subset`` names (and
    that exist), e.g. ``["mnist_%s.csv", "meta_%s.csv"]``."""
    def subset_files(folder: str, subset: str) -> List[str]:
        return [pattern % subset for pattern in patterns if os.path.lexists(os.path.join(folder, pattern % subset))]
    return subset_files
