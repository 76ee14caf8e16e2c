"""Small JSON files (RFC 8259): ``dataset_meta.json``, project files.

:func:`read_json` reads a whole file within ``mnistio.limits.MAX_TEXT_FILE_BYTES``
and refuses, before parsing, containers nested deeper than
``mnistio.limits.MAX_NESTING``: Python's parser recurses, so a file of a
few kilobytes of ``[`` would otherwise end in a ``RecursionError``. Every
failure is a :class:`~mnistio.errors.FormatError` (or a ``LimitError``) that
names the file and says what was expected.
"""

from __future__ import annotations

import json
import re

from .. import limits
from ..errors import FormatError, LimitError
from .streams import read_small_file

TYPE_CHECKING = False
if TYPE_CHECKING:
    import os
    from typing import Any, Union

__all__ = ["read_json", "nests_deeper_than", "json_kind", "json_shown"]

# A string (skipped whole, so that brackets inside it do not count) or one bracket.
_STRING_OR_BRACKET = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


def nests_deeper_than(data: bytes, limit: int) -> bool:
    """Whether the containers of the JSON text ``data`` nest more than ``limit`` deep."""
    if data.count(b"[") + data.count(b"{") <= limit:
        return False  # too few brackets to nest deeper, whatever the strings hold: no scan
    depth = 0
    for token in _STRING_OR_BRACKET.finditer(data):
        bracket = token.group()
        if bracket in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        elif bracket in (b"]", b"}"):
            depth -= 1
    return False


def read_json(path: Union[str, "os.PathLike[str]"], what: str, expected: str = "") -> Any:
    """The value of a small JSON file; ``what`` names the file in errors, ``expected`` says what
    should be in it."""
    data = read_small_file(path, what)
    advice = "; " + expected if expected else ""
    if nests_deeper_than(data, limits.MAX_NESTING):
        raise LimitError("%s nests containers more than mnistio.limits.MAX_NESTING (%d) deep%s"
                         % (what, limits.MAX_NESTING, advice), path)
    try:
        return json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise FormatError("unreadable %s (not UTF-8 text, byte %d)%s" % (what, error.start, advice), path) from None
    except RecursionError:  # only when the limit is raised past what the interpreter's stack allows
        raise LimitError("%s nests containers too deeply to read%s" % (what, advice), path) from None
    except ValueError as error:
        if isinstance(error, json.JSONDecodeError):
            raise FormatError("unreadable %s (%s)%s" % (what, error.msg, advice), path,
                              "line %d, column %d" % (error.lineno, error.colno)) from None
        raise FormatError("unreadable %s (%s)%s" % (what, error, advice), path) from None


def json_kind(value: Any) -> str:
    """What a JSON value is, without showing it (it may be huge or deep): ``a list``."""
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null",
            int: "a number", float: "a number"}.get(type(value), type(value).__name__)


def json_shown(value: Any) -> str:
    """A JSON value as an error shows it: in JSON when it is a short scalar, else :func:`json_kind`."""
    if value is None or isinstance(value, (bool, int, float)) or (isinstance(value, str) and len(value) <= 60):
        return json.dumps(value)
    return "a long string" if isinstance(value, str) else json_kind(value)
