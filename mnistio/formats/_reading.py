"""What several readers share: a dataset path as a folder (and maybe one file), one file per subset,
and the one test of whether a file a layout looks for is there."""

from __future__ import annotations

import os
import stat

from ..codecs.streams import file_state, kind_of_mode
from ..errors import FileSystemError, UsageError
from ..model.items import DatasetItem, LabelCategories
from ..model.sources import ItemSource, in_subset_order

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, Iterator, Optional, Tuple

    from ..model.sources import SubsetCounts

__all__ = ["dataset_folder", "FilePerSubsetSource", "file_present", "folder_present", "decompressed_copy"]


def decompressed_copy(reader: Any, header: bytes, size: int) -> Any:
    """A temporary file of ``header`` then the ``size`` payload bytes of ``reader`` (an IDX or ``.npy``
    reader, used as a context), read once in 1 MB steps and checked at its end as iteration checks it:
    the seekable copy random access reads a compressed file through (deleted when closed)."""
    import tempfile

    copy = tempfile.TemporaryFile()
    try:
        with reader:
            copy.write(header)
            remaining = size
            while remaining:
                chunk = reader.read(min(1 << 20, remaining))
                copy.write(chunk)
                remaining -= len(chunk)
            reader.finish()
    except BaseException:
        copy.close()
        raise
    return copy


def position_of_id(item_id: str, count: int) -> Optional[int]:
    """The position ``item_id`` names in a subset of ``count`` items whose ids are their positions
    (``"0"``, ``"1"``, ... as Datumaro writes them: no sign, no leading zero), or None."""
    if item_id.isdigit() and str(int(item_id)) == item_id and int(item_id) < count:
        return int(item_id)
    return None


def file_present(path: str) -> bool:
    """Whether a file a layout would read (an optional names file, a subset's meta file) is there.

    False when nothing is at ``path`` (not even a symbolic link), True for a
    regular file (through symbolic links). Anything else is refused with a
    :class:`~mnistio.errors.UsageError` naming ``path``: a FIFO, a device, a
    folder, a link to nothing or a loop of links. Taking them for absent
    would silently read the dataset without that file (default label names,
    ids 0..N-1, a subset gone); opening a FIFO would wait forever. Every
    reader asks this instead of ``os.path.isfile``, and no file is opened.
    """
    regular, reason = file_state(path)
    if reason is not None:
        raise UsageError(reason, path)
    return regular


def folder_present(path: str) -> bool:
    """:func:`file_present` for a folder: False when nothing is there, True for a folder (through
    symbolic links), a UsageError naming ``path`` for anything else."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        if os.path.islink(path):
            raise UsageError("is a symbolic link to nothing, not a folder", path) from None
        return False
    except NotADirectoryError:
        raise UsageError("cannot be a folder: a part of its path is not a folder", path) from None
    except OSError as error:
        if os.path.islink(path):  # ELOOP
            raise UsageError("is a symbolic link that cannot be followed (%s), not a folder"
                             % (error.strerror or error), path) from None
        raise FileSystemError.from_os_error(error, path, "cannot read the folder") from None
    if stat.S_ISDIR(mode):
        return True
    raise UsageError("is %s, not a folder" % kind_of_mode(mode), path)


def dataset_folder(path: str) -> Tuple[str, Optional[str]]:
    """``(folder, file name or None)``: a dataset is a folder, or one file in it (one subset)."""
    if os.path.isdir(path):
        return path, None
    return os.path.dirname(path) or ".", os.path.basename(path)


class FilePerSubsetSource(ItemSource):
    """A source with one file per subset, ``files`` (``{subset: path}``).

    Subclasses define ``_count_items(path)`` and ``_iter_file(subset, path)``.
    """

    def __init__(self, files: Dict[str, str], categories: LabelCategories, path: str, format: str) -> None:
        super().__init__(categories, path, format)
        self._files = in_subset_order(files)  # train, test, then the others sorted
        self._counts: Optional[SubsetCounts] = None

    def _count_items(self, path: str) -> int:
        raise NotImplementedError

    def _iter_file(self, subset: str, path: str) -> Iterator[DatasetItem]:
        raise NotImplementedError

    def subset_counts(self) -> SubsetCounts:
        if self._counts is None:
            self._counts = {subset: self._count_items(path) for subset, path in self._files.items()}
        return dict(self._counts)

    def __iter__(self) -> Iterator[DatasetItem]:
        for subset in self._files:
            yield from self.iter_subset(subset)

    def iter_subset(self, name: str) -> Iterator[DatasetItem]:
        path = self._files.get(name)
        return self._iter_file(name, path) if path is not None else iter(())
