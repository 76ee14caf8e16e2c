"""The exceptions mnistio raises.

One small tree, rooted at :class:`MnistioError`:

* :class:`FormatError` -- a file breaks its format (also a ``ValueError``);
  :class:`TruncatedError` under it for data that ends early (also an
  ``EOFError``) and :class:`ImageTooLargeError` for images whose header
  promises more pixels than the set limit.
* :class:`UsageError` -- the caller asked for something that cannot be done
  (also a ``ValueError``): an unknown format, an id the layout cannot hold,
  an output folder that is not empty, ...

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
    "ImageTooLargeError",
    "UsageError",
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


class ImageTooLargeError(FormatError):
    """An image header promises more pixels than the allowed limit."""


class UsageError(MnistioError, ValueError):
    """The call cannot be carried out as asked."""
