"""Item ids and subset names as paths: safe, reversible, never outside the output folder.

An id becomes a relative path whose ``/`` make subfolders when every part is
a plain name; characters unsafe in file names on some system are written
``%XX`` and unescaped on reading (``docs/formats.rst``, "Ids as file
names"). Every path built from an id, a label or a subset name goes through
:func:`safe_join`, as tarfile and zipfile check member names.
"""

from __future__ import annotations

import os
import re
import unicodedata

from ..codecs.images import IMAGE_EXTENSIONS
from ..errors import UsageError
from ..model.items import describe_item

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Dict, Optional

__all__ = ["escape", "id_to_relative_path", "item_relative_path", "folder_name", "relative_path_to_id",
           "safe_join", "UniqueNames",
           "check_subset_name", "is_plain_name", "is_relative_inside",
           "LONE_SURROGATES", "CONTROL_CHARACTERS", "file_stem_name"]


# -- ids as file paths -------------------------------------------------------------------

# Characters no file name may hold on some system (Windows' list, controls, NUL),
# plus "%", the escape itself, so that the mapping can be undone.
_UNSAFE_IN_NAME = re.compile(r'[\x00-\x1f<>:"|?*%\\]')
_ESCAPE = re.compile(r"%[0-9A-F]{2}")


def escape(text: str) -> str:
    """``text`` with the characters unsafe in a file name (and ``%``) written ``%XX``."""
    if _UNSAFE_IN_NAME.search(text) is None:
        return text
    return _UNSAFE_IN_NAME.sub(lambda match: "%%%02X" % ord(match.group()), text)


#: what no text written to a file may hold: it has no UTF-8 form
LONE_SURROGATES = re.compile("[\ud800-\udfff]")
#: what no file name should hold: newlines and the other controls
CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f]")


def id_to_relative_path(item_id, ext=None):
    """A relative path (``/``-separated, no extension) that stays inside any folder, for an id whose
    file will end with an image extension (``ext``, when it may be another).

    An id's ``/`` make subfolders, as in Datumaro, when every part is a plain
    name; otherwise (``..``, ``.``, an empty part from a leading or doubled
    ``/``) the whole id becomes one file name with ``/`` escaped. Characters
    unsafe in file names are written ``%XX``, and so is the dot of a folder
    named like an image file (:func:`folder_name`); :func:`relative_path_to_id`
    undoes both. An empty id has no file name.
    """
    if not item_id:
        raise UsageError("an empty item id cannot name a file (give every item an id)")
    parts = item_id.split("/")
    if all(part not in ("", ".", "..") for part in parts):
        return "/".join([folder_name(part, ext) for part in parts[:-1]] + [file_stem_name(escape(parts[-1]))])
    return file_stem_name(escape(item_id).replace("/", "%2F"))


def item_relative_path(item, ext=None):
    """:func:`id_to_relative_path` of an item's id, a refusal naming the item."""
    try:
        return id_to_relative_path(item.id, ext)
    except UsageError as error:
        raise UsageError("%s: %s" % (describe_item(item), error.message)) from None


def folder_name(name, ext=None):
    """``escape(name)`` as a folder beside image files: a name ending with an image file's extension
    (one the readers take for an image, or ``ext``, in any case) gets its last dot written ``%2E``, or
    the folder of ``a.png/b`` would be the file of ``a`` (``a.png``), and no export could hold both.
    Reading undoes it as any ``%XX``."""
    escaped = escape(name)
    dot = escaped.rfind(".")
    if dot > 0:
        suffix = escaped[dot:].lower()
        if suffix in IMAGE_EXTENSIONS or (ext and suffix == ext.lower()):
            return escaped[:dot] + "%2E" + escaped[dot + 1:]
    return escaped


def file_stem_name(stem: str) -> str:
    """``stem`` made safe to put an extension after: a stem of dots only (``.``, ``...``) would make
    ``....png``, which is no image file to anyone (``splitext`` sees no extension): its dots are
    written ``%2E``."""
    return "%2E" * len(stem) if stem and not stem.strip(".") else stem


def relative_path_to_id(relative_path):
    """The id :func:`id_to_relative_path` made ``relative_path`` from."""
    text = relative_path.replace(os.sep, "/")
    return _ESCAPE.sub(lambda match: chr(int(match.group()[1:], 16)), text)


def safe_join(root, relative_path):
    """``root/relative_path``, refused unless every part is a plain name.

    Lexical, with no system call: the ``/`` separated parts may not be
    empty, ``.`` or ``..``, nor hold ``:``, ``\\`` or NUL (a drive or a
    separator elsewhere), so the path cannot leave ``root``; exports write
    into a temporary folder made for them, which holds no links.
    """
    parts = relative_path.split("/")
    if any(part in ("", ".", "..") or ":" in part or "\\" in part or "\x00" in part for part in parts):
        raise UsageError("path %r would leave the output folder" % relative_path, root)
    return os.path.join(root, *parts)


class UniqueNames:
    """Hands out relative paths no other item has taken, deterministically.

    A path already taken (by an earlier item of another subset, say: real
    MNIST has train and test items with the same id and label) gets
    ``~<subset>``, then ``~<subset>~2``, ... before its extension. A name is
    taken whatever its extension: ``a.jpg`` takes ``a.png`` too, as both
    would read back as the id ``a``. What is taken is asked of the output
    folder itself (for each extension written so far), so memory stays flat.

    Asking the folder costs a system call a file, as much as writing the
    file. When the folder was empty at the start, every name in it came
    through :meth:`claim`, so a fixed-size table of the claimed names'
    hashes (a Bloom filter, 2 MB whatever the dataset's size) answers
    "never claimed" at once, and only a possible clash asks the folder.
    Names are compared folded (:func:`_fold`), at least as loosely as the
    file systems that take two spellings for one file (macOS). Not on
    Windows, whose short ``8.3`` names and dropped trailing dots no folding
    covers: there the folder is always asked.
    """

    def __init__(self, root):
        self.root = root
        self.renamed = 0
        self._pending = set()
        self._extensions = []
        self._claimed_hashes = bytearray(_CLAIMED_SLOTS) if os.name != "nt" and _is_empty_folder(root) else None

    def claim(self, relative_stems, extension, subset):
        """``[(relative path, full path)]``, one per stem of ``relative_stems`` (the copies of one
        file in several folders), all with the same name, which none of those folders has yet."""
        if extension not in self._extensions:
            self._extensions.append(extension)
        attempt = 1
        suffix = ""
        while True:
            claimed = [(stem + suffix + extension, stem + suffix) for stem in relative_stems]
            if not any(self._taken(stem) for _, stem in claimed):
                break
            attempt += 1
            suffix = "~" + escape(subset).replace("/", "%2F") + ("~%d" % (attempt - 1) if attempt > 2 else "")
        if attempt > 1:
            self.renamed += 1
        for _, stem in claimed:
            key = _fold(stem)
            self._pending.add(key)
            if self._claimed_hashes is not None:
                value = hash(key)
                self._claimed_hashes[value & _SLOT_MASK] = self._claimed_hashes[(value >> 21) & _SLOT_MASK] = 1
        return [(relative, safe_join(self.root, relative)) for relative, _ in claimed]

    def _taken(self, stem):
        key = _fold(stem)
        if self._claimed_hashes is not None:
            value = hash(key)
            if not (self._claimed_hashes[value & _SLOT_MASK] and self._claimed_hashes[(value >> 21) & _SLOT_MASK]):
                return False  # never claimed, and the folder held nothing else
        if key in self._pending:
            return True
        path = safe_join(self.root, stem)
        return any(os.path.lexists(path + extension) for extension in self._extensions)

    def written(self, relative_stem):
        """The file of ``relative_stem`` (no extension) exists now: the folder answers for it from here on."""
        self._pending.discard(_fold(relative_stem))


def _fold(stem):
    """``stem`` as the loosest file systems compare names: case folded, and ``é`` one way whether
    written as one character or two (macOS's normalisation); two names differing in case are one
    file on Windows and macOS."""
    return unicodedata.normalize("NFD", stem).casefold() if not stem.isascii() else stem.lower()


_CLAIMED_SLOTS = 1 << 21
_SLOT_MASK = _CLAIMED_SLOTS - 1


def _is_empty_folder(path):
    """Whether ``path`` holds nothing: an empty folder, or none yet (False when it cannot be read)."""
    try:
        with os.scandir(path) as entries:
            return next(entries, None) is None
    except FileNotFoundError:
        return True
    except OSError:
        return False


def is_relative_inside(relative_path: str) -> bool:
    """Whether a ``/``-separated path read from a file stays inside the folder it is relative to:
    no empty, ``.`` or ``..`` part, no NUL; on Windows also no drive and no backslash (on POSIX
    they are ordinary characters of a file name, which Datumaro's files may hold)."""
    unsafe = ("\x00", ":", "\\") if os.name == "nt" else ("\x00",)
    return all(part not in ("", ".", "..") and not any(char in part for char in unsafe)
               for part in relative_path.split("/"))


def is_plain_name(name: str) -> bool:
    """Whether ``name`` can be one file or folder name: not empty, not ``.`` or ``..``, no separator or NUL."""
    return bool(name) and name not in (".", "..") and not any(char in name for char in "/\\\x00")


def check_subset_name(subset: str, layout: str, reserved: Optional[Dict[str, str]] = None) -> None:
    """Refuse a subset name that cannot be a file or folder name of ``layout``.

    Every layout names a file or a folder after each subset, so a subset
    name is one plain name: not empty, not ``.`` or ``..``, no ``/``, ``\\``
    or NUL. ``reserved`` maps the names a layout keeps for itself to why.
    """
    if not is_plain_name(subset) or CONTROL_CHARACTERS.search(subset) or LONE_SURROGATES.search(subset):
        raise UsageError("subset name %r cannot be a file or folder name in %s (expected a name without "
                         "/, \\, control characters or lone surrogates, not . or ..)" % (subset, layout))
    if reserved and subset in reserved:
        raise UsageError("subset name %r cannot be used in %s (%s)" % (subset, layout, reserved[subset]))
