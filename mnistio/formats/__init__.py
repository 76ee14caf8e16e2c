"""The registry of dataset layouts, format detection, and atomic export.

Each layout is one module in this package exposing the same few names:

* ``NAME``: its registry name;
* ``detect(path) -> bool``: whether ``path`` (a folder, or one of its files)
  looks like this layout, cheaply;
* ``read(path, **options) -> ItemSource``: a lazy source of its items;
* ``write(dataset, save_dir, *, save_media, image_ext, save_dataset_meta,
  **options) -> ExportReport``: write every item into ``save_dir``, an
  empty temporary folder that :func:`export` renames into place;
* ``SAVE_MEDIA_DEFAULT``: what ``save_media=None`` means (as Datumaro: off,
  but on for the layouts made only of image files, whose exporters always
  write them).

Adding a layout is one new module and one line in :data:`FORMATS`.
"""

import importlib
import os

from ..errors import UsageError

__all__ = ["FORMATS", "get", "names", "detect", "read", "export"]

#: format name -> module implementing it
#: format name -> module implementing it; detection prefers the earlier
#: ones, the most specific first.
FORMATS = {
    "mnist": "mnistio.formats.mnist",
    "mnist_csv": "mnistio.formats.mnist_csv",
    "cifar": "mnistio.formats.cifar",
    "imagenet_txt": "mnistio.formats.imagenet_txt",
    "imagenet_with_subset_dirs": "mnistio.formats.imagenet_with_subset_dirs",
    "imagenet": "mnistio.formats.imagenet",
    "image_dir": "mnistio.formats.image_dir",
}


def names():
    return list(FORMATS)


def get(name):
    """The module implementing the format ``name``."""
    try:
        module_name = FORMATS[name]
    except (KeyError, TypeError):
        raise UsageError("unknown format %r (known formats: %s)" % (name, ", ".join(FORMATS))) from None
    return importlib.import_module(module_name)


def detect(path):
    """The names of the formats ``path`` looks like, best first."""
    path = _existing(path)
    return [name for name in FORMATS if get(name).detect(path)]


def read(path, format=None, **options):
    """A lazy item source for the dataset at ``path``."""
    path = _existing(path)
    if format is None:
        found = detect(path)
        if not found:
            raise UsageError("cannot tell the format (known formats: %s); give it with -if/format="
                             % ", ".join(FORMATS), path)
        format = found[0]
    return get(format).read(path, **options)


def export(dataset, save_dir, format, *, save_media=None, image_ext=None, save_dataset_meta=False,
           overwrite=False, **options):
    """Write ``dataset`` to ``save_dir`` through a temporary folder renamed into place."""
    from ._common import atomic_output_dir

    module = get(format)
    if save_media is None:
        save_media = getattr(module, "SAVE_MEDIA_DEFAULT", False)
    unknown = set(options) - set(getattr(module, "EXPORT_OPTIONS", ()))
    if unknown:
        raise UsageError("format %s has no export option %s" % (format, ", ".join(sorted(unknown))))
    with atomic_output_dir(save_dir, overwrite) as temporary:
        return module.write(dataset, temporary, save_media=save_media, image_ext=image_ext,
                            save_dataset_meta=save_dataset_meta, **options)


def _existing(path):
    path = os.fspath(path)
    if not os.path.exists(path):
        raise UsageError("no such file or folder", path)
    return path
