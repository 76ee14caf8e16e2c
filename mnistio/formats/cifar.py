"""The ``cifar`` layout: CIFAR-10/100 "python version" pickles (FORMATS.md section 6).

The CIFAR page (https://www.cs.toronto.edu/~kriz/cifar.html, "Dataset
layout", Python version) describes each batch file as a pickled dict whose
``data`` is a 10000 x 3072 numpy uint8 array -- a row per 32 x 32 colour
image, the 1024 red values first, then the green, then the blue, each plane
row-major -- and whose ``labels`` are numbers 0..9; ``batches.meta`` holds
``label_names``. CIFAR-100 has ``meta`` (``fine_label_names``,
``coarse_label_names``) and ``fine_labels`` / ``coarse_labels``. Datumaro
names each batch after its subset and adds ``image_sizes`` for other sizes::

    batches.meta        {"label_names": [...]}            (CIFAR-100: "meta")
    <subset>            {"batch_label": str, "filenames": [id + ext], "labels": [int or None],
                         "data": uint8 array, "image_sizes": [(h, w)] when not all 32 x 32}
    dataset_meta.json   optional, wins over batches.meta (FORMATS.md section 5)

Reading never runs code from a file: :class:`_SafeUnpickler` resolves only
the globals a numpy array needs, to stand-ins that rebuild it as plain bytes
(no numpy needed), and refuses any other. A batch is one pickle, loaded
whole: a source holds one batch file at a time. Ids are the file names less
their extension, as Datumaro reads them; the subset is the batch's file
name. Real (Python 2) files have bytes keys and names: both kinds are read.
Coarse CIFAR-100 labels are not kept.

Writing emits the pickle opcodes itself (protocol 4, Python 3.8-3.13's
default and what Datumaro writes; Datumaro refuses protocol 2's
``_codecs.encode``). The stdlib pickler would import numpy to name
``numpy.core.multiarray._reconstruct``, and a fake numpy in ``sys.modules``
would be seen by every thread. ``numpy.core.multiarray`` loads in numpy 1.x
and, silently, in 2.x; ``numpy._core`` (what numpy 2 writes) fails in older
numpy 1.x (1.24; 1.26 has a shim). Pixels wait in a temporary file per subset, so no subset's
pixels are held in memory. ``data`` is:

* every item with an image of one size: an N x 3hw uint8 array, as real
  CIFAR, so ``np.vstack(d["data"]).reshape(-1, 3, 32, 32)`` loaders work;
  with ``image_sizes`` when that size is not 32 x 32;
* images missing or of several sizes: a 1-D object array of uint8 rows or
  None, and ``image_sizes`` for every item (32 x 32 for no image), as
  Datumaro writes mixed sizes; it reads this back (its own exporter leaves
  image-less items out of ``data``, and then fails to import its export);
* no image at all (``save_media=False``): an empty 0 x 3072 uint8 array.

Images are stored as three planes: gray is replicated into R, G and B
(Datumaro's exporter crashes on it), alpha is dropped, and the report says
how many. **Quirk**: Datumaro puts the planes in its B, G, R memory order, so
it shows real CIFAR's red as blue and writes blue first; mnistio keeps to the
CIFAR page (red first), so a Datumaro-written batch reads with red and blue
swapped, as in any CIFAR loader.
"""

import json
import math
import os
import pickle
import posixpath
import re
import tempfile
from functools import partial

from ..dataset import DatasetItem, Label, LabelCategories
from ..errors import FormatError, TruncatedError, UsageError
from ..image import Image
from ._common import (DATASET_META_FILE, ExportReport, FilePerSubsetSource, check_label, read_label_categories,
                      safe_join, single_label)

__all__ = ["NAME", "EXPORT_OPTIONS", "detect", "read", "write", "CifarSource", "CIFAR10_LABEL_NAMES"]

NAME = "cifar"
EXPORT_OPTIONS = ()

META_10_FILE = "batches.meta"
META_100_FILE = "meta"
IMAGE_SIZE = (32, 32)
DEFAULT_IMAGE_EXT = ".png"
#: Datumaro's names when a batch has no meta file beside it
CIFAR10_LABEL_NAMES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")

_ARRAY_MODULE = "numpy.core.multiarray"
_TRAIN_BATCH = re.compile(r"^data_batch_(\d+)$")
_BATCH_KEYS = (b"filenames", b"labels", b"fine_labels", b"batch_label")
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
        match = self._CODE.match(_text(code))
        if match is None:
            raise FormatError("unsupported numpy dtype %r" % (_text(code),))
        self.kind, self.itemsize = match.group(1), int(match.group(2))
        self.byteorder = "="

    def __setstate__(self, state):
        # (version, byteorder, ...) since numpy 1.0; (byteorder, ...) before
        order = state[1] if isinstance(state[0], int) else state[0]
        self.byteorder = _text(order)

    @property
    def is_integer(self):
        return self.kind in "ui" and self.itemsize in (1, 2, 4, 8)

    def decode_ints(self, raw):
        """The integers of a raw buffer of this dtype."""
        if not self.is_integer:
            raise FormatError("expected an integer array, found dtype %s%d" % (self.kind, self.itemsize))
        if self.kind == "u" and self.itemsize == 1:
            return list(raw)
        size, order = self.itemsize, "big" if self.byteorder == ">" else "little"
        signed = self.kind == "i"
        return [int.from_bytes(raw[i:i + size], order, signed=signed) for i in range(0, len(raw), size)]


class _Array:
    """What an unpickled numpy array becomes: shape, dtype and raw bytes
    (or, for object arrays, the list of objects), in C order."""

    def __init__(self):
        self.shape, self.dtype, self.raw, self.objects = (0,), _DType("u1"), b"", None

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
            self.objects, self.raw = _c_order(raw, shape, fortran, 1), None
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

    def ints(self):
        if self.objects is not None:
            return list(self.objects)
        return self.dtype.decode_ints(self.raw)

    def row_bytes(self):
        """The array flattened to uint8 bytes."""
        if self.objects is not None or not (self.dtype.kind == "u" and self.dtype.itemsize == 1):
            return _uint8(self.ints())
        return self.raw


def _c_order(values, shape, fortran, itemsize):
    """``values`` (a flat buffer or list) rearranged from Fortran to C order; 2 dims at most."""
    if not fortran or len(shape) < 2 or math.prod(shape) == 0:
        return values
    if len(shape) > 2:
        raise FormatError("Fortran-ordered arrays of more than 2 dimensions are not supported")
    rows, cols = shape
    if itemsize == 1 and not isinstance(values, list):
        return b"".join(bytes(values[row::rows]) for row in range(rows))
    items = [values[i * itemsize:(i + 1) * itemsize] for i in range(rows * cols)] if itemsize > 1 else values
    ordered = [items[col * rows + row] for row in range(rows) for col in range(cols)]
    return b"".join(ordered) if itemsize > 1 else ordered


def _reconstruct(subtype, shape, typecode):
    if subtype is not _ALLOWED_GLOBALS[("numpy", "ndarray")]:
        raise FormatError("numpy _reconstruct of something other than numpy.ndarray")
    return _Array()


def _frombuffer(buffer, dtype, shape, order="C"):
    """Protocol 5's ``numpy._core.numeric._frombuffer``."""
    if not isinstance(buffer, (bytes, bytearray)) or not isinstance(dtype, _DType):
        raise FormatError("malformed numpy _frombuffer call")
    array = _Array()
    array._set(tuple(shape), dtype, _text(order) == "F", bytes(buffer))
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


def _load_pickle(path):
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


def _text(value):
    """A str from a str, or from Python 2 bytes (UTF-8, else latin-1)."""
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray)):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            return bytes(value).decode("latin-1")
    raise FormatError("expected a string, found %s" % type(value).__name__)


def _uint8(values):
    try:
        return bytes(values)
    except (TypeError, ValueError):
        raise FormatError("pixel values must be integers in 0..255") from None


# -- the batch dict ---------------------------------------------------------------------

def _as_dict(value, path, what):
    if not isinstance(value, dict):
        raise FormatError("expected a pickled dict (%s), found %s" % (what, type(value).__name__), path)
    return {(_text(key) if isinstance(key, (bytes, str)) else key): item for key, item in value.items()}


def _sequence(batch, key, path):
    value = batch.get(key)
    if value is None:
        raise FormatError("no %r list (a CIFAR batch is a dict with 'filenames', 'labels' and 'data')" % key, path)
    if isinstance(value, _Array):
        return value.ints()
    if not isinstance(value, (list, tuple)):
        raise FormatError("%r is a %s, expected a list" % (key, type(value).__name__), path)
    return value


def _labels(batch, path):
    """``labels``, or CIFAR-100's ``fine_labels`` when that is empty or missing, as Datumaro."""
    labels = _sequence(batch, "labels", path) if "labels" in batch else []
    if not labels and "fine_labels" in batch:
        labels = _sequence(batch, "fine_labels", path)
    elif "labels" not in batch:
        raise FormatError("no 'labels' (or 'fine_labels') list", path)
    return labels


def _sizes(batch, count, path):
    """Each item's (height, width): ``image_sizes`` or 32 x 32."""
    sizes = batch.get("image_sizes")
    if sizes is None:
        return [IMAGE_SIZE] * count
    if isinstance(sizes, _Array):
        flat = sizes.ints()
        sizes = [flat[i:i + 2] for i in range(0, len(flat), 2)]
    if not isinstance(sizes, (list, tuple)) or len(sizes) != count:
        raise FormatError("'image_sizes' must list %d (height, width) pairs" % count, path)
    result = []
    for index, size in enumerate(sizes):
        if not (isinstance(size, (list, tuple)) and len(size) == 2
                and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in size)):
            raise FormatError("image size %r is not two non-negative integers" % (size,), path, "item %d" % index)
        result.append(tuple(size))
    return result


def _pixel_rows(data, count, path):
    """Each item's planar pixels (bytes) or None, from any ``data`` a writer makes."""
    if isinstance(data, _Array) and data.objects is None:
        if len(data) == 0:
            return [None] * count
        if len(data) != count:
            raise FormatError("'data' has %d rows for %d file names" % (len(data), count), path)
        return _numeric_rows(data)
    if isinstance(data, _Array):
        elements = data.objects
        if len(data.shape) > 1:  # Datumaro's same-size images: a 2-D object array of ints
            width = math.prod(data.shape[1:])
            elements = [elements[i * width:(i + 1) * width] for i in range(data.shape[0])]
    elif isinstance(data, (list, tuple)):
        elements = data
    else:
        raise FormatError("'data' is a %s, expected a numpy array" % type(data).__name__, path)
    if not elements:
        return [None] * count
    if len(elements) != count:
        raise FormatError("'data' has %d rows for %d file names" % (len(elements), count), path)
    return [_element_bytes(element, path, index) for index, element in enumerate(elements)]


def _numeric_rows(data):
    width = math.prod(data.shape[1:])
    raw = memoryview(data.row_bytes())
    return [raw[i * width:(i + 1) * width] for i in range(data.shape[0])]


def _element_bytes(element, path, index):
    if element is None:
        return None
    try:
        if isinstance(element, _Array):
            return element.row_bytes()
        if isinstance(element, (bytes, bytearray)):
            return bytes(element)
        if isinstance(element, (list, tuple)):
            return _uint8(element)
    except FormatError as error:
        raise error.at(path, "item %d" % index) from None
    raise FormatError("image data is a %s, expected a uint8 array" % type(element).__name__, path, "item %d" % index)


def _item_id(filename, path, index):
    try:
        return posixpath.splitext(_text(filename))[0]
    except FormatError:
        raise FormatError("file name %r is not a string" % (filename,), path, "item %d" % index) from None


def _interleaved(planes, height, width):
    """An RGB Image from the R, G and B planes of one CIFAR row."""
    size = height * width
    rgb = bytearray(3 * size)
    rgb[0::3] = planes[:size]
    rgb[1::3] = planes[size:2 * size]
    rgb[2::3] = planes[2 * size:]
    return Image._wrap(bytes(rgb), height, width, 3)


def _parse_batch(path):
    """``(filenames, labels, planar pixel rows, sizes)`` of a batch file, checked."""
    batch = _as_dict(_load_pickle(path), path, "a CIFAR batch")
    try:
        filenames = _sequence(batch, "filenames", path)
        labels = _labels(batch, path)
        count = len(filenames)
        if len(labels) != count:
            raise FormatError("%d labels for %d file names" % (len(labels), count), path)
        if "data" not in batch:
            raise FormatError("no 'data' array", path)
        rows = _pixel_rows(batch.pop("data"), count, path)
        sizes = _sizes(batch, count, path) if any(row is not None for row in rows) else None
    except FormatError as error:
        raise error.at(path) from None
    return filenames, labels, rows, sizes


def _iter_batch(path, subset, names_count, names_source):
    filenames, labels, rows, sizes = _parse_batch(path)
    for index, filename in enumerate(filenames):
        where = "item %d" % index
        label = labels[index]
        annotations = []
        if label is not None:
            if not isinstance(label, int) or isinstance(label, bool) or label < 0:
                raise FormatError("label %r is not a non-negative integer or None" % (label,), path, where)
            check_label(label, names_count, names_source, path, where)
            annotations.append(Label(label))
        image = None
        if rows[index] is not None:
            height, width = sizes[index]
            if len(rows[index]) != 3 * height * width:
                raise FormatError("%d pixel values, expected %d (3 x %d x %d)"
                                  % (len(rows[index]), 3 * height * width, height, width), path, where)
            image = _interleaved(rows[index], height, width)
            rows[index] = None  # let each row go once its item is made
        yield DatasetItem._make(_item_id(filename, path, index), subset, image, annotations)


def _count_items(path):
    batch = _as_dict(_load_pickle(path), path, "a CIFAR batch")
    return len(_sequence(batch, "filenames", path))


def _read_categories(folder):
    """``(LabelCategories, their file or None)``: dataset_meta.json, batches.meta, meta, or CIFAR-10's."""
    if os.path.isfile(os.path.join(folder, DATASET_META_FILE)):
        return read_label_categories(folder)
    for name in (META_10_FILE, META_100_FILE):
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            return LabelCategories(_meta_names(path)), path
    return LabelCategories(CIFAR10_LABEL_NAMES), None


def _meta_names(path):
    meta = _as_dict(_load_pickle(path), path, "CIFAR label names")
    for key in ("label_names", "fine_label_names"):
        if key in meta:
            names = meta[key]
            if not isinstance(names, (list, tuple)):
                raise FormatError("%r is a %s, expected a list of names" % (key, type(names).__name__), path)
            try:
                names = [_text(name) for name in names]
            except FormatError as error:
                raise error.at(path) from None
            if len(set(names)) != len(names):
                raise FormatError("a label name appears twice in %r" % key, path)
            return names
    raise FormatError("no 'label_names' (CIFAR-10) or 'fine_label_names' (CIFAR-100) list", path)


# -- detection and the source ---------------------------------------------------------------

def _is_batch_name(name):
    """Datumaro's rule: a file without extension that is not a meta file (hidden files skipped)."""
    return not name.startswith(".") and not posixpath.splitext(name)[1] and name != META_100_FILE


def _pickle_head(path, size=512):
    try:
        with open(path, "rb") as file:
            head = file.read(size)
    except OSError:
        return None
    return head if len(head) > 2 and head[0] == 0x80 and 2 <= head[1] <= 5 else None


def _looks_like_batch(path):
    head = _pickle_head(path)
    return head is not None and (any(key in head for key in _BATCH_KEYS) or (b"data" in head and b"numpy" in head))


def detect(path):
    if os.path.isfile(path):
        return _looks_like_batch(path)
    names = os.listdir(path)
    if not any(name in names and _pickle_head(os.path.join(path, name)) for name in (META_10_FILE, META_100_FILE)):
        return False
    return any(_is_batch_name(name) and os.path.isfile(os.path.join(path, name)) for name in names)


def read(path):
    return CifarSource(path)


class CifarSource(FilePerSubsetSource):
    """The items of a ``cifar`` folder (or of one batch file), one batch file in memory at a time."""

    format = NAME

    def __init__(self, path):
        self.path = path
        folder = path if os.path.isdir(path) else os.path.dirname(path) or "."
        self.categories, self._names_source = _read_categories(folder)
        if folder == path:
            names = sorted(name for name in os.listdir(folder)
                           if _is_batch_name(name) and os.path.isfile(os.path.join(folder, name)))
            has_meta = any(os.path.isfile(os.path.join(folder, name)) for name in (META_10_FILE, META_100_FILE))
            if not names and not has_meta:
                raise FormatError("no CIFAR batch file (expected batches.meta and e.g. data_batch_1)", path)
            self._files = {name: os.path.join(folder, name) for name in names}
        else:
            self._files = {posixpath.splitext(os.path.basename(path))[0]: path}

    @staticmethod
    def _count_items(path):
        return _count_items(path)

    def _iter_file(self, subset, path):
        return _iter_batch(path, subset, len(self.categories), self._names_source)


# -- writing pickles without numpy -------------------------------------------------------------

class _PickleWriter:
    """Protocol 4 opcodes for what a CIFAR pickle holds: None, bools, ints, strs,
    tuples, lists, dicts, and uint8 / object numpy arrays (see the module docstring)."""

    def __init__(self, file):
        self._write = file.write
        self._memo = {}

    def start(self):
        self._write(b"\x80\x04")  # PROTO 4

    def stop(self):
        self._write(b".")  # STOP

    def value(self, value):
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
        elif isinstance(value, _ArrayValue):
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

    def bytes_header(self, size):
        if size < 0x100:
            self._write(b"C" + bytes((size,)))  # SHORT_BINBYTES
        elif size < 0x100000000:
            self._write(b"B" + size.to_bytes(4, "little"))  # BINBYTES
        else:
            self._write(b"\x8e" + size.to_bytes(8, "little"))  # BINBYTES8

    def raw(self, data):
        self._write(data)

    def global_(self, module, name):
        """GLOBAL once, BINGET after: every array names the same three globals."""
        index = self._memo.get((module, name))
        if index is not None:
            self._write(b"h" + bytes((index,)))  # BINGET
            return
        index = self._memo[(module, name)] = len(self._memo)
        self._write(b"c" + ("%s\n%s\n" % (module, name)).encode("ascii") + b"q" + bytes((index,)))  # GLOBAL, BINPUT

    def array(self, shape, object_dtype, emit_data):
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


class _ArrayValue:
    """A numpy array to pickle: its shape, uint8 or object, and what writes its data."""

    def __init__(self, shape, object_dtype, emit_data):
        self.shape = shape
        self.object_dtype = object_dtype
        self.emit_data = emit_data


def _dump(path, value):
    with open(path, "wb") as file:
        writer = _PickleWriter(file)
        writer.start()
        writer.value(value)
        writer.stop()


def _copy_bytes(source, size, writer):
    """``size`` bytes of ``source`` as one pickled bytes object."""
    writer.bytes_header(size)
    while size:
        chunk = source.read(min(size, _COPY_CHUNK))
        if not chunk:
            raise OSError("pixel spool file ends early")
        writer.raw(chunk)
        size -= len(chunk)


# -- writing a dataset --------------------------------------------------------------------------

def write(dataset, save_dir, *, save_media=False, image_ext=None, save_dataset_meta=False):
    """Write one pickle per subset plus ``batches.meta``; pixels only with ``save_media``."""
    report = ExportReport(NAME, save_dir)
    ext = _filename_ext(image_ext)
    names = dataset.label_names
    conversions = _Conversions()
    writers = {}
    try:
        for item in dataset:
            writer = writers.get(item.subset)
            if writer is None:
                _check_subset_name(item.subset, writers)
                writer = writers[item.subset] = _SubsetWriter(save_dir, item.subset, save_media, len(names),
                                                              ext, conversions)
            writer.add(item)
        _dump(os.path.join(save_dir, META_10_FILE), {"label_names": list(names)})
        for subset, writer in writers.items():
            writer.finish(_batch_label(subset, writers))
            report.count(subset, writer.count)
    finally:
        for writer in writers.values():
            writer.close()
    if save_dataset_meta:
        with open(os.path.join(save_dir, DATASET_META_FILE), "w", encoding="utf-8") as file:
            json.dump({"labels": list(names)}, file, ensure_ascii=False, indent=4)
    conversions.note(report)
    duplicates = sum(writer.duplicates for writer in writers.values())
    if duplicates:
        report.notes.append("%d items share an id with an earlier item of their subset "
                            "(kept; Datumaro reads only the last of each)" % duplicates)
    return report


def _filename_ext(image_ext):
    ext = image_ext or DEFAULT_IMAGE_EXT
    ext = ext if ext.startswith(".") else "." + ext
    if posixpath.splitext("x" + ext)[1] != ext:
        raise UsageError("image extension %r cannot end a file name (expected e.g. .png)" % (image_ext,))
    return ext


def _check_subset_name(subset, writers):
    if (not subset or subset.startswith(".") or posixpath.splitext(subset)[1] or subset == META_100_FILE
            or any(char in subset for char in "/\\\x00")):
        raise UsageError("subset name %r cannot name a CIFAR batch file (readers take every file without "
                         "an extension, other than the meta files, as a batch)" % subset)
    for other in writers:
        if other.lower() == subset.lower():
            raise UsageError("subsets %r and %r would be one file on case-insensitive file systems"
                             % (other, subset))


def _batch_label(subset, subsets):
    """CIFAR's own wording for training and test batches; the subset name otherwise."""
    match = _TRAIN_BATCH.match(subset)
    if match:
        numbers = [int(_TRAIN_BATCH.match(name).group(1)) for name in subsets if _TRAIN_BATCH.match(name)]
        return "training batch %s of %d" % (match.group(1), max(len(numbers), max(numbers)))
    if subset in ("test", "test_batch"):
        return "testing batch 1 of 1"
    return subset


class _Conversions:
    """Counts the images that three R, G, B planes changed, for the report."""

    def __init__(self):
        self.gray = 0
        self.alpha = 0

    def planes(self, image):
        """The image's R, G and B planes, one after the other."""
        data = bytes(image.data)
        channels = image.channels
        if channels in (2, 4):
            self.alpha += 1
        if channels in (1, 2):
            self.gray += 1
            return data[0::channels] * 3
        return b"".join(data[channel::channels] for channel in range(3))

    def note(self, report):
        if self.gray:
            report.notes.append("%d gray images replicated into R, G and B (CIFAR stores three channels)"
                                % self.gray)
        if self.alpha:
            report.notes.append("%d images had their alpha channel dropped" % self.alpha)


class _SubsetWriter:
    """Collects one subset: ids and labels in memory, pixels in a temporary file."""

    def __init__(self, folder, subset, save_media, names_count, ext, conversions):
        self.path = safe_join(folder, subset)
        self.save_media = save_media
        self.names_count = names_count
        self.ext = ext
        self.conversions = conversions
        self.filenames = []
        self.labels = []
        self.sizes = []  # (height, width), or None for an item without an image
        self.duplicates = 0
        self._ids = set()
        self.pixels = tempfile.TemporaryFile(dir=folder) if save_media else None

    @property
    def count(self):
        return len(self.filenames)

    def add(self, item):
        label = single_label(item)
        if label is not None and label >= self.names_count:
            raise UsageError("item %r (subset %r) has label %d, but the dataset names only %d labels"
                             % (item.id, item.subset, label, self.names_count))
        filename = item.id + self.ext
        if posixpath.splitext(filename)[0] != item.id:
            raise UsageError("item id %r cannot be stored in cifar: read back from the file name %r "
                             "it would become %r" % (item.id, filename, posixpath.splitext(filename)[0]))
        if item.id in self._ids:
            self.duplicates += 1
        self._ids.add(item.id)
        self.filenames.append(filename)
        self.labels.append(label)
        image = item.media
        if self.save_media and image is not None and image.has_data:
            self.pixels.write(self.conversions.planes(image))
            self.sizes.append(image.size)
        else:
            self.sizes.append(None)

    def finish(self, batch_label):
        batch = {"batch_label": batch_label, "filenames": self.filenames, "labels": self.labels}
        present = [size for size in self.sizes if size is not None]
        if not present:
            batch["data"] = self._array((0, 3 * IMAGE_SIZE[0] * IMAGE_SIZE[1]))
        elif len(present) == self.count and len(set(present)) == 1:
            height, width = present[0]
            batch["data"] = self._array((self.count, 3 * height * width))
            if present[0] != IMAGE_SIZE:
                batch["image_sizes"] = list(self.sizes)
        else:
            rows = [None if size is None else self._array((3 * size[0] * size[1],)) for size in self.sizes]
            batch["data"] = _ArrayValue((self.count,), True, lambda writer: writer.value(rows))
            batch["image_sizes"] = [size or IMAGE_SIZE for size in self.sizes]
        if self.pixels is not None:
            self.pixels.seek(0)
        _dump(self.path, batch)

    def _array(self, shape):
        """A uint8 array whose data are the next pixels of the spool file, in order."""
        return _ArrayValue(shape, False, partial(_copy_bytes, self.pixels, math.prod(shape)))

    def close(self):
        if self.pixels is not None:
            self.pixels.close()
