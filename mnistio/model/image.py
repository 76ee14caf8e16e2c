"""The image of a dataset item: row-major uint8 pixels and their shape.

``Image.data`` is a bytes-like object (``bytes`` or a ``memoryview`` slice of
what a reader decoded: nothing is copied on the way out) holding
``height * width * channels`` values, channels interleaved (gray; gray+alpha;
R, G, B; R, G, B, A), the in-memory order of ``docs/formats.rst``.

An image is built from whatever a user has at hand::

    Image(other_image)
    Image(b"...784 bytes...", shape=(28, 28))
    Image([[0, 255], [255, 0]])              # nested sequences
    Image(numpy_array)                      # via the buffer protocol /
                                            # __array_interface__, numpy not imported

Whole-number floats in 0..255 are accepted (``np.ones((28, 28))``); any
other value is a :class:`~mnistio.errors.UsageError`. ``numpy.asarray(image)``
shares the pixels, without a copy, through ``__array_interface__``.
An image may also be lazy: ``Image.from_loader(load, shape)`` calls
``load()`` for the pixels the first time they are needed, and
``Image.from_file(path)`` reads and decodes an image file then.

``ext`` is the file extension the image prefers to be written with, as
Datumaro's ``Image.ext``: given (``Image(..., ext="jpg")`` is ``".jpg"``,
lower case, as Datumaro's ``from_numpy(..., ext=...)``), or the extension
of the file it was read from, kept as the file spells it (``.JPEG``); None
when neither. An export without ``--image-ext`` writes each image with its
own. An image read from a file keeps that file as :attr:`Image.source_file`:
an export writing it with the same type of file links or copies that file
instead of encoding the pixels again. Pixels are never changed in place
(every operation makes a new Image), so an image whose pixels differ from
its file's has no ``source_file``.
"""

from __future__ import annotations

import math
import os
from array import array
from itertools import chain

from ..errors import UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Dict, Optional, Sequence, Tuple

    #: what a lazy image's loader returns: ``(data, height, width, channels)``
    Loader = Callable[[], Tuple[Any, int, int, int]]

__all__ = ["Image"]


# array-interface kind + size -> array typecode, for pixel arrays that are not uint8
_TYPECODES = {
    ("u", 1): "B", ("i", 1): "b", ("b", 1): "B",
    ("u", 2): "H", ("i", 2): "h", ("u", 4): "I", ("i", 4): "i",
    ("u", 8): "Q", ("i", 8): "q", ("f", 4): "f", ("f", 8): "d",
}
_VALID_CHANNELS = (1, 2, 3, 4)


class Image:
    """Pixels (row-major uint8) plus ``height``, ``width`` and ``channels``."""

    __slots__ = ("_data", "_height", "_width", "_channels", "_loader", "path", "_ext", "_file")

    _data: Any
    # None until a lazy image is loaded: the properties load it first.
    _height: Any
    _width: Any
    _channels: Any
    _loader: Optional[Loader]
    path: Optional[str]
    _ext: Optional[str]
    _file: Optional[str]

    def __init__(self, data: Any = None, shape: Optional[Sequence[int]] = None, *, path: Optional[str] = None,
                 ext: Optional[str] = None) -> None:
        self.path = path
        self._loader = None
        self._file = None
        self._ext = _check_ext(ext)
        if isinstance(data, Image):
            if ext is None:
                self._ext = data.ext
            self._data, self._height, self._width, self._channels = data.data, data.height, data.width, data.channels
            return
        if data is None:
            raise UsageError("an Image needs pixel data (use Image.from_loader for lazy images)")
        pixels, found_shape = _pixels_and_shape(data, shape)
        self._height, self._width, self._channels = _check_shape(found_shape)
        if len(pixels) != self._height * self._width * self._channels:
            raise UsageError("%d pixel values do not fill shape %r (expected %d)"
                             % (len(pixels), tuple(found_shape), self._height * self._width * self._channels))
        self._data = pixels

    # -- constructors -------------------------------------------------------

    @classmethod
    def from_numpy(cls, data: Any, *, ext: Optional[str] = None) -> "Image":
        """Datumaro's spelling of ``Image(array)``; ``ext`` as Datumaro's (``"jpg"`` is ``".jpg"``)."""
        return cls(data, ext=ext)

    @classmethod
    def from_bytes(cls, data: Any, shape: Sequence[int], *, ext: Optional[str] = None) -> "Image":
        return cls(data, shape, ext=ext)

    @classmethod
    def from_file(cls, path: Any, *, ext: Optional[str] = None) -> "Image":
        """A lazy image of an image file (PNG, PGM/PPM, BMP; other types through Pillow), decoded when
        its pixels are first needed, as Datumaro's ``Image.from_file``. Its ``ext`` is the file's
        extension as the name spells it, unless ``ext`` is given."""
        path = os.fspath(path)
        if not isinstance(path, str) or not path:
            raise UsageError("an image file path is a non-empty str or os.PathLike, not %r" % (path,))
        image = cls.from_loader(_FileLoader(path), path=path, ext=ext)
        if ext is None:
            image._ext = os.path.splitext(path)[1] or None
        image._file = path
        return image

    @classmethod
    def from_loader(cls, load: Loader, shape: Optional[Sequence[int]] = None, path: Optional[str] = None,
                    ext: Optional[str] = None) -> "Image":
        """A lazy image: ``load()`` returns ``(data, height, width, channels)``."""
        image = cls.__new__(cls)
        image._data = None
        image._loader = load
        image.path = path
        image._ext = _check_ext(ext)
        image._file = None
        image._height, image._width, image._channels = _check_shape(shape) if shape else (None, None, None)
        return image

    @classmethod
    def _wrap(cls, data: Any, height: int, width: int, channels: int = 1) -> "Image":
        """Trusted fast path for readers: no checks, no copy."""
        image = cls.__new__(cls)
        image._data = data
        image._height = height
        image._width = width
        image._channels = channels
        image._loader = None
        image.path = None
        image._ext = None
        image._file = None
        return image

    def __reduce__(self) -> Any:
        """Pickled as its pixels, path and extension (a lazy image is read first; a view becomes bytes).
        The copy has no :attr:`source_file`: it may be unpickled where that file is not."""
        return (_unpickle_image, (bytes(self.data), self.height, self.width, self.channels, self.path, self.ext))

    # -- user visible -------------------------------------------------------

    @property
    def data(self) -> Any:
        """The pixels: a bytes-like of ``height * width * channels`` uint8 values."""
        if self._data is None:
            self._load()
        return self._data

    @property
    def height(self) -> int:
        if self._height is None:
            self._load()
        return self._height

    @property
    def width(self) -> int:
        if self._height is None:
            self._load()
        return self._width

    @property
    def channels(self) -> int:
        if self._height is None:
            self._load()
        return self._channels

    @property
    def has_data(self) -> bool:
        return self._data is not None or self._loader is not None

    @property
    def ext(self) -> Optional[str]:
        """The file extension to write this image with (``".png"``), or None: see the module's text."""
        return self._ext

    @property
    def source_file(self) -> Optional[str]:
        """The image file whose content this image is (made by :meth:`from_file`), or None: pixels
        given or computed. A writer may link or copy this file rather than encode the pixels."""
        return self._file

    @property
    def size(self) -> Tuple[int, int]:
        """``(height, width)``, as in Datumaro."""
        return (self.height, self.width)

    @property
    def shape(self) -> Tuple[int, ...]:
        """``(height, width)`` for one channel, else ``(height, width, channels)``, as numpy."""
        height, width = self.size
        return (height, width) if self.channels == 1 else (height, width, self.channels)

    def tobytes(self) -> bytes:
        return bytes(self.data)

    def to_gray(self) -> "Image":
        """One channel: ITU-R 601-2 luma for colour (as Pillow's "L"), alpha dropped."""
        if self.channels == 1:
            return self
        if self.channels == 2:
            return Image._wrap(bytes(self.data)[0::2], self.height, self.width, 1)
        return Image._wrap(_luma(bytes(self.data), self.channels), self.height, self.width, 1)

    def to_rgb(self) -> "Image":
        """Three channels: gray replicated into R, G and B, alpha dropped."""
        if self.channels == 3:
            return self
        data = bytes(self.data)
        if self.channels in (2, 4):
            data = bytes(self.to_gray().data) if self.channels == 2 else _drop_alpha(data)
        if len(data) == self.height * self.width * 3:
            return Image._wrap(data, self.height, self.width, 3)
        rgb = bytearray(3 * len(data))
        rgb[0::3] = rgb[1::3] = rgb[2::3] = data
        return Image._wrap(bytes(rgb), self.height, self.width, 3)

    @property
    def __array_interface__(self) -> Dict[str, Any]:
        return {"shape": self.shape, "typestr": "|u1", "data": self.data, "version": 3}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Image):
            return NotImplemented
        return self.shape == other.shape and self.data == other.data

    def __hash__(self) -> int:
        return hash((self.shape, bytes(self.data)))

    def __repr__(self) -> str:
        where = (", path=%r" % self.path if self.path else "") + \
            (", ext=%r" % self.ext if self.ext and not (self.path or "").endswith(self.ext) else "")
        if self._data is None and self._height is None:
            return "Image(<not loaded>%s)" % where
        return "Image(shape=%r%s)" % (self.shape, where)

    # -- internal -----------------------------------------------------------

    def _load(self) -> None:
        if self._loader is None:
            raise UsageError("an Image made without pixels or a loader", self.path)
        data, height, width, channels = self._loader()
        if self._height is not None and (height, width, channels) != (self._height, self._width, self._channels):
            raise UsageError("image is %dx%dx%d, expected %dx%dx%d"
                             % (height, width, channels, self._height, self._width, self._channels), self.path)
        self._data, self._height, self._width, self._channels = data, height, width, channels


class _FileLoader:
    """``read_image_file(path)``, as a loader that pickles (a bound ``partial`` would too, but says less)."""

    __slots__ = ("path",)

    def __init__(self, path: str) -> None:
        self.path = path

    def __call__(self) -> Tuple[Any, int, int, int]:
        from ..codecs.images import read_image_file  # here: ``import mnistio`` loads no image codec

        return read_image_file(self.path)


#: what may follow the dot of a file extension (a set, not a regular expression: ``re`` costs
#: ``import mnistio`` 1.5 ms)
_EXTENSION_CHARS = frozenset("0123456789abcdefghijklmnopqrstuvwxyz_+-")


def _check_ext(ext: Optional[str]) -> Optional[str]:
    """A given extension as Datumaro keeps it (lower case, with its dot), or a UsageError."""
    if ext is None:
        return None
    if not isinstance(ext, str):
        raise UsageError("an image extension is a str like '.png' or 'jpg', not %r" % (ext,))
    normal = ext.lower() if ext.startswith(".") else "." + ext.lower()
    if len(normal) < 2 or not _EXTENSION_CHARS.issuperset(normal[1:]):
        raise UsageError("%r is not a file extension (expected a name like '.png' or 'jpg': letters, digits, "
                         "_, + or - after one dot)" % (ext,))
    return normal


def _drop_alpha(rgba):
    rgb = bytearray(len(rgba) // 4 * 3)
    for channel in range(3):
        rgb[channel::3] = rgba[channel::4]
    return bytes(rgb)


def _luma(data, channels):
    """``(19595 R + 38470 G + 7471 B + 0x8000) >> 16`` for every pixel, as Pillow.

    No loop per pixel: each plane is spread into 32-bit lanes of one big
    integer, so three multiplications and two additions weigh every pixel
    at once (no lane can carry into the next: the sum stays below 2**25).
    """
    count = len(data) // channels
    lanes = bytearray(4 * count)
    total = 0x8000 * int.from_bytes(b"\x00\x00\x00\x01" * count, "big")
    for channel, weight in enumerate((19595, 38470, 7471)):
        lanes[3::4] = data[channel::channels]
        total += weight * int.from_bytes(lanes, "big")
    return total.to_bytes(4 * count, "big")[1::4]


def _check_shape(shape):
    shape = tuple(shape)
    if len(shape) == 2:
        shape += (1,)
    if len(shape) != 3 or not all(isinstance(n, int) and n >= 0 for n in shape):
        raise UsageError("image shape must be (height, width) or (height, width, channels), not %r" % (shape,))
    if shape[2] not in _VALID_CHANNELS:
        raise UsageError("an image has 1 to 4 channels, not %d" % shape[2])
    return shape


def _pixels_and_shape(data, shape):
    """Pixels as a uint8 bytes-like and the shape, from any supported input."""
    interface = getattr(data, "__array_interface__", None)
    if interface is not None:
        return _from_array_interface(data, interface, shape)
    try:
        view = memoryview(data)
    except TypeError:
        view = None
    if view is not None:
        return _from_buffer(view, shape)
    if isinstance(data, (list, tuple)):
        return _from_nested(data, shape)
    raise UsageError("cannot make an image from %s (expected bytes with a shape, nested "
                     "sequences, or an array)" % type(data).__name__)


def _from_buffer(view, shape):
    if view.ndim > 1:
        shape = shape or view.shape
        if view.format in ("B", "c") and view.c_contiguous:
            return view.tobytes(), shape
        return _to_uint8(_flatten(view.tolist(), view.ndim)), shape
    if shape is None:
        raise UsageError("a flat buffer of %d values needs a shape, e.g. Image(data, shape=(28, 28))" % len(view))
    if view.format in ("B", "c"):
        return bytes(view), shape
    return _to_uint8(view.tolist()), shape


def _from_array_interface(data, interface, shape):
    typestr = interface["typestr"]
    array_shape = tuple(interface["shape"])
    byteorder, kind, size = typestr[0], typestr[1], int(typestr[2:])
    typecode = _TYPECODES.get((kind, size))
    if typecode is None:
        raise UsageError("cannot make an image from an array of type %r (expected integers or floats)" % typestr)
    try:
        raw = memoryview(data).tobytes()
    except TypeError:
        return _from_nested(data.tolist(), shape or array_shape)
    if typecode == "B":
        return raw, shape or array_shape
    values = array(typecode)
    values.frombytes(raw)
    if byteorder == (">" if array("H", b"\x01\x00")[0] == 1 else "<"):
        values.byteswap()
    return _to_uint8(values), shape or array_shape


def _from_nested(rows, shape):
    found = []
    probe = rows
    while isinstance(probe, (list, tuple)):
        found.append(len(probe))
        probe = probe[0] if probe else None
    values = _flatten(rows, len(found))
    if len(values) != math.prod(found):
        raise UsageError("nested pixel rows are ragged (expected shape %r)" % (tuple(found),))
    return _to_uint8(values), shape or tuple(found)


def _flatten(rows, depth):
    values = rows
    for _ in range(depth - 1):
        values = list(chain.from_iterable(values))
    return values if isinstance(values, list) else list(values)


def _to_uint8(values):
    """uint8 bytes from numbers; whole-number floats allowed, anything else refused."""
    if not isinstance(values, list):
        values = list(values)  # bytes(an array) would copy its raw buffer, not its values
    try:
        return bytes(values)
    except (TypeError, ValueError):
        pass
    try:
        whole = [int(value) for value in values]
    except (TypeError, ValueError, OverflowError):
        whole = None
    if whole is not None and whole == list(values):
        try:
            return bytes(whole)
        except ValueError:
            pass
    for index, value in enumerate(values):
        if not _is_pixel(value):
            raise UsageError("pixel %d is %r (expected a whole number in 0..255)" % (index, value))
    raise UsageError("pixel values must be whole numbers in 0..255")


def _is_pixel(value):
    try:
        return isinstance(value, (int, float)) and value == int(value) and 0 <= value <= 255
    except (ValueError, OverflowError):  # NaN, infinity
        return False


def _unpickle_image(data: bytes, height: int, width: int, channels: int, path: Optional[str],
                    ext: Optional[str] = None) -> Image:
    image = Image._wrap(data, height, width, channels)
    image.path = path
    image._ext = ext
    return image
