"""``resize``: every image to a new size, nearest or bilinear (see :mod:`mnistio.ops.resample`)."""

from __future__ import annotations

from ...errors import UsageError
from ...model.dataset import Dataset
from ...model.image import Image
from ...model.options import Option
from ...model.sources import MappedSource
from ..resample import METHODS, resize_pixels
from ._common import image_of, positive, where
from ._spec import TransformSpec


def resize(dataset: Dataset, width: int, height: int, method: str = "bilinear") -> Dataset:
    """Every image to ``width`` x ``height``, by ``"nearest"`` or ``"bilinear"`` (see the module docstring)."""
    width, height = positive(width, "width"), positive(height, "height")
    if method not in METHODS:
        raise UsageError("method must be one of %s, not %r" % (", ".join(METHODS), method))

    def resize_item(item):
        image = image_of(item, "resize")
        if image.height * image.width == 0:
            raise UsageError("%s has an empty %dx%d image" % (where(item), image.width, image.height))
        channels = image.channels

        def load():
            pixels = resize_pixels(image.data, image.height, image.width, channels, height, width, method)
            return pixels, height, width, channels

        return item.wrap(media=Image.from_loader(load, (height, width, channels)))

    return Dataset(MappedSource(dataset.source, resize_item, keeps_count=True))


SPEC = TransformSpec("resize", resize, [
    Option("width", int, flags=("-dw", "--width"), required=True, help="the new image width"),
    Option("height", int, flags=("-dh", "--height"), required=True, help="the new image height"),
    Option("method", str, flags=("--method",), choices=METHODS, default="bilinear", help="interpolation"),
])
