"""``pad`` (mnistio only): every image centred on a larger canvas, e.g. MNIST's 28 x 28 to LeNet's 32 x 32."""

from __future__ import annotations

from ...errors import UsageError
from ...model.dataset import Dataset
from ...model.image import Image
from ...model.options import Option
from ...model.sources import MappedSource
from ..resample import pad_pixels
from ._common import fill_values, image_of, positive, where
from ._spec import TransformSpec

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional, Sequence, Union


def pad(dataset: Dataset, width: Optional[int] = None, height: Optional[int] = None,
        value: Union[int, Sequence[int]] = 0, top: Optional[int] = None, left: Optional[int] = None) -> Dataset:
    """Every image on a ``width`` x ``height`` canvas filled with ``value``.

    Centred, the odd pixel on the bottom / right, unless ``top`` / ``left``
    place it. ``value`` is 0..255, or one such value per channel. A canvas
    smaller than an image is refused (no cropping); a size left None is the
    image's own.
    """
    for size, what in ((width, "width"), (height, "height")):
        if size is not None:
            positive(size, what)
    for offset, what in ((top, "top"), (left, "left")):
        if offset is not None and (not isinstance(offset, int) or isinstance(offset, bool) or offset < 0):
            raise UsageError("%s must be a non-negative integer, not %r" % (what, offset))
    fills = fill_values(value)

    def pad_item(item):
        image = image_of(item, "pad")
        old_height, old_width, channels = image.height, image.width, image.channels
        new_height = old_height if height is None else height
        new_width = old_width if width is None else width
        if new_height < old_height or new_width < old_width:
            raise UsageError("%s: its %dx%d image is larger than the %dx%d canvas (pad does not crop)"
                             % (where(item), old_width, old_height, new_width, new_height))
        y = (new_height - old_height) // 2 if top is None else top
        x = (new_width - old_width) // 2 if left is None else left
        if y + old_height > new_height or x + old_width > new_width:
            raise UsageError("%s: its %dx%d image at left %d, top %d does not fit the %dx%d canvas"
                             % (where(item), old_width, old_height, x, y, new_width, new_height))
        if len(fills) not in (1, channels):
            raise UsageError("%s has %d channels, but %d fill values are given"
                             % (where(item), channels, len(fills)))
        fill = bytes(fills * channels if len(fills) == 1 else fills)

        def load():
            pixels = pad_pixels(image.data, old_height, old_width, fill, new_height, new_width, y, x)
            return pixels, new_height, new_width, channels

        return item.wrap(media=Image.from_loader(load, (new_height, new_width, channels)))

    return Dataset(MappedSource(dataset.source, pad_item, keeps_count=True))


def _fill_arg(text):
    try:
        values = [int(part) for part in text.split(",")]
    except ValueError:
        raise ValueError("%r is not V or V,V,V (0..255)" % text) from None
    return values[0] if len(values) == 1 else tuple(values)


SPEC = TransformSpec("pad", pad, [
    Option("width", int, flags=("-dw", "--width"), help="the canvas width (default: the image's)"),
    Option("height", int, flags=("-dh", "--height"), help="the canvas height (default: the image's)"),
    Option("value", _fill_arg, flags=("--value",), default=0, metavar="V[,V...]",
           to_text=lambda value: ",".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value),
           help="the fill value, or one per channel"),
    Option("top", int, flags=("--top",), help="rows above the image (default: centred)"),
    Option("left", int, flags=("--left",), help="columns left of the image (default: centred)"),
])
