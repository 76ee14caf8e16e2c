"""XPath 1.0 values: the four types, their conversions (section 4) and numbers as text.
"""

from __future__ import annotations

import math
import re

from .tree import _string_value

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Dict, Optional

NODESET = "node-set"
STRING = "string"
NUMBER = "number"
BOOLEAN = "boolean"

_NAN = float("nan")
_INF = float("inf")
_VARIES = object()  # the value of an expression that depends on its context


# ---------------------------------------------------------------------------
# Conversions (section 4) and numbers

_NUMBER_TEXT = re.compile(r"[ \t\r\n]*(-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))[ \t\r\n]*\Z")


def _parse_number_spec(text):
    """number() of a string: optional whitespace, '-', digits; else NaN."""
    match = _NUMBER_TEXT.match(text)
    return float(match.group(1)) if match else _NAN


def _format_number_spec(value):
    """string() of a number, section 4.2: no exponent, shortest exact digits."""
    if value != value:
        return "NaN"
    if value == _INF:
        return "Infinity"
    if value == -_INF:
        return "-Infinity"
    if value == 0:
        return "0"
    if value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    digits = repr(value)  # the shortest digits that read back as value
    sign = ""
    if digits[0] == "-":
        sign, digits = "-", digits[1:]
    mantissa, _, exponent = digits.partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = (whole + fraction).lstrip("0")
    point = len(whole) + int(exponent or 0) - (len(whole + fraction) - len(digits))
    digits = digits.rstrip("0")
    if point <= 0:
        return "%s0.%s%s" % (sign, "0" * -point, digits)
    if point >= len(digits):
        return sign + digits + "0" * (point - len(digits))
    return "%s%s.%s" % (sign, digits[:point], digits[point:])


# Looked up at each call, so that a test can swap in another engine's rules.
_parse_number = _parse_number_spec
_format_number = _format_number_spec


def _string_to_number(text):
    return _parse_number(text)


def _number_to_string(value):
    return _format_number(value)


def _nodes_to_string(nodes):
    return _string_value(nodes[0]) if nodes else ""


def _nodes_to_number(nodes):
    return _parse_number(_string_value(nodes[0])) if nodes else _NAN


def _number_to_boolean(value):
    return value != 0 and value == value


def _boolean_to_string(value):
    return "true" if value else "false"


_CONVERT = {
    (NODESET, STRING): _nodes_to_string,
    (NODESET, NUMBER): _nodes_to_number,
    (NODESET, BOOLEAN): bool,
    (STRING, NUMBER): _string_to_number,
    (STRING, BOOLEAN): bool,
    (NUMBER, STRING): _number_to_string,
    (NUMBER, BOOLEAN): _number_to_boolean,
    (BOOLEAN, STRING): _boolean_to_string,
    (BOOLEAN, NUMBER): float,
}


def _identity(value):
    return value


def _converter(source, target):
    return _identity if source == target else _CONVERT[source, target]


def _divide(left, right):
    try:
        return left / right
    except ZeroDivisionError:
        if left != left or left == 0:
            return _NAN
        return math.copysign(_INF, left) * math.copysign(1.0, right)


def _modulo(left, right):
    try:
        return math.fmod(left, right)  # C's fmod: the sign of the dividend
    except ValueError:  # an infinite dividend or a zero divisor
        return _NAN


def _floor(value):
    if value != value or value in (_INF, -_INF):
        return value
    result = float(math.floor(value))
    return result if result else math.copysign(0.0, value)


def _ceiling(value):
    if value != value or value in (_INF, -_INF):
        return value
    result = float(math.ceil(value))
    return result if result else math.copysign(0.0, value)


def _round(value):
    """round(): half towards positive infinity; -0.5 <= x < 0 gives -0."""
    if value != value or value in (_INF, -_INF):
        return value
    if -0.5 <= value < 0.5:
        return math.copysign(0.0, value)
    result = math.floor(value)
    if value - result >= 0.5:
        result += 1
    return float(result)


def _substring(text, start, length=None):
    first = _round(start)
    end = _INF if length is None else first + _round(length)
    if first != first or end != end:
        return ""
    low = 1.0 if first < 1 else first
    high = len(text) + 1.0 if end > len(text) + 1 else end
    if low >= high:
        return ""
    return text[int(low) - 1:int(high) - 1]


_SPACE_RUN = re.compile("[ \t\r\n]+")


def _normalize_space(text):
    return _SPACE_RUN.sub(" ", text).strip(" ")


def _translation(source, target):
    table: Dict[int, Optional[str]] = {}
    for index, char in enumerate(source):
        table.setdefault(ord(char), target[index] if index < len(target) else None)
    return table


