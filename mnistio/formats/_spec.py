"""The spec every layout registers: its name, how to detect, read and write it, its options.

Each module of :mod:`mnistio.formats` whose name does not start with ``_``
is one layout and defines ``SPEC = FormatSpec(...)`` under its own name.
The registry (:mod:`mnistio.formats`) finds them, checks them, and the
command line derives each layout's export flags from ``export_options``.
"""

from __future__ import annotations

from ..errors import UsageError
from ..model.options import Option, Options
from ..model.sources import ItemSource

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Iterable, List, Optional

    Detect = Callable[[str], bool]

    Read = Callable[..., ItemSource]

    Write = Callable[..., Any]

__all__ = ["FormatSpec", "COMMON_EXPORT_OPTIONS"]

#: what every layout's exporter takes, as Datumaro's base exporter
COMMON_EXPORT_OPTIONS = Options([
    Option("save_media", bool, help="write the images, not only the labels (the default of imagenet, "
                                    "imagenet_with_subset_dirs and image_dir)"),
    Option("image_ext", str, metavar="EXT", help="file type of written images, e.g. .png (layouts with image files)"),
    Option("save_dataset_meta", bool, help="also write dataset_meta.json"),
], "every format")



class FormatSpec:
    """A layout, as the registry knows it.

    * ``name``: the registry name, also the module's name;
    * ``detect(path) -> bool``: whether ``path`` (a folder, or one of its
      files) looks like this layout, cheaply;
    * ``read(path, **import_options) -> ItemSource``: a lazy source of items;
    * ``write(dataset, save_dir, *, save_media, image_ext, save_dataset_meta,
      **export_options) -> ExportReport``: every item into ``save_dir``, an
      empty temporary folder that the registry renames into place;
    * ``export_options``, ``import_options``: the layout's own options;
    * ``save_media_default``: what ``save_media=None`` means (as Datumaro:
      off, but on for the layouts made only of image files);
    * ``detect_rank``: detection tries (and prefers) lower ranks first: the
      more specific layouts before those that match more folders;
    * ``subset_files(folder, subset) -> [relative paths]``: for layouts that
      keep each subset in files of its own, those files, so that saving a
      changed dataset in place re-uses the unchanged subsets' (``_patch``);
      None for layouts that mix subsets in shared files. It may return
      None for a subset whose files cannot be kept as they are: then
      everything is written again;
    * ``owned_files(folder, subset) -> [relative paths]``: the files of a
      subset the layout reads, whether or not they can be kept (default:
      ``subset_files``); saving in place replaces them, and refuses to
      delete any other data file of the folder (``_patch``).
    """

    __slots__ = ("name", "detect", "read", "write", "export_options", "import_options", "save_media_default",
                 "detect_rank", "description", "subset_files", "owned_files")

    def __init__(self, name: str, *, detect: Detect, read: Read, write: Write, description: str,
                 export_options: Iterable[Option] = (), import_options: Iterable[Option] = (),
                 save_media_default: bool = False, detect_rank: int = 50,
                 subset_files: Optional[Callable[[str, str], Optional[List[str]]]] = None,
                 owned_files: Optional[Callable[[str, str], List[str]]] = None) -> None:
        if not isinstance(name, str) or not name.isidentifier():
            raise UsageError("format name %r is not an identifier" % (name,))
        for what, function in (("detect", detect), ("read", read), ("write", write)):
            if not callable(function):
                raise UsageError("format %s: %s is not callable" % (name, what))
        if not isinstance(save_media_default, bool) or not isinstance(detect_rank, int):
            raise UsageError("format %s: save_media_default is a bool and detect_rank an int" % name)
        self.name = name
        self.detect = detect
        self.read = read
        self.write = write
        self.description = description
        self.export_options = Options(export_options, "format %s" % name)
        self.import_options = Options(import_options, "format %s (reading)" % name)
        self.save_media_default = save_media_default
        self.detect_rank = detect_rank
        self.subset_files = subset_files
        self.owned_files = owned_files or subset_files
        clash = set(self.export_options.names) & set(COMMON_EXPORT_OPTIONS.names)
        if clash:
            raise UsageError("format %s redeclares the common export option %s" % (name, ", ".join(clash)))

    @property
    def all_export_options(self) -> Options:
        """The common export options and the layout's own."""
        return Options(tuple(COMMON_EXPORT_OPTIONS) + tuple(self.export_options), "format %s" % self.name)

    def __repr__(self) -> str:
        return "FormatSpec(%r)" % self.name
