"""Contact sheets: a labelled grid of sample images from a dataset.

::

    data, width, height, channels = contact_sheet(dataset, per_label=10, scale=2)
    write_contact_sheet(dataset, "sheet.png")

The sheet has one row per label name, in label order, then one row per
label index without a name and one for items without a label, when such
items are met before reading stops. A row starts with its label's name,
drawn with a built-in 5x7 font in ASCII (:func:`drawn_name`: accents
dropped, letters of other alphabets by the first letter of their Unicode
names, a kana by its syllable, other characters as ``?``; names longer
than twelve characters cut with ``..``), followed by the first
``per_label`` images of that label met while streaming the dataset, each
enlarged ``scale`` times (nearest neighbour) and centred in a cell as large
as the largest image. Reading stops as soon as every row met so far is
full, so that a sheet of a large dataset costs a few hundred items: an
unlabeled item that comes after the labelled rows are full is not seen.

Layout, in output pixels: 2-pixel gray grid lines above, below and between
the rows and around every cell; a white label column ``(6 * characters + 3)
* scale`` wide on the left, ``characters`` being the longest name (at most
12). The pixels are RGB (``channels == 3``), row-major uint8 bytes: gray
images are replicated, colour shown in colour, alpha dropped.
"""

from __future__ import annotations

import re
import unicodedata
from itertools import islice

from ..codecs.png import encode_png
from ..codecs.streams import write_file_atomically
from ..errors import UsageError
from ..model.dataset import Dataset

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, List, Optional, Tuple

__all__ = ["contact_sheet", "write_contact_sheet", "drawn_name"]

_GAP = 2                 # grid line width, pixels
_PAPER = 0xFF            # white background
_INK = 0x20              # dark gray text
_GRID = 0xA0             # gray grid lines
_MAX_NAME_CHARS = 12
_UNLABELED_NAME = "(no label)"
_PAPER_PIXEL = bytes([_PAPER]) * 3
_GRID_PIXEL = bytes([_GRID]) * 3

_GLYPH_WIDTH, _GLYPH_HEIGHT, _ADVANCE = 5, 7, 6
_FIRST_CHAR, _LAST_CHAR = 32, 126
# 5x7 glyphs for ASCII 32..126 (space to tilde), five column bytes each,
# bit 0 the top row; the classic LCD character-generator shapes.
_FONT = bytes.fromhex(
    "0000000000" "00005f0000" "0007000700" "147f147f14" "242a7f2a12" "2313086462" "3649552250" "0005030000"
    "001c224100" "0041221c00" "14083e0814" "08083e0808" "0050300000" "0808080808" "0060600000" "2010080402"
    "3e5149453e" "00427f4000" "4261514946" "2141454b31" "1814127f10" "2745454539" "3c4a494930" "0171090503"
    "3649494936" "064949291e" "0036360000" "0056360000" "0814224100" "1414141414" "0041221408" "0201510906"
    "324979413e" "7e1111117e" "7f49494936" "3e41414122" "7f4141221c" "7f49494941" "7f09090901" "3e4149497a"
    "7f0808087f" "00417f4100" "2040413f01" "7f08142241" "7f40404040" "7f020c027f" "7f0408107f" "3e4141413e"
    "7f09090906" "3e4151215e" "7f09192946" "4649494931" "01017f0101" "3f4040403f" "1f2040201f" "3f4038403f"
    "6314081463" "0708700807" "6151494543" "007f414100" "0204081020" "0041417f00" "0402010204" "4040404040"
    "0001020400" "2054545478" "7f48444438" "3844444420" "384444487f" "3854545418" "087e090102" "085454543c"
    "7f08040478" "00447d4000" "2040443d00" "7f10284400" "00417f4000" "7c04180478" "7c08040478" "3844444438"
    "7c14141408" "081414147c" "7c08040408" "4854545420" "043f444020" "3c4040207c" "1c2040201c" "3c4030403c"
    "4428102844" "0c5050503c" "4464544c44" "0008364100" "00007f0000" "0041360800" "0804081008"
)


def _glyph_rows():
    """``{character: its 7 pixel rows}``, each row 6 gray bytes (5 columns, then spacing)."""
    glyphs = {}
    for code in range(_FIRST_CHAR, _LAST_CHAR + 1):
        start = (code - _FIRST_CHAR) * _GLYPH_WIDTH
        columns = _FONT[start:start + _GLYPH_WIDTH]
        glyphs[chr(code)] = tuple(
            bytes([_INK if column >> row & 1 else _PAPER for column in columns] + [_PAPER])
            for row in range(_GLYPH_HEIGHT))
    return glyphs


_GLYPHS = _glyph_rows()


def _check_count(name, value, least):
    if not isinstance(value, int) or isinstance(value, bool) or value < least:
        raise UsageError("%s must be an integer >= %d, not %r" % (name, least, value))


def _collect(dataset, names, per_label, max_items):
    """``{label index, or None for no label: the first images of that label}``."""
    rows: Dict[Optional[int], List[Any]] = {index: [] for index in range(len(names))}
    unfilled = len(rows)
    items = iter(dataset)
    try:
        for item in islice(items, max_items):
            if item.media is None:
                continue
            for key in dict.fromkeys(item.labels) or (None,):
                row = rows.get(key)
                if row is None:
                    row = rows[key] = []
                    unfilled += 1
                if len(row) < per_label:
                    row.append(item.media)
                    if len(row) == per_label:
                        unfilled -= 1
            if not unfilled:
                break
    finally:
        # Stopping early must still release the reader's open files.
        close = getattr(items, "close", None)
        if close is not None:
            close()
    return rows


def _row_title(key, names):
    if key is None:
        return _UNLABELED_NAME
    return names[key] if key < len(names) else "#%d" % key


_LETTER_NAME = re.compile(r"\b(CAPITAL |SMALL )?LETTER (?:CAPITAL |SMALL )?(?:[A-Z]+ )*([A-Z]+)$")


def _ascii_char(char: str) -> str:
    if " " <= char <= "~":
        return char
    folded = "".join(part for part in unicodedata.normalize("NFKD", char) if not unicodedata.combining(part))
    if folded and all(" " <= part <= "~" for part in folded):
        return folded  # é as e, ﬁ as fi
    if all(" " <= part <= "~" for part in char.casefold()):
        return char.casefold()  # ß as ss
    name = unicodedata.name(folded[:1] or char, "")  # ά by its letter, alpha, not by its accent
    letter = _LETTER_NAME.search(name)
    if letter is None:
        return "?"
    # A kana by its syllable (HIRAGANA LETTER KI as ki: KMNIST's names stay readable); a letter of
    # another alphabet by its name's first letter (GREEK SMALL LETTER LAMDA as l), so a word stays short.
    text = letter.group(2) if name.startswith(("HIRAGANA", "KATAKANA")) else letter.group(2)[0]
    return text.capitalize() if letter.group(1) == "CAPITAL " else text.lower()


def drawn_name(name: str) -> str:
    """A label name as the sheet's ASCII font draws it (before cutting to twelve characters):
    ``café`` as ``cafe``, ``き`` as ``ki``, ``Ελληνικά`` as ``Ellenika``, ``✓`` as ``?``."""
    return "".join(_ascii_char(char) for char in name)


def _fit_text(text, chars):
    text = drawn_name(text)
    return text if len(text) <= chars else text[:max(chars - 2, 0)] + ".."


def _widen(data, factor, pixel_size):
    """Every pixel repeated ``factor`` times along its row.

    Works on a whole image at once: widening keeps each row contiguous.
    """
    if factor == 1:
        return bytes(data)
    wide = bytearray(len(data) * factor)
    step = pixel_size * factor
    for copy in range(factor):
        for channel in range(pixel_size):
            wide[copy * pixel_size + channel::step] = data[channel::pixel_size]
    return wide


def _gray_to_rgb(gray):
    rgb = bytearray(3 * len(gray))
    rgb[0::3] = rgb[1::3] = rgb[2::3] = gray
    return rgb


def _label_lines(title, chars, scale, width, height):
    """The ``height`` RGB pixel rows of a row's label column."""
    text = _fit_text(title, chars)
    blank = _PAPER_PIXEL * width
    top = (height - _GLYPH_HEIGHT * scale) // 2
    margin = bytes([_PAPER]) * (2 * scale)
    lines = [blank] * top
    for row in range(_GLYPH_HEIGHT):
        gray = margin + _widen(b"".join(_GLYPHS[char][row] for char in text), scale, 1)
        lines += [bytes(_gray_to_rgb(gray.ljust(width, bytes([_PAPER]))))] * scale
    return lines + [blank] * (height - len(lines))


def _cell_lines(image, scale, width, height):
    """The ``height`` RGB pixel rows of one cell: an RGB image enlarged and centred on white."""
    image_width, image_height = image.width * scale, image.height * scale
    blank = _PAPER_PIXEL * width
    if not image_width or not image_height:
        return [blank] * height
    left, top = (width - image_width) // 2, (height - image_height) // 2
    pad_left = _PAPER_PIXEL * left
    pad_right = _PAPER_PIXEL * (width - image_width - left)
    wide = _widen(bytes(image.data), scale, 3)
    stride = 3 * image_width
    rows = [pad_left + wide[start:start + stride] + pad_right for start in range(0, len(wide), stride)]
    lines = [blank] * top + [row for row in rows for _ in range(scale)]
    return lines + [blank] * (height - len(lines))


def _rgb(image):
    image.channels  # noqa: B018 (loads a lazy image: to_rgb needs to know its channels)
    return image.to_rgb()


def _draw(titles, rows, per_label, scale):
    """``(data, width, height)`` of the sheet for rows of RGB images under their titles."""
    seen = [image for row in rows for image in row]
    # At least as tall as the text, and never zero wide.
    cell_height = max([_GLYPH_HEIGHT] + [image.height for image in seen]) * scale
    cell_width = max([_GLYPH_HEIGHT] + [image.width for image in seen]) * scale
    chars = min(max([1] + [len(title) for title in titles]), _MAX_NAME_CHARS)
    label_width = (_ADVANCE * chars + 3) * scale
    width = label_width + _GAP + per_label * (cell_width + _GAP)
    height = _GAP + len(rows) * (cell_height + _GAP)

    grid_line = _GRID_PIXEL * width
    gap = _GRID_PIXEL * _GAP
    empty_cell = [_PAPER_PIXEL * cell_width] * cell_height
    lines = [grid_line] * _GAP
    for title, images in zip(titles, rows):
        cells = [_cell_lines(image, scale, cell_width, cell_height) for image in images]
        cells += [empty_cell] * (per_label - len(cells))
        label = _label_lines(title, chars, scale, label_width, cell_height)
        for y in range(cell_height):
            lines.append(gap.join([label[y]] + [cell[y] for cell in cells]) + gap)
        lines += [grid_line] * _GAP
    return b"".join(lines), width, height


def contact_sheet(dataset: Dataset, per_label: int = 10, scale: int = 2,
                  max_items: Optional[int] = None) -> Tuple[bytes, int, int, int]:
    """Draw the first ``per_label`` images of every label, a row each.

    Reads at most ``max_items`` items (None: until every row is full or the
    dataset ends). Returns ``(data, width, height, channels)``: RGB
    row-major uint8 bytes and the sheet's size, ``channels`` being 3.
    """
    _check_count("per_label", per_label, 1)
    _check_count("scale", scale, 1)
    if max_items is not None:
        _check_count("max_items", max_items, 0)
    names = dataset.label_names
    rows = _collect(dataset, names, per_label, max_items)
    order = sorted(rows, key=lambda key: (key is None, key or 0))
    titles = [_row_title(key, names) for key in order]
    data, width, height = _draw(titles, [[_rgb(image) for image in rows[key]] for key in order], per_label, scale)
    return data, width, height, 3


def write_contact_sheet(dataset: Dataset, path: Any, **options: Any) -> Tuple[int, int]:
    """Write :func:`contact_sheet` as a PNG to a path or binary file object.

    ``options`` are those of :func:`contact_sheet`; returns ``(width, height)``.
    """
    data, width, height, channels = contact_sheet(dataset, **options)
    blob = encode_png(data, height, width, channels)
    if hasattr(path, "write"):
        path.write(blob)
    else:
        write_file_atomically(path, blob)
    return width, height
