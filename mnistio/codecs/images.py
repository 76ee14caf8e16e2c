"""Image files by type: the dispatcher over the native codecs, and Pillow for the rest.

PNG (:mod:`.png`), binary PGM/PPM (:mod:`.netpbm`) and uncompressed BMP
(:mod:`.bmp`) are handled here, in pure Python. Other types (``.jpg``,
``.tif``, ``.webp``, ...) go through Pillow when it is installed, converted
by Pillow to L, LA, RGB or RGBA; Pillow is imported only when such a file is
met. On reading, the magic bytes choose the decoder, then the extension.

With Pillow as the reference (``Image.open(f).convert(mode)`` for the mode
with our channel count), every result is identical except where Pillow's own
conversion loses information (see ``docs/images.rst``):

* 16-bit gray PNG: Pillow opens it as mode "I;16" and its conversion to "L"
  clamps every value above 255 to 255; we keep the high byte instead.
* 2 and 4-bit gray PNG with tRNS: Pillow compares the unscaled key with the
  scaled samples, so the wrong pixels (usually none) become transparent.
* 16-bit RGB PNG with tRNS: Pillow compares the 16-bit key with the 8-bit
  samples it kept, with the same effect.
* 32-bit BMP: Pillow ignores the alpha bytes of ``BI_RGB`` files (unless
  ``BmpImagePlugin.USE_RAW_ALPHA`` is set) and returns RGB.
* PGM with maxval above 255: Pillow opens it as mode "I" and clamps on
  conversion to "L".
"""

from __future__ import annotations

import os

from .. import limits
from ..errors import FormatError, ImageTooLargeError, MnistioError, UsageError
from ._raster import DEFAULT_MAX_PIXELS, Raster, as_bytes, check_image, check_size
from .bmp import decode_bmp, encode_bmp
from .netpbm import CHANNELS_BY_EXTENSION, decode_pnm, encode_pnm
from .png import PNG_SIGNATURE, decode_png, encode_png
from .streams import read_small_file

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Optional, Tuple

    from ._raster import BytesLike

    Decoder = Callable[..., Raster]

__all__ = ["NATIVE_EXTENSIONS", "IMAGE_EXTENSIONS", "DEFAULT_MAX_PIXELS", "Raster", "encode_image",
           "decode_image", "read_image_file", "normalize_extension", "check_extension"]

#: the extensions written and read without Pillow
NATIVE_EXTENSIONS = (".png", ".pgm", ".ppm", ".pnm", ".bmp")
#: the extensions taken for images when reading a folder (those beyond
#: NATIVE_EXTENSIONS are decoded through Pillow, when installed)
IMAGE_EXTENSIONS = frozenset(NATIVE_EXTENSIONS + (".jpg", ".jpeg", ".jpe", ".tif", ".tiff", ".webp", ".gif"))

_MODES = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}  # channels -> Pillow mode



def _pillow():
    """Return Pillow's Image module, or None when Pillow is not installed."""
    try:
        from PIL import Image
    except ImportError:
        return None
    return Image


def _no_pillow(verb: str, ext: str, path: Optional[str] = None) -> UsageError:
    kind = f"{ext} images" if ext else "images of this type"
    return UsageError(f"cannot {verb} {kind} without Pillow, which is not installed "
                      f"(mnistio itself handles {', '.join(NATIVE_EXTENSIONS)})", path=path)


def _pillow_decode(blob: bytes, path: Optional[str], ext: str, max_pixels: Optional[int]) -> Raster:
    Image = _pillow()
    if Image is None:
        raise _no_pillow("read", ext, path)
    import io

    try:
        with Image.open(io.BytesIO(blob)) as image:
            check_size(image.height, image.width, max_pixels)
            gray = image.mode in ("1", "L", "LA", "La", "F") or image.mode.startswith("I")
            alpha = (image.mode in ("LA", "La", "PA", "RGBA", "RGBa")
                     or "transparency" in image.info)
            mode = ("L" if gray else "RGB") + ("A" if alpha else "")
            data = image.convert(mode).tobytes()
    except MnistioError:
        raise
    except Image.DecompressionBombError as exc:
        raise ImageTooLargeError(str(exc), path=path) from exc
    except Exception as exc:  # Pillow's plugins raise many kinds of error on bad files
        raise FormatError(f"Pillow cannot read this image ({exc})", path=path) from exc
    return Raster(data, image.height, image.width, len(mode))


def _pillow_encode(data: bytes, height: int, width: int, channels: int, ext: str) -> bytes:
    Image, kind = _pillow_writer(ext)
    import io

    buffer = io.BytesIO()
    try:
        Image.frombytes(_MODES[channels], (width, height), data).save(buffer, format=kind)
    except (OSError, ValueError, KeyError) as exc:
        raise UsageError(f"Pillow cannot write {channels}-channel images as {ext} "
                         f"({exc})") from exc
    return buffer.getvalue()


def normalize_extension(ext: str) -> str:
    """``".png"`` from ``"PNG"``, ``"png"`` or ``".png"``; ``""`` stays ``""``."""
    ext = ext.lower()
    return ext if ext.startswith(".") or not ext else "." + ext


def _sniff(blob: bytes) -> Optional[Decoder]:
    """Return the native decoder the magic bytes call for, or None."""
    if blob.startswith(PNG_SIGNATURE):
        return decode_png
    if blob[:2] in (b"P5", b"P6"):
        return decode_pnm
    if blob.startswith(b"BM"):
        return decode_bmp
    return None


_ENCODERS = {".png": encode_png, ".pgm": encode_pnm, ".ppm": encode_pnm,
             ".pnm": encode_pnm, ".bmp": encode_bmp}
_DECODERS = {".png": decode_png, ".pgm": decode_pnm, ".ppm": decode_pnm,
             ".pnm": decode_pnm, ".bmp": decode_bmp}


def check_extension(ext: str) -> str:
    """``ext`` normalised, once it is known that images can be written as it (any channels for
    the native types; Pillow must know it otherwise)."""
    ext = normalize_extension(ext)
    if not ext:
        raise UsageError(f"no file extension given (expected one of "
                         f"{', '.join(NATIVE_EXTENSIONS)} or one Pillow writes)")
    if ext in _ENCODERS:
        return ext
    _pillow_writer(ext)
    return ext


def _pillow_writer(ext: str) -> Tuple[Any, str]:
    """Pillow's ``Image`` module and its format name for writing ``ext``, or a UsageError."""
    Image = _pillow()
    if Image is None:
        raise _no_pillow("write", ext)
    kind = Image.registered_extensions().get(ext)
    if kind is None or kind not in Image.SAVE:
        raise UsageError(f"unknown image extension {ext!r} (Pillow cannot write it)")
    return Image, kind


def encode_image(data: BytesLike, height: int, width: int, channels: int, ext: str) -> bytes:
    """Encode by file extension (``".png"``, ``"bmp"``, ...; any case).

    PNG, PGM/PPM and BMP are written here; other types need Pillow.
    """
    ext = normalize_extension(ext)
    if not ext:
        raise UsageError(f"no file extension given (expected one of "
                         f"{', '.join(NATIVE_EXTENSIONS)} or one Pillow writes)")
    if CHANNELS_BY_EXTENSION.get(ext, channels) != channels:
        raise UsageError(f"{ext} files hold {CHANNELS_BY_EXTENSION[ext]}-channel images, "
                         f"not {channels!r} channels (use .pnm to choose by channels)")
    encoder = _ENCODERS.get(ext)
    if encoder is not None:
        return encoder(data, height, width, channels)
    data = check_image(data, height, width, channels, (1, 2, 3, 4), ext)
    return _pillow_encode(data, height, width, channels, ext)


def decode_image(blob: BytesLike, *, path: Optional[str] = None, ext: Optional[str] = None,
                 max_pixels: Optional[int] = None) -> Raster:
    """Decode an image to an 8-bit :class:`Raster` ``(data, height, width, channels)``.

    The magic bytes choose the decoder; when they are not PNG, PGM/PPM or
    BMP, the extension does (``ext``, else the one of ``path``), and other
    types go to Pillow. An image of more than ``max_pixels`` pixels (None:
    ``mnistio.limits.MAX_IMAGE_PIXELS``, read at each call) is refused with
    ImageTooLargeError before its pixels are decoded, Pillow's included.
    """
    blob = as_bytes(blob)
    if ext is None:
        ext = os.path.splitext(os.fsdecode(path))[1] if path is not None else ""
    ext = normalize_extension(ext)
    decoder = _sniff(blob) or _DECODERS.get(ext)
    if decoder is not None:
        return decoder(blob, path=path, max_pixels=max_pixels)
    return _pillow_decode(blob, path, ext, max_pixels)


def read_image_file(path: str) -> Raster:
    """Read and decode the image file ``path`` (:func:`decode_image`, its extension a hint)."""
    # No image of the allowed pixels needs more bytes than this (16-bit RGBA, stored, with slack).
    most = limits.MAX_IMAGE_PIXELS * 9 + (1 << 20)
    blob = read_small_file(path, "an image file", most)
    return decode_image(blob, path=path, ext=os.path.splitext(path)[1])
