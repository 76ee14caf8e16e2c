"""Datumaro's item meta rows: ``[id]``, ``[height, width]`` or ``[id, height, width]``.

They are the content of ``<subset>-meta.gz`` (``mnist``) and
``meta_<subset>.csv`` (``mnist_csv``); ``docs/formats.rst`` has both. A row
is written for every item when some id is not its row index, or some image
is not 28 x 28; no file otherwise.
"""

from __future__ import annotations

import struct
import tempfile

from ..codecs._raster import check_size
from ..errors import FormatError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import IO, Optional

__all__ = ["MNIST_SIZE", "MetaSpool", "parse_meta_row"]

MNIST_SIZE = (28, 28)


class MetaSpool:
    """Remembers each item's id and image size while a subset is written.

    Rows go to a temporary file, not memory; :meth:`rows` gives them back as
    Datumaro's meta rows once the whole subset is known, or None when every
    id is its row index and every image 28 x 28 (then no meta file is due).
    The file is started only at the first other row (the rows before it are
    known without it): real MNIST never needs it.
    """

    _RECORD = struct.Struct("<Iii")

    def __init__(self, folder, sizes_for_missing_images=True):
        self._folder = folder
        self._file: Optional[IO[bytes]] = None
        self._sizes_for_missing = sizes_for_missing_images
        self.count = 0
        self.custom_ids = False
        self.with_image = 0
        self.other_sizes = False

    def add(self, item_id, size):
        """``size`` is ``(height, width)``, or None for an item without an image."""
        plain = item_id == str(self.count)
        if not plain:
            self.custom_ids = True
        if size is not None:
            self.with_image += 1
            if size != MNIST_SIZE:
                self.other_sizes = True
                plain = False
        else:
            plain = False
        spool = self._file
        if spool is None:
            if plain:
                self.count += 1
                return
            spool = self._start_file()
        encoded = item_id.encode("utf-8", "surrogatepass")
        height, width = size if size is not None else (-1, -1)
        spool.write(self._RECORD.pack(len(encoded), height, width) + encoded)
        self.count += 1

    def _start_file(self) -> IO[bytes]:
        """The temporary file, holding the plain rows (ids 0, 1, ..., 28 x 28) added so far."""
        spool = self._file = tempfile.TemporaryFile(dir=self._folder)
        for index in range(self.count):
            encoded = str(index).encode()
            spool.write(self._RECORD.pack(len(encoded), MNIST_SIZE[0], MNIST_SIZE[1]) + encoded)
        return spool

    @property
    def needs_sizes(self):
        """Sizes are stored when one differs from 28 x 28, or (where the layout
        cannot tell otherwise) when some item lacks an image."""
        missing = self._sizes_for_missing and self.with_image < self.count
        return self.with_image > 0 and (self.other_sizes or missing)

    def rows(self):
        """Meta rows (lists of str), or None if no meta file is needed."""
        if not (self.custom_ids or self.needs_sizes):
            return None
        return self._iter_rows(self.custom_ids, self.needs_sizes)

    def _iter_rows(self, with_ids, with_sizes):
        spool = self._file if self._file is not None else self._start_file()
        spool.seek(0)
        read = spool.read
        for _ in range(self.count):
            length, height, width = self._RECORD.unpack(read(self._RECORD.size))
            item_id = read(length).decode("utf-8", "surrogatepass")
            row = [item_id] if with_ids else []
            if with_sizes:
                row += ["0", "0"] if height < 0 else [str(height), str(width)]
            yield row

    def close(self):
        if self._file is not None:
            self._file.close()


def parse_meta_row(row, path, where):
    """``(id or None, (height, width) or None)`` from a meta row of 1, 2 or 3 cells."""
    if len(row) not in (1, 2, 3):
        raise FormatError("meta row has %d cells (expected 1: id, 2: height, width, or 3: id, height, width)"
                          % len(row), path, where)
    item_id = row[0] if len(row) in (1, 3) else None
    if len(row) == 1:
        return item_id, None
    try:
        height, width = int(row[-2]), int(row[-1])
    except ValueError:
        raise FormatError("image size %s x %s is not two integers" % (_short(row[-2]), _short(row[-1])), path,
                          where) from None
    if height < 0 or width < 0:
        raise FormatError("negative image size %d x %d" % (height, width), path, where)
    check_size(height, width, None, path, where)
    return item_id, (height, width)


def _short(text):
    """A cell as an error shows it: a long one is cut, its length counted."""
    return repr(text) if len(text) <= 40 else "%r... (%d characters)" % (text[:20], len(text))
