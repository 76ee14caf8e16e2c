"""The tree an XPath expression is evaluated over: elements, text, the document, and the axes.

XPath 1.0 section 5 (the data model) and 2.2 (axes), for the small trees of
elements and text that items become (:mod:`.items`).
"""

from __future__ import annotations

from ...errors import UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterable, List, Optional, Union

# ---------------------------------------------------------------------------
# The document model

_ELEMENT, _TEXT, _ROOT = 1, 3, 9


class _OutOfSteps(Exception):
    """An evaluation has spent the steps its document was given (see :mod:`.compiler`)."""


class Element(object):
    """An element of an item tree: a tag with text or child elements."""

    __slots__ = ("tag", "text", "children", "parent", "_text_node")
    _kind = _ELEMENT

    def __init__(self, tag: str, text: Optional[str] = None, children: Iterable["Element"] = ()) -> None:
        if not isinstance(tag, str):
            raise TypeError("an element tag must be a str, not %s" % type(tag).__name__)
        self.tag = tag
        self.text = text if text is None or isinstance(text, str) else str(text)
        self.children: List[Element] = []
        self.parent: Union[Element, Document, None] = None
        self._text_node: Optional[Text] = None
        for child in children:
            self.append(child)

    def append(self, child: "Element") -> "Element":
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

    def __init__(self, parent: "Element") -> None:
        self.parent = parent

    @property
    def text(self) -> str:
        return self.parent.text or ""

    def __repr__(self):
        return "<Text %r>" % self.parent.text


class Document(object):
    """The root node of a tree; its only child is the top element.

    Evaluating from an element whose tree has no Document makes one for the
    evaluation, so building one is only needed to keep the root node's
    identity across evaluations.
    """

    __slots__ = ("children", "_order", "_steps")
    _kind = _ROOT
    tag = None
    text = None
    parent = None

    def __init__(self, element: "Element") -> None:
        if not isinstance(element, Element):
            raise TypeError("a Document holds an Element, not %s" % type(element).__name__)
        if element.parent is not None:
            raise UsageError("element <%s> already has a parent" % element.tag)
        element.parent = self
        self.children = [element]
        self._order = None
        self._steps = 0  # the steps an evaluation has left (set when one starts)

    def __repr__(self):
        return "<Document %s>" % self.children[0].tag


# "\r" too: an XML parser would read a raw one back as "\n".
_ESCAPES = {ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;",
            ord('"'): "&quot;", ord("'"): "&apos;", ord("\r"): "&#13;"}


def to_xml(element: "Element") -> str:
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


def _string_value(node, document):
    """The text of node and its descendants; a walk through them is paid for in the document's steps."""
    children = node.children
    if not children:
        return node.text or ""
    parts = []
    stack = [node]
    visited = 0
    while stack:
        node = stack.pop()
        visited += 1
        if node.text:
            parts.append(node.text)
        if node.children:
            stack.extend(reversed(node.children))
    steps = document._steps - visited
    document._steps = steps
    if steps < 0:
        raise _OutOfSteps()
    return "".join(parts)


def _document_of(node, steps):
    """The root node for an evaluation starting at ``node``, with a budget of ``steps``."""
    if steps < 0:  # spent by the function calls outside predicates
        raise _OutOfSteps()
    try:
        top = node
        parent = node.parent
        while parent is not None:
            top = parent
            parent = top.parent
        kind = top._kind
    except AttributeError:
        raise UsageError("XPath evaluates on an Element, Text or Document, not %s"
                         % type(node).__name__) from None
    if kind == _ROOT:
        top._order = None  # the tree may have changed since the last evaluation
        top._steps = steps
        return top
    document = Document.__new__(Document)  # not attached: the tree stays as it was
    document.children = [top]
    document._order = None
    document._steps = steps
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


