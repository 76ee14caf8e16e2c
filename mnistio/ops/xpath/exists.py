"""Node-set truth tests that stop at the first node, as libxml2 does.

XPath 1.0 (section 4.3, boolean()) makes a node-set true when it is
non-empty. So where only its truth is needed (a predicate, ``boolean()``,
``not()``, an operand of ``and`` or ``or``, a comparison with a boolean;
:func:`~.compiler._as`), the first node found is the answer. libxml2 stops
there in predicates (``xmlXPathCompOpEvalToBoolean`` has the last step of a
path, ``xmlXPathNodeCollectAndTest`` with ``toBool``, stop at its first
node), so lxml answers ``/item[//*[//*[//*[//*[.//*]]]]]`` at once, where
building each node-set in full costs the size of the tree to the power of
the nesting. Here every step of a path, and every boolean context, stops
so: the value is the same, only found sooner.

A location path is searched depth first: a node of the first step, then a
node of the second step from it, and so on, back to the next node of a step
only when the steps after it found nothing. The value is the same as that of
the whole node-set (its emptiness does not depend on the order of the
search), and the steps charged are those of the nodes the search visits. An
axis still lists (and is charged for) all its nodes from one context node,
as in full evaluation: the search saves the steps and predicates taken from
the nodes after the first that succeeds.
Where a step's predicate uses positions, the step's nodes from one context
node are filtered in full first, as positions need them all; the predicates
after the last such one are tested a node at a time.

Built by :mod:`.compiler`, from the step functions it makes; this module
needs only the tree.
"""

from __future__ import annotations

from .tree import _AXES, _FLAT, _OutOfSteps

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Iterable, Iterator, List, Optional, Sequence, Set, Tuple

    #: a predicate's test on one node: fn(node, position, size, document), positions unused
    Test = Callable[[Any, int, int, Any], Any]
    #: a location step from one context node, charging the nodes its axis visits
    One = Callable[[Any, Any], List[Any]]
    #: a step of a search: its nodes from one node, the tests left for each, whether to remember failures
    Level = Tuple[One, Sequence[Tuple[Test, int]], bool]


def _passes(node, tests, document):
    """Whether node passes each (test, cost): cost steps per test made, stopping at the first failure.

    The tests do not use positions (see :func:`.compiler._Compiler.predicate`), so position and
    size are given as 1.
    """
    for test, cost in tests:
        steps = document._steps - cost
        document._steps = steps
        if steps < 0:
            raise _OutOfSteps()
        if not test(node, 1, 1, document):
            return False
    return True


def _any_passes(nodes, tests, document):
    """Whether some node passes all tests, tested in order until one does."""
    if not tests:
        return bool(nodes)
    for node in nodes:
        if _passes(node, tests, document):
            return True
    return False


def _repeats(axes, one_context):
    """Per step, whether a depth-first search can reach the same node twice at that step.

    From one node, no axis gives a node twice. From distinct nodes, child and self do not
    either; descendant does only when a context node is inside another (the set is not
    flat); the other axes (parent, ancestor, siblings, following, preceding) can. A search
    remembers the nodes of such a step that found nothing, so it never searches twice from
    one node: the work done when breadth-first evaluation drops duplicates.
    """
    found: List[bool] = []
    flat = one_context
    for axis in axes:
        if one_context:
            repeats, flat = False, _AXES[axis][2] == _FLAT
            one_context = False
        elif axis in ("child", "self", "attribute", "namespace"):
            repeats = False  # children of nodes none inside another are none inside another
        elif axis in ("descendant", "descendant-or-self", " parents"):
            repeats, flat = not flat, False
        else:
            repeats, flat = True, False
        found.append(repeats)
    return found


def _search(levels: Sequence[Level], first: Iterator[Any], document: Any) -> bool:
    """Whether the steps of levels select a node, from the candidate nodes ``first`` of the first.

    Depth first, with one iterator per step on a stack (paths may have thousands of steps),
    returning at the first node of the last step that passes its tests.
    """
    last = len(levels) - 1
    tried: List[Optional[Set[int]]] = [set() if remember else None for _, _, remember in levels]
    stack = [first]
    while stack:
        level = len(stack) - 1
        tests, seen = levels[level][1], tried[level]
        for candidate in stack[level]:
            if seen is not None:
                key = id(candidate)
                if key in seen:  # found nothing before (a success would have returned)
                    continue
                seen.add(key)
            if tests and not _passes(candidate, tests, document):
                continue
            if level == last:
                return True
            stack.append(iter(levels[level + 1][0](candidate, document)))
            break
        else:
            stack.pop()
    return False


def _from_each(one: One, nodes: Iterable[Any], document: Any) -> Iterator[Any]:
    """The nodes of a step from each of nodes in turn, each step taken only when reached."""
    for node in nodes:
        yield from one(node, document)


def _path_exists(levels: Sequence[Level]) -> Callable[[Any, Any], bool]:
    """exists(context node, document): whether the steps select a node from the context node."""
    if len(levels) == 1:
        (one, tests, _), = levels
        if not tests:
            return lambda node, document: bool(one(node, document))
        return lambda node, document: _any_passes(one(node, document), tests, document)
    one = levels[0][0]
    return lambda node, document: _search(levels, iter(one(node, document)), document)


def _nodes_exist(levels: Sequence[Level]) -> Callable[[List[Any], Any], bool]:
    """exists(context nodes, document): whether the steps select a node from any of them."""
    if len(levels) == 1:
        (one, tests, _), = levels
        return lambda nodes, document: any(_any_passes(one(node, document), tests, document)
                                           for node in nodes)
    one = levels[0][0]
    return lambda nodes, document: _search(levels, _from_each(one, nodes, document), document)
