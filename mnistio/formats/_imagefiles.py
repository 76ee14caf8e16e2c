"""What the layouts that keep one image file per item share (``docs/images.rst``).

Writing: :class:`ImageFileWriter` gives every item a path no other item has
taken (see ``_paths.UniqueNames``), inside the output folder whatever the
id holds, with the image's own extension unless ``--image-ext`` says, and
encodes the files in batches; an image that is an unchanged file of the
same type is hard-linked (or copied) instead. With more than one core, and
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

from .._words import count
from ..codecs.images import IMAGE_EXTENSIONS, check_extension, encode_image
from ..codecs.netpbm import CHANNELS_BY_EXTENSION
from ..codecs.png import encode_png
from ..codecs.streams import kind_of_mode
from ..errors import FileSystemError, UsageError
from ..model.image import Image
from ..model.items import describe_item
from ._output import create_file, link_or_copy
from ._parallel import BatchPool
from ._paths import UniqueNames

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, FrozenSet, Iterator, List, Tuple

__all__ = ["IMAGE_EXTENSIONS", "DEFAULT_IMAGE_EXT", "ImageFileWriter", "lazy_image", "iter_image_files",
           "walk_tree", "normalize_ext", "image_file_ext", "FolderProfile", "require_media"]

DEFAULT_IMAGE_EXT = ".png"
# A batch of files ends at this many items or bytes of pixels, whichever comes first (BatchPool
# bounds how many are out), so memory stays flat whatever the images' size.
_BATCH_ITEMS = 256
_BATCH_PIXEL_BYTES = 256 << 10
# zlib's fastest level, as OpenCV (and so Datumaro) writes PNGs: on digits the
# files are 5% larger than at level 6 and written a third faster.
_PNG_LEVEL = 1


def normalize_ext(image_ext):
    ext = (image_ext or DEFAULT_IMAGE_EXT).lower()
    return ext if ext.startswith(".") else "." + ext


def image_file_ext(item, image_ext=None):
    """The extension of an item's image file, as Datumaro's exporters choose it: ``image_ext``
    (``--image-ext``, normalised) when given, else the image's own (``Image.ext``), else ``.png``."""
    if image_ext:
        return image_ext
    image = item.media
    return (image.ext if image is not None else None) or DEFAULT_IMAGE_EXT


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


#: folder names Datumaro 1.13 does not take for an imagenet root's label folders (its detection
#: refuses the tree; ``SUBSET_NAME_BLACKLIST``), and those that make a subset folder
#: (``SUBSET_NAME_WHITELIST``), both compared in lower case
NOT_LABEL_FOLDERS = frozenset(["labels", "images", "annotations", "instances"])
SUBSET_FOLDERS = frozenset(["train", "test", "val"])


class FolderProfile:
    """What detection of the image-folder layouts reads from one walk of ``root``, by Datumaro
    1.13's rules (its ``ImageDirImporter.detect``, ``ImagenetImporter.detect`` and
    ``with_subset_dirs``):

    * ``flat``: the root holds image files only, at least one, and no folder (``image_dir``);
    * ``images_only``: every folder of the tree holds image files only, and none is an empty
      leaf, and no folder right under the root is named as in :data:`NOT_LABEL_FOLDERS`
      (``imagenet``);
    * ``subsets``: the folders right under the root named as in :data:`SUBSET_FOLDERS` (any
      case) that are each such a tree (``imagenet_with_subset_dirs``: one is enough).

    What the walk cannot read (a link to nothing, a cycle, a FIFO) counts as neither an image
    nor another file, so that the layout is still named and reading says what is wrong. Memory:
    the names of the root's folders and of theirs, not the tree.
    """

    def __init__(self, root: str) -> None:
        self.flat = True
        # a root folder's name -> (whether its tree holds only images, without an empty leaf,
        # and whether it holds a folder of NOT_LABEL_FOLDERS)
        tops: Dict[str, List[bool]] = {}
        root_clean = True
        for relative, folders, files, odd in walk_tree(root, strict=False):
            clean = bool(files or folders or odd) and \
                all(os.path.splitext(name)[1].lower() in IMAGE_EXTENSIONS for name in files)
            if not relative:
                self.flat = not folders and clean  # an empty folder is no dataset
                root_clean = clean
                for name in folders:
                    tops[name] = [True, False]
                continue
            top, _, rest = relative.partition("/")
            facts = tops[top]
            facts[0] = facts[0] and clean
            if not rest:
                facts[1] = any(name.lower() in NOT_LABEL_FOLDERS for name in folders)
        self.images_only = root_clean and all(facts[0] for facts in tops.values()) and \
            not any(name.lower() in NOT_LABEL_FOLDERS for name in tops)
        self.subsets = [name for name, (clean, refused) in tops.items()
                        if name.lower() in SUBSET_FOLDERS and clean and not refused]


class ImageFileWriter:
    """Writes item images as files under ``root``; :meth:`close` waits for all of them.

    Each image is written with ``image_ext`` when given, else with its own
    extension (``Image.ext``), else as PNG, as Datumaro's exporters choose. An
    image read from a file (``Image.source_file``) that is written with that
    file's type is not decoded and encoded again: the file is hard-linked, or
    copied where it cannot be (another file system), so it stays byte for
    byte what it was. An image whose pixels were changed is a new Image
    without a source file, and is encoded.
    """

    def __init__(self, root, image_ext=None, workers=None):
        self.root = root
        #: the extension every file gets (``--image-ext``), or None: each image's own
        self.ext = check_extension(normalize_ext(image_ext)) if image_ext else None
        self.names = UniqueNames(root)
        self.written = 0
        self.linked = 0
        self._writable = set() if self.ext is None else {self.ext}
        self._batch: List[Tuple[List[str], List[str], Any]] = []
        self._batch_bytes = 0
        self._batches = BatchPool(_write_batch, workers, lambda result, _: self._done(result))

    def write(self, relative_stem, item, copies=()):
        """Queue the item's image as ``relative_stem`` + extension, and as each of ``copies`` (other
        stems) with the same name; return the relative path of the first."""
        image = item.media
        ext = image_file_ext(item, self.ext)
        source = image.source_file
        if source is not None and os.path.splitext(source)[1].lower() == ext.lower():
            payload: Any = source
        else:
            kind = ext.lower()
            if kind not in self._writable:
                self._check_writable(item, ext)
            required = CHANNELS_BY_EXTENSION.get(kind)
            if required is not None and image.channels != required:
                raise UsageError("%s has a %d-channel image, and %s files hold %d channels (.pnm holds either; "
                                 ".png any)" % (describe_item(item), image.channels, ext, required))
            payload = (bytes(image.data), image.height, image.width, image.channels, kind)
        stems = [relative_stem, *copies] if copies else [relative_stem]
        claimed = self.names.claim(stems, ext, item.subset)
        self._batch.append(([relative[:-len(ext)] for relative, _ in claimed], [path for _, path in claimed],
                            payload))
        self._batch_bytes += 0 if isinstance(payload, str) else len(payload[0])
        if len(self._batch) >= _BATCH_ITEMS or self._batch_bytes >= _BATCH_PIXEL_BYTES:
            self._flush(full=True)
        return claimed[0][0]

    def _check_writable(self, item, ext):
        """Refuse, naming the item, an image's own extension that cannot be written or read back."""
        if ext.lower() not in IMAGE_EXTENSIONS:
            raise UsageError("%s has an image with extension %r, which is not read back as an image (the readers "
                             "take %s); give an extension with --image-ext (image_ext=)"
                             % (describe_item(item), ext, ", ".join(sorted(IMAGE_EXTENSIONS))))
        try:
            check_extension(ext)
        except UsageError as error:
            raise UsageError("%s: %s; give another extension with --image-ext (image_ext=)"
                             % (describe_item(item), error.message)) from None
        self._writable.add(ext.lower())

    def note_renames(self, report, what="file", plural=""):
        """Say in the report how many files were renamed so that no item overwrites another."""
        if self.names.renamed:
            report.notes.append("%s renamed with ~<subset> so that no item overwrites another"
                                % count(self.names.renamed, what, plural))

    def close(self):
        """Write what is queued and wait for every file."""
        try:
            self._flush()
            self._batches.finish()
        finally:
            self.abort()

    def abort(self):
        """Stop: drop what is queued, cancel what has not started, wait for the rest. The caller is
        about to remove the folder, and no worker may write into it after that."""
        self._batch = []
        self._batches.close()

    def __enter__(self):
        return self

    def __exit__(self, error_type, error, traceback):
        if error_type is None:
            self.close()
        else:
            self.abort()

    def _flush(self, full=False):
        batch, self._batch, self._batch_bytes = self._batch, [], 0
        if batch:
            self._batches.send(batch, full)

    def _done(self, result):
        stems, linked = result
        for stem in stems:
            self.names.written(stem)
        self.written += len(stems)
        self.linked += linked


def _write_batch(batch):
    """Encode (or link) and write one batch (runs in a worker process when there are several);
    ``(the relative stems written, how many files were linked or copied)``."""
    made = set()
    linked = 0
    for _, paths, payload in batch:
        for path in paths:
            folder = os.path.dirname(path)
            if folder not in made:
                os.makedirs(folder, exist_ok=True)
                made.add(folder)
        if isinstance(payload, str):
            for path in paths:
                link_or_copy(payload, path)
            linked += len(paths)
            continue
        data, height, width, channels, ext = payload
        encoded = encode_png(data, height, width, channels, compress_level=_PNG_LEVEL) if ext == ".png" \
            else encode_image(data, height, width, channels, ext)
        for path in paths:
            create_file(path, encoded)
    return [stem for stems, _, _ in batch for stem in stems], linked


def require_media(report, skipped_without_image, save_media):
    """Tell the user about items whose image could not be written."""
    if not save_media:
        report.notes.append("no image files written: this layout keeps images as files (use --save-media)")
    elif skipped_without_image:
        report.notes.append("%s no image and %s not written" % (
            count(skipped_without_image, "item has", "items have"), "was" if skipped_without_image == 1 else "were"))
