"""Which column of an MNIST CSV file holds the label (``docs/formats.rst``, mnist_csv, "The label column").

A file's row layout (:data:`mnistio.codecs.csvrows.LABEL_FIRST` and its kin:
``(skip, label)``) comes, in this order, from:

1. the ``label_column`` option: ``"first"``, ``"last"``, ``"none"``, a column
   number N counted from 0 over every column of the file, or a header name;
2. the header: the column named ``label`` or ``class`` (any case), else the
   one column whose name is not a pixel's (``pixel0``, ``1x1``, ``42``), else
   none (an unlabelled file, as Kaggle's ``test.csv``); a first column named
   ``""`` or ``Unnamed: 0`` is pandas' index, dropped;
3. a folder written by Datumaro or mnistio (a ``labels.txt``,
   ``dataset_meta.json`` or ``meta_<subset>.csv`` beside the file): label
   first, as they write it;
4. the data: the first :data:`SAMPLE_LINES` lines are tried against every
   layout that gives 28 x 28 pixels, and the one that fits is used; when
   none or several fit, the read stops and asks for ``label_column``.
"""

from __future__ import annotations

import csv
import re
from collections import Counter

from ..codecs import csvrows
from ..errors import MnistioError, UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

    Layout = Tuple[int, Optional[int]]
    ColumnOption = Union[str, int, None]

__all__ = ["SAMPLE_LINES", "LABEL_NAMES", "LABEL_RANGE", "check_option", "parse_option_text", "header_names",
           "layout_from_header", "layout_from_option", "sample_rows", "guess_layout", "ask_for_option",
           "datumaro_layout_refuted"]

#: how many data lines (from the first) the guess of rule 4 reads
SAMPLE_LINES = 1000
#: in the guess, a label column holds integers -1 .. 63 (or up to the number of label names, when more):
#: EMNIST's 62 classes fit, and labels a names file lacks are the reader's to name, not a reason to
#: take another column for the label
LABEL_RANGE = 64
#: header names of the label column (compared in lower case)
LABEL_NAMES = ("label", "class")
_KEYWORDS = ("first", "last", "none")
_PIXEL_NAME = re.compile(r"^(pixel|px|p)?_?\d+(x\d+)?$", re.IGNORECASE)
_INDEX_NAMES = ("", "unnamed: 0")
_PIXELS = 28 * 28
_FIRST, _LAST, _NONE = 0, -1, None


def check_option(value: Any) -> ColumnOption:
    """``label_column`` as given from Python: None, a keyword, a column number or a header name."""
    if value is None or (isinstance(value, int) and not isinstance(value, bool) and value >= 0):
        return value
    if isinstance(value, str) and value.strip():
        return value.strip().lower() if value.strip().lower() in _KEYWORDS else value.strip()
    raise UsageError("label_column is 'first', 'last', 'none', a column number from 0 or a header name, not %r"
                     % (value,))


def parse_option_text(text: str) -> ColumnOption:
    """``--label-column`` from the command line: digits are a column number."""
    return int(text) if text.strip().isdigit() else check_option(text)


def header_names(line: bytes) -> List[str]:
    """The column names of a header line (CSV quoting undone, white space stripped)."""
    text = line.decode("utf-8", "replace")
    try:
        fields = next(csv.reader([text]), [])
    except csv.Error:
        fields = text.split(",")
    return [field.strip() for field in fields]


def _index_skip(names: Sequence[str]) -> int:
    """1 when the first column is pandas' index (named ``""`` or ``Unnamed: 0``), else 0."""
    return 1 if len(names) > 1 and names[0].lower() in _INDEX_NAMES else 0


def layout_from_header(names: Sequence[str], path: str) -> Layout:
    """Rule 2: the layout a header names."""
    skip = _index_skip(names)
    columns = [name.lower() for name in names[skip:]]
    named = [position for position, name in enumerate(columns) if name in LABEL_NAMES]
    if not named:
        named = [position for position, name in enumerate(columns) if not _PIXEL_NAME.match(name)]
        if not named:
            return skip, _NONE  # every column a pixel's: no labels (Kaggle's test.csv)
    if len(named) > 1:
        raise UsageError("the header names several columns that could be the label (%s): give the one with "
                         "--label-column NAME (label_column= in Python)"
                         % ", ".join(repr(names[skip + position]) for position in named[:4]), path)
    position = named[0]
    return skip, (_LAST if position == len(columns) - 1 and position else position)


def layout_from_option(option: ColumnOption, names: Optional[Sequence[str]], path: str) -> Layout:
    """Rule 1: the layout ``label_column`` says, in a file with the header ``names`` (None: no header)."""
    skip = _index_skip(names) if names is not None else 0
    if option == "first":
        return skip, _FIRST
    if option == "last":
        return skip, _LAST
    if option == "none":
        return skip, _NONE
    if isinstance(option, int):
        position = option
    else:
        if names is None:
            raise UsageError("label_column %r names a column, but the file has no header line: give its "
                             "number, counted from 0" % (option,), path)
        lowered = [name.lower() for name in names]
        if str(option).lower() not in lowered:
            raise UsageError("label_column %r: the header has no such column (it names %s)"
                             % (option, ", ".join(repr(name) for name in names[:6])
                                + (", ..." if len(names) > 6 else "")), path)
        position = lowered.index(str(option).lower())
    if position < skip:
        raise UsageError("label_column %r is pandas' index column, not a label" % (option,), path)
    return skip, position - skip


class _Row:
    """What the guess needs of one sampled line: its field count and its end fields as integers."""

    __slots__ = ("index", "fields", "first", "second", "last")

    def __init__(self, index: int, line: bytes) -> None:
        self.index = index
        self.fields = line.count(b",") + 1
        first, _, rest = line.partition(b",")
        self.first = _integer(first)
        self.second = _integer(rest.partition(b",")[0]) if rest else None
        self.last = _integer(line.rpartition(b",")[2])


def _integer(text: bytes) -> Optional[int]:
    try:
        return int(text)
    except ValueError:
        return None


def sample_rows(lines: Iterable[bytes]) -> List[_Row]:
    """The rows the guess looks at, from the data lines (after any header); bad lines are left to the reader."""
    rows = []
    try:
        for index, line in enumerate(lines):
            if index >= SAMPLE_LINES:
                break
            rows.append(_Row(index, line))
    except MnistioError:  # an overlong line, bad gzip data: the read stops there, naming it
        pass
    return rows


def _misfits(layout: Layout, rows: Sequence[_Row], labels: int) -> int:
    """How many rows do not read as ``layout``: a label column of labels (-1 .. ``labels`` - 1),
    pixels 0..255, an index counting the lines. A line whose end fields are not integers fits no
    layout and is not counted: the reader names it."""
    skip, label = layout
    misfits = 0
    for row in rows:
        head = row.second if skip else row.first
        if head is None or row.last is None or (skip and row.first is None):
            continue
        if (skip and row.first != row.index) or not (_fits_end(head, label == _FIRST, labels)
                                                     and _fits_end(row.last, label == _LAST, labels)):
            misfits += 1
    return misfits


def _fits_end(value: int, is_label: bool, labels: int) -> bool:
    return -1 <= value < labels if is_label else 0 <= value <= 255


# The layouts that leave 784 pixels in a line of so many fields.
_CANDIDATES: Dict[int, List[Layout]] = {_PIXELS: [(0, _NONE)], _PIXELS + 1: [(0, _FIRST), (0, _LAST), (1, _NONE)],
                                        _PIXELS + 2: [(1, _FIRST), (1, _LAST)]}


def guess_layout(rows: Sequence[_Row], names_count: int) -> Tuple[Optional[Layout], str]:
    """Rule 4: ``(layout, "")`` when the sampled rows fit one layout, else ``(None, why not)``.

    Lines of 784 fields are unlabelled; of 785, label first, label last, or
    pandas' index and no label; of 786, pandas' index then the label first or
    last (the index must count the lines from 0). A layout fits when all but
    one line in a hundred read as it (:func:`_misfits`). When label first and
    label last both fit, :func:`_label_end` picks the end column that is the
    label (the other is a corner pixel, blank in MNIST); failing that, labels
    within the names decide; otherwise the read is refused. When no layout
    fits, the one most lines fit may be used (:func:`_fewest_misfits`).
    """
    wide = [row for row in rows if row.fields > 1]
    if not wide:
        return csvrows.LABEL_FIRST, ""  # labels only, or nothing: no pixels to mistake
    width = Counter(row.fields for row in wide).most_common(1)[0][0]
    same = [row for row in wide if row.fields == width]
    candidates = _CANDIDATES.get(width)
    if candidates is None:
        return csvrows.LABEL_FIRST, ""  # not 28 x 28 in any layout: lines are refused one by one
    loose = max(names_count, LABEL_RANGE)
    misfits = {layout: _misfits(layout, same, loose) for layout in candidates}
    tolerated = len(same) // 100
    fitting = [layout for layout in candidates if misfits[layout] <= tolerated]
    if len(fitting) == 1:
        return fitting[0], ""
    if not fitting:
        return _fewest_misfits(misfits, len(same), width, loose)
    if len(fitting) == 2 and {label for _, label in fitting} == {_FIRST, _LAST}:
        skip = fitting[0][0]
        label = _label_end({row.second if skip else row.first for row in same}, {row.last for row in same})
        if label is not None:
            return (skip, label), ""
    # Labels within the names only: a last column of pixels above 9 is no label of ten names.
    strict = [layout for layout in fitting if _misfits(layout, same, names_count) <= tolerated]
    if len(strict) == 1:
        return strict[0], ""
    return None, "its first %d lines fit %s" % (len(same), " and ".join(_describe(layout) for layout in fitting))


def _fewest_misfits(misfits: Dict[Layout, int], rows: int, width: int, labels: int) -> Tuple[Optional[Layout], str]:
    """When no layout fits: the one (without an index column) that most lines fit, if one does and at
    least half of them; the reader then refuses the lines that do not, naming each."""
    ranked = sorted(misfits.items(), key=lambda pair: pair[1])
    best, fewest = ranked[0]
    if best[0] == 0 and fewest * 2 <= rows and all(other > fewest for _, other in ranked[1:]):
        return best, ""
    return None, ("no layout fits its first %d lines of %d fields (label first or last, -1..%d, and 784 "
                  "pixels 0..255)" % (rows, width, labels - 1))


def _label_end(heads: set, tails: set) -> Optional[int]:
    """Which end column is the label, when both hold labels on every sampled line: the other is a
    corner pixel, 0 in MNIST (so the one that is 0 on every line, when the other is not), and a
    pixel that holds one value while the other end holds several. None when these do not agree."""
    votes = set()
    if heads == {0} or tails == {0}:
        if heads != tails:
            votes.add(_LAST if heads == {0} else _FIRST)
    if (len(heads) == 1) != (len(tails) == 1):
        votes.add(_LAST if len(heads) == 1 else _FIRST)
    return votes.pop() if len(votes) == 1 else None


def _describe(layout: Layout) -> str:
    skip, label = layout
    text = {_FIRST: "label first", _LAST: "label last", _NONE: "no label"}.get(label, "label column %s" % label)
    return ("an index column, " + text) if skip else text


def ask_for_option(path: str, why: str) -> UsageError:
    """The refusal of a file whose label column the data does not tell."""
    return UsageError("cannot tell which column holds the label: %s; give it with --label-column "
                      "first|last|none|NAME|N (label_column= in Python)" % why, path)


def datumaro_layout_refuted(rows: Sequence[_Row], names_count: int) -> bool:
    """Whether the rows of a Datumaro/mnistio folder (rule 3) look label last instead: over at least 20
    lines, the first column holds one value and the last at least three, all of them labels."""
    same = [row for row in rows if row.fields == _PIXELS + 1]
    if len(same) < 20:
        return False
    heads = {row.first for row in same}
    tails = {row.last for row in same}
    return len(heads) == 1 and len(tails) >= 3 and all(value is not None and 0 <= value < names_count
                                                         for value in tails)
