"""XPath 1.0 filters over dataset items.

This is an implementation of the XML Path Language (XPath) Version 1.0, W3C
Recommendation 16 November 1999 (https://www.w3.org/TR/1999/REC-xpath-19991116/),
in the standard library only.  It evaluates over a small tree of
:class:`Element` objects: the XML form of a dataset item that Datumaro filters
with lxml, element names and text exactly so::

    <item>
      <id>17</id>
      <subset>train</subset>
      <image><height>28</height><width>28</width><has_data>1</has_data></image>
      <annotation>
        <id>0</id><type>label</type><group>0</group>
        <label>3</label><label_id>3</label_id>
      </annotation>
    </item>

The document root is a :class:`Document` node whose only child is ``<item>``,
so ``/item`` selects the item whatever node the evaluation starts from.
Compile once, evaluate per item::

    query = compile('/item[annotation/label="3"]')
    kept = [item for item in items if query.matches(item)]

The whole language is implemented: location paths with all thirteen axes,
``node()`` and ``text()`` node tests, predicates with proximity positions,
filter expressions, every operator with its precedence, the comparison and
conversion rules of section 3.4, IEEE 754 numbers (NaN, infinities, negative
zero), number-to-string conversion by section 4.2 (shortest digits that
round-trip, never an exponent: 1e21 is "1000000000000000000000"), and the
whole core function library of section 4.

What is not supported, and why:

* The item model has no attributes, namespaces, comments or processing
  instructions.  So the ``attribute`` (``@``) and ``namespace`` axes parse
  but are always empty, ``comment()`` and ``processing-instruction()`` match
  nothing, ``id()`` finds nothing (no IDs), ``lang()`` is false (no
  ``xml:lang``) and ``namespace-uri()`` is ``""``.
* Names with a namespace prefix (``a:b``, ``a:*``, ``a:f()``) and variables
  (``$x``) raise :class:`XPathSyntaxError`: nothing can bind a prefix or a
  variable here.
* Expressions nested more than 32 levels deep (parentheses, predicates and
  function arguments) raise :class:`XPathSyntaxError`, to keep parsing and
  evaluation well inside Python's recursion limit.

Every type error of XPath 1.0 (``count(1)``, ``"a" | "b"``, ``(1)[1]``) can
be found without data, as there are no variables, so :func:`compile` reports
it, with unknown functions and wrong argument counts, as an
:class:`XPathSyntaxError` with its column.
"""

import math
import operator
import re

from .errors import UsageError

__all__ = [
    "compile",
    "XPath",
    "XPathSyntaxError",
    "Element",
    "Text",
    "Document",
    "to_xml",
    "NODESET",
    "STRING",
    "NUMBER",
    "BOOLEAN",
]

NODESET = "node-set"
STRING = "string"
NUMBER = "number"
BOOLEAN = "boolean"

_NAN = float("nan")
_INF = float("inf")

# Expressions nested deeper are refused (see the module docstring).
_MAX_NESTING = 32


# ---------------------------------------------------------------------------
# The document model

_ELEMENT, _TEXT, _ROOT = 1, 3, 9


class Element(object):
    """An element of an item tree: a tag with text or child elements."""

    __slots__ = ("tag", "text", "children", "parent", "_text_node")
    _kind = _ELEMENT

    def __init__(self, tag, text=None, children=()):
        if not isinstance(tag, str):
            raise TypeError("an element tag must be a str, not %s" % type(tag).__name__)
        self.tag = tag
        self.text = text if text is None or isinstance(text, str) else str(text)
        self.children = []
        self.parent = None
        self._text_node = None
        for child in children:
            self.append(child)

    def append(self, child):
        """Add ``child`` as the last child element; return it."""
        if not isinstance(child, Element):
            raise TypeError("can only append an Element, not %s" % type(child).__name__)
        if child.parent is not None:
            raise UsageError("element <%s> already has a parent" % child.tag)
        child.parent = self
        self.children.append(child)
        return child

    def __repr__(self):
        return "<Element %s>" % self.tag


class Text(object):
    """The text node of an element that has text (made when first selected)."""

    __slots__ = ("parent",)
    _kind = _TEXT
    tag = None
    children = ()

    def __init__(self, parent):
        self.parent = parent

    @property
    def text(self):
        return self.parent.text

    def __repr__(self):
        return "<Text %r>" % self.parent.text


class Document(object):
    """The root node of a tree; its only child is the top element.

    Evaluating from an element whose tree has no Document makes one for the
    evaluation, so building one is only needed to keep the root node's
    identity across evaluations.
    """

    __slots__ = ("children", "_order")
    _kind = _ROOT
    tag = None
    text = None
    parent = None

    def __init__(self, element):
        if not isinstance(element, Element):
            raise TypeError("a Document holds an Element, not %s" % type(element).__name__)
        if element.parent is not None:
            raise UsageError("element <%s> already has a parent" % element.tag)
        element.parent = self
        self.children = [element]
        self._order = None

    def __repr__(self):
        return "<Document %s>" % self.children[0].tag


# "\r" too: an XML parser would read a raw one back as "\n".
_ESCAPES = {ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;",
            ord('"'): "&quot;", ord("'"): "&apos;", ord("\r"): "&#13;"}


def to_xml(element):
    """Serialise an element (or a Document's element) as compact XML text."""
    if isinstance(element, Document):
        element = element.children[0]
    parts = []
    stack = [(element, False)]
    while stack:
        node, closing = stack.pop()
        if closing:
            parts.append("</%s>" % node.tag)
            continue
        parts.append("<%s>" % node.tag)
        if node.text:
            parts.append(node.text.translate(_ESCAPES))
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(node.children))
    return "".join(parts)


def _text_node(element):
    node = element._text_node
    if node is None:
        node = element._text_node = Text(element)
    return node


def _string_value(node):
    children = node.children
    if not children:
        return node.text or ""
    parts = []
    stack = [node]
    while stack:
        node = stack.pop()
        if node.text:
            parts.append(node.text)
        if node.children:
            stack.extend(reversed(node.children))
    return "".join(parts)


def _document_of(node):
    """The root node for an evaluation starting at ``node``."""
    try:
        top = node
        parent = node.parent
        while parent is not None:
            top = parent
            parent = top.parent
        kind = top._kind
    except AttributeError:
        raise UsageError("XPath evaluates on an Element, Text or Document, not %s"
                         % type(node).__name__)
    if kind == _ROOT:
        top._order = None  # the tree may have changed since the last evaluation
        return top
    document = Document.__new__(Document)  # not attached: the tree stays as it was
    document.children = [top]
    document._order = None
    return document


def _number_nodes(document):
    """Map id(node) to its place in document order (a text node's is its parent's + 1)."""
    order = {}
    place = 0
    stack = [document]
    while stack:
        node = stack.pop()
        order[id(node)] = place
        place += 2
        if node.children:
            stack.extend(reversed(node.children))
    return order


def _document_order(nodes, document):
    """Sort nodes in document order and drop duplicates."""
    if len(nodes) < 2:
        return nodes
    order = document._order
    if order is None:
        order = document._order = _number_nodes(document)
    keyed = {}
    for node in nodes:
        if node._kind == _TEXT:
            keyed[order[id(node.parent)] + 1] = node
        else:
            keyed[order[id(node)]] = node
    return [keyed[key] for key in sorted(keyed)]


# ---------------------------------------------------------------------------
# Axes: each returns a new list in proximity order (reverse axes backwards).

def _parent_of(node, document):
    parent = node.parent
    if parent is None and node is not document:
        return document
    return parent


def _axis_child(node, document):
    if node._kind == _ELEMENT and node.text:
        return [_text_node(node)] + node.children
    return list(node.children)


def _axis_descendant(node, document):
    found = []
    if node._kind == _ELEMENT and node.text:
        found.append(_text_node(node))
    stack = list(reversed(node.children))
    while stack:
        node = stack.pop()
        found.append(node)
        if node.text:
            found.append(_text_node(node))
        if node.children:
            stack.extend(reversed(node.children))
    return found


def _descendant_elements(node, document=None):
    found = []
    stack = list(reversed(node.children))
    while stack:
        node = stack.pop()
        found.append(node)
        if node.children:
            stack.extend(reversed(node.children))
    return found


def _axis_descendant_or_self(node, document):
    return [node] + _axis_descendant(node, document)


def _parents_or_self(node, document):
    """descendant-or-self::node() less the text nodes, when only children matter."""
    if node._kind == _TEXT:
        return []
    return [node] + _descendant_elements(node)


def _axis_parent(node, document):
    parent = _parent_of(node, document)
    return [] if parent is None else [parent]


def _axis_ancestor(node, document):
    found = []
    node = _parent_of(node, document)
    while node is not None:
        found.append(node)
        node = _parent_of(node, document)
    return found


def _axis_ancestor_or_self(node, document):
    return [node] + _axis_ancestor(node, document)


def _axis_following_sibling(node, document):
    parent = _parent_of(node, document)
    if parent is None:
        return []
    siblings = parent.children
    if node._kind == _TEXT:  # the text comes before every child element
        return list(siblings)
    return siblings[siblings.index(node) + 1:]


def _axis_preceding_sibling(node, document):
    parent = _parent_of(node, document)
    if parent is None or node._kind == _TEXT:
        return []
    siblings = parent.children
    found = siblings[:siblings.index(node)]
    found.reverse()
    if parent._kind == _ELEMENT and parent.text:
        found.append(_text_node(parent))
    return found


def _axis_following(node, document):
    found = []
    parent = _parent_of(node, document)
    while parent is not None:
        for sibling in _axis_following_sibling(node, document):
            found.append(sibling)
            found += _axis_descendant(sibling, document)
        node, parent = parent, _parent_of(parent, document)
    return found


def _axis_preceding(node, document):
    found = []
    parent = _parent_of(node, document)
    while parent is not None:
        for sibling in _axis_preceding_sibling(node, document):
            below = _axis_descendant(sibling, document)
            below.reverse()
            found += below
            found.append(sibling)
        node, parent = parent, _parent_of(parent, document)
    return found


def _axis_self(node, document):
    return [node]


def _axis_none(node, document):
    return []


# How a node-set from an axis is ordered, so that sorting is done only when
# needed.  FLAT: document order, no duplicates, no node inside another;
# ORDERED: document order, no duplicates; UNKNOWN: must be sorted.
_FLAT, _ORDERED, _UNKNOWN = 0, 1, 2

_AXES = {
    # name: (function, reverse, order from one node, from a FLAT set, from an ORDERED set)
    "child": (_axis_child, False, _FLAT, _FLAT, _UNKNOWN),
    "descendant": (_axis_descendant, False, _ORDERED, _ORDERED, _UNKNOWN),
    "descendant-or-self": (_axis_descendant_or_self, False, _ORDERED, _ORDERED, _UNKNOWN),
    # descendant-or-self::node() before a child step (see _descendant_shortcut)
    " parents": (_parents_or_self, False, _ORDERED, _ORDERED, _UNKNOWN),
    "parent": (_axis_parent, True, _FLAT, _UNKNOWN, _UNKNOWN),
    "ancestor": (_axis_ancestor, True, _ORDERED, _UNKNOWN, _UNKNOWN),
    "ancestor-or-self": (_axis_ancestor_or_self, True, _ORDERED, _UNKNOWN, _UNKNOWN),
    "following-sibling": (_axis_following_sibling, False, _FLAT, _UNKNOWN, _UNKNOWN),
    "preceding-sibling": (_axis_preceding_sibling, True, _FLAT, _UNKNOWN, _UNKNOWN),
    "following": (_axis_following, False, _ORDERED, _UNKNOWN, _UNKNOWN),
    "preceding": (_axis_preceding, True, _ORDERED, _UNKNOWN, _UNKNOWN),
    "self": (_axis_self, False, _FLAT, _FLAT, _ORDERED),
    "attribute": (_axis_none, False, _FLAT, _FLAT, _ORDERED),
    "namespace": (_axis_none, False, _FLAT, _FLAT, _ORDERED),
}


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
    table = {}
    for index, char in enumerate(source):
        table.setdefault(ord(char), target[index] if index < len(target) else None)
    return table


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


# ---------------------------------------------------------------------------
# Tokens (section 3.7)

_NAME_START = ("A-Z_a-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d"
               "\u037f-\u1fff\u200c\u200d\u2070-\u218f\u2c00-\u2fef"
               "\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff")
_NAME_CHAR = _NAME_START + "\\-.0-9\u00b7\u0300-\u036f\u203f\u2040"
_NCNAME = "[" + _NAME_START + "][" + _NAME_CHAR + "]*"
_TOKEN = re.compile(
    "(?P<space>[ \t\r\n]+)"
    "|(?P<number>[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)"
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


# ---------------------------------------------------------------------------
# Syntax tree

class _Ast(object):
    __slots__ = ("col",)


class _Literal(_Ast):
    __slots__ = ("value",)

    def __init__(self, col, value):
        self.col, self.value = col, value


class _Number(_Ast):
    __slots__ = ("value",)

    def __init__(self, col, value):
        self.col, self.value = col, value


class _Call(_Ast):
    __slots__ = ("name", "args")

    def __init__(self, col, name, args):
        self.col, self.name, self.args = col, name, args


class _Negate(_Ast):
    __slots__ = ("operand", "count")

    def __init__(self, col, operand, count):
        self.col, self.operand, self.count = col, operand, count


class _Binary(_Ast):
    """A left-associative chain of operators of one precedence level."""
    __slots__ = ("level", "operands", "operators")

    def __init__(self, col, level, operands, operators):
        self.col, self.level, self.operands, self.operators = col, level, operands, operators


class _Union(_Ast):
    __slots__ = ("operands",)

    def __init__(self, col, operands):
        self.col, self.operands = col, operands


class _Path(_Ast):
    """start is _ABSOLUTE, None (the context node) or a filter expression."""
    __slots__ = ("start", "steps")

    def __init__(self, col, start, steps):
        self.col, self.start, self.steps = col, start, steps


class _Step(_Ast):
    __slots__ = ("axis", "test", "predicates")

    def __init__(self, col, axis, test, predicates):
        self.col, self.axis, self.test, self.predicates = col, axis, test, predicates


class _Filter(_Ast):
    __slots__ = ("primary", "predicates")

    def __init__(self, col, primary, predicates):
        self.col, self.primary, self.predicates = col, primary, predicates


_ABSOLUTE = "/"

_OR, _AND, _EQUALITY, _RELATIONAL, _ADDITIVE, _MULTIPLICATIVE = range(6)
_BINARY_LEVEL = {
    "or": _OR, "and": _AND, "=": _EQUALITY, "!=": _EQUALITY,
    "<": _RELATIONAL, "<=": _RELATIONAL, ">": _RELATIONAL, ">=": _RELATIONAL,
    "+": _ADDITIVE, "-": _ADDITIVE, "*": _MULTIPLICATIVE, "div": _MULTIPLICATIVE,
    "mod": _MULTIPLICATIVE,
}


# ---------------------------------------------------------------------------
# Parser: recursive descent for paths, operator precedence for the binary
# operators (no recursion per precedence level, so nesting costs few frames).

class _Parser(object):

    def __init__(self, expression):
        self.expression = expression
        self.tokens = _tokenize(expression)
        self.index = 0
        self.depth = 0

    def parse(self):
        tree = self.expr()
        token = self.peek()
        if token.kind != "end":
            self.fail(token, None)
        return tree

    # -- helpers

    def peek(self):
        return self.tokens[self.index]

    def at(self, value):
        token = self.tokens[self.index]
        return token.kind == "op" and token.value == value

    def expect(self, value, expected=None):
        token = self.tokens[self.index]
        if token.kind != "op" or token.value != value:
            self.fail(token, expected or "'%s'" % value)
        self.index += 1
        return token

    def error(self, col, reason):
        raise XPathSyntaxError(self.expression, col, reason)

    def fail(self, token, expected):
        if token.kind == "bad":
            reason = token.value
        elif token.kind == "misplaced":
            reason = "expected an operator or %s, found '%s'" % (
                expected or "end of expression", token.text)
        elif token.kind == "end":
            reason = "expected %s, found end of expression" % (expected or "more")
        elif expected is None:
            reason = "unexpected '%s'" % token.text
        else:
            reason = "expected %s, found '%s'" % (expected, token.text)
        self.error(token.col, reason)

    # -- expressions

    def expr(self):
        self.depth += 1
        if self.depth > _MAX_NESTING:
            self.error(self.peek().col, "expression nested more than %d levels deep"
                       % _MAX_NESTING)
        operands = [self.unary()]
        pending = []  # (level, operator, column), levels increasing
        while True:
            token = self.peek()
            level = _BINARY_LEVEL.get(token.value) if token.kind == "op" else None
            if level is None:
                break
            self.index += 1
            while pending and pending[-1][0] >= level:
                self.reduce(operands, pending.pop())
            pending.append((level, token.value, token.col))
            operands.append(self.unary())
        while pending:
            self.reduce(operands, pending.pop())
        self.depth -= 1
        return operands[0]

    @staticmethod
    def reduce(operands, pending):
        level, op, col = pending
        right = operands.pop()
        left = operands.pop()
        if type(left) is _Binary and left.level == level:
            # a op b op c is (a op b) op c: one chain, evaluated in a loop
            left.operands.append(right)
            left.operators.append((op, col))
            operands.append(left)
        else:
            operands.append(_Binary(left.col, level, [left, right], [(op, col)]))

    def unary(self):
        token = self.peek()
        count = 0
        while self.at("-"):
            self.index += 1
            count += 1
        operand = self.union()
        return _Negate(token.col, operand, count) if count else operand

    def union(self):
        first = self.path()
        if not self.at("|"):
            return first
        operands = [first]
        while self.at("|"):
            self.index += 1
            operands.append(self.path())
        return _Union(first.col, operands)

    def path(self):
        token = self.peek()
        if token.kind == "op" and token.value == "/":
            self.index += 1
            steps = self.relative([], None) if self.starts_step() else []
            return _Path(token.col, _ABSOLUTE, steps)
        if token.kind == "op" and token.value == "//":
            self.index += 1
            return _Path(token.col, _ABSOLUTE, self.relative([_any_descendant(token.col)], "'//'"))
        if self.starts_step():
            return _Path(token.col, None, self.relative([], None))
        primary = self.filter()
        if self.at("/") or self.at("//"):
            return _Path(primary.col, primary, self.more_steps([]))
        return primary

    def starts_step(self):
        token = self.peek()
        if token.kind in ("nametest", "axis", "nodetype"):
            return True
        return token.kind == "op" and token.value in (".", "..", "@")

    def relative(self, steps, after):
        steps.append(self.step(after))
        return self.more_steps(steps)

    def more_steps(self, steps):
        while True:
            token = self.peek()
            if token.kind != "op" or token.value not in ("/", "//"):
                return steps
            self.index += 1
            if token.value == "//":
                steps.append(_any_descendant(token.col))
            steps.append(self.step("'%s'" % token.value))

    def step(self, after):
        token = self.peek()
        if token.kind == "op" and token.value in (".", ".."):
            self.index += 1
            axis = "self" if token.value == "." else "parent"
            return _Step(token.col, axis, ("node",), [])
        if token.kind == "op" and token.value == "@":
            self.index += 1
            axis = "attribute"
        elif token.kind == "axis":
            if token.value not in _AXES:
                self.error(token.col, "unknown axis '%s'" % token.value)
            self.index += 2  # the name and its '::'
            axis = token.value
        elif token.kind in ("nametest", "nodetype"):
            axis = "child"
        else:
            self.fail(token, "a location step after " + after if after else "a location step")
        test = self.node_test()
        return _Step(token.col, axis, test, self.predicates())

    def node_test(self):
        token = self.peek()
        if token.kind == "nametest":
            self.index += 1
            if token.value == "*":
                return ("*",)
            if ":" in token.value:
                self.error(token.col, "namespace prefixes are not supported ('%s')" % token.value)
            return ("name", token.value)
        if token.kind == "nodetype":
            self.index += 1
            self.expect("(")
            if token.value == "processing-instruction" and self.peek().kind == "literal":
                self.index += 1
            self.expect(")")
            return (token.value,)
        self.fail(token, "a node test (a name, '*', node() or text())")

    def predicates(self):
        found = []
        while self.at("["):
            self.index += 1
            found.append(self.expr())
            self.expect("]")
        return found

    def filter(self):
        primary = self.primary()
        predicates = self.predicates()
        return _Filter(primary.col, primary, predicates) if predicates else primary

    def primary(self):
        token = self.peek()
        if token.kind == "literal":
            self.index += 1
            return _Literal(token.col, token.value)
        if token.kind == "number":
            self.index += 1
            return _Number(token.col, token.value)
        if token.kind == "variable":
            self.error(token.col, "variables are not supported")
        if token.kind == "function":
            return self.call()
        if token.kind == "op" and token.value == "(":
            self.index += 1
            inner = self.expr()
            self.expect(")")
            return inner
        self.fail(token, "an expression")

    def call(self):
        name = self.peek()
        self.index += 2  # the name and its '('
        args = []
        if not self.at(")"):
            args.append(self.expr())
            while self.at(","):
                self.index += 1
                args.append(self.expr())
        self.expect(")", "',' or ')'")
        return _Call(name.col, name.value, args)


def _any_descendant(col):
    """The step that '//' abbreviates."""
    return _Step(col, "descendant-or-self", ("node",), [])


# ---------------------------------------------------------------------------
# Compiler: the tree becomes closures f(node, position, size, document).

_VARIES = object()  # the value of an expression that depends on its context


class _Code(object):
    __slots__ = ("fn", "type", "const")

    def __init__(self, fn, type_, const=_VARIES):
        self.fn, self.type, self.const = fn, type_, const


def _constant(value, type_):
    return _Code(lambda n, p, s, d: value, type_, value)


def _folded(fn, type_, codes):
    """fn as a constant when all its operands are; they never touch the context."""
    if all(code.const is not _VARIES for code in codes):
        return _constant(fn(None, 1, 1, None), type_)
    return _Code(fn, type_)


def _as(code, target):
    """The code converted to target type (string, number or boolean)."""
    if code.type == target:
        return code
    convert = _CONVERT[code.type, target]
    if code.const is not _VARIES:
        return _constant(convert(code.const), target)
    fn = code.fn
    return _Code(lambda n, p, s, d: convert(fn(n, p, s, d)), target)


class _Compiler(object):

    def __init__(self, expression):
        self.expression = expression

    def error(self, col, reason):
        raise XPathSyntaxError(self.expression, col, reason)

    def compile(self, tree):
        return getattr(self, type(tree).__name__)(tree)

    def nodes(self, tree, why):
        code = self.compile(tree)
        if code.type != NODESET:
            self.error(tree.col, "%s, not a %s" % (why, code.type))
        return code.fn

    # -- primaries and operators

    def _Literal(self, tree):
        return _constant(tree.value, STRING)

    def _Number(self, tree):
        return _constant(tree.value, NUMBER)

    def _Negate(self, tree):
        code = _as(self.compile(tree.operand), NUMBER)
        if tree.count % 2 == 0:  # - - x is number(x)
            return code
        fn = code.fn
        return _folded(lambda n, p, s, d: -fn(n, p, s, d), NUMBER, [code])

    def _Binary(self, tree):
        codes = [self.compile(operand) for operand in tree.operands]
        if tree.level in (_OR, _AND):
            return self.logical(tree.level, [_as(code, BOOLEAN) for code in codes])
        if tree.level in (_EQUALITY, _RELATIONAL):
            steps, type_ = [], codes[0].type
            for (op, _), code in zip(tree.operators, codes[1:]):
                steps.append((_comparator(op, type_, code.type), code.fn))
                type_ = BOOLEAN
            return _folded(_chain(codes[0].fn, steps), BOOLEAN, codes)
        codes = [_as(code, NUMBER) for code in codes]
        steps = [(_ARITHMETIC[op], code.fn) for (op, _), code in zip(tree.operators, codes[1:])]
        return _folded(_chain(codes[0].fn, steps), NUMBER, codes)

    @staticmethod
    def logical(level, codes):
        fns = [code.fn for code in codes]
        if level == _OR:
            if len(fns) == 2:
                a, b = fns
                fn = lambda n, p, s, d: a(n, p, s, d) or b(n, p, s, d)
            else:
                fn = lambda n, p, s, d: any(f(n, p, s, d) for f in fns)
        elif len(fns) == 2:
            a, b = fns
            fn = lambda n, p, s, d: a(n, p, s, d) and b(n, p, s, d)
        else:
            fn = lambda n, p, s, d: all(f(n, p, s, d) for f in fns)
        return _folded(fn, BOOLEAN, codes)

    def _Union(self, tree):
        fns = [self.nodes(operand, "'|' joins node-sets") for operand in tree.operands]

        def union(n, p, s, d):
            parts = [found for found in [f(n, p, s, d) for f in fns] if found]
            if len(parts) < 2:
                return parts[0] if parts else []
            merged = []
            for found in parts:
                merged += found
            return _document_order(merged, d)
        return _Code(union, NODESET)

    def _Filter(self, tree):
        fn = self.nodes(tree.primary, "a predicate filters a node-set")
        predicates = [self.predicate(expr)[0] for expr in tree.predicates]

        def filtered(n, p, s, d):
            found = fn(n, p, s, d)
            for predicate in predicates:
                if not found:
                    break
                found = predicate(found, d)
            return found
        return _Code(filtered, NODESET)

    # -- location paths

    def _Path(self, tree):
        steps = _descendant_shortcut([self.step(step) for step in tree.steps])
        if tree.start is None or tree.start is _ABSOLUTE:
            return _Code(_location_path(tree.start is _ABSOLUTE, steps), NODESET)
        start = self.nodes(tree.start, "'/' needs a node-set on its left")
        return _Code(_filter_path(start, steps), NODESET)

    def step(self, tree):
        """(axis, test, predicate functions, whether a predicate uses positions)."""
        predicates, positional = [], False
        for expr in tree.predicates:
            fn, uses_position = self.predicate(expr)
            predicates.append(fn)
            positional = positional or uses_position
        return (tree.axis, tree.test, predicates, positional)

    def predicate(self, expr):
        """A function filtering a list in proximity order, and whether it needs positions."""
        code = self.compile(expr)
        if code.type == NUMBER:
            return _position_predicate(code, expr), True
        code = _as(code, BOOLEAN)
        if code.const is not _VARIES:
            keep = code.const
            return (lambda nodes, d: nodes) if keep else (lambda nodes, d: []), False
        test = code.fn

        def by_test(nodes, d):
            size = len(nodes)
            return [node for position, node in enumerate(nodes, 1)
                    if test(node, position, size, d)]
        return by_test, _uses_position(expr)

    # -- function calls

    def _Call(self, tree):
        name = tree.name
        if ":" in name:
            self.error(tree.col, "namespace prefixes are not supported ('%s')" % name)
        if name not in _FUNCTIONS:
            self.error(tree.col, "unknown function '%s()'" % name)
        result, types, low, high, build = _FUNCTIONS[name]
        count = len(tree.args)
        if count < low or (high is not None and count > high):
            self.error(tree.col, "%s() takes %s, not %d" % (name, _arity(low, high), count))
        args = [self.argument(name, index, arg, types[min(index, len(types) - 1)])
                for index, arg in enumerate(tree.args)]
        fn = build(args)
        reads_context = name in _CONTEXT_FUNCTIONS or not (args or name in _CONSTANT_FUNCTIONS)
        if result == NODESET or reads_context:
            return _Code(fn, result)
        return _folded(fn, result, args)

    def argument(self, name, index, tree, type_):
        code = self.compile(tree)
        if type_ == NODESET:
            if code.type != NODESET:
                self.error(tree.col, "argument %d of %s() must be a node-set, not a %s"
                           % (index + 1, name, code.type))
            return code
        return code if type_ is None else _as(code, type_)


def _arity(low, high):
    if high is None:
        return "at least %d arguments" % low
    if low == high:
        return "%d argument%s" % (low, "" if low == 1 else "s")
    return "%d or %d arguments" % (low, high)


def _chain(first, steps):
    """A left fold of binary value operations, in a loop rather than nested closures."""
    if len(steps) == 1:
        (combine, second), = steps
        return lambda n, p, s, d: combine(first(n, p, s, d), second(n, p, s, d))

    def chain(n, p, s, d):
        value = first(n, p, s, d)
        for combine, fn in steps:
            value = combine(value, fn(n, p, s, d))
        return value
    return chain


_ARITHMETIC = {"+": operator.add, "-": operator.sub, "*": operator.mul,
               "div": _divide, "mod": _modulo}


def _uses_position(tree):
    """Whether position() or last() is used with the predicate's own context."""
    stack = [tree]
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is _Call:
            if node.name in ("position", "last"):
                return True
            stack.extend(node.args)
        elif kind is _Binary or kind is _Union:
            stack.extend(node.operands)
        elif kind is _Negate:
            stack.append(node.operand)
        elif kind is _Filter:
            stack.append(node.primary)  # its predicates have their own context
        elif kind is _Path and node.start is not None and node.start is not _ABSOLUTE:
            stack.append(node.start)
    return False


def _position_predicate(code, expr):
    if code.const is not _VARIES:
        wanted = code.const
        if wanted >= 1 and wanted != _INF and wanted == math.floor(wanted):
            index = int(wanted)
            return lambda nodes, d: nodes[index - 1:index]
        return lambda nodes, d: []
    if type(expr) is _Call and expr.name == "last":
        return lambda nodes, d: nodes[-1:]
    fn = code.fn

    def by_position(nodes, d):
        size = len(nodes)
        return [node for position, node in enumerate(nodes, 1)
                if fn(node, position, size, d) == position]
    return by_position


def _descendant_shortcut(steps):
    """Read //name[p] as descendant::name[p] when p does not use positions.

    When p does, // before a child step still need not visit text nodes.
    """
    result = []
    for step in steps:
        if (result and step[0] == "child" and result[-1][0] == "descendant-or-self"
                and result[-1][1] == ("node",) and not result[-1][2]):
            if step[3]:
                result[-1] = (" parents",) + result[-1][1:]
                result.append(step)
            else:
                result[-1] = ("descendant",) + step[1:]
        else:
            result.append(step)
    return result


# ---------------------------------------------------------------------------
# Steps and paths at run time

def _node_test(test):
    """A filter for the node test (principal node type: element), or None for all."""
    kind = test[0]
    if kind == "name":
        name = test[1]
        return lambda node: node.tag == name
    if kind == "*":
        return lambda node: node._kind == _ELEMENT
    if kind == "text":
        return lambda node: node._kind == _TEXT
    return None  # node()


def _step_function(axis, test, predicates):
    """one(node, document): the step's nodes from one context node, in document order."""
    if axis in ("attribute", "namespace") or test[0] in ("comment", "processing-instruction"):
        return _axis_none
    if not predicates:
        fast = _fast_step(axis, test)
        if fast is not None:
            return fast
    source, reverse = _AXES[axis][0], _AXES[axis][1]
    if test[0] in ("name", "*") and axis in ("child", "descendant"):
        source = _element_source(axis)  # text nodes can never match
    match = _node_test(test)

    def one(node, document):
        found = source(node, document)
        if match is not None:
            found = [candidate for candidate in found if match(candidate)]
        for predicate in predicates:
            if not found:
                break
            found = predicate(found, document)
        if reverse:
            found.reverse()
        return found
    return one


def _element_source(axis):
    if axis == "child":
        return lambda node, document: node.children
    return _descendant_elements


def _fast_step(axis, test):
    kind = test[0]
    if axis == "child" and kind == "name":
        name = test[1]
        return lambda node, document: [child for child in node.children if child.tag == name]
    if axis == "child" and kind == "*":
        return lambda node, document: list(node.children)
    if axis == "descendant" and kind == "name":
        name = test[1]
        return lambda node, document: [
            below for below in _descendant_elements(node) if below.tag == name]
    if axis == "descendant" and kind == "*":
        return _descendant_elements
    if axis == "self" and kind == "node":
        return _axis_self
    if axis == " parents":
        return _parents_or_self
    if axis == "parent" and kind == "node":
        return _axis_parent
    return None


def _location_path(absolute, steps):
    """A location path from the context node (or the root) through steps."""
    if not steps:
        return (lambda n, p, s, d: [d]) if absolute else (lambda n, p, s, d: [n])
    if all(step[0] in ("child", "self", "attribute", "namespace") for step in steps):
        # from one node these steps keep document order without sorting
        first, *rest = [_step_function(*step[:3]) for step in steps]
        if not rest:
            if absolute:
                return lambda n, p, s, d: first(d, d)
            return lambda n, p, s, d: first(n, d)
        if absolute:
            return lambda n, p, s, d: _walk_flat(first(d, d), rest, d)
        return lambda n, p, s, d: _walk_flat(first(n, d), rest, d)
    table = _step_table(steps)
    if absolute:
        return lambda n, p, s, d: _walk([d], _FLAT, table, d)
    return lambda n, p, s, d: _walk([n], _FLAT, table, d)


def _filter_path(start, steps):
    """A filter expression's node-set followed by location steps."""
    table = _step_table(steps)

    def path(n, p, s, d):
        found = start(n, p, s, d)
        return _walk(found, _FLAT if len(found) < 2 else _ORDERED, table, d)
    return path


def _step_table(steps):
    """(one, order from one node, from a FLAT set, from an ORDERED set) per step."""
    return [(_step_function(*step[:3]),) + _AXES[step[0]][2:] for step in steps]


def _walk_flat(found, ones, document):
    for one in ones:
        if len(found) == 1:
            found = one(found[0], document)
        elif not found:
            return found
        else:
            merged = []
            for node in found:
                merged += one(node, document)
            found = merged
    return found


def _walk(found, order, table, document):
    for one, after_one, after_flat, after_ordered in table:
        if len(found) == 1:
            found = one(found[0], document)
            order = after_one
            continue
        if not found:
            return found
        if order == _ORDERED and after_ordered == _UNKNOWN and _siblings(found):
            order = _FLAT
        order = after_flat if order == _FLAT else after_ordered
        merged = []
        for node in found:
            merged += one(node, document)
        if order == _UNKNOWN:
            merged = _document_order(merged, document)
            order = _ORDERED
        found = merged
    return found


def _siblings(nodes):
    parent = nodes[0].parent
    if parent is None:
        return False
    for node in nodes:
        if node.parent is not parent:
            return False
    return True


# ---------------------------------------------------------------------------
# Comparisons (section 3.4)

_OPERATORS = {"=": operator.eq, "!=": operator.ne, "<": operator.lt,
              "<=": operator.le, ">": operator.gt, ">=": operator.ge}
_FLIPPED = {"=": "=", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


def _comparator(op, left, right):
    """A function (left value, right value) -> bool for values of these types."""
    if right == NODESET and left != NODESET:
        flipped = _comparator(_FLIPPED[op], right, left)
        return lambda a, b: flipped(b, a)
    test = _OPERATORS[op]
    if left == NODESET:
        return _nodeset_comparator(op, test, right)
    if op in ("=", "!="):
        if BOOLEAN in (left, right):
            common = BOOLEAN
        elif NUMBER in (left, right):
            common = NUMBER
        else:
            common = STRING
    else:
        common = NUMBER
    convert_left, convert_right = _converter(left, common), _converter(right, common)
    return lambda a, b: test(convert_left(a), convert_right(b))


def _nodeset_comparator(op, test, right):
    equality = op in ("=", "!=")
    if right == NODESET:
        if op == "=":
            return _nodesets_equal
        if op == "!=":
            return _nodesets_differ
        return lambda a, b: _nodesets_relate(op, a, b)
    if right == BOOLEAN:
        if equality:
            return lambda a, b: test(bool(a), b)
        return lambda a, b: test(float(bool(a)), float(b))
    if right == STRING and equality:
        if op == "=":
            return _nodes_equal_string
        return lambda a, b: _any_string(test, a, b)
    if right == STRING:
        return lambda a, b: _any_number(test, a, _string_to_number(b))
    return lambda a, b: _any_number(test, a, b)


def _nodes_equal_string(nodes, value):
    for node in nodes:
        if _string_value(node) == value:
            return True
    return False


def _any_string(test, nodes, value):
    for node in nodes:
        if test(_string_value(node), value):
            return True
    return False


def _any_number(test, nodes, value):
    for node in nodes:
        if test(_string_to_number(_string_value(node)), value):
            return True
    return False


def _nodesets_equal(left, right):
    if not left or not right:
        return False
    values = set(_string_value(node) for node in left)
    for node in right:
        if _string_value(node) in values:
            return True
    return False


def _nodesets_differ(left, right):
    if not left or not right:
        return False
    values = set(_string_value(node) for node in left)
    values.update(_string_value(node) for node in right)
    return len(values) > 1


def _nodesets_relate(op, left, right):
    # NaN compares false with everything, so it can be left out
    xs = [x for x in (_string_to_number(_string_value(node)) for node in left) if x == x]
    ys = [y for y in (_string_to_number(_string_value(node)) for node in right) if y == y]
    if not xs or not ys:
        return False
    if op in ("<", "<="):
        return _OPERATORS[op](min(xs), max(ys))
    return _OPERATORS[op](max(xs), min(ys))


# ---------------------------------------------------------------------------
# The core function library (section 4)

def _fn_last(args):
    return lambda n, p, s, d: float(s)


def _fn_position(args):
    return lambda n, p, s, d: float(p)


def _fn_count(args):
    nodes = args[0].fn
    return lambda n, p, s, d: float(len(nodes(n, p, s, d)))


def _fn_id(args):
    return lambda n, p, s, d: []


def _fn_name(args):
    # local-name() and name() agree: no name has a prefix
    if not args:
        return lambda n, p, s, d: n.tag or ""
    nodes = args[0].fn

    def name(n, p, s, d):
        found = nodes(n, p, s, d)
        return (found[0].tag or "") if found else ""
    return name


def _fn_namespace_uri(args):
    return lambda n, p, s, d: ""


def _fn_string(args):
    if not args:
        return lambda n, p, s, d: _string_value(n)
    return args[0].fn


def _fn_concat(args):
    fns = [arg.fn for arg in args]
    return lambda n, p, s, d: "".join([f(n, p, s, d) for f in fns])


def _fn_starts_with(args):
    a, b = args[0].fn, args[1].fn
    return lambda n, p, s, d: a(n, p, s, d).startswith(b(n, p, s, d))


def _fn_contains(args):
    a, b = args[0].fn, args[1].fn
    return lambda n, p, s, d: b(n, p, s, d) in a(n, p, s, d)


def _fn_substring_before(args):
    a, b = args[0].fn, args[1].fn

    def before(n, p, s, d):
        text = a(n, p, s, d)
        index = text.find(b(n, p, s, d))
        return text[:index] if index >= 0 else ""
    return before


def _fn_substring_after(args):
    a, b = args[0].fn, args[1].fn

    def after(n, p, s, d):
        text, separator = a(n, p, s, d), b(n, p, s, d)
        index = text.find(separator)
        return text[index + len(separator):] if index >= 0 else ""
    return after


def _fn_substring(args):
    text, start = args[0].fn, args[1].fn
    if len(args) == 2:
        return lambda n, p, s, d: _substring(text(n, p, s, d), start(n, p, s, d))
    length = args[2].fn
    return lambda n, p, s, d: _substring(text(n, p, s, d), start(n, p, s, d), length(n, p, s, d))


def _fn_string_length(args):
    if not args:
        return lambda n, p, s, d: float(len(_string_value(n)))
    text = args[0].fn
    return lambda n, p, s, d: float(len(text(n, p, s, d)))


def _fn_normalize_space(args):
    if not args:
        return lambda n, p, s, d: _normalize_space(_string_value(n))
    text = args[0].fn
    return lambda n, p, s, d: _normalize_space(text(n, p, s, d))


def _fn_translate(args):
    text, source, target = args
    if source.const is not _VARIES and target.const is not _VARIES:
        table = _translation(source.const, target.const)
        fn = text.fn
        return lambda n, p, s, d: fn(n, p, s, d).translate(table)
    a, b, c = text.fn, source.fn, target.fn
    return lambda n, p, s, d: a(n, p, s, d).translate(_translation(b(n, p, s, d), c(n, p, s, d)))


def _fn_boolean(args):
    return args[0].fn


def _fn_not(args):
    fn = args[0].fn
    return lambda n, p, s, d: not fn(n, p, s, d)


def _fn_true(args):
    return lambda n, p, s, d: True


def _fn_false(args):
    return lambda n, p, s, d: False


def _fn_number(args):
    if not args:
        return lambda n, p, s, d: _string_to_number(_string_value(n))
    return args[0].fn


def _fn_sum(args):
    nodes = args[0].fn

    def total(n, p, s, d):
        result = 0.0  # added in order, as IEEE arithmetic would (not math.fsum)
        for node in nodes(n, p, s, d):
            result += _string_to_number(_string_value(node))
        return result
    return total


def _unary_number(function):
    def build(args):
        fn = args[0].fn
        return lambda n, p, s, d: function(fn(n, p, s, d))
    return build


_FUNCTIONS = {
    # name: (result type, argument types (the last repeats), fewest, most, builder)
    "last": (NUMBER, (None,), 0, 0, _fn_last),
    "position": (NUMBER, (None,), 0, 0, _fn_position),
    "count": (NUMBER, (NODESET,), 1, 1, _fn_count),
    "id": (NODESET, (None,), 1, 1, _fn_id),
    "local-name": (STRING, (NODESET,), 0, 1, _fn_name),
    "namespace-uri": (STRING, (NODESET,), 0, 1, _fn_namespace_uri),
    "name": (STRING, (NODESET,), 0, 1, _fn_name),
    "string": (STRING, (STRING,), 0, 1, _fn_string),
    "concat": (STRING, (STRING,), 2, None, _fn_concat),
    "starts-with": (BOOLEAN, (STRING,), 2, 2, _fn_starts_with),
    "contains": (BOOLEAN, (STRING,), 2, 2, _fn_contains),
    "substring-before": (STRING, (STRING,), 2, 2, _fn_substring_before),
    "substring-after": (STRING, (STRING,), 2, 2, _fn_substring_after),
    "substring": (STRING, (STRING, NUMBER), 2, 3, _fn_substring),
    "string-length": (NUMBER, (STRING,), 0, 1, _fn_string_length),
    "normalize-space": (STRING, (STRING,), 0, 1, _fn_normalize_space),
    "translate": (STRING, (STRING,), 3, 3, _fn_translate),
    "boolean": (BOOLEAN, (BOOLEAN,), 1, 1, _fn_boolean),
    "not": (BOOLEAN, (BOOLEAN,), 1, 1, _fn_not),
    "true": (BOOLEAN, (None,), 0, 0, _fn_true),
    "false": (BOOLEAN, (None,), 0, 0, _fn_false),
    "lang": (BOOLEAN, (STRING,), 1, 1, _fn_false),
    "number": (NUMBER, (NUMBER,), 0, 1, _fn_number),
    "sum": (NUMBER, (NODESET,), 1, 1, _fn_sum),
    "floor": (NUMBER, (NUMBER,), 1, 1, _unary_number(_floor)),
    "ceiling": (NUMBER, (NUMBER,), 1, 1, _unary_number(_ceiling)),
    "round": (NUMBER, (NUMBER,), 1, 1, _unary_number(_round)),
}
# Never folded: they read the context.  Without arguments only these are constant.
_CONTEXT_FUNCTIONS = frozenset(["last", "position"])
_CONSTANT_FUNCTIONS = frozenset(["true", "false", "namespace-uri"])


# ---------------------------------------------------------------------------
# Public API

class XPath(object):
    """A compiled XPath 1.0 expression; see :func:`compile`."""

    __slots__ = ("expression", "result_type", "_fn", "_test")

    def __init__(self, expression):
        if not isinstance(expression, str):
            raise UsageError("a filter expression must be a str, not %s"
                             % type(expression).__name__)
        try:
            code = _Compiler(expression).compile(_Parser(expression).parse())
        except RecursionError:
            raise XPathSyntaxError(expression, 1, "expression too complex")
        self.expression = expression
        self.result_type = code.type
        self._fn = code.fn
        self._test = _as(code, BOOLEAN).fn

    def evaluate(self, node):
        """The value at ``node``: a list of nodes in document order, str, float or bool."""
        return self._fn(node, 1, 1, _document_of(node))

    def select(self, node):
        """The nodes the expression selects at ``node``, in document order."""
        if self.result_type != NODESET:
            raise UsageError("filter expression %r gives a %s, not nodes"
                             % (self.expression, self.result_type))
        return self._fn(node, 1, 1, _document_of(node))

    def matches(self, node):
        """boolean() of the value at ``node``: e.g. whether a path selects anything."""
        return self._test(node, 1, 1, _document_of(node))

    def __repr__(self):
        return "XPath(%r)" % self.expression


def compile(expression):
    """Compile an XPath 1.0 expression; raise XPathSyntaxError if malformed."""
    return XPath(expression)
