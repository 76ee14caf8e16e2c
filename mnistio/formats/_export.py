"""What every export shares: the report, the atomic output folder, the per-subset loop.

(``_output`` owns the output folder itself: the lock, the temporary folder,
the swap and the recovery.)
"""

from __future__ import annotations

from .._words import count as counted
from ..errors import UsageError
from ..model.image import Image
from ..model.items import DatasetItem
from ._labels import write_label_files

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Dict, List, Optional, TypeVar

    Writer = TypeVar("Writer", bound="SubsetWriter")

__all__ = ["ExportReport", "GrayPolicy", "SubsetWriter", "export_subsets", "export_one_channel"]


class ExportReport:
    """What an export wrote: item counts per subset, and notes for the user."""

    def __init__(self, format: str, path: Optional[str] = None) -> None:
        self.format = format
        self.path = path
        self.subsets: Dict[str, int] = {}
        self.notes: List[str] = []

    def note_images_not_saved(self, count: int) -> None:
        """Say plainly that ``count`` items' images were left out, and how to keep them."""
        if count:
            self.notes.append("the images of %s were not saved: only the labels are written without "
                              "--save-media (save_media=True), as in Datumaro" % counted(count, "item"))

    def count(self, subset: str, items: int = 1) -> None:
        self.subsets[subset] = self.subsets.get(subset, 0) + items

    @property
    def items(self) -> int:
        return sum(self.subsets.values())

    def __repr__(self):
        return "ExportReport(format=%r, items=%d, subsets=%r)" % (self.format, self.items, self.subsets)


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
            report.notes.append("%s converted to gray (ITU-R 601-2 luma, as Pillow's \"L\")"
                                % counted(self.converted, "colour image"))


# -- the per-subset loop -----------------------------------------------------------------

class SubsetWriter:
    """What :func:`export_subsets` drives: one subset's files, written item by item."""

    #: items with an image that was not written (no save_media)
    images_not_saved = 0

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
        report.note_images_not_saved(sum(writer.images_not_saved for writer in writers.values()))
    finally:
        for writer in writers.values():
            writer.close()
    return writers
