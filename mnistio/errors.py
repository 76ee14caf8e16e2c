"""The exceptions mnistio raises.

One small tree, rooted at :class:`MnistioError`:

* :class:`FormatError` -- a file breaks its format (also a ``ValueError``);
  :class:`TruncatedError` under it for data that ends early (also an
  ``EOFError``), and :class:`LimitError` for a file that asks for more than a
  limit of :mod:`mnistio.limits` allows (:class:`ImageTooLargeError` for
  images).
* :class:`UsageError` -- the caller asked for something that cannot be done
  (also a ``ValueError``): an unknown format, an id the layout cannot hold,
  an output folder that is not empty, ...
* :class:`FileSystemError` -- the operating system refused to read or write
  a file (also an ``OSError``, with its ``errno``): a full disk, a denied
  permission, a name too long.
* :class:`ItemImportError` (and :class:`AnnotationImportError` under it) --
  Datumaro's wrapper of one bad item's error, handed to an import error
  policy (``mnistio.ImportErrorPolicy``): ``item_id`` is ``(id, subset)``,
  ``__cause__`` the reader's error naming the file and the line or item.
  :class:`ItemExportError` and :class:`AnnotationExportError` are their
  export twins, for Datumaro's ``ExportErrorPolicy``.

Every error says where (the file, and the byte offset, record, item or line
when known) and what was expected, so the command line can print it as one
line: ``mnistio: error: data/mnist_train.csv, line 17: pixel 3 is 256,
expected an integer 0..255``.
"""

import os

__all__ = [
    "MnistioError",
    "FormatError",
    "TruncatedError",
    "LimitError",
    "ImageTooLargeError",
    "UsageError",
    "FileSystemError",
    "ItemImportError",
    "AnnotationImportError",
    "ItemExportError",
    "AnnotationExportError",
]


class MnistioError(Exception):
    """Base of every error mnistio raises on purpose."""

    def __init__(self, message, path=None, where=None):
        self.message = message
        self.path = os.fspath(path) if path is not None else None
        self.where = where
        super().__init__(message)

    def __str__(self):
        place = ", ".join(str(part) for part in (self.path, self.where) if part is not None)
        return "%s: %s" % (place, self.message) if place else self.message

    def at(self, path=None, where=None):
        """Fill in the place, when the raiser did not know it; return self."""
        if self.path is None and path is not None:
            self.path = os.fspath(path)
        if self.where is None and where is not None:
            self.where = where
        return self


class FormatError(MnistioError, ValueError):
    """A file does not follow its format."""


class TruncatedError(FormatError, EOFError):
    """A file ends before the data its header promises."""


class LimitError(FormatError):
    """A file asks for more than a limit of :mod:`mnistio.limits` allows."""


class ImageTooLargeError(LimitError):
    """An image header promises more pixels than ``mnistio.limits.MAX_IMAGE_PIXELS`` allows."""


class UsageError(MnistioError, ValueError):
    """The call cannot be carried out as asked."""


class RepeatedItemError(UsageError):
    """Two items given to ``Dataset.from_iterable`` share an id and subset (Datumaro's error and words);
    ``item_id`` is ``(id, subset)``."""

    def __init__(self, item_id):
        self.item_id = item_id
        super().__init__("Item %r is repeated in the source sequence." % (item_id,))

    def __reduce__(self):
        return (type(self), (self.item_id,))


class FileSystemError(MnistioError, OSError):
    """The system refused to read or write a file; ``errno`` and ``filename`` are the OSError's."""

    def __init__(self, message, path=None, where=None, errno=None):
        super().__init__(message, path, where)
        self.errno = errno
        self.strerror = message
        self.filename = self.path

    @classmethod
    def from_os_error(cls, error, path=None, doing=None):
        """The error for an ``OSError``, naming the path (the error's, else ``path``)."""
        if isinstance(error, MnistioError):
            return error
        filename = error.filename if getattr(error, "filename", None) is not None else path
        reason = error.strerror or str(error) or type(error).__name__
        message = "%s (%s)" % (doing, reason) if doing else reason
        return cls(message, os.fsdecode(filename) if filename is not None else None, errno=error.errno)

    def __reduce__(self):
        return (type(self), (self.message, self.path, self.where, self.errno))


class _ItemError(MnistioError):
    """An error about one item, whose own error is ``__cause__``; ``item_id`` is ``(id, subset)``."""

    _doing = "process"

    def __init__(self, item_id):
        if not isinstance(item_id, tuple) or len(item_id) != 2:
            raise TypeError("item_id is an (id, subset) pair, not %r" % (item_id,))
        self.item_id = item_id
        super().__init__("cannot %s item %r (subset %r)" % ((self._doing,) + item_id))

    def __str__(self):
        return "Failed to %s item %s: %s" % (self._doing, self.item_id, self.__cause__)

    def __reduce__(self):
        return (type(self), (self.item_id,))


class ItemImportError(_ItemError):
    """One item could not be read, as Datumaro's: ``item_id`` is ``(id, subset)`` (either None
    when the reader could not tell), and ``__cause__`` is the reader's error, which names the file
    and the line or item. An :class:`~mnistio.model.policy.ImportErrorPolicy` receives these."""

    _doing = "import"


class AnnotationImportError(ItemImportError):
    """One annotation of an item could not be read (Datumaro's name; mnistio's readers report
    whole items)."""

    def __str__(self):
        return "Failed to import item %s annotation: %s" % (self.item_id, self.__cause__)


class ItemExportError(_ItemError):
    """One item could not be written (Datumaro's; what an ``ExportErrorPolicy`` receives). As
    Datumaro's, its text names the item only: the error is ``__cause__``."""

    _doing = "export"

    def __str__(self):
        return "Failed to export item %s" % (self.item_id,)


class AnnotationExportError(ItemExportError):
    """One annotation of an item could not be written (Datumaro's name)."""
