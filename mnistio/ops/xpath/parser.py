"""XPath 1.0 syntax: the tree of an expression, built by recursive descent for paths and
operator precedence for the binary operators (section 3).
"""

from __future__ import annotations

from .lexer import XPathSyntaxError, _tokenize
from .tree import _AXES

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import List, Tuple

# Expressions nested deeper are refused (see the package docstring).
_MAX_NESTING = 32


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
        pending: List[Tuple[int, str, int]] = []  # (level, operator, column), levels increasing
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


