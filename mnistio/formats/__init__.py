"""The registry of dataset layouts, format detection, and atomic export.

Each module of this package whose name does not start with ``_`` is one
layout and defines ``SPEC``, a :class:`FormatSpec` named as the module.
Adding a layout is adding one such module: the registry finds it, the
command line derives its options from the spec. ``docs/formats.rst``
describes every layout's files.
"""

from __future__ import annotations

import importlib
import os

from .._plugins import plugin_names
from ..errors import UsageError
from ..model.dataset import Dataset
from ..model.options import Option, Options
from ..model.sources import ItemSource
from ._export import ExportReport
from ._labels import check_label_names
from ._output import check_not_an_input, output_folder, recover_output
from ._patch import check_nothing_foreign_lost, folder_of, foreign_entries, keep_foreign, same_folder, write_patch
from ._spec import COMMON_EXPORT_OPTIONS, FormatSpec

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, List, Optional

    from ..model.patch import DatasetPatch

__all__ = ["FormatSpec", "Option", "Options", "ExportReport", "COMMON_EXPORT_OPTIONS", "names", "get", "specs",
           "detect", "read", "export", "recover",
           "check_not_an_input", "folder_of", "same_folder"]

_SPECS: Dict[str, FormatSpec] = {}


def names() -> List[str]:
    """The known format names, in detection order."""
    return [spec.name for spec in specs()]


def _module_names() -> List[str]:
    return plugin_names(__path__)


def get(name: str) -> FormatSpec:
    """The spec of the format ``name``."""
    spec = _SPECS.get(name) if isinstance(name, str) else None
    if spec is not None:
        return spec
    if not isinstance(name, str) or name not in _module_names():
        raise UsageError("unknown format %r (known formats: %s)" % (name, ", ".join(names())))
    return _load(name)


def _load(name: str) -> FormatSpec:
    module = importlib.import_module("%s.%s" % (__name__, name))
    spec = getattr(module, "SPEC", None)
    if not isinstance(spec, FormatSpec) or spec.name != name:
        raise UsageError("module %s does not define SPEC = FormatSpec(%r, ...)" % (module.__name__, name))
    _SPECS[name] = spec
    return spec


def specs() -> List[FormatSpec]:
    """Every format's spec, in detection order (by ``detect_rank``, then name)."""
    return sorted((get(name) for name in _module_names()), key=lambda spec: (spec.detect_rank, spec.name))


def detect(path: Any) -> List[str]:
    """The names of the formats ``path`` looks like, best first."""
    path = _existing(path)
    return [spec.name for spec in specs() if spec.detect(path)]


def read(path: Any, format: Optional[str] = None, **options: Any) -> ItemSource:
    """A lazy item source for the dataset at ``path``."""
    path = _existing(path)
    if format is None:
        found = detect(path)
        if not found:
            raise UsageError("cannot tell the format (known formats: %s); give it with -if/format="
                             % ", ".join(names()), path)
        format = found[0]
    spec = get(format)
    return spec.read(path, **spec.import_options.check(options))


def export(dataset: Dataset, save_dir: Any, format: str, *, save_media: Optional[bool] = None,
           image_ext: Optional[str] = None, save_dataset_meta: bool = False, overwrite: bool = False,
           patch: Optional[DatasetPatch] = None, **options: Any) -> ExportReport:
    """Write ``dataset`` to ``save_dir`` through a temporary folder renamed into place.

    With ``patch`` (the dataset's changes since it was read from ``save_dir``
    in this format), the folder is replaced by the dataset as it is now,
    re-using the files of the subsets that did not change (see ``_patch``)."""
    spec = get(format)
    options = spec.export_options.check(options)
    _check_export_arguments(save_media=save_media, image_ext=image_ext, save_dataset_meta=save_dataset_meta,
                            overwrite=overwrite)
    if save_media is None:  # in place, the images the folder holds are kept (Datumaro's save drops them)
        save_media = True if patch is not None else spec.save_media_default
    check_label_names(dataset.label_names)
    notes: List[str] = []
    old_folder = folder_of(save_dir) if patch is not None else None
    kept: List[str] = []
    if patch is not None and old_folder is not None:
        kept, refused = foreign_entries(spec, old_folder, sorted(set(dataset.subsets()) | set(patch.updated_subsets)))
        check_nothing_foreign_lost(refused, old_folder, format)
    inputs = [path for path in dataset.source.inputs() if old_folder is None or not same_folder(path, old_folder)]
    with output_folder(save_dir, overwrite or patch is not None, inputs, notes) as temporary:
        if patch is not None and old_folder is not None:
            report = write_patch(spec, dataset, patch, temporary, old_folder, save_media=save_media,
                                 image_ext=image_ext, save_dataset_meta=save_dataset_meta, **options)
            keep_foreign(kept, old_folder, temporary)
            if kept:
                report.notes.append("kept from the old folder: %s" % ", ".join(kept))
        else:
            report = spec.write(dataset, temporary, save_media=save_media, image_ext=image_ext,
                                save_dataset_meta=save_dataset_meta, **options)
    report.path = os.path.abspath(os.fspath(save_dir))
    report.notes[:0] = notes
    return report


def _check_export_arguments(**arguments: Any) -> None:
    """Python callers' values, checked as the command line's are: ``save_media="no"`` was true."""
    for name, value in arguments.items():
        allowed = (str, type(None)) if name == "image_ext" else (bool, type(None)) if name == "save_media" else bool
        if not isinstance(value, allowed):
            raise UsageError("%s must be %s, not %r" % (name, "a file extension like '.png' or None"
                                                        if name == "image_ext" else "True or False", value))


def _existing(path: Any) -> str:
    """``path``, a folder or a regular file: detection lists folders and reads files, and a FIFO or
    a device would make it fail (or, opened, wait forever)."""
    try:
        path = os.fspath(path)
    except TypeError:
        raise UsageError("a dataset path is a str or os.PathLike, not %r" % (path,)) from None
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    if "\x00" in path:
        raise UsageError("a path cannot hold NUL", path)
    if not os.path.exists(path):
        raise UsageError("is a symbolic link to nothing" if os.path.islink(path) else "no such file or folder", path)
    if not (os.path.isdir(path) or os.path.isfile(path)):
        raise UsageError("is neither a folder nor a regular file (a FIFO, a device or a socket): "
                         "only folders and files are read", path)
    return path


def recover(save_dir: Any) -> List[str]:
    """Put back an output that an interrupted ``--overwrite`` export moved aside, and remove what
    dead exports left beside ``save_dir``; every export does this first. Returns notes saying
    what was done (none when there was nothing to do)."""
    return recover_output(save_dir)
