"""Rows of "MNIST in CSV": ``label,p0,p1,...`` lines of decimal integers.

Follows ``docs/formats.rst`` (mnist_csv). Bytes in, bytes out: this module knows the
row syntax, not datasets. Parsing maps each decimal field through a table
of the 256 valid spellings, in C (``bytes.split``, ``itemgetter``, ``bytes.join``).
Digits are mostly background, so runs of eight ``0`` fields are first
collapsed, also in C, into one marker field that the table expands back:
that quarters the fields Python touches. Only a row that misses the table
takes the slow path, which accepts what ``int()`` does (spaces, leading
zeros) and names the first bad field.
"""

from __future__ import annotations

import sys
from array import array
from operator import itemgetter

from .. import limits
from ..errors import FormatError, LimitError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, BinaryIO, Iterator, List, Optional, Tuple

__all__ = ["BOM", "LABEL_FIRST", "NO_LABEL", "iter_lines", "is_header", "cut_line", "decode_pixels", "decode_block",
           "encode_lines", "encode_pixels", "parse_label", "line_too_long"]

_ZERO_RUN = b",0" * 8
_ZERO_RUN_MARKER = b"z"
_PIXEL_BYTES = {str(value).encode(): bytes((value,)) for value in range(256)}
_PIXEL_BYTES[_ZERO_RUN_MARKER] = bytes(8)
_PIXEL_TEXT = [str(value).encode() for value in range(256)]
_LABEL_VALUES = {str(value).encode(): value for value in range(-1, 256)}
_CHUNK = 1 << 20
#: UTF-8's byte-order mark, which some tools write before the first line
BOM = b"\xef\xbb\xbf"
#: A row layout is ``(skip, label)``: ``skip`` leading columns dropped (pandas' index column), then
#: the label at ``label`` among the columns left (``-1``: the last one), or ``None``: no label column.
#: Datumaro's ``label,p0,p1,...`` is LABEL_FIRST, the one layout of the fast paths.
LABEL_FIRST = (0, 0)
#: the label value of "no label", and of every line of a file without a label column
NO_LABEL = -1
# A first line whose leading fields count 0, 1, 2, ... (or 1, 2, 3, ...) this far holds a value no pixel
# can be: it is a header of column numbers, as pandas writes a numpy array's columns.
_COUNTING_HEADER = 257


def iter_lines(file: Any, path: Optional[str] = None) -> Iterator[Tuple[int, bytes]]:
    """Yield ``(line number, line)`` for every non-blank line of a binary file (anything with ``read(size)``).

    A UTF-8 byte-order mark before the first line is dropped (spreadsheets
    write one); a line longer than ``mnistio.limits.MAX_LINE_BYTES`` is refused.
    """
    for first_number, _, lines in _line_runs(file, path):
        for number, line in enumerate(lines, first_number):
            text = _line_text(line, path, number)
            if text is not None:
                yield number, text


def iter_line_offsets(file: Any, path: Optional[str] = None) -> Iterator[Tuple[int, int]]:
    """``(line number, byte offset)`` of every line :func:`iter_lines` yields, in the same order and
    with the same numbers and refusals: the offset is where the line starts in the stream read
    (a byte-order mark counted), for :func:`line_at` to read it again."""
    for first_number, offset, lines in _line_runs(file, path):
        for number, line in enumerate(lines, first_number):
            if _line_text(line, path, number) is not None:
                yield number, offset
            offset += len(line)


def _line_runs(file, path):
    """The lines of a stream with their line breaks, a chunk's worth at a time: ``(number of the first,
    its byte offset, lines)``, after a byte-order mark (dropped, its bytes counted). A line that
    grows past MAX_LINE_BYTES before its break is refused without reading the rest of it."""
    number, offset = 1, 0
    rest = b""
    first = True
    while True:
        chunk = file.read(_CHUNK)
        if not chunk:
            break
        if first:
            first = False
            if chunk.startswith(BOM):
                chunk, offset = chunk[len(BOM):], len(BOM)
        cut = chunk.rfind(b"\n") + 1
        if not cut:
            rest += chunk
            if len(rest) > limits.MAX_LINE_BYTES:
                raise line_too_long(path, number)
            continue
        run = rest + chunk[:cut]
        rest = chunk[cut:]
        lines = run.splitlines(True)
        yield number, offset, lines
        number, offset = number + len(lines), offset + len(run)
    if len(rest) > limits.MAX_LINE_BYTES:
        raise line_too_long(path, number)
    if rest:
        yield number, offset, rest.splitlines(True)


def _line_text(line, path, number):
    """A line without its break, or None when it is blank; refused when longer than the limit."""
    text = line.rstrip(b"\r\n")
    if len(text) > limits.MAX_LINE_BYTES:
        raise line_too_long(path, number)
    return text if text and not text.isspace() else None


def line_at(file: Any, offset: int) -> bytes:
    """The line starting at byte ``offset`` of a seekable binary file, without its line break (an
    offset :func:`iter_line_offsets` gave: the line is at most ``MAX_LINE_BYTES`` long)."""
    file.seek(offset)
    data = b""
    while True:
        piece = file.read(1 << 16)
        data += piece
        if not piece or b"\n" in piece or b"\r" in piece or len(data) > limits.MAX_LINE_BYTES + 2:
            break
    lines = data.splitlines()
    return lines[0] if lines else b""


def line_too_long(path: Optional[str], number: Optional[int]) -> LimitError:
    """The refusal of a line longer than ``mnistio.limits.MAX_LINE_BYTES`` (``number`` None: not counted)."""
    return LimitError("a line longer than mnistio.limits.MAX_LINE_BYTES (%d bytes)" % limits.MAX_LINE_BYTES,
                      path, "line %d" % number if number else None)


def count_lines(file: BinaryIO) -> int:
    """How many non-blank lines a binary file holds."""
    return sum(1 for _ in iter_lines(file))


def is_header(line: bytes) -> bool:
    """Whether a first line is a header: its first field is not an integer (Kaggle's ``label,1x1,...``,
    pandas' ``,label,...``), or its first 257 fields count from 0 or 1 (pandas' ``0,1,...,783,label``
    for a numpy array's columns; 256 is no pixel value, so no data line starts so)."""
    first = line.partition(b",")[0].strip()
    try:
        start = int(first)
    except ValueError:
        return True
    if start not in (0, 1) or line.count(b",") < _COUNTING_HEADER:
        return False
    fields = line.split(b",", _COUNTING_HEADER)[:_COUNTING_HEADER]
    return [field.strip() for field in fields] == [b"%d" % value for value in range(start, start + _COUNTING_HEADER)]


def cut_line(line: bytes, layout: Tuple[int, Optional[int]]) -> Tuple[Optional[bytes], Optional[bytes]]:
    """``(label field, pixel fields)`` of a line in ``layout`` (see :data:`LABEL_FIRST`).

    The label field is None in a layout without a label column, and ``b""``
    when the line has no such column (:func:`parse_label` then says so);
    the pixel fields are None for a line holding only its label.
    """
    skip, label = layout
    if skip:
        parts = line.split(b",", skip)
        if len(parts) <= skip:
            return (None if label is None else b""), None
        line = parts[skip]
    if label is None:
        return None, line
    if label == 0:
        text, comma, pixels = line.partition(b",")
        return text, pixels if comma else None
    if label == -1:
        pixels, comma, text = line.rpartition(b",")
        return text, pixels if comma else None
    fields = line.split(b",")
    if label >= len(fields):
        return b"", None
    text = fields.pop(label)
    return text, b",".join(fields) if fields else None


def parse_label(text: bytes, path: Optional[str] = None, line: Optional[int] = None) -> int:
    """The label field's integer value (``-1`` means none)."""
    value = _LABEL_VALUES.get(text)
    if value is not None:
        return value
    try:
        return int(text)
    except ValueError:
        raise FormatError("label %r is not an integer" % text.decode("utf-8", "replace"), path,
                          "line %d" % line if line else None) from None


def decode_pixels(text: bytes, path: Optional[str] = None, line: Optional[int] = None) -> bytes:
    """The pixel fields ``b"0,12,255"`` as bytes ``b"\\x00\\x0c\\xff"``."""
    pixels = _decode_fast(text)
    return pixels if pixels is not None else _decode_slowly(text, path, line)


def _decode_fast(text):
    """The pixels of well-formed fields, or None."""
    if _ZERO_RUN_MARKER in text:
        return None
    fields = text.replace(_ZERO_RUN, b"," + _ZERO_RUN_MARKER).split(b",")
    try:
        found = itemgetter(*fields)(_PIXEL_BYTES)  # every look-up in C
    except KeyError:
        return None
    return b"".join(found) if len(fields) > 1 else found  # of one field, itemgetter gives the item


def decode_block(block: bytes, max_line: int,
                 layout: Tuple[int, Optional[int]] = LABEL_FIRST) -> Optional[Tuple[array, array, bytes]]:
    """Every line of a block of whole lines, when all are well-formed.

    Returns ``(labels, lengths, pixels)``: an ``array("i")`` of the labels,
    one of the pixel counts (:data:`NO_PIXELS` for a line holding only its
    label), and all the pixels joined. Returns None when any line is blank or
    needs :func:`parse_label` and :func:`decode_pixels`, or is longer than
    ``max_line`` bytes: callers parse such a block line by line, naming what
    is wrong. Lines are read in ``layout`` (:data:`LABEL_FIRST` by default).
    """
    if layout != LABEL_FIRST:
        return _decode_block_cut(block, max_line, layout)
    labels = array("i")
    lengths = array("I")
    parts = []
    for line in block.splitlines():
        if len(line) > max_line:
            return None
        label_text, comma, pixel_text = line.partition(b",")
        label = _LABEL_VALUES.get(label_text)
        pixels = _decode_fast(pixel_text) if comma else b""
        if label is None or pixels is None:
            return None
        labels.append(label)
        lengths.append(len(pixels) if comma else NO_PIXELS)
        parts.append(pixels)
    return labels, lengths, b"".join(parts)


#: the length recorded for a line holding only its label (an item without an image)
NO_PIXELS = 0xFFFFFFFF


def _decode_block_cut(block, max_line, layout):
    """:func:`decode_block` for a layout other than :data:`LABEL_FIRST`."""
    labels = array("i")
    lengths = array("I")
    parts = []
    for line in block.splitlines():
        if len(line) > max_line:
            return None
        label_text, pixel_text = cut_line(line, layout)
        label = NO_LABEL if label_text is None else _LABEL_VALUES.get(label_text)
        pixels = b"" if pixel_text is None else _decode_fast(pixel_text)
        if label is None or pixels is None or (label_text is None and not pixel_text):
            return None
        labels.append(label)
        lengths.append(NO_PIXELS if pixel_text is None else len(pixels))
        parts.append(pixels)
    return labels, lengths, b"".join(parts)


def _decode_slowly(text, path, line):
    values = []
    for position, field in enumerate(text.split(b","), 1):
        try:
            value = int(field)
        except ValueError:
            value = None
        if value is None or not 0 <= value <= 255:
            raise FormatError("pixel %d is %r, expected an integer 0..255"
                              % (position, field.decode("utf-8", "replace").strip() if value is None else value),
                              path, "line %d" % line if line else None)
        values.append(value)
    return bytes(values)


def encode_lines(rows: List[Tuple[bytes, Optional[bytes]]]) -> bytes:
    """Whole lines ``label,p0,p1,...\n`` of ``(label text, pixels)`` rows; a row whose pixels
    are None is its label alone (an item without an image)."""
    encode = encode_pixels
    return b"".join([label + b"," + encode(pixels) + b"\n" if pixels is not None else label + b"\n"
                     for label, pixels in rows])


def encode_pixels(data: Any) -> bytes:
    """uint8 values as ``b"0,12,255"``.

    Pixels are looked up two at a time (as native uint16) in a table of
    the 65,536 ``b"a,b"`` pairs, which halves the steps; one ``itemgetter``
    of all of them does the look-ups in C.
    """
    view = memoryview(data)
    if view.format != "B" or not view.c_contiguous:
        view = memoryview(view.tobytes())
    even = len(view) & ~1
    text = b""
    if even:  # (an empty slice of a one-pixel view with a stride cannot be cast)
        pairs = view[:even].cast("H")
        # itemgetter of one index returns the item, not a tuple
        text = b",".join(itemgetter(*pairs)(_pair_table())) if even > 2 else _pair_table()[pairs[0]]
    if even == len(view):
        return text
    last = _PIXEL_TEXT[view[even]]
    return text + b"," + last if even else last


_PAIRS: List[bytes] = []


def _pair_table():
    if not _PAIRS:
        first, second = (0, 8) if sys.byteorder == "little" else (8, 0)
        _PAIRS.extend(b"%d,%d" % ((pair >> first) & 255, (pair >> second) & 255) for pair in range(65536))
    return _PAIRS
