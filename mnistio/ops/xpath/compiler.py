"""XPath 1.0 evaluation: the syntax tree becomes closures ``f(node, position, size, document)``.

Steps and paths run over :mod:`.tree`; comparisons follow section 3.4;
functions come from :mod:`.functions`.

Evaluation has a budget of steps, kept on the document (``document._steps``)
that every closure is given: each node an axis visits costs one step (self
and parent, one node from one node, cost nothing), each node a predicate is
tested on one, plus one per function call in the predicate, each function
call outside predicates one, and the string value of an element with
children the nodes it gathers text from (:func:`.tree._string_value`). So
every loop over nodes is paid for, and the nested predicates whose cost grows
exponentially run out. Past the budget, :class:`~.tree._OutOfSteps` is
raised, for :class:`~mnistio.ops.xpath.XPath` to name the expression and the
limit. Steps are counted once per axis use and per predicate, not per node,
to stay cheap; the characters a string function reads are not counted.

Where only a node-set's truth is needed, it is searched up to its first node
(:mod:`.exists`), charged in the same way for what the search visits (its
predicate tests one by one, as it makes them). So nested predicates such as
``//*[//*[.//*]]`` that find a node cost steps in proportion to the nesting,
not to the tree's size to its power; ones that find nothing still search
everything.
"""

from __future__ import annotations

import math
import operator

from .exists import _any_passes, _nodes_exist, _path_exists, _repeats
from .functions import _CONSTANT_FUNCTIONS, _CONTEXT_FUNCTIONS, _FUNCTIONS
from .lexer import XPathSyntaxError
from .parser import (
    _ABSOLUTE,
    _AND,
    _EQUALITY,
    _OR,
    _RELATIONAL,
    _Binary,
    _Call,
    _Filter,
    _Negate,
    _Path,
    _Union,
)
from .tree import (
    _AXES,
    _ELEMENT,
    _FLAT,
    _ORDERED,
    _TEXT,
    _UNKNOWN,
    _axis_none,
    _axis_parent,
    _axis_self,
    _descendant_elements,
    _document_order,
    _OutOfSteps,
    _parents_or_self,
    _string_value,
)
from .values import (
    _CONVERT,
    _FROM_NODES,
    _INF,
    _VARIES,
    BOOLEAN,
    NODESET,
    NUMBER,
    STRING,
    _converter,
    _divide,
    _modulo,
    _string_to_number,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, List

# ---------------------------------------------------------------------------
# Compiler: the tree becomes closures f(node, position, size, document).



class _Code(object):
    """A compiled expression: fn(node, position, size, document) -> value of the type.

    const is the value when it does not depend on the context. A node-set's code may
    have exists(node, position, size, document) -> bool too: whether the node-set is
    non-empty, stopping at its first node (:mod:`.exists`).
    """
    __slots__ = ("fn", "type", "const", "exists")

    def __init__(self, fn, type_, const=_VARIES, exists=None):
        self.fn, self.type, self.const, self.exists = fn, type_, const, exists


def _constant(value, type_):
    return _Code(lambda n, p, s, d: value, type_, value)


def _folded(fn, type_, codes):
    """fn as a constant when all its operands are; they never touch the context."""
    if all(code.const is not _VARIES for code in codes):
        return _constant(fn(None, 1, 1, None), type_)
    return _Code(fn, type_)


def _as(code, target):
    """The code converted to target type (string, number or boolean).

    A node-set as a boolean is whether it is non-empty (section 4.3), which its exists
    function answers at its first node: every boolean context (predicates, boolean(),
    not(), and, or, comparisons with a boolean) comes through here.
    """
    if code.type == target:
        return code
    fn = code.fn
    if code.type == NODESET:  # never a constant
        if target == BOOLEAN:
            if code.exists is not None:
                return _Code(code.exists, BOOLEAN)
            return _Code(lambda n, p, s, d: bool(fn(n, p, s, d)), BOOLEAN)
        from_nodes = _FROM_NODES[target]
        return _Code(lambda n, p, s, d: from_nodes(fn(n, p, s, d), d), target)
    convert = _CONVERT[code.type, target]
    if code.const is not _VARIES:
        return _constant(convert(code.const), target)
    return _Code(lambda n, p, s, d: convert(fn(n, p, s, d)), target)


class _Compiler(object):

    def __init__(self, expression):
        self.expression = expression
        self.calls = 0  # function calls compiled in the current predicate (or outside all), not in nested ones

    def error(self, col, reason):
        raise XPathSyntaxError(self.expression, col, reason)

    def compile(self, tree):
        return getattr(self, type(tree).__name__)(tree)

    def nodes(self, tree, why):
        """The code of an expression that must be a node-set (a type error otherwise)."""
        code = self.compile(tree)
        if code.type != NODESET:
            self.error(tree.col, "%s, not a %s" % (why, code.type))
        return code

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
            codes = _booleans_for_nodes(codes)
            steps, type_ = [], codes[0].type
            for (op, _), code in zip(tree.operators, codes[1:]):
                steps.append((_comparator(op, type_, code.type), code.fn))
                type_ = BOOLEAN
            return _folded(_comparison_chain(codes[0].fn, steps), BOOLEAN, codes)
        codes = [_as(code, NUMBER) for code in codes]
        steps = [(_ARITHMETIC[op], code.fn) for (op, _), code in zip(tree.operators, codes[1:])]
        return _folded(_chain(codes[0].fn, steps), NUMBER, codes)

    @staticmethod
    def logical(level, codes):
        fns = [code.fn for code in codes]
        return _folded(_or_of(fns) if level == _OR else _and_of(fns), BOOLEAN, codes)

    def _Union(self, tree):
        codes = [self.nodes(operand, "'|' joins node-sets") for operand in tree.operands]
        fns = [code.fn for code in codes]

        def union(n, p, s, d):
            parts = [found for found in [f(n, p, s, d) for f in fns] if found]
            if len(parts) < 2:
                return parts[0] if parts else []
            merged = []
            for found in parts:
                merged += found
            return _document_order(merged, d)
        exists = _or_of([_as(code, BOOLEAN).fn for code in codes])  # non-empty if any part is
        return _Code(union, NODESET, exists=exists)

    def _Filter(self, tree):
        fn = self.nodes(tree.primary, "a predicate filters a node-set").fn
        predicates = [self.predicate(expr) for expr in tree.predicates]
        selects = [predicate.select for predicate in predicates]

        def filtered(n, p, s, d):
            found = fn(n, p, s, d)
            for select in selects:
                if not found:
                    break
                found = select(found, d)
            return found
        return _Code(filtered, NODESET, exists=_filter_exists(fn, predicates))

    # -- location paths

    def _Path(self, tree):
        steps = _descendant_shortcut([self.step(step) for step in tree.steps])
        if tree.start is None or tree.start is _ABSOLUTE:
            absolute = tree.start is _ABSOLUTE
            return _Code(_location_path(absolute, steps), NODESET, exists=_location_exists(absolute, steps))
        start = self.nodes(tree.start, "'/' needs a node-set on its left").fn
        return _Code(_filter_path(start, steps), NODESET, exists=_filter_path_exists(start, steps))

    def step(self, tree):
        """(axis, test, predicates (:class:`_Predicate`), whether a predicate uses positions)."""
        predicates = [self.predicate(expr) for expr in tree.predicates]
        return (tree.axis, tree.test, predicates, any(predicate.test is None for predicate in predicates))

    def predicate(self, expr):
        """The predicate expr compiled (section 2.4): a :class:`_Predicate`."""
        outer, self.calls = self.calls, 0
        code = self.compile(expr)
        cost = 1 + self.calls  # steps per node tested; nested predicates count their own
        self.calls = outer
        if code.type == NUMBER:
            return _Predicate(_position_predicate(code, expr, cost), None, cost)
        code = _as(code, BOOLEAN)
        if code.const is not _VARIES:
            keep = code.const
            select = (lambda nodes, d: nodes) if keep else (lambda nodes, d: [])
            return _Predicate(select, lambda n, p, s, d: keep, 0)
        test = code.fn

        def by_test(nodes, d):
            size = len(nodes)
            steps = d._steps - size * cost
            d._steps = steps
            if steps < 0:
                raise _OutOfSteps()
            return [node for position, node in enumerate(nodes, 1)
                    if test(node, position, size, d)]
        return _Predicate(by_test, None if _uses_position(expr) else test, cost)

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
        self.calls += 1
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


class _Predicate(object):
    """A compiled predicate.

    select(nodes, document) keeps the nodes of a list in proximity order that the
    predicate is true for, charging cost steps per node. test(node, position, size,
    document) is its truth at one node, for testing nodes one at a time
    (:mod:`.exists`); None when the predicate uses positions (a number, position(),
    last()), which only the whole list gives.
    """
    __slots__ = ("select", "test", "cost")

    def __init__(self, select, test, cost):
        self.select, self.test, self.cost = select, test, cost


def _split(predicates):
    """(selects, tests) for an existence test: the predicates up to the last that uses
    positions, as select functions to filter a whole list with, and the (test, cost) of
    those after it, to test a node at a time."""
    cut = 0
    for index, predicate in enumerate(predicates):
        if predicate.test is None:
            cut = index + 1
    return ([predicate.select for predicate in predicates[:cut]],
            [(predicate.test, predicate.cost) for predicate in predicates[cut:]])


def _arity(low, high):
    if high is None:
        return "at least %d arguments" % low
    if low == high:
        return "%d argument%s" % (low, "" if low == 1 else "s")
    return "%d or %d arguments" % (low, high)


def _booleans_for_nodes(codes):
    """The operands of a comparison chain, a node-set compared with a boolean made a boolean.

    Section 3.4 compares a node-set with a boolean as boolean(node-set), so only its
    emptiness matters (:func:`_as`). Each comparison after the first has a boolean on
    its left.
    """
    codes = list(codes)
    for index in range(len(codes) - 1):
        left = codes[0].type if index == 0 else BOOLEAN  # else the comparison before's result
        right = codes[index + 1].type
        if left == NODESET and right == BOOLEAN:
            codes[index] = _as(codes[index], BOOLEAN)
        elif left == BOOLEAN and right == NODESET:
            codes[index + 1] = _as(codes[index + 1], BOOLEAN)
    return codes


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


def _comparison_chain(first, steps):
    """_chain for comparisons, whose functions take the document too (for string values)."""
    if len(steps) == 1:
        (compare, second), = steps
        return lambda n, p, s, d: compare(first(n, p, s, d), second(n, p, s, d), d)

    def chain(n, p, s, d):
        value = first(n, p, s, d)
        for compare, fn in steps:
            value = compare(value, fn(n, p, s, d), d)
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


def _position_predicate(code, expr, cost):
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
        steps = d._steps - size * cost
        d._steps = steps
        if steps < 0:
            raise _OutOfSteps()
        return [node for position, node in enumerate(nodes, 1)
                if fn(node, position, size, d) == position]
    return by_position


def _descendant_shortcut(steps):
    """Read //name[p] as descendant::name[p] when p does not use positions.

    When p does, // before a child step still need not visit text nodes.
    """
    result: List[Any] = []
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
    """one(node, document): the step's nodes from one context node, in document order.

    predicates are select functions (:attr:`_Predicate.select`), applied in turn.
    """
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
        steps = document._steps - len(found)
        document._steps = steps
        if steps < 0:
            raise _OutOfSteps()
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
    """A step without predicates, for the common axes and tests; None for the others."""
    kind = test[0]
    if axis == "child" and kind == "name":
        return _named_children(test[1])
    if axis == "child" and kind == "*":
        return _counted(lambda node, document: list(node.children))
    if axis == "descendant" and kind == "name":
        name = test[1]
        below = _counted(_descendant_elements)
        return lambda node, document: [element for element in below(node, document) if element.tag == name]
    if axis == "descendant" and kind == "*":
        return _counted(_descendant_elements)
    if axis == "self" and kind == "node":
        return _axis_self
    if axis == " parents":
        return _counted(_parents_or_self)
    if axis == "parent" and kind == "node":
        return _axis_parent
    return None


def _named_children(name):
    """child::name, the most common step, with its steps counted inline."""
    def children(node, document):
        found = node.children
        steps = document._steps - len(found)
        document._steps = steps
        if steps < 0:
            raise _OutOfSteps()
        return [child for child in found if child.tag == name]
    return children


def _counted(source):
    """An axis function that counts the nodes it visits (self and parent visit one: not counted)."""
    def counted(node, document):
        found = source(node, document)
        steps = document._steps - len(found)
        document._steps = steps
        if steps < 0:
            raise _OutOfSteps()
        return found
    return counted


def _location_path(absolute, steps):
    """A location path from the context node (or the root) through steps."""
    if not steps:
        return (lambda n, p, s, d: [d]) if absolute else (lambda n, p, s, d: [n])
    if all(step[0] in ("child", "self", "attribute", "namespace") for step in steps):
        # from one node these steps keep document order without sorting
        first, *rest = [_step_function(axis, test, _selects(predicates)) for axis, test, predicates, _ in steps]
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
    return [(_step_function(axis, test, _selects(predicates)),) + _AXES[axis][2:]
            for axis, test, predicates, _ in steps]


def _selects(predicates):
    return [predicate.select for predicate in predicates]


def _search_levels(steps, one_context):
    """The steps as levels of a depth-first search (:mod:`.exists`): (one, tests, remember).

    Each step's nodes from one node are filtered by its predicates up to the last that uses
    positions; the others are left to test a node at a time. remember: whether the search
    keeps the nodes of the step that found nothing, where it may meet them again.
    """
    levels = []
    last = len(steps) - 1
    for index, ((axis, test, predicates, _), repeats) in enumerate(
            zip(steps, _repeats([step[0] for step in steps], one_context))):
        selects, tests = _split(predicates)
        remember = repeats and bool(tests or index < last)
        levels.append((_step_function(axis, test, selects), tests, remember))
    return levels


def _location_exists(absolute, steps):
    """exists(n, p, s, d) of a location path: whether it selects a node, stopping at the first."""
    if not steps:
        return lambda n, p, s, d: True  # the context node, or the root
    exists = _path_exists(_search_levels(steps, True))
    if absolute:
        return lambda n, p, s, d: exists(d, d)
    return lambda n, p, s, d: exists(n, d)


def _filter_path_exists(start, steps):
    """exists(n, p, s, d) of a filter expression and steps: its node-set, then a search from each node."""
    exists = _nodes_exist(_search_levels(steps, False))
    return lambda n, p, s, d: exists(start(n, p, s, d), d)


def _filter_exists(primary, predicates):
    """exists(n, p, s, d) of primary[predicates]: its node-set, its predicates that use positions,
    then the others a node at a time."""
    selects, tests = _split(predicates)

    def exists(n, p, s, d):
        found = primary(n, p, s, d)
        for select in selects:
            if not found:
                return False
            found = select(found, d)
        return _any_passes(found, tests, d)
    return exists


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
    """A function (left value, right value, document) -> bool for values of these types."""
    if right == NODESET and left != NODESET:
        flipped = _comparator(_FLIPPED[op], right, left)
        return lambda a, b, d: flipped(b, a, d)
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
    return lambda a, b, d: test(convert_left(a), convert_right(b))


def _nodeset_comparator(op, test, right):
    """Comparisons of a node-set with a node-set, a string or a number.

    With a boolean, the node-set is made a boolean when compiled (:func:`_booleans_for_nodes`).
    """
    if right == NODESET:
        if op == "=":
            return _nodesets_equal
        if op == "!=":
            return _nodesets_differ
        return lambda a, b, d: _nodesets_relate(op, a, b, d)
    if right == STRING and op in ("=", "!="):
        if op == "=":
            return _nodes_equal_string
        return lambda a, b, d: _any_string(test, a, b, d)
    if right == STRING:
        return lambda a, b, d: _any_number(test, a, _string_to_number(b), d)
    return lambda a, b, d: _any_number(test, a, b, d)


def _nodes_equal_string(nodes, value, document):
    for node in nodes:
        if _string_value(node, document) == value:
            return True
    return False


def _any_string(test, nodes, value, document):
    for node in nodes:
        if test(_string_value(node, document), value):
            return True
    return False


def _any_number(test, nodes, value, document):
    for node in nodes:
        if test(_string_to_number(_string_value(node, document)), value):
            return True
    return False


def _nodesets_equal(left, right, document):
    if not left or not right:
        return False
    values = set(_string_value(node, document) for node in left)
    for node in right:
        if _string_value(node, document) in values:
            return True
    return False


def _nodesets_differ(left, right, document):
    if not left or not right:
        return False
    values = set(_string_value(node, document) for node in left)
    values.update(_string_value(node, document) for node in right)
    return len(values) > 1


def _nodesets_relate(op, left, right, document):
    # NaN compares false with everything, so it can be left out
    xs = [x for x in (_string_to_number(_string_value(node, document)) for node in left) if x == x]
    ys = [y for y in (_string_to_number(_string_value(node, document)) for node in right) if y == y]
    if not xs or not ys:
        return False
    if op in ("<", "<="):
        return _OPERATORS[op](min(xs), max(ys))
    return _OPERATORS[op](max(xs), min(ys))


def _or_of(fns):
    """``f1 or f2 or ...``, short-circuiting; two operands (the usual case) without a generator."""
    if len(fns) == 2:
        a, b = fns
        return lambda n, p, s, d: a(n, p, s, d) or b(n, p, s, d)
    return lambda n, p, s, d: any(f(n, p, s, d) for f in fns)


def _and_of(fns):
    """``f1 and f2 and ...``, short-circuiting."""
    if len(fns) == 2:
        a, b = fns
        return lambda n, p, s, d: a(n, p, s, d) and b(n, p, s, d)
    return lambda n, p, s, d: all(f(n, p, s, d) for f in fns)
