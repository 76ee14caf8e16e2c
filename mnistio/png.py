"""Compatibility: the image codecs as ``mnistio.png`` had them, sizes as ``(width, height)``.

New code should use :mod:`mnistio.codecs.images` (and ``.png``, ``.netpbm``,
``.bmp``), whose functions take and return ``(height, width)`` in the order
of :class:`mnistio.Image` and numpy shapes. These wrappers keep the old
argument order and return ``(data, width, height, channels)`` tuples.
"""

from __future__ import annotations

from .codecs import bmp as _bmp
from .codecs import images as _images
from .codecs import netpbm as _netpbm
from .codecs import png as _png
from .codecs._raster import Raster
from .codecs.images import DEFAULT_MAX_PIXELS, NATIVE_EXTENSIONS

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional, Tuple

    from .codecs._raster import BytesLike

    Decoded = Tuple[bytes, int, int, int]

__all__ = ["DEFAULT_MAX_PIXELS", "NATIVE_EXTENSIONS", "encode_png", "decode_png", "encode_pnm", "decode_pnm",
           "encode_bmp", "decode_bmp", "encode_image", "decode_image"]



def _old_order(raster: Raster) -> Decoded:
    return raster.data, raster.width, raster.height, raster.channels


def encode_png(data: BytesLike, width: int, height: int, channels: int, *, compress_level: int = 6) -> bytes:
    return _png.encode_png(data, height, width, channels, compress_level=compress_level)


def decode_png(blob: BytesLike, *, path: Optional[str] = None, max_pixels: Optional[int] = None) -> Decoded:
    return _old_order(_png.decode_png(blob, path=path, max_pixels=max_pixels))


def encode_pnm(data: BytesLike, width: int, height: int, channels: int) -> bytes:
    return _netpbm.encode_pnm(data, height, width, channels)


def decode_pnm(blob: BytesLike, *, path: Optional[str] = None, max_pixels: Optional[int] = None) -> Decoded:
    return _old_order(_netpbm.decode_pnm(blob, path=path, max_pixels=max_pixels))


def encode_bmp(data: BytesLike, width: int, height: int, channels: int) -> bytes:
    return _bmp.encode_bmp(data, height, width, channels)


def decode_bmp(blob: BytesLike, *, path: Optional[str] = None, max_pixels: Optional[int] = None) -> Decoded:
    return _old_order(_bmp.decode_bmp(blob, path=path, max_pixels=max_pixels))


def encode_image(data: BytesLike, width: int, height: int, channels: int, ext: str) -> bytes:
    return _images.encode_image(data, height, width, channels, ext)


def decode_image(blob: BytesLike, *, path: Optional[str] = None, ext: Optional[str] = None,
                 max_pixels: Optional[int] = None) -> Decoded:
    return _old_order(_images.decode_image(blob, path=path, ext=ext, max_pixels=max_pixels))
