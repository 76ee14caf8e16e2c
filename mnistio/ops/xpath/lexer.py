"""XPath 1.0 tokens (section 3.7), and the errors every stage raises.
"""

import re

from ...errors import UsageError
from .values import _string_to_number

# ---------------------------------------------------------------------------
# Errors

class XPathSyntaxError(UsageError):
    """A malformed filter expression, with the 1-based column of the fault."""

    def __init__(self, expression, column, reason):
        self.expression = expression
        self.column = column
        self.reason = reason
        shown = expression.translate({9: " ", 10: " ", 13: " "})
        message = "bad filter expression at column %d: %s\n  %s\n  %s^" % (
            column, reason, shown, " " * (column - 1))
        UsageError.__init__(self, message)

    def __reduce__(self):
        return (type(self), (self.expression, self.column, self.reason))


class XPathLimitError(UsageError):
    """An evaluation took more steps than ``mnistio.limits.MAX_XPATH_STEPS`` allows."""

    def __init__(self, expression, limit):
        self.expression = expression
        self.limit = limit
        shown = expression if len(expression) <= 200 else expression[:197] + "..."
        UsageError.__init__(self, (
            "filter expression %r took more than mnistio.limits.MAX_XPATH_STEPS = %d steps "
            "(node visits, predicate tests, function calls) on one item; simplify it, or raise the "
            "limit from Python: mnistio.limits.MAX_XPATH_STEPS = %d" % (shown, limit, limit * 10)))

    def __reduce__(self):
        return (type(self), (self.expression, self.limit), self.__dict__)


# ---------------------------------------------------------------------------
# Tokens (section 3.7)

_NAME_START = ("A-Z_a-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d"
               "\u037f-\u1fff\u200c\u200d\u2070-\u218f\u2c00-\u2fef"
               "\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff")
_NAME_CHAR = _NAME_START + "\\-.0-9\u00b7\u0300-\u036f\u203f\u2040"
_NCNAME = "[" + _NAME_START + "][" + _NAME_CHAR + "]*"
_TOKEN = re.compile(
    "(?P<space>[ \t\r\n]+)"
    # libxml2's numbers, with an optional exponent ('1e3', '2.5E-3'): see values.py
    "|(?P<number>(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(?:[eE][+-]?[0-9]*)?)"
    "|(?P<literal>\"[^\"]*\"|'[^']*')"
    "|(?P<variable>\\$" + _NCNAME + "(?::" + _NCNAME + ")?)"
    "|(?P<name>" + _NCNAME + "(?::(?:" + _NCNAME + "|\\*))?)"
    "|(?P<op>//|::|!=|<=|>=|\\.\\.|[/()\\[\\].@,|+\\-=<>*])")

_OPERATOR_NAMES = frozenset(["and", "or", "mod", "div"])
_NODE_TYPES = frozenset(["node", "text", "comment", "processing-instruction"])
# After these (or at the start) '*' is a name test and a name is not an operator.
_NAME_MAY_FOLLOW = frozenset(["@", "::", "(", "[", ",", "and", "or", "mod", "div", "*",
                              "/", "//", "|", "+", "-", "=", "!=", "<", "<=", ">", ">="])


class _Token(object):
    __slots__ = ("kind", "value", "col", "text")

    def __init__(self, kind, value, col, text):
        self.kind = kind
        self.value = value
        self.col = col
        self.text = text


def _lexical_error(expression, position):
    char = expression[position]
    if char in "\"'":
        return "unterminated string literal"
    if char == "$":
        return "variables are not supported"
    if char == "!":
        return "unexpected character '!' (not equal is '!=')"
    return "unexpected character %r" % char


def _tokenize(expression):
    """Tokens ending with an 'end' token, or with a 'bad' one at a lexical error."""
    tokens = []
    position = 0
    while position < len(expression):
        match = _TOKEN.match(expression, position)
        if match is None:
            tokens.append(_Token("bad", _lexical_error(expression, position),
                                 position + 1, expression[position]))
            break
        kind, text = match.lastgroup, match.group()
        if kind == "number":
            tokens.append(_Token(kind, _string_to_number(text), position + 1, text))
        elif kind == "literal":
            tokens.append(_Token(kind, text[1:-1], position + 1, text))
        elif kind != "space":
            tokens.append(_Token(kind, text, position + 1, text))
        position = match.end()
    else:
        tokens.append(_Token("end", None, len(expression) + 1, ""))
    _assign_roles(tokens)
    return tokens


def _assign_roles(tokens):
    """Tell names and '*' apart by the disambiguation rules of section 3.7."""
    previous = None
    for index, token in enumerate(tokens):
        if token.kind == "name" or (token.kind == "op" and token.value == "*"):
            if previous is not None and not (
                    previous.kind == "op" and previous.value in _NAME_MAY_FOLLOW):
                operator_ok = token.value == "*" or token.value in _OPERATOR_NAMES
                token.kind = "op" if operator_ok else "misplaced"
            elif token.value == "*":
                token.kind = "nametest"
            else:
                following = tokens[index + 1] if index + 1 < len(tokens) else None
                token.kind = "nametest"
                if following is not None and following.kind == "op":
                    if following.value == "(":
                        token.kind = "nodetype" if token.value in _NODE_TYPES else "function"
                    elif following.value == "::":
                        token.kind = "axis"
        previous = token


