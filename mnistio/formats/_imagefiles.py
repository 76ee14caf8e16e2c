"""What the layouts that keep one image file per item share.

Writing: :class:`ImageFileWriter` gives every item a path no other item has
taken (see ``_paths.UniqueNames``), inside the output folder whatever the
id holds, and encodes the files in batches. With more than one core, and
where processes can be forked (Linux), batches after the first go to a pool
of worker processes, so encoding and writing use every core; a bounded
number of batches is in flight, so memory stays flat.

Reading: :func:`lazy_image` decodes a file the first time its pixels are
needed; :func:`walk_tree` walks a folder in a stable order, following
symbolic links to folders as Datumaro does, and :func:`iter_image_files`
gives its image files.
"""

from __future__ import annotations

import os
import stat
from collections import deque
from concurrent.futures import Future

from .._words import count
from ..codecs.images import IMAGE_EXTENSIONS, check_extension, encode_image
from ..codecs.netpbm import CHANNELS_BY_EXTENSION
from ..codecs.png import encode_png
from ..codecs.streams import kind_of_mode
from ..errors import FileSystemError, UsageError
from ..model.image import Image
from ._parallel import default_workers, fork_pool, shutdown
from ._paths import UniqueNames

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Deque, FrozenSet, Iterator, List, Tuple

__all__ = ["IMAGE_EXTENSIONS", "DEFAULT_IMAGE_EXT", "ImageFileWriter", "lazy_image", "iter_image_files",
           "walk_tree", "normalize_ext", "folder_profile", "require_media"]

DEFAULT_IMAGE_EXT = ".png"
_BATCH_ITEMS = 256
# zlib's fastest level, as OpenCV (and so Datumaro) writes PNGs: on digits the
# files are 5% larger than at level 6 and written a third faster.
_PNG_LEVEL = 1
_IN_FLIGHT_PER_WORKER = 2


def normalize_ext(image_ext):
    ext = (image_ext or DEFAULT_IMAGE_EXT).lower()
    return ext if ext.startswith(".") else "." + ext


def lazy_image(path):
    """An Image that reads and decodes ``path`` when its pixels are first needed (``Image.from_file``)."""
    return Image.from_file(path)


def walk_tree(root: str, strict: bool = True) -> Iterator[Tuple[str, List[str], List[str], List[str]]]:
    """``(relative folder, subfolders, files, odd entries)`` of every folder under ``root``, top-down.

    The relative folder is ``""`` for ``root``, else ``/``-separated; each
    list is sorted, and folders come in that order, depth first, so the walk
    is stable and holds one listing at a time. Symbolic links to folders are
    followed, as Datumaro walks (``os.walk(followlinks=True)``), and links to
    files are files. A folder reached through two links is read twice, as
    Datumaro reads it.

    With ``strict`` (reading), what cannot be read is refused with a
    :class:`~mnistio.errors.UsageError` naming it: a symbolic link to nothing
    or a loop of links, a folder that leads back to one holding it (a cycle
    made by links, which would be walked forever: refused, not cut), a FIFO, a device or a
    socket; a folder that cannot be listed is a
    :class:`~mnistio.errors.FileSystemError`. Without ``strict``
    (detection), they are listed as odd entries and not followed.
    """
    try:
        top = os.stat(root)
    except OSError as error:
        raise FileSystemError.from_os_error(error, root, "cannot read the folder") from None
    pending: List[Tuple[str, FrozenSet[Tuple[int, int]]]] = [("", frozenset([(top.st_dev, top.st_ino)]))]
    while pending:
        relative, ancestors = pending.pop()
        folder = os.path.join(root, *relative.split("/")) if relative else root
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as error:
            if strict:
                raise FileSystemError.from_os_error(error, folder, "cannot list the folder") from None
            continue
        folders: List[Tuple[str, FrozenSet[Tuple[int, int]]]] = []
        files: List[str] = []
        odd: List[str] = []
        for entry in entries:
            reason, identity = _entry_kind(entry)
            if reason == "file":
                files.append(entry.name)
            elif reason == "folder" and identity not in ancestors:
                folders.append((entry.name, ancestors | {identity}))
            else:
                if reason == "folder":
                    reason = "leads back to a folder that holds it (a cycle of symbolic links), which would be " \
                             "walked forever"
                if strict:
                    raise UsageError(reason, entry.path)
                odd.append(entry.name)
        yield relative, [name for name, _ in folders], files, odd
        prefix = relative + "/" if relative else ""
        pending.extend((prefix + name, seen) for name, seen in reversed(folders))


def _entry_kind(entry: "os.DirEntry[str]") -> Tuple[str, Tuple[int, int]]:
    """``("file" or "folder" or why it is neither, (device, inode) of a folder)``, through links."""
    if entry.is_file(follow_symlinks=False):  # most entries: no system call where the listing has the type
        return "file", (0, 0)
    try:
        # Through links. Not entry.stat(): on Windows its st_dev and st_ino are 0, and they tell a cycle.
        info = os.stat(entry.path)
    except OSError as error:
        if entry.is_symlink():
            if isinstance(error, FileNotFoundError):
                return "is a symbolic link to nothing, not a file or folder", (0, 0)
            return "is a symbolic link that cannot be followed (%s)" % (error.strerror or error), (0, 0)
        raise FileSystemError.from_os_error(error, entry.path, "cannot read the file") from None
    if stat.S_ISREG(info.st_mode):
        return "file", (0, 0)
    if stat.S_ISDIR(info.st_mode):
        return "folder", (info.st_dev, info.st_ino)
    return "is %s, not a regular file or folder (only files are read)" % kind_of_mode(info.st_mode), (0, 0)


def iter_image_files(root):
    """``(relative folder, file name)`` of every image under ``root``, in :func:`walk_tree`'s order;
    anything it refuses (a link to nothing, a cycle, a FIFO) is an error naming it."""
    for relative, _, files, _ in walk_tree(root):
        for name in files:
            if os.path.splitext(name)[1].lower() in IMAGE_EXTENSIONS:
                yield relative, name


def folder_profile(root):
    """``(depths of image files, whether any other file exists)`` under ``root``.

    Depth 0 is the root itself. Detection of the image-folder layouts reads
    only this: Datumaro's rule is that such a folder holds nothing but images.
    What the walk cannot read (a link to nothing, a cycle, a FIFO) counts as
    neither, so that the layout is still named and reading says what is wrong.
    """
    depths = set()
    others = False
    for relative, _, files, _ in walk_tree(root, strict=False):
        depth = relative.count("/") + 1 if relative else 0
        for name in files:
            if os.path.splitext(name)[1].lower() in IMAGE_EXTENSIONS:
                depths.add(depth)
            else:
                others = True
    return depths, others


class ImageFileWriter:
    """Writes item images as files under ``root``; :meth:`close` waits for all of them."""

    def __init__(self, root, image_ext=None, workers=None):
        self.root = root
        self.ext = normalize_ext(image_ext)
        self.workers = default_workers() if workers is None else max(1, workers)
        self.names = UniqueNames(root)
        self.written = 0
        self._batch: List[Tuple[str, str, bytes, int, int, int]] = []
        self._flushed = 0
        self._in_flight: Deque[Future] = deque()
        self._pool = None
        check_extension(self.ext)  # an unsupported type fails now, not mid-export

    def write(self, relative_stem, item):
        """Queue the item's image as ``relative_stem`` + extension; return the path used."""
        image, subset = item.media, item.subset
        required = CHANNELS_BY_EXTENSION.get(self.ext)
        if required is not None and image.channels != required:
            raise UsageError("item %r (subset %r) has a %d-channel image, and %s files hold %d channels "
                             "(.pnm holds either; .png any)" % (item.id, subset, image.channels, self.ext, required))
        relative, path = self.names.claim(relative_stem, self.ext, subset)
        self._batch.append((relative, path, bytes(image.data), image.height, image.width, image.channels))
        if len(self._batch) >= _BATCH_ITEMS:
            self._flush()
        return relative

    def note_renames(self, report, what="file", plural=""):
        """Say in the report how many files were renamed so that no item overwrites another."""
        if self.names.renamed:
            report.notes.append("%s renamed with ~<subset> so that no item overwrites another"
                                % count(self.names.renamed, what, plural))

    def close(self):
        """Write what is queued and wait for every file."""
        try:
            self._flush()
            while self._in_flight:
                self._finish_oldest()
        finally:
            self.abort()

    def abort(self):
        """Stop: drop what is queued, cancel what has not started, wait for the rest. The caller is
        about to remove the folder, and no worker may write into it after that."""
        self._batch = []
        self._in_flight.clear()
        if self._pool is not None:
            shutdown(self._pool)
            self._pool = None

    def __enter__(self):
        return self

    def __exit__(self, error_type, error, traceback):
        if error_type is None:
            self.close()
        else:
            self.abort()

    def _flush(self):
        batch, self._batch = self._batch, []
        if not batch:
            return
        self._flushed += 1
        if self.workers == 1 or self._flushed == 1:
            self._done(_write_batch(batch, self.ext))
            return
        if self._pool is None:
            self._pool = fork_pool(self.workers)
        self._in_flight.append(self._pool.submit(_write_batch, batch, self.ext))
        while len(self._in_flight) > self.workers * _IN_FLIGHT_PER_WORKER:
            self._finish_oldest()

    def _finish_oldest(self):
        self._done(self._in_flight.popleft().result())

    def _done(self, relatives):
        for relative in relatives:
            self.names.written(relative)
        self.written += len(relatives)


def _write_batch(batch, ext):
    """Encode and write one batch (runs in a worker process when there are several)."""
    made = set()
    for _, path, data, height, width, channels in batch:
        folder = os.path.dirname(path)
        if folder not in made:
            os.makedirs(folder, exist_ok=True)
            made.add(folder)
        encoded = encode_png(data, height, width, channels, compress_level=_PNG_LEVEL) if ext == ".png" \
            else encode_image(data, height, width, channels, ext)
        _create(path, encoded)
    return [entry[0] for entry in batch]


# O_EXCL: never replace a file, whatever happens. A raw descriptor costs a
# third of what open() does, and files are most of an export's time.
_CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)


def _create(path, data):
    descriptor = os.open(path, _CREATE_FLAGS, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(descriptor, view):]
    finally:
        os.close(descriptor)


def require_media(report, skipped_without_image, save_media):
    """Tell the user about items whose image could not be written."""
    if not save_media:
        report.notes.append("no image files written: this layout keeps images as files (use --save-media)")
    elif skipped_without_image:
        report.notes.append("%s no image and %s not written" % (
            count(skipped_without_image, "item has", "items have"), "was" if skipped_without_image == 1 else "were"))
