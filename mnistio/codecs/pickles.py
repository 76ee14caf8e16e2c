"""Python pickles of plain values and numpy arrays, read without running them and written without numpy.

For the CIFAR "python version" batches (see ``docs/formats.rst``, cifar):
dicts, lists, tuples, strings, bytes, numbers and numpy arrays, pickled by
Python 2 or 3 at protocols 2 to 5. The pickle format is CPython's
(``Lib/pickle.py``, ``Lib/pickletools.py`` document every opcode).

Reading never runs code from a file: :class:`_SafeUnpickler` resolves only
the globals a numpy array needs, to stand-ins that rebuild it as plain bytes
(no numpy needed: :class:`NumpyArray`), and refuses any other. Bytes keys
and strings of Python 2 files stay bytes; :func:`as_text` decodes them.

Before anything is built, :func:`scan` walks the opcodes (a cheap pass that
reads no long argument) on a stack of symbols standing for the values: it
refuses other globals (:class:`UnsafePickleError`), nesting deeper than
``mnistio.limits.MAX_NESTING`` (a deep tuple crashes the interpreter when it
is hashed), values that shared references make larger to walk than the file,
more memory than a small multiple of the file's size, and lengths beyond the
file's end. :func:`load` scans first; so can a reader that only opens a
dataset.

Writing emits the opcodes itself (protocol 4, Python 3.8-3.13's default).
The stdlib pickler would import numpy to name
``numpy.core.multiarray._reconstruct``, and a fake numpy in ``sys.modules``
would be seen by every thread. ``numpy.core.multiarray`` loads in numpy 1.x
and, silently, in 2.x; ``numpy._core`` (what numpy 2 writes) fails in older
numpy 1.x (1.24; 1.26 has a shim). An array's data is written by a callback
(:class:`ArrayValue`), so pixels can stream from a spool file.
"""

from __future__ import annotations

import math
import os
import pickle
import re
import reprlib

from .. import limits
from ..errors import FormatError, LimitError, MnistioError, TruncatedError
from .streams import open_input

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, BinaryIO, Callable, Dict, List, Optional, Tuple

    #: writes an array's data, given the writer
    EmitData = Callable[["PickleWriter"], None]

__all__ = ["load", "scan", "dump", "NumpyArray", "ArrayValue", "PickleWriter", "UnsafePickleError", "as_text",
           "as_uint8", "copy_bytes", "shown"]

_ARRAY_MODULE = "numpy.core.multiarray"
_COPY_CHUNK = 1 << 20


class UnsafePickleError(FormatError, pickle.UnpicklingError):
    """A pickle names a global (or a persistent id, or an extension code) that reading would
    have to resolve to code: refused, whatever else the file holds. Also a
    ``pickle.UnpicklingError``, as ``pickle`` users expect of a refused pickle."""


# -- checking a pickle before loading it ----------------------------------------------------

_SCAN_CHUNK = 1 << 16
#: a text-mode int, float, memo index or global name; CPython's default int digit limit
_MAX_LINE = 4300
#: names longer than this are not kept on the symbol stack (no global name is this long)
_MAX_NAME = 256
#: what unpickling may allocate: this many bytes per byte of the file, plus the slack
_MEMORY_PER_BYTE = 16
_MEMORY_SLACK = 64 << 20
#: values a walk over one value may visit (shared ones each time): per byte, plus the slack
_WALK_PER_BYTE = 4
_WALK_SLACK = 1 << 20
#: how far a memo index may run ahead of the memo (the unpickler sizes its memo by the index)
_MEMO_AHEAD = 1 << 16
#: an upper bound of what each kind of container costs empty, and per item, in CPython
_CONTAINER_BYTES = {"tuple": (40, 8), "list": (56, 8), "dict": (64, 48), "set": (216, 64),
                    "frozenset": (216, 64)}
_HASHED_BADLY = frozenset(("tuple", "list", "dict", "set", "frozenset", "bigint", "object"))


class _Node:
    """A symbol for a value that is not a plain scalar: a container, an object made by an
    allowed global, a global, or a big integer. ``depth`` is how deep it nests, ``weight``
    how many values a walk over it visits (a shared value each time it is reached);
    ``inside`` is set once it is in another value, after which it may not change
    (so depths stay true; only a cycle changes a value that another value holds)."""

    __slots__ = ("kind", "depth", "weight", "inside", "name")

    def __init__(self, kind, depth, weight, name=None):
        self.kind, self.depth, self.weight, self.inside, self.name = kind, depth, weight, False, name


# A scalar's symbol is its weight (an int), or its text when it is a short unicode string
# (STACK_GLOBAL names its global with two of them); anything else is a _Node.


class _Scan:
    """One pass over a pickle's opcodes (``Lib/pickletools.py`` documents each), reading the
    file in chunks and skipping long arguments, with a stack of symbols for the values."""

    def __init__(self, file, size):
        self.file, self.size = file, size
        self.buf, self.pos, self.base = b"", 0, 0  # buf holds the file from offset base
        self.at = 0  # the offset of the current opcode, for messages
        self.stack = []
        self.marks = []
        self.memo = {}
        self.puts = 0
        self.cost = 0
        self.max_cost = _MEMORY_PER_BYTE * size + _MEMORY_SLACK
        self.max_weight = _WALK_PER_BYTE * size + _WALK_SLACK
        self.max_depth = limits.MAX_NESTING
        self.done = False

    def run(self):
        handlers = _HANDLERS
        while not self.done:
            if self.pos >= len(self.buf):
                self._need(1)
            self.at = self.base + self.pos
            handler = handlers[self.buf[self.pos]]
            if handler is None:
                raise self._error("not a readable pickle (unknown opcode 0x%02x)" % self.buf[self.pos])
            self.pos += 1
            handler(self)
            if self.cost > self.max_cost:
                raise LimitError("unpickling would take more than %d times the file's size in memory"
                                 % _MEMORY_PER_BYTE, None, "byte %d" % self.at)

    # -- reading arguments

    def _error(self, message, kind=FormatError):
        return kind(message, None, "byte %d" % self.at)

    def _need(self, count):
        """Have ``count`` bytes from ``pos`` in ``buf``, or refuse a file that ends first."""
        if self.base + self.pos + count > self.size:
            raise self._error("the pickle ends early (cut file, or a length beyond its end)", TruncatedError)
        rest = self.buf[self.pos:]
        more = self.file.read(max(count - len(rest), _SCAN_CHUNK))
        self.base += self.pos
        self.buf, self.pos = rest + more, 0
        if len(self.buf) < count:
            raise self._error("the pickle ends early (the file shrank while read)", TruncatedError)

    def _take(self, count):
        if self.pos + count > len(self.buf):
            self._need(count)
        data = self.buf[self.pos:self.pos + count]
        self.pos += count
        return data

    def _skip(self, count):
        """Pass over ``count`` bytes; a long run is sought past, never read."""
        if self.pos + count <= len(self.buf):
            self.pos += count
            return
        offset = self.base + self.pos + count
        if offset > self.size:
            raise self._error("the pickle ends early (a length of %d bytes beyond the file's end)" % count,
                              TruncatedError)
        self.file.seek(offset)
        self.buf, self.pos, self.base = b"", 0, offset

    def _uint(self, size, signed=False):
        if size == 1 and self.pos < len(self.buf):  # memo indexes and short lengths: the most common
            self.pos += 1
            return self.buf[self.pos - 1]
        return int.from_bytes(self._take(size), "little", signed=signed)

    def _length(self, size, signed=False):
        count = self._uint(size, signed)
        if count < 0:
            raise self._error("a negative length")
        return count

    def _line(self, limit=_MAX_LINE):
        """The bytes up to the next newline (which is skipped), ``limit`` of them at most.
        A long line doubles what is read each time, and no byte is searched twice."""
        searched = 0  # bytes after pos that hold no newline
        while True:
            end = self.buf.find(b"\n", self.pos + searched, self.pos + limit + 1)
            if end >= 0:
                line = self.buf[self.pos:end]
                self.pos = end + 1
                return line
            searched = len(self.buf) - self.pos
            if searched > limit:
                raise self._error("a text argument longer than %d bytes" % limit)
            left = self.size - self.base - self.pos
            if searched >= left:
                raise self._error("the pickle ends early (in a line of text)", TruncatedError)
            self._need(min(2 * searched + 1, left))

    def _text_int(self, line):
        try:
            return int(line)
        except ValueError:
            raise self._error("expected a decimal number, found %s" % shown(line)) from None

    # -- the stack

    def _push(self, value, cost):
        self.stack.append(value)
        self.cost += cost

    def _pop(self):
        if len(self.stack) <= (self.marks[-1] if self.marks else 0):
            raise self._error("not a readable pickle (stack underflow)")
        return self.stack.pop()

    def _top(self):
        if len(self.stack) <= (self.marks[-1] if self.marks else 0):
            raise self._error("not a readable pickle (stack underflow)")
        return self.stack[-1]

    def _pop_mark(self):
        if not self.marks:
            raise self._error("not a readable pickle (no MARK to pop to)")
        start = self.marks.pop()
        items = self.stack[start:]
        del self.stack[start:]
        return items

    # -- values

    def _check(self, node):
        if node.depth > self.max_depth:
            raise self._error("values nested more than %d deep (mnistio.limits.MAX_NESTING)" % self.max_depth,
                              LimitError)
        if node.weight > self.max_weight:
            raise self._error("shared values make a value of more than %d parts from a %d-byte file"
                              % (self.max_weight, self.size), LimitError)

    def _absorb(self, items):
        """``(depth, weight)`` of ``items``, which are now inside another value."""
        try:
            return 0, sum(items)  # all plain scalars (labels): summed in C
        except TypeError:
            pass
        depth, weight = 0, 0
        for value in items:
            kind = type(value)
            if kind is _Node:
                value.inside = True
                if value.depth > depth:
                    depth = value.depth
                weight += value.weight
            else:
                weight += value if kind is int else len(value) + 1
        return depth, weight

    def _container(self, kind, items):
        depth, weight = self._absorb(items)
        node = _Node(kind, depth + 1, weight + 1)
        self._check(node)
        empty, each = _CONTAINER_BYTES[kind]
        self.cost += empty + each * len(items)
        return node

    def _keys(self, keys):
        """Refuse keys whose hashing an attacker controls: containers (a deep or shared tuple
        hashes for ever), objects (a stand-in may return its argument), and integers beyond
        64 bits (chosen to collide, they make a dict quadratic)."""
        for key in keys:
            if type(key) is _Node and key.kind in _HASHED_BADLY:
                raise self._error("a dict key or set element that is a %s (expected a string or a number)"
                                  % key.kind)

    def _add(self, kind, items, opcode):
        """Add ``items`` to the container below them: it may not be inside another value yet."""
        target = self._top()
        if type(target) is not _Node or target.kind != kind:
            what = target.kind if type(target) is _Node else "scalar"
            raise self._error("not a readable pickle (%s on a %s, expected a %s)" % (opcode, what, kind))
        if target.inside:
            raise self._error("a %s changed after it was put inside another value (a cycle?)" % target.kind)
        depth, weight = self._absorb(items)
        target.depth = max(target.depth, depth + 1)
        target.weight += weight
        self._check(target)
        self.cost += _CONTAINER_BYTES[target.kind][1] * len(items)

    def _global(self, module, name):
        if (module, name) not in _ALLOWED_GLOBALS:
            raise self._error("refused to load the global %s.%s: a CIFAR pickle holds only lists, strings, "
                              "numbers and numpy arrays" % (module, name), UnsafePickleError)  # short: _MAX_NAME
        self._push(_Node("global", 0, 1, "%s.%s" % (module, name)), 8)

    def _call(self, function, arguments, encodes):
        """The object an allowed global makes: it may hold (a copy of) its arguments."""
        if type(function) is not _Node or function.kind != "global":
            raise self._error("not a readable pickle (calling something that is not an allowed global)")
        depth, weight = self._absorb(arguments)
        node = _Node("bytes" if function.name in encodes else "object", depth + 1, weight + 1)
        self._check(node)
        self._push(node, 512 + weight)


def _op_scalar(cost):
    def handler(scan):
        scan._push(1, cost)
    return handler


def _op_run(code, size, cost):
    """A scalar of ``size`` argument bytes, and the run of the same opcode after it in the
    buffer, at once: a list of labels is thousands of them, and the pass stays quick."""
    run = re.compile(b"(?:%s.{%d})+" % (re.escape(code), size) if size else b"(?:%s)+" % re.escape(code), re.DOTALL)

    def handler(scan):
        found = run.match(scan.buf, scan.pos - 1)
        if found is None:  # its argument is beyond the buffer
            scan._skip(size)
            scan._push(1, cost)
            return
        count = (found.end() - found.start()) // (size + 1)
        scan.pos = found.end()
        scan.stack.extend([1] * count)
        scan.cost += cost * count
    return handler


#: integers of more digits or bytes than a 64-bit one (and its sign, and LONG's "L") may collide
#: in a dict without bound: they may not be keys
_KEY_DIGITS, _KEY_BYTES = 21, 9


def _op_int_line(scan):
    line = scan._line()
    scan._push(_Node("bigint", 0, 1) if len(line) > _KEY_DIGITS else 1, 40 + len(line))


def _op_float_line(scan):
    scan._push(1, 40 + len(scan._line()))


def _op_long(size, signed):
    def handler(scan):
        count = scan._length(size, signed)
        scan._skip(count)
        scan._push(_Node("bigint", 0, 1) if count > _KEY_BYTES else 1, 40 + count)
    return handler


def _op_bytes(size, signed=False, extra=48):
    def handler(scan):
        count = scan._length(size, signed)
        scan._skip(count)
        scan._push(count + 1, extra + count)
    return handler


def _op_unicode(size):
    def handler(scan):
        count = scan._length(size)
        value = count + 1
        if count > _MAX_NAME:
            scan._skip(count)
        else:
            try:
                value = scan._take(count).decode("utf-8", "surrogatepass")
            except UnicodeDecodeError:
                pass  # the unpickler refuses it; here it is a string that names no global
        scan._push(value, 88 + 4 * count)  # up to 4 bytes a character, as CPython may store it
    return handler


def _op_string_line(scan):
    line = scan._line(scan.size)
    scan._push(len(line) + 1, 48 + len(line))


def _op_unicode_line(scan):
    line = scan._line(scan.size)
    scan._push(len(line) + 1, 88 + 4 * len(line))


def _op_empty(kind):
    def handler(scan):
        scan._push(_Node(kind, 1, 1), 8 + _CONTAINER_BYTES[kind][0])
    return handler


def _op_tuple(count):
    def handler(scan):
        items = [scan._pop() for _ in range(count)][::-1]
        scan._push(scan._container("tuple", items), 8)
    return handler


def _op_from_mark(kind):
    def handler(scan):
        items = scan._pop_mark()
        if kind in ("dict", "frozenset"):
            if kind == "dict" and len(items) % 2:
                raise scan._error("not a readable pickle (odd number of items for DICT)")
            scan._keys(items[0::2] if kind == "dict" else items)
        scan._push(scan._container(kind, items), 8)
    return handler


def _op_append(scan):
    value = scan._pop()
    scan._add("list", [value], "APPEND")


def _op_appends(scan):
    scan._add("list", scan._pop_mark(), "APPENDS")


def _op_setitem(scan):
    value = scan._pop()
    key = scan._pop()
    scan._keys([key])
    scan._add("dict", [key, value], "SETITEM")


def _op_setitems(scan):
    items = scan._pop_mark()
    if len(items) % 2:
        raise scan._error("not a readable pickle (odd number of items for SETITEMS)")
    scan._keys(items[0::2])
    scan._add("dict", items, "SETITEMS")


def _op_additems(scan):
    items = scan._pop_mark()
    scan._keys(items)
    scan._add("set", items, "ADDITEMS")


def _op_pop(scan):
    if scan.marks and len(scan.stack) == scan.marks[-1]:
        scan.marks.pop()  # as CPython: POP right after MARK pops the mark
    else:
        scan._pop()


def _op_pop_mark(scan):
    scan._pop_mark()


def _op_dup(scan):
    scan._push(scan._top(), 8)


def _op_mark(scan):
    scan.marks.append(len(scan.stack))
    scan.cost += 8


def _get(scan, index):
    if index not in scan.memo:
        raise scan._error("not a readable pickle (memo index %d was never set)" % index)
    scan._push(scan.memo[index], 8)


def _put(scan, index):
    if index < 0 or index > scan.puts + _MEMO_AHEAD:
        raise scan._error("memo index %d is far beyond the %d values memoized so far" % (index, scan.puts))
    scan.memo[index] = scan._top()
    scan.puts += 1
    scan.cost += 16


def _op_get_line(scan):
    _get(scan, scan._text_int(scan._line()))


def _op_get(size):
    def handler(scan):
        _get(scan, scan._uint(size))
    return handler


def _op_put_line(scan):
    _put(scan, scan._text_int(scan._line()))


def _op_put(size):
    def handler(scan):
        _put(scan, scan._uint(size))
    return handler


def _op_memoize(scan):
    _put(scan, len(scan.memo))


def _op_global(scan):
    module = scan._line(_MAX_NAME).decode("utf-8", "replace")
    scan._global(module, scan._line(_MAX_NAME).decode("utf-8", "replace"))


def _op_stack_global(scan):
    name = scan._pop()
    module = scan._pop()
    if type(module) is not str or type(name) is not str:
        raise scan._error("refused STACK_GLOBAL with names that are not short strings", UnsafePickleError)
    scan._global(module, name)


def _op_inst(scan):
    _op_global(scan)
    function = scan._pop()
    scan._call(function, scan._pop_mark(), ())


def _op_reduce(scan):
    arguments = scan._pop()
    function = scan._pop()
    scan._call(function, [arguments], ("_codecs.encode", "builtins.bytes", "__builtin__.bytes"))


def _op_obj(scan):
    items = scan._pop_mark()
    if not items:
        raise scan._error("not a readable pickle (OBJ without a class)")
    scan._call(items[0], items[1:], ())


def _op_build(scan):
    state = scan._pop()
    target = scan._top()
    if type(target) is _Node and target.kind == "global":
        raise scan._error("a pickle tried to change the global %s" % target.name, UnsafePickleError)
    if type(target) is not _Node or target.kind != "object":
        raise scan._error("not a readable pickle (BUILD on something that is not an object)")
    if target.inside:
        raise scan._error("an object changed after it was put inside another value (a cycle?)")
    depth, weight = scan._absorb([state])
    target.depth = max(target.depth, depth)
    target.weight += weight
    scan._check(target)
    scan.cost += weight  # a Fortran-ordered array is copied


def _op_refused(what):
    def handler(scan):
        raise scan._error("refused %s: a CIFAR pickle holds only lists, strings, numbers and numpy arrays"
                          % what, UnsafePickleError)
    return handler


def _op_unsupported(what):
    def handler(scan):
        raise scan._error("not a readable pickle (%s)" % what)
    return handler


def _op_proto(scan):
    version = scan._uint(1)
    if version > pickle.HIGHEST_PROTOCOL:
        raise scan._error("unsupported pickle protocol %d" % version)


def _op_frame(scan):
    count = scan._length(8)
    if scan.base + scan.pos + count > scan.size:
        raise scan._error("the pickle ends early (a frame of %d bytes beyond the file's end)" % count,
                          TruncatedError)


def _op_readonly_buffer(scan):
    scan._top()


def _op_stop(scan):
    scan._top()
    scan.done = True


def _handlers():
    """The handler of each opcode byte (None: not an opcode)."""
    table = {
        "I": _op_int_line, "J": _op_run(b"J", 4, 40), "K": _op_run(b"K", 1, 8), "M": _op_run(b"M", 2, 40),
        "L": _op_int_line, "\x8a": _op_long(1, False), "\x8b": _op_long(4, True),
        "S": _op_string_line, "T": _op_bytes(4, True), "U": _op_bytes(1),
        "B": _op_bytes(4), "C": _op_bytes(1), "\x8e": _op_bytes(8), "\x96": _op_bytes(8, extra=64),
        "\x97": _op_unsupported("out-of-band buffers"), "\x98": _op_readonly_buffer,
        "N": _op_run(b"N", 0, 8), "\x88": _op_scalar(8), "\x89": _op_scalar(8),
        "V": _op_unicode_line, "\x8c": _op_unicode(1), "X": _op_unicode(4), "\x8d": _op_unicode(8),
        "F": _op_float_line, "G": _op_run(b"G", 8, 40),
        "]": _op_empty("list"), "a": _op_append, "e": _op_appends, "l": _op_from_mark("list"),
        ")": _op_scalar(8), "t": _op_from_mark("tuple"),
        "\x85": _op_tuple(1), "\x86": _op_tuple(2), "\x87": _op_tuple(3),
        "}": _op_empty("dict"), "d": _op_from_mark("dict"), "s": _op_setitem, "u": _op_setitems,
        "\x8f": _op_empty("set"), "\x90": _op_additems, "\x91": _op_from_mark("frozenset"),
        "0": _op_pop, "2": _op_dup, "(": _op_mark, "1": _op_pop_mark,
        "g": _op_get_line, "h": _op_get(1), "j": _op_get(4),
        "p": _op_put_line, "q": _op_put(1), "r": _op_put(4), "\x94": _op_memoize,
        "\x82": _op_refused("an extension code"), "\x83": _op_refused("an extension code"),
        "\x84": _op_refused("an extension code"),
        "c": _op_global, "\x93": _op_stack_global, "R": _op_reduce, "b": _op_build, "i": _op_inst,
        "o": _op_obj, "\x81": _op_unsupported("NEWOBJ"), "\x92": _op_unsupported("NEWOBJ_EX"),
        "\x80": _op_proto, ".": _op_stop, "\x95": _op_frame,
        "P": _op_refused("a persistent id"), "Q": _op_refused("a persistent id"),
    }
    handlers = [None] * 256
    for code, handler in table.items():
        handlers[ord(code)] = handler
    return handlers


_HANDLERS = _handlers()


def _scan_open(file):
    size = os.fstat(file.fileno()).st_size
    if size == 0:
        raise TruncatedError("the pickle ends early (empty file)")
    _Scan(file, size).run()


def scan(path: str) -> None:
    """Check the pickle at ``path`` without building it: only the allowed globals
    (else :class:`UnsafePickleError`), nesting within ``mnistio.limits.MAX_NESTING``
    and bounded memory and work (else :class:`~mnistio.errors.LimitError`), and a
    well-formed stream (else :class:`~mnistio.errors.FormatError`, or
    :class:`~mnistio.errors.TruncatedError` for a cut file)."""
    try:
        with open_input(path) as file:  # a regular file only: a FIFO would wait forever
            _scan_open(file)
    except FormatError as error:
        raise error.at(path) from None
    except MnistioError:
        raise
    except OSError as error:
        raise FormatError("cannot read the file (%s)" % (error.strerror or error), path) from None
    except Exception as error:  # a case the pass does not foresee: still the file's fault
        raise _unreadable(error, path) from None


class _Shown(reprlib.Repr):
    """``repr`` for messages, short and quick whatever the value: a few levels, a few items,
    the start of a string, and no decimal expansion of a huge integer."""

    def __init__(self):
        super().__init__()
        self.maxlevel, self.maxstring, self.maxother = 3, 60, 60
        self.maxlist = self.maxtuple = self.maxdict = self.maxset = self.maxfrozenset = 6

    def repr_int(self, value, level):
        if value.bit_length() > 128:
            return "<an integer of %d bits>" % value.bit_length()
        return repr(value)

    repr_bytes = repr_bytearray = reprlib.Repr.repr_str  # only the start and end are copied


_SHOWN = _Shown()


def shown(value: Any) -> str:
    """A short ``repr`` of a value read from a file, for an error message."""
    return _SHOWN.repr(value)


# -- reading pickles without running them ------------------------------------------

class _Allowed:
    """A global a pickle may name, as the pickle sees it: callable, and immune to
    BUILD (which would otherwise set attributes on our own functions and
    classes, and so change every later load)."""

    __slots__ = ("_function",)

    def __init__(self, function):
        self._function = function

    def __call__(self, *args):
        return self._function(*args)

    def __setstate__(self, state):
        raise UnsafePickleError("a pickle tried to change the global %s" % self._function.__name__)


def _ndarray(*args):
    raise FormatError("numpy.ndarray is only allowed as the argument of _reconstruct")


class _DType:
    """Stands for ``numpy.dtype``: the kind, item size and byte order of an array."""

    _CODE = re.compile(r"^[<>|=]?([a-zA-Z])(\d{1,9})$")  # a bounded size: int() of long digits is slow

    def __init__(self, code, align=False, copy=False):
        match = self._CODE.match(as_text(code))
        if match is None:
            raise FormatError("unsupported numpy dtype %s" % shown(as_text(code)))
        self.kind, self.itemsize = match.group(1), int(match.group(2))
        self.byteorder = "="

    def __setstate__(self, state):
        # (version, byteorder, ...) since numpy 1.0; (byteorder, ...) before
        order = state[1] if isinstance(state[0], int) else state[0]
        self.byteorder = as_text(order)

    @property
    def is_integer(self):
        return self.kind in "ui" and self.itemsize in (1, 2, 4, 8)

    def decode_ints(self, raw):
        """The integers of a raw buffer of this dtype."""
        if not self.is_integer:
            raise FormatError("expected an integer array, found dtype %s%d" % (self.kind, self.itemsize))
        if self.kind == "u" and self.itemsize == 1:
            return list(raw)
        size, signed = self.itemsize, self.kind == "i"
        if self.byteorder == ">":
            return [int.from_bytes(raw[i:i + size], "big", signed=signed) for i in range(0, len(raw), size)]
        return [int.from_bytes(raw[i:i + size], "little", signed=signed) for i in range(0, len(raw), size)]


class NumpyArray:
    """What an unpickled numpy array becomes: shape, dtype and raw bytes
    (or, for object arrays, the list of objects), in C order."""

    def __init__(self) -> None:
        self.shape: Tuple[int, ...] = (0,)
        self.dtype = _DType("u1")
        self.raw: Optional[bytes] = b""
        self.objects: Optional[List[Any]] = None

    def __setstate__(self, state):
        if not isinstance(state, tuple) or len(state) not in (4, 5):
            raise FormatError("malformed numpy array state")
        shape, dtype, fortran, raw = state[-4:]
        self._set(shape, dtype, fortran, raw)

    def _set(self, shape, dtype, fortran, raw):
        # numpy's own bounds (64 dimensions in numpy 2, sizes in an intp): products stay quick
        if not isinstance(shape, tuple) or len(shape) > 64 \
                or not all(isinstance(n, int) and 0 <= n < 1 << 63 for n in shape):
            raise FormatError("malformed numpy array shape %s" % shown(shape))
        if not isinstance(dtype, _DType):
            raise FormatError("malformed numpy array dtype")
        self.shape, self.dtype = shape, dtype
        count = math.prod(shape)
        if dtype.kind == "O":
            if not isinstance(raw, list) or len(raw) != count:
                raise FormatError("object array of shape %s does not hold %d objects" % (shown(shape), count))
            self.objects, self.raw = raw, None  # numpy lists an object array's items in C order, always
            return
        raw = raw.encode("latin-1") if isinstance(raw, str) else raw  # Python 2 strings, loaded as latin-1
        if not isinstance(raw, (bytes, bytearray)):
            raise FormatError("numpy array data is a %s, expected bytes" % type(raw).__name__)
        if len(raw) != count * dtype.itemsize:
            raise FormatError("numpy array of shape %s holds %d bytes, expected %d"
                              % (shown(shape), len(raw), count * dtype.itemsize))
        self.objects, self.raw = None, _c_order(raw, shape, fortran, dtype.itemsize)

    def __len__(self):
        if not self.shape:
            raise FormatError("a 0-dimensional array where a sequence was expected")
        return self.shape[0]

    @property
    def size(self) -> int:
        """The number of elements (1 for a 0-dimensional array)."""
        return math.prod(self.shape)

    def ints(self, start: int = 0, stop: Optional[int] = None) -> List[Any]:
        """The flat elements ``start`` to ``stop`` (all by default): integers, or the objects
        of an object array. Decode only what is needed: a list of ints takes 5 to 36 times
        the memory of the bytes it comes from."""
        stop = self.size if stop is None else stop
        if self.raw is None:  # an object array
            return (self.objects or [])[start:stop]
        size = self.dtype.itemsize
        return self.dtype.decode_ints(memoryview(self.raw)[start * size:stop * size])

    def row_bytes(self) -> bytes:
        """The array flattened to uint8 bytes."""
        if self.raw is None or not (self.dtype.kind == "u" and self.dtype.itemsize == 1):
            return as_uint8(self.ints())
        return self.raw


#: memoryview formats of 1, 2, 4 and 8-byte items, to move whole items at a time
_ITEM_FORMATS: Dict[int, Any] = {1: "B", 2: "H", 4: "I", 8: "Q"}


def _c_order(values, shape, fortran, itemsize):
    """A flat buffer rearranged from Fortran to C order; 2 dims at most."""
    if not fortran or len(shape) < 2 or math.prod(shape) == 0 or (len(shape) == 2 and 1 in shape):
        return values
    if len(shape) > 2:
        raise FormatError("Fortran-ordered arrays of more than 2 dimensions are not supported")
    rows, cols = shape
    if itemsize not in _ITEM_FORMATS:
        raise FormatError("Fortran-ordered arrays of %d-byte items are not supported" % itemsize)
    ordered = bytearray(len(values))
    item = _ITEM_FORMATS[itemsize]
    _transpose_into(memoryview(ordered).cast(item), memoryview(values).cast(item), rows, cols)
    return bytes(ordered)


def _transpose_into(result, source, rows, cols):
    """``result[r * cols + c] = source[c * rows + r]``, C order from Fortran order, by strided
    slices over the shorter side: no per-item work in Python, no list of items."""
    if cols <= rows:
        for col in range(cols):
            result[col::cols] = source[col * rows:(col + 1) * rows]
    else:
        for row in range(rows):
            result[row * cols:(row + 1) * cols] = source[row::rows]


def _reconstruct(subtype, shape, typecode):
    if subtype is not _ALLOWED_GLOBALS[("numpy", "ndarray")]:
        raise FormatError("numpy _reconstruct of something other than numpy.ndarray")
    return NumpyArray()


def _frombuffer(buffer, dtype, shape, order="C"):
    """Protocol 5's ``numpy._core.numeric._frombuffer``."""
    if not isinstance(buffer, (bytes, bytearray)) or not isinstance(dtype, _DType):
        raise FormatError("malformed numpy _frombuffer call")
    array = NumpyArray()
    array._set(tuple(shape), dtype, as_text(order) == "F", bytes(buffer))
    return array


def _scalar(dtype, raw=None):
    """A numpy scalar: labels written as ``list(numpy_array)`` hold these."""
    if not isinstance(dtype, _DType):
        raise FormatError("malformed numpy scalar")
    if dtype.kind == "O":
        return raw
    raw = raw.encode("latin-1") if isinstance(raw, str) else raw
    if not isinstance(raw, bytes) or len(raw) != dtype.itemsize:
        raise FormatError("malformed numpy scalar")
    return dtype.decode_ints(raw)[0]


def _codecs_encode(text, encoding="utf-8"):
    """Protocol 2 pickles made by Python 3 store bytes as ``_codecs.encode(str, "latin1")``."""
    if not isinstance(text, str) or encoding.lower().replace("-", "") not in ("latin1", "iso88591"):
        raise FormatError("_codecs.encode is allowed only to turn latin-1 text into bytes")
    return text.encode("latin-1")


def _empty_bytes(*args):
    """Protocol 2's ``bytes()`` for empty bytes; never a size (bytes(10**12) would allocate it)."""
    if args:
        raise FormatError("builtins.bytes is allowed only with no arguments")
    return b""


#: (module, name) -> what the pickle gets; the only globals a CIFAR file needs
_ALLOWED_GLOBALS = {
    ("numpy", "ndarray"): _Allowed(_ndarray),
    ("numpy", "dtype"): _Allowed(_DType),
    ("_codecs", "encode"): _Allowed(_codecs_encode),
    ("builtins", "bytes"): _Allowed(_empty_bytes),
    ("__builtin__", "bytes"): _Allowed(_empty_bytes),
}
for _module in ("numpy.core", "numpy._core"):  # numpy 1.x and 2.x names
    _ALLOWED_GLOBALS[(_module + ".multiarray", "_reconstruct")] = _Allowed(_reconstruct)
    _ALLOWED_GLOBALS[(_module + ".multiarray", "scalar")] = _Allowed(_scalar)
    _ALLOWED_GLOBALS[(_module + ".numeric", "_frombuffer")] = _Allowed(_frombuffer)
del _module


class _SafeUnpickler(pickle.Unpickler):
    """Resolves only :data:`_ALLOWED_GLOBALS`; any other global is refused, never imported."""

    def find_class(self, module, name):
        found = _ALLOWED_GLOBALS.get((module, name))
        if found is None:
            raise UnsafePickleError("refused to load the global %s.%s: a CIFAR pickle holds only lists, "
                                    "strings, numbers and numpy arrays" % (module[:_MAX_NAME], name[:_MAX_NAME]))
        return found

    def persistent_load(self, pid):
        raise UnsafePickleError("refused a persistent id: a CIFAR pickle has none")


def load(path: str) -> Any:
    """Unpickle ``path`` whole, safely, once :func:`scan` has passed it (on the same open
    file); bytes keys (Python 2 files) stay bytes. Only mnistio errors escape."""
    try:
        with open_input(path) as file:
            _scan_open(file)
            file.seek(0)
            return _SafeUnpickler(file, encoding="bytes").load()
    except FormatError as error:
        raise error.at(path) from None
    except MnistioError:
        raise
    except OSError as error:
        raise FormatError("cannot read the file (%s)" % (error.strerror or error), path) from None
    except MemoryError:
        raise FormatError("out of memory unpickling", path) from None
    except EOFError:
        raise TruncatedError("the pickle ends early (empty or cut file)", path) from None
    except Exception as error:  # whatever the unpickler or a stand-in raised: the file is at fault
        raise _unreadable(error, path) from None


def _unreadable(error, path):
    message = str(error)[:200]
    if "truncated" in message:
        return TruncatedError("the pickle ends early (%s)" % message, path)
    return FormatError("not a readable pickle (%s: %s)" % (type(error).__name__, message), path)


def as_text(value: Any) -> str:
    """A str from a str, or from Python 2 bytes (UTF-8, else latin-1)."""
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray)):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            return bytes(value).decode("latin-1")
    raise FormatError("expected a string, found %s" % type(value).__name__)


def as_uint8(values: Any) -> bytes:
    try:
        return bytes(values)
    except (TypeError, ValueError):
        raise FormatError("pixel values must be integers in 0..255") from None




# -- writing pickles without numpy -------------------------------------------------------------

class PickleWriter:
    """Protocol 4 opcodes for what a CIFAR pickle holds: None, bools, ints, strs,
    tuples, lists, dicts, and uint8 / object numpy arrays (see the module docstring)."""

    def __init__(self, file: BinaryIO) -> None:
        self._write = file.write
        self._memo: Dict[Tuple[str, str], int] = {}

    def start(self) -> None:
        self._write(b"\x80\x04")  # PROTO 4

    def stop(self) -> None:
        self._write(b".")  # STOP

    def value(self, value: Any) -> None:
        write = self._write
        if value is None:
            write(b"N")
        elif value is True or value is False:
            write(b"\x88" if value else b"\x89")
        elif isinstance(value, int):
            self._int(value)
        elif isinstance(value, str):
            self._str(value)
        elif isinstance(value, tuple):
            self._tuple(value)
        elif isinstance(value, list):
            write(b"]")  # EMPTY_LIST, then APPENDS in batches, as pickle does
            for start in range(0, len(value), 1000):
                write(b"(")
                for element in value[start:start + 1000]:
                    self.value(element)
                write(b"e")
        elif isinstance(value, dict):
            write(b"}(")  # EMPTY_DICT, MARK
            for key, element in value.items():
                self.value(key)
                self.value(element)
            write(b"u")  # SETITEMS
        elif isinstance(value, ArrayValue):
            self.array(value.shape, value.object_dtype, value.emit_data)
        else:
            raise TypeError("cannot pickle %s" % type(value).__name__)

    def _int(self, value):
        if 0 <= value < 0x100:
            self._write(b"K" + bytes((value,)))
        elif 0 <= value < 0x10000:
            self._write(b"M" + value.to_bytes(2, "little"))
        elif -0x80000000 <= value < 0x80000000:
            self._write(b"J" + value.to_bytes(4, "little", signed=True))
        else:
            encoded = value.to_bytes((value.bit_length() + 8) // 8, "little", signed=True)
            self._write(b"\x8a" + bytes((len(encoded),)) + encoded)  # LONG1

    def _str(self, value):
        encoded = value.encode("utf-8", "surrogatepass")
        if len(encoded) < 0x100:
            self._write(b"\x8c" + bytes((len(encoded),)) + encoded)  # SHORT_BINUNICODE
        elif len(encoded) < 0x100000000:
            self._write(b"X" + len(encoded).to_bytes(4, "little") + encoded)  # BINUNICODE
        else:
            self._write(b"\x8d" + len(encoded).to_bytes(8, "little") + encoded)  # BINUNICODE8

    def _tuple(self, value):
        if len(value) <= 3:
            for element in value:
                self.value(element)
            self._write((b")", b"\x85", b"\x86", b"\x87")[len(value)])  # EMPTY_TUPLE, TUPLE1..3
        else:
            self._write(b"(")
            for element in value:
                self.value(element)
            self._write(b"t")

    def bytes_header(self, size: int) -> None:
        if size < 0x100:
            self._write(b"C" + bytes((size,)))  # SHORT_BINBYTES
        elif size < 0x100000000:
            self._write(b"B" + size.to_bytes(4, "little"))  # BINBYTES
        else:
            self._write(b"\x8e" + size.to_bytes(8, "little"))  # BINBYTES8

    def raw(self, data: bytes) -> None:
        self._write(data)

    def global_(self, module: str, name: str) -> None:
        """GLOBAL once, BINGET after: every array names the same three globals."""
        index = self._memo.get((module, name))
        if index is not None:
            self._write(b"h" + bytes((index,)))  # BINGET
            return
        index = self._memo[(module, name)] = len(self._memo)
        self._write(b"c" + ("%s\n%s\n" % (module, name)).encode("ascii") + b"q" + bytes((index,)))  # GLOBAL, BINPUT

    def array(self, shape: Tuple[int, ...], object_dtype: bool, emit_data: EmitData) -> None:
        """What ``ndarray.__reduce__`` gives: ``_reconstruct(ndarray, (0,), b"b")``, then
        BUILD with ``(1, shape, dtype, False, data)``; numpy 1.x and 2.x load it."""
        self.global_(_ARRAY_MODULE, "_reconstruct")
        self.global_("numpy", "ndarray")
        self._write(b"K\x00\x85C\x01b\x87R(K\x01")  # (0,), b"b", TUPLE3, REDUCE; MARK, version 1
        self.value(tuple(shape))
        self.global_("numpy", "dtype")
        self.value("O8" if object_dtype else "u1")
        self._write(b"\x89\x88\x87R")  # (code, False, True), REDUCE
        self.value((3, "|", None, None, None, -1, -1, 63 if object_dtype else 0))
        self._write(b"b\x89")  # BUILD the dtype; not Fortran order
        emit_data(self)
        self._write(b"tb")  # TUPLE, BUILD the array


class ArrayValue:
    """A numpy array to pickle: its shape, uint8 or object, and what writes its data."""

    def __init__(self, shape: Tuple[int, ...], object_dtype: bool, emit_data: EmitData) -> None:
        self.shape = shape
        self.object_dtype = object_dtype
        self.emit_data = emit_data


def dump(path: str, value: Any) -> None:
    with open(path, "wb") as file:
        writer = PickleWriter(file)
        writer.start()
        writer.value(value)
        writer.stop()


def copy_bytes(source: Optional[BinaryIO], size: int, writer: PickleWriter) -> None:
    """``size`` bytes of ``source`` as one pickled bytes object."""
    writer.bytes_header(size)
    while size:
        if source is None:
            raise ValueError("no file to copy %d bytes from" % size)
        chunk = source.read(min(size, _COPY_CHUNK))
        if not chunk:
            raise OSError("pixel spool file ends early")
        writer.raw(chunk)
        size -= len(chunk)


