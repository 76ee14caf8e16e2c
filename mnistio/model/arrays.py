"""A subset as two arrays, images and labels, for training scripts (``docs/api.rst``, "Arrays").

::

    images, labels = mnistio.load("data/mnist", "train")    # (60000, 28, 28) uint8, (60000,) int64
    x, y = numpy.asarray(images), numpy.asarray(labels)     # no copy, writable
    images, labels = dataset.get_subset("test").to_arrays()
    x, y = mnistio.load("data/mnist", "test").to_numpy()    # numpy arrays (numpy installed)

Images are one contiguous uint8 buffer of shape ``(N, H, W)`` (one channel)
or ``(N, H, W, C)``; labels an int64 buffer of shape ``(N,)``. Both are
:class:`Array` objects exposing numpy's array interface (version 3, its
``data`` the buffer itself), so ``numpy.asarray`` shares their memory with
no copy and no numpy import here; the arrays are writable unless made with
``writable=False``. An item without a label gets :data:`NO_LABEL` (-1, the
same for every layout: an int64 label array holds it, and no class index
is negative); ``no_label=`` chooses another value (255, mnist's own).

Memory is the arrays themselves: ``N * H * W * C`` bytes plus 8 bytes a
label (the only place mnistio holds a whole subset; iterating streams).
"""

from __future__ import annotations

import mmap
import sys
from array import array

from ..errors import UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, Iterable, Optional, Tuple

    from .items import DatasetItem

__all__ = ["Array", "Arrays", "NO_LABEL", "load", "arrays_of_items", "to_numpy"]

#: the label of an item without one, in a label array
NO_LABEL = -1
#: int64 in this machine's byte order, numpy's spelling
LABEL_TYPESTR = ("<" if sys.byteorder == "little" else ">") + "i8"
PIXEL_TYPESTR = "|u1"
_DTYPES = {PIXEL_TYPESTR: "uint8", LABEL_TYPESTR: "int64"}
#: buffers from this size up are memory maps (:func:`writable_buffer`)
_MAPPED_AT_LEAST = 1 << 20


class Array:
    """A C-contiguous buffer with a shape: ``numpy.asarray(array)`` shares it (no copy).

    ``shape``, ``dtype`` (``"uint8"`` or ``"int64"``), ``data`` (a flat ``memoryview``,
    read-only when the array is), ``len()`` (the first dimension), ``array[i]`` (row ``i``: an
    ``int`` of a 1-dim array, else an :class:`Array` view sharing the memory), ``tobytes()``,
    ``tolist()``.
    """

    __slots__ = ("_buffer", "shape", "typestr", "writable")

    def __init__(self, buffer: Any, shape: Tuple[int, ...], typestr: str = PIXEL_TYPESTR, *,
                 writable: bool = True) -> None:
        view = memoryview(buffer)
        count = 1
        for size in shape:
            count *= size
        if view.nbytes != count * view.itemsize or typestr not in _DTYPES:
            raise UsageError("a buffer of %d bytes is not an array of shape %r and type %r"
                             % (view.nbytes, tuple(shape), typestr))
        self._buffer = buffer
        self.shape = tuple(shape)
        self.typestr = typestr
        self.writable = bool(writable) and not view.readonly

    @property
    def dtype(self) -> str:
        return _DTYPES[self.typestr]

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def data(self) -> memoryview:
        """The values, flat, in row-major order (a view: no copy)."""
        view = memoryview(self._buffer)
        return view if self.writable else view.toreadonly()

    @property
    def nbytes(self) -> int:
        return memoryview(self._buffer).nbytes

    @property
    def __array_interface__(self) -> Dict[str, Any]:
        return {"version": 3, "shape": self.shape, "typestr": self.typestr, "data": self.data}

    def __len__(self) -> int:
        return self.shape[0] if self.shape else 0

    def __getitem__(self, index: int) -> Any:
        if not isinstance(index, int) or isinstance(index, bool):
            raise UsageError("an Array is indexed by a row number (slice it through numpy.asarray), not %r"
                             % (index,))
        count = len(self)
        if not -count <= index < count:
            raise IndexError("row %d of an array of %d rows" % (index, count))
        index %= count
        if self.ndim == 1:
            return self.data[index]
        row = self.data.nbytes // count
        return Array(self.data[index * row:(index + 1) * row], self.shape[1:], self.typestr, writable=self.writable)

    def tobytes(self) -> bytes:
        return self.data.tobytes()

    def tolist(self) -> Any:
        values: Any = self.data.tolist()
        for size in reversed(self.shape[1:]):
            values = [values[start:start + size] for start in range(0, len(values), size)]
        return values

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Array):
            return NotImplemented
        return (self.shape, self.dtype) == (other.shape, other.dtype) and self.data == other.data

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        return "Array(shape=%r, dtype=%r%s)" % (self.shape, self.dtype, "" if self.writable else ", read-only")

    def __reduce__(self) -> Any:
        """Pickled as its bytes (a view becomes a copy of what it shows)."""
        return (_unpickle_array, (self.tobytes(), self.shape, self.typestr, self.writable))


def _unpickle_array(data: bytes, shape: Tuple[int, ...], typestr: str, writable: bool) -> Array:
    buffer: Any = bytearray(data)
    if typestr == LABEL_TYPESTR:
        buffer = array("q")
        buffer.frombytes(data)
    return Array(buffer, shape, typestr, writable=writable)


class Arrays(tuple):
    """``(images, labels)``, two :class:`Array` objects; :meth:`to_numpy` makes them numpy arrays."""

    __slots__ = ()

    def __new__(cls, images: Array, labels: Array) -> "Arrays":
        return tuple.__new__(cls, (images, labels))

    @property
    def images(self) -> Array:
        return self[0]

    @property
    def labels(self) -> Array:
        return self[1]

    def to_numpy(self) -> Tuple[Any, Any]:
        """``(numpy uint8 images, numpy int64 labels)`` sharing these buffers (no copy)."""
        return to_numpy(self[0]), to_numpy(self[1])

    def __reduce__(self) -> Any:
        return (Arrays, (self[0], self[1]))


def writable_buffer(size: int) -> Any:
    """``size`` zero bytes, writable: on Linux (Python 3.10+) an anonymous private mapping whose pages
    the kernel makes at once (``MAP_POPULATE``: faster than ``bytearray``, which zeroes its fresh
    pages one fault at a time; reading 47 MB into it costs about as much as ``file.read``), else
    a ``bytearray``. Either way ``memoryview`` and ``numpy.asarray`` share it, writable."""
    populate = getattr(mmap, "MAP_POPULATE", 0)
    if populate and size >= _MAPPED_AT_LEAST:
        try:
            return mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | populate)
        except (OSError, ValueError):  # no memory map for it here: the plain way
            pass
    return bytearray(size)


def to_numpy(value: Any) -> Any:
    """``numpy.asarray(value)`` (no copy of an :class:`Array`), or a UsageError saying to install numpy."""
    try:
        import numpy
    except ImportError:
        raise UsageError("to_numpy() needs numpy, which is not installed (pip install numpy); "
                         "without it, the arrays' data, shape and tolist() hold the same values") from None
    return numpy.asarray(value)


def check_no_label(no_label: Any) -> int:
    if isinstance(no_label, bool) or not isinstance(no_label, int) or not -(1 << 63) <= no_label < 1 << 63:
        raise UsageError("no_label is an int64 value (the label of an item without one), not %r" % (no_label,))
    return no_label


def arrays_of_items(items: Iterable[DatasetItem], where: str, *, count: Optional[int] = None,
                    no_label: int = NO_LABEL, writable: bool = True) -> Arrays:
    """The arrays of ``items`` (all of one size), read one item at a time: the generic way, for
    every layout. ``count`` (when known) sizes the buffer at once; ``where`` names the subset in errors."""
    no_label = check_no_label(no_label)
    pixels = bytearray()
    labels = array("q")
    shape: Optional[Tuple[int, int, int]] = None
    record = 0
    for item in items:
        image = item.media
        if image is None or not image.has_data:
            raise UsageError("item %r of %s has no image: arrays need one image per item" % (item.id, where))
        size = (image.height, image.width, image.channels)
        if shape is None:
            shape, record = size, size[0] * size[1] * size[2]
            if count:
                pixels = bytearray(count * record)
        elif size != shape:
            raise UsageError("item %r of %s is %s, the items before it %s: arrays need images of one size "
                             "(resize them first, e.g. with the resize transform)"
                             % (item.id, where, _shape_words(size), _shape_words(shape)))
        start = len(labels) * record
        if start + record <= len(pixels):
            pixels[start:start + record] = image.data
        else:
            pixels += image.data
        labels.append(_label_of(item, no_label, where))
    total = len(labels)
    del pixels[total * record:]  # fewer items than counted (none, when counts are right)
    height, width, channels = shape or (0, 0, 1)
    image_shape = (total, height, width) if channels == 1 else (total, height, width, channels)
    return Arrays(Array(pixels, image_shape, writable=writable),
                  Array(labels, (total,), LABEL_TYPESTR, writable=writable))


def _label_of(item: DatasetItem, no_label: int, where: str) -> int:
    found = item.labels
    if len(found) > 1:
        raise UsageError("item %r of %s has %d labels: a label array holds one a item"
                         % (item.id, where, len(found)))
    return found[0] if found else no_label


def _shape_words(shape: Tuple[int, int, int]) -> str:
    height, width, channels = shape
    return "%dx%d pixels%s" % (width, height, "" if channels == 1 else " x %d channels" % channels)


def load(path: Any, subset: Optional[str] = "train", format: Optional[str] = None, *, writable: bool = True,
         no_label: int = NO_LABEL, **options: Any) -> Arrays:
    """``(images, labels)`` of one subset of the dataset at ``path``, in one call (see the module's text).

    ``subset=None`` takes the dataset's only subset; ``format`` and ``options`` are
    :meth:`Dataset.import_from`'s. Raw and compressed IDX files (``mnist``) are read straight into
    the image buffer; other layouts item by item.
    """
    from .dataset import Dataset  # here: the dataset module imports this one

    dataset = Dataset.import_from(path, format, **options)
    # Counts a layout knows from its headers are checked first; others (CSV) only when nothing was read.
    counts = dataset.source.known_counts()
    if subset is None:
        names = list(counts if counts is not None else dataset.subset_counts())
        if len(names) != 1:
            raise UsageError("the dataset has %s; choose one with subset=NAME"
                             % ("no items" if not names else "the subsets " + ", ".join(names)), path)
        subset = names[0]
    elif counts is not None and subset not in counts:
        _no_subset(subset, counts, path)
    arrays = dataset.get_subset(subset).to_arrays(writable=writable, no_label=no_label)
    if not len(arrays[1]) and subset not in dataset.subset_counts():
        _no_subset(subset, dataset.subset_counts(), path)
    return arrays


def _no_subset(subset: str, counts: Dict[str, int], path: Any) -> None:
    raise UsageError("no subset %r (found: %s)" % (subset, ", ".join(counts) or "none"), path)
