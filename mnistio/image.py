"""Compatibility: :class:`mnistio.model.image.Image` under the old module name ``mnistio.image``."""

from .model.image import Image

__all__ = ["Image"]
