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
zero), and the whole core function library of section 4.

Datumaro filters with lxml, so where libxml2 (2.14) departs from the
Recommendation in a way a filter can see, the engine follows libxml2:

* Numbers are read as libxml2 reads them, in literals and in strings alike:
  an exponent is allowed (``1e3`` and ``number('1e3')`` are 1000, not a
  syntax error and NaN), and the digits are added up one by one in doubles,
  so ``6.5589`` is 6.5588999999999995.
* Numbers are written as libxml2 writes them: 15 significant digits, and an
  exponent past 1e9 or below 1e-5 (``string(1 div 3)`` is
  ``0.333333333333333``, ``string(1e21)`` is ``1e+21``, ``string(3e9)`` is
  ``3e+09``), integers that fit a C ``int`` as they are.
* The root node is left out of the nodes :meth:`XPath.evaluate` and
  :meth:`XPath.select` return, as lxml leaves it out of its results: ``/``
  and ``/item/..`` give an empty list, so a filter ``/`` keeps no item. Inside
  the expression the root is a node as any other (``count(/)`` is 1,
  ``boolean(/)`` is true).

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

Evaluation is bounded: each evaluation may take at most
``mnistio.limits.MAX_XPATH_STEPS`` steps (every node an axis visits, every
node a predicate is tested on, every function call, every node whose text a
string value gathers), read when it starts. A node-set whose truth only
is needed (a predicate, ``boolean()``, ``not()``, ``and``, ``or``, a
comparison with a boolean) is searched up to its first node, as libxml2
does in predicates (:mod:`.exists`), so ``/item[//*[//*[//*[.//*]]]]`` takes
about a hundred steps. Nested predicates that find nothing, such as
``/item[//*[//*[//*[//*[//*[//foo]]]]]]``, must search everything, and their
cost grows exponentially with the nesting: they raise
:class:`XPathLimitError` (a ``UsageError``) naming the expression and the
limit instead of running for ever. A real filter takes tens of steps per
item.

Every type error of XPath 1.0 (``count(1)``, ``"a" | "b"``, ``(1)[1]``) can
be found without data, as there are no variables, so :func:`compile` reports
it, with unknown functions and wrong argument counts, as an
:class:`XPathSyntaxError` with its column.

The package is split by stage: :mod:`.lexer` (tokens), :mod:`.parser`
(the syntax tree), :mod:`.compiler` (closures), :mod:`.exists` (truth
tests that stop at the first node), :mod:`.functions` (the core library),
:mod:`.values` (types and conversions), :mod:`.tree` (the node model and
axes), :mod:`.items` (an item as a tree).
"""

from __future__ import annotations

from ... import limits
from ...errors import UsageError
from .compiler import _as, _Compiler
from .lexer import XPathLimitError, XPathSyntaxError
from .parser import _Parser
from .tree import _ROOT, Document, Element, Text, _document_of, _OutOfSteps, to_xml
from .values import BOOLEAN, NODESET, NUMBER, STRING

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, List, Union

    #: what an expression is evaluated on
    Node = Union[Element, Text, Document]

__all__ = [
    "compile",
    "XPath",
    "XPathSyntaxError",
    "XPathLimitError",
    "Element",
    "Text",
    "Document",
    "to_xml",
    "NODESET",
    "STRING",
    "NUMBER",
    "BOOLEAN",
]


# ---------------------------------------------------------------------------
# Public API



class XPath(object):
    """A compiled XPath 1.0 expression; see :func:`compile`."""

    __slots__ = ("expression", "result_type", "_fn", "_test", "_calls")

    def __init__(self, expression: str) -> None:
        if not isinstance(expression, str):
            raise UsageError("a filter expression must be a str, not %s"
                             % type(expression).__name__)
        compiler = _Compiler(expression)
        try:
            code = compiler.compile(_Parser(expression).parse())
        except RecursionError:
            raise XPathSyntaxError(expression, 1, "expression too complex") from None
        self.expression = expression
        self.result_type = code.type
        self._fn = code.fn
        self._test = _as(code, BOOLEAN).fn
        self._calls = compiler.calls  # the function calls outside predicates, made once

    def evaluate(self, node: Node) -> Any:
        """The value at ``node``: a list of nodes in document order (less the root node, as
        lxml), str, float or bool."""
        limit = limits.MAX_XPATH_STEPS  # _run and _without_root, inlined: the item filter's path
        try:
            value = self._fn(node, 1, 1, _document_of(node, limit - self._calls))
        except _OutOfSteps:
            raise XPathLimitError(self.expression, limit) from None
        if self.result_type == NODESET and value and value[0]._kind == _ROOT:
            return value[1:]
        return value

    def select(self, node: Node) -> List[Node]:
        """The nodes the expression selects at ``node``, in document order, less the root node."""
        if self.result_type != NODESET:
            raise UsageError("filter expression %r gives a %s, not nodes"
                             % (self.expression, self.result_type))
        return _without_root(self._run(self._fn, node))

    def matches(self, node: Node) -> bool:
        """XPath's boolean() of the value at ``node``: e.g. whether a path selects anything.

        This is the value's truth inside XPath: true for ``/``, false for NaN. A Datumaro
        filter takes Python's truth of lxml's result instead, which :mod:`mnistio.ops.filter`
        gets from :meth:`evaluate`.
        """
        return self._run(self._test, node)

    def _run(self, fn, node):
        """fn at node, within ``mnistio.limits.MAX_XPATH_STEPS`` steps (read now, so callers may change it)."""
        limit = limits.MAX_XPATH_STEPS
        try:
            return fn(node, 1, 1, _document_of(node, limit - self._calls))
        except _OutOfSteps:
            raise XPathLimitError(self.expression, limit) from None

    def __repr__(self):
        return "XPath(%r)" % self.expression


def _without_root(found):
    """The nodes less the root node, which lxml leaves out of every result (so ``/`` selects nothing).

    A node-set is in document order, where the root comes first.
    """
    if found and found[0]._kind == _ROOT:
        return found[1:]
    return found


def compile(expression: str) -> XPath:
    """Compile an XPath 1.0 expression; raise XPathSyntaxError if malformed."""
    return XPath(expression)
