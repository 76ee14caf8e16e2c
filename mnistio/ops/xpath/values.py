"""XPath 1.0 values: the four types, their conversions (section 4), and numbers read and written as libxml2 does.
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
# Numbers as libxml2 reads and writes them
#
# Datumaro filters with lxml, so a filter must select what libxml2 selects.
# Where libxml2 (xpath.c of 2.14: xmlXPathStringEvalNumber, xmlXPathCompNumber,
# xmlXPathFormatNumber) departs from section 4.2 and 4.4, these follow
# libxml2: exponents are read ('1e3' is 1000, in a string and as a literal),
# digits are added up one by one in doubles (so '6.5589' is
# 6.5588999999999995), and numbers are written with 15 significant digits,
# with an exponent past 1e9 or below 1e-5 ('1e+21', '1e-06').

_NUMBER_TEXT = re.compile(
    r"[ \t\r\n]*(-?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?)([0-9]*))?[ \t\r\n]*\Z")
_MAX_FRACTION = 20  # libxml2's MAX_FRAC: fraction digits read after the leading zeros
_MAX_EXPONENT_DIGITS = 7  # libxml2 stops adding exponent digits once it reaches 1000000


def _string_to_number(text):
    """number() of a string, as libxml2: whitespace, '-', digits, '.', digits, an exponent; else NaN."""
    if len(text) <= 15 and text.isdigit() and text.isascii():  # the usual case, exact in a double
        return float(text)
    match = _NUMBER_TEXT.match(text)
    if match is None:
        return _NAN
    minus, whole, fraction, exponent_sign, exponent = match.groups()
    if not whole and not fraction:  # "", "-", ".", "e5": no digit before an exponent
        return _NAN
    value = _digits_value(whole)
    if fraction:
        significant = fraction.lstrip("0")[:_MAX_FRACTION]
        if significant:
            places = len(fraction) - len(fraction.lstrip("0")) + len(significant)
            value += _digits_value(significant) / _power_of_ten(places)
    if minus:
        value = -value
    if exponent:
        power = int(exponent.lstrip("0")[:_MAX_EXPONENT_DIGITS] or "0")
        value *= _power_of_ten(-power if exponent_sign == "-" else power)
    return value


def _digits_value(digits):
    """Decimal digits added up one by one in a double, as libxml2 does (exact up to 15 digits)."""
    if len(digits) <= 15:
        return float(digits) if digits else 0.0
    value = 0.0
    for digit in digits:
        value = value * 10 + (ord(digit) - 48)
    return value


def _power_of_ten(exponent):
    """C's pow(10, exponent): infinity when too large, as Python's math.pow refuses."""
    try:
        return math.pow(10.0, exponent)
    except OverflowError:
        return _INF


def _number_to_string(value):
    """string() of a number, as libxml2: 15 significant digits, an exponent past 1e9 or below 1e-5."""
    if value != value:
        return "NaN"
    if value == _INF:
        return "Infinity"
    if value == -_INF:
        return "-Infinity"
    if value == 0:
        return "0"  # -0 too
    if -2147483648.0 < value < 2147483647.0 and value.is_integer():  # a C int
        return "%d" % value
    magnitude = abs(value)
    if magnitude > 1e9 or magnitude < 1e-5:
        text = "%.14e" % value
        cut = text.index("e")
    else:
        place = int(math.log10(magnitude))  # truncated, as C's (int) cast
        text = "%.*f" % (14 - place if place > 0 else 15 - place, value)
        cut = len(text)
    digits = text[:cut].rstrip("0")  # the fraction's trailing zeros, and a bare point
    return (digits[:-1] if digits.endswith(".") else digits) + text[cut:]


# ---------------------------------------------------------------------------
# Conversions (section 4)

def _nodes_to_string(nodes, document):
    return _string_value(nodes[0], document) if nodes else ""


def _nodes_to_number(nodes, document):
    return _string_to_number(_string_value(nodes[0], document)) if nodes else _NAN


def _number_to_boolean(value):
    return value != 0 and value == value


def _boolean_to_string(value):
    return "true" if value else "false"


# From a node-set, conversions take the document too: string values are paid for in its steps.
_FROM_NODES = {STRING: _nodes_to_string, NUMBER: _nodes_to_number}

_CONVERT = {
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
    """A function value -> value of type target, for a source that is not a node-set."""
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


