"""What every export shares: the report, the atomic output folder, the per-subset loop.

An export writes into a temporary folder beside the output and renames it
into place only once everything is written, so a failed or interrupted
export leaves the output as it was.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager

from ..errors import UsageError
from ..model.image import Image
from ..model.items import DatasetItem
from ._labels import write_label_files

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Dict, Iterator, List, Optional, TypeVar

    Writer = TypeVar("Writer", bound="SubsetWriter")

__all__ = ["ExportReport", "atomic_output_dir", "GrayPolicy", "SubsetWriter", "export_subsets", "export_one_channel"]


class ExportReport:
    """What an export wrote: item counts per subset, and notes for the user."""

    def __init__(self, format: str, path: Optional[str] = None) -> None:
        self.format = format
        self.path = path
        self.subsets: Dict[str, int] = {}
        self.notes: List[str] = []

    def count(self, subset: str, items: int = 1) -> None:
        self.subsets[subset] = self.subsets.get(subset, 0) + items

    @property
    def items(self) -> int:
        return sum(self.subsets.values())

    def __repr__(self):
        return "ExportReport(format=%r, items=%d, subsets=%r)" % (self.format, self.items, self.subsets)


@contextmanager
def atomic_output_dir(save_dir: Any, overwrite: bool) -> Iterator[str]:
    """Yield an empty temporary folder beside ``save_dir``; on success it
    replaces ``save_dir``, on failure it is removed and ``save_dir`` is untouched.
    """
    save_dir = os.path.abspath(os.fspath(save_dir))
    if os.path.exists(save_dir):
        if not os.path.isdir(save_dir):
            raise UsageError("output path exists and is not a folder", save_dir)
        if os.listdir(save_dir) and not overwrite:
            raise UsageError("output folder is not empty (use --overwrite, or overwrite=True, to replace it)",
                             save_dir)
    parent, base = os.path.split(save_dir)
    os.makedirs(parent, exist_ok=True)
    temporary = tempfile.mkdtemp(prefix=".%s.partial-" % base, dir=parent)
    try:
        yield temporary
        _make_permissions_usual(temporary)
        _replace_dir(temporary, save_dir)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise


def _make_permissions_usual(folder):
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(folder, 0o777 & ~umask)


def _replace_dir(new, target):
    if not os.path.exists(target):
        os.rename(new, target)
        return
    parent, base = os.path.split(target)
    old = tempfile.mkdtemp(prefix=".%s.old-" % base, dir=parent)
    os.rename(target, os.path.join(old, base))
    try:
        os.rename(new, target)
    except BaseException:
        os.rename(os.path.join(old, base), target)
        raise
    shutil.rmtree(old, ignore_errors=True)


# -- one channel ---------------------------------------------------------------------

class GrayPolicy:
    """One channel for layouts that hold one: colour is converted (luma) or refused."""

    def __init__(self, refuse_color: bool) -> None:
        self.refuse_color = refuse_color
        self.converted = 0

    def apply(self, item: DatasetItem, layout: str) -> Image:
        """The item's image (it has one) with one channel."""
        image = item.media
        assert image is not None, "GrayPolicy.apply is for items with an image"
        if image.channels == 1:
            return image
        if self.refuse_color:
            raise UsageError("item %r (subset %r) has a %d-channel image and %s stores one channel "
                             "(without --refuse-color it is converted to gray)"
                             % (item.id, item.subset, image.channels, layout))
        self.converted += 1
        return image.to_gray()

    def note(self, report: ExportReport) -> None:
        if self.converted:
            report.notes.append("%d colour images converted to gray (ITU-R 601-2 luma, as Pillow's \"L\")"
                                % self.converted)


# -- the per-subset loop -----------------------------------------------------------------

class SubsetWriter:
    """What :func:`export_subsets` drives: one subset's files, written item by item."""

    @property
    def count(self) -> int:
        """The items added so far."""
        raise NotImplementedError

    def add(self, item: DatasetItem) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        """Everything was added: complete the files."""

    def close(self) -> None:
        """Release what is open, whether or not :meth:`finish` ran."""




def export_one_channel(dataset: Any, save_dir: str, layout: str, save_dataset_meta: bool, refuse_color: bool,
                       open_subset: Callable[[str, int, GrayPolicy], SubsetWriter]) -> ExportReport:
    """The export of ``mnist`` and ``mnist_csv``: one writer per subset (``open_subset(subset,
    names_count, gray_policy)``), then the label names files, and a note of the gray conversions."""
    report = ExportReport(layout, save_dir)
    names_count = len(dataset.label_names)
    gray = GrayPolicy(refuse_color)
    export_subsets(dataset, report, lambda subset: open_subset(subset, names_count, gray))
    write_label_files(save_dir, dataset.label_names, save_dataset_meta)
    gray.note(report)
    return report


def export_subsets(dataset: Any, report: ExportReport, open_subset: Callable[[str], Writer],
                   before_finish: Optional[Callable[[Dict[str, Writer]], None]] = None) -> Dict[str, Writer]:
    """Stream every item into its subset's writer (``open_subset(name)`` makes
    one when a subset first appears), then finish them all, in first-seen
    order, and count what each wrote into ``report``."""
    writers: Dict[str, Writer] = {}
    try:
        for item in dataset:
            writer = writers.get(item.subset)
            if writer is None:
                writer = writers[item.subset] = open_subset(item.subset)
            writer.add(item)
        if before_finish is not None:
            before_finish(writers)
        for subset, writer in writers.items():
            writer.finish()
            report.count(subset, writer.count)
    finally:
        for writer in writers.values():
            writer.close()
    return writers
