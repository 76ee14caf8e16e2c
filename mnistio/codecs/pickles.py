"""Python pickles of plain values and numpy arrays, read without running them and written without numpy.

For the CIFAR "python version" batches (see ``docs/formats.rst``, cifar):
dicts, lists, tuples, strings, bytes, numbers and numpy arrays, pickled by
Python 2 or 3 at protocols 2 to 5. The pickle format is CPython's
(``Lib/pickle.py``, ``Lib/pickletools.py`` document every opcode).

Reading never runs code from a file: :class:`_SafeUnpickler` resolves only
the globals a numpy array needs, to stand-ins that rebuild it as plain bytes
(no numpy needed: :class:`NumpyArray`), and refuses any other. Bytes keys
and strings of Python 2 files stay bytes; :func:`as_text` decodes them.

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
import pickle
import re

from ..errors import FormatError, TruncatedError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, BinaryIO, Callable, Dict, List, Optional, Tuple

    #: writes an array's data, given the writer
    EmitData = Callable[["PickleWriter"], None]

__all__ = ["load", "dump", "NumpyArray", "ArrayValue", "PickleWriter", "as_text", "as_uint8", "copy_bytes"]

_ARRAY_MODULE = "numpy.core.multiarray"
_COPY_CHUNK = 1 << 20


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
        raise FormatError("a pickle tried to change the global %s" % self._function.__name__)


def _ndarray(*args):
    raise FormatError("numpy.ndarray is only allowed as the argument of _reconstruct")


class _DType:
    """Stands for ``numpy.dtype``: the kind, item size and byte order of an array."""

    _CODE = re.compile(r"^[<>|=]?([a-zA-Z])(\d+)$")

    def __init__(self, code, align=False, copy=False):
        match = self._CODE.match(as_text(code))
        if match is None:
            raise FormatError("unsupported numpy dtype %r" % (as_text(code),))
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
        if not isinstance(shape, tuple) or not all(isinstance(n, int) and n >= 0 for n in shape):
            raise FormatError("malformed numpy array shape %r" % (shape,))
        if not isinstance(dtype, _DType):
            raise FormatError("malformed numpy array dtype")
        self.shape, self.dtype = shape, dtype
        count = math.prod(shape)
        if dtype.kind == "O":
            if not isinstance(raw, list) or len(raw) != count:
                raise FormatError("object array of shape %r does not hold %d objects" % (shape, count))
            self.objects, self.raw = raw, None  # numpy lists an object array's items in C order, always
            return
        raw = raw.encode("latin-1") if isinstance(raw, str) else raw  # Python 2 strings, loaded as latin-1
        if not isinstance(raw, (bytes, bytearray)):
            raise FormatError("numpy array data is a %s, expected bytes" % type(raw).__name__)
        if len(raw) != count * dtype.itemsize:
            raise FormatError("numpy array of shape %r holds %d bytes, expected %d"
                              % (shape, len(raw), count * dtype.itemsize))
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
            raise FormatError("refused to load the global %s.%s: a CIFAR pickle holds only lists, "
                              "strings, numbers and numpy arrays" % (module, name))
        return found

    def persistent_load(self, pid):
        raise FormatError("refused a persistent id: a CIFAR pickle has none")


def load(path: str) -> Any:
    """Unpickle ``path`` whole, safely; bytes keys (Python 2 files) stay bytes."""
    try:
        with open(path, "rb") as file:
            return _SafeUnpickler(file, encoding="bytes").load()
    except FormatError as error:
        raise error.at(path) from None
    except OSError as error:
        raise FormatError("cannot read the file (%s)" % (error.strerror or error), path) from None
    except MemoryError:
        raise FormatError("out of memory unpickling (a length beyond the end of the file?)", path) from None
    except EOFError:
        raise TruncatedError("the pickle ends early (empty or cut file)", path) from None
    except (pickle.UnpicklingError, ValueError, TypeError, AttributeError, IndexError, KeyError,
            OverflowError, UnicodeDecodeError) as error:
        if "truncated" in str(error):
            raise TruncatedError("the pickle ends early (%s)" % error, path) from None
        raise FormatError("not a readable pickle (%s: %s)" % (type(error).__name__, error), path) from None


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


