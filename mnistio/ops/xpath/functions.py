"""The XPath 1.0 core function library (section 4).
"""


from .tree import _string_value
from .values import (
    _VARIES,
    BOOLEAN,
    NODESET,
    NUMBER,
    STRING,
    _ceiling,
    _floor,
    _normalize_space,
    _round,
    _string_to_number,
    _substring,
    _translation,
)

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
        return lambda n, p, s, d: _string_value(n, d)
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
        return lambda n, p, s, d: float(len(_string_value(n, d)))
    text = args[0].fn
    return lambda n, p, s, d: float(len(text(n, p, s, d)))


def _fn_normalize_space(args):
    if not args:
        return lambda n, p, s, d: _normalize_space(_string_value(n, d))
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
        return lambda n, p, s, d: _string_to_number(_string_value(n, d))
    return args[0].fn


def _fn_sum(args):
    nodes = args[0].fn

    def total(n, p, s, d):
        result = 0.0  # added in order, as IEEE arithmetic would (not math.fsum)
        for node in nodes(n, p, s, d):
            result += _string_to_number(_string_value(node, d))
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


