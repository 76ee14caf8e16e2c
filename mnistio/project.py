"""Projects: named dataset sources and the operations applied to them, in one JSON file.

A project is a folder holding one human-readable file,
``mnistio-project.json`` (written indented; shown compact here)::

    {
      "version": 2,
      "sources": [
        {"name": "train-set", "path": "data/mnist", "format": "mnist"},
        {"name": "extra", "path": "/srv/digits/extra.csv", "format": "mnist_csv"}
      ],
      "operations": [
        {"type": "filter", "expression": "/item[subset=\\"train\\"]", "mode": "i"},
        {"type": "transform", "name": "remap_labels", "options": {"mapping": [["3", "three"]]}}
      ]
    }

A source's path is relative to the project folder when it is inside it
(with ``/`` separators), else absolute. Sources are never copied: the
project only points at them. :meth:`Project.build` opens every source,
merges them in order (:meth:`Dataset.merge`: label names united by name,
clashing ids renamed) and applies the operations in order, lazily, so an
export streams from the sources to the output. A transform's ``options``
are its keyword arguments as JSON values (tuples become lists). Files of
version 1 stored them as command-line words (``"args": ["-l", "3:three"]``);
they are still read, and written back as version 2.

Usage::

    project = Project.create("proj")
    project.add_source("data/mnist")             # format detected, data checked
    project.add_filter('/item[annotation/label="3"]')
    project.add_transform("remap_labels", mapping={"3": "three"})
    project.save()
    Project.load("proj").build().export("out", "mnist_csv", save_media=True)
"""

from __future__ import annotations

import json
import os
from collections import namedtuple

from . import formats
from .codecs.jsonfile import json_shown, read_json
from .codecs.streams import not_a_file_reason, write_file_atomically
from .errors import FormatError, MnistioError, UsageError
from .formats import ExportReport
from .model.dataset import Dataset
from .ops import transforms
from .ops.filter import MODES, parse_mode

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, Iterable, Optional, Union

    Operation = Union["Filter", "Transform"]

__all__ = ["PROJECT_FILE", "PROJECT_VERSION", "Source", "Filter", "Transform", "Project"]

PROJECT_FILE = "mnistio-project.json"
PROJECT_VERSION = 2
#: version 1 stored transform options as command-line words
_READABLE_VERSIONS = (1, 2)

#: a dataset the project reads; ``path`` as stored (see :meth:`Project.source_path`)
Source = namedtuple("Source", "name path format")
#: keep what an XPath expression selects; ``mode`` is ``i``, ``a`` or ``i+a``
Filter = namedtuple("Filter", "expression mode")
#: a named transform with its keyword options (a dict of JSON values)
Transform = namedtuple("Transform", "name options")

_KEYS = {
    "project": ("version", "sources", "operations"),
    "source": ("name", "path", "format"),
    "filter": ("type", "expression", "mode"),
    "transform": ("type", "name", "options"),
    "transform, version 1": ("type", "name", "args"),
}


# -- reading and writing the project file --------------------------------------

def _read_document(file, folder):
    reason = not_a_file_reason(file)  # a FIFO or a link to nothing is no missing project file
    if reason is not None:
        raise UsageError(reason, file)
    if not os.path.isfile(file):
        raise UsageError("no project file %s here; run mnistio create first" % PROJECT_FILE, folder)
    return read_json(file, "project file")


def _check_keys(entry, kind, file, where):
    if not isinstance(entry, dict):
        raise FormatError("expected a JSON object", file, where)
    expected = _KEYS[kind]
    unknown = [key for key in entry if key not in expected]
    missing = [key for key in expected if key not in entry]
    if unknown or missing:
        raise FormatError("%s %s (a %s has the keys %s)" % (
            "unknown key" if unknown else "missing key", (unknown or missing)[0], kind, ", ".join(expected)),
            file, where)


def _check_string(value, what, file, where):
    if not isinstance(value, str) or not value:
        raise FormatError("%s must be a non-empty string, not %s" % (what, json_shown(value)), file, where)
    return value


def _parse_document(document, file):
    if not isinstance(document, dict):
        raise FormatError("expected a JSON object with \"version\", \"sources\" and \"operations\"", file)
    version = document.get("version")
    if type(version) is not int or version not in _READABLE_VERSIONS:
        raise FormatError("unknown project file version %s (this mnistio reads versions %s)"
                          % (json_shown(version), ", ".join(map(str, _READABLE_VERSIONS))), file)
    _check_keys(document, "project", file, None)
    for key in ("sources", "operations"):
        if not isinstance(document[key], list):
            raise FormatError("\"%s\" must be a list" % key, file)
    sources = [_parse_source(entry, file, "source %d" % number)
               for number, entry in enumerate(document["sources"], 1)]
    names = [source.name for source in sources]
    for number, name in enumerate(names, 1):
        if name in names[:number - 1]:
            raise FormatError("source name %r appears twice" % name, file, "source %d" % number)
    operations = [_parse_operation(entry, file, "operation %d" % number, version)
                  for number, entry in enumerate(document["operations"], 1)]
    return sources, operations


def _parse_source(entry, file, where):
    _check_keys(entry, "source", file, where)
    name, path, format = (_check_string(entry[key], key, file, where) for key in _KEYS["source"])
    if format not in formats.names():
        raise FormatError("unknown format %r (known formats: %s)" % (format, ", ".join(formats.names())),
                          file, where)
    return Source(name, path, format)


def _parse_operation(entry, file, where, version):
    kind = entry.get("type") if isinstance(entry, dict) else None
    if kind not in ("filter", "transform"):
        raise FormatError("an operation is an object whose \"type\" is \"filter\" or \"transform\"", file, where)
    _check_keys(entry, kind if kind == "filter" or version > 1 else "transform, version 1", file, where)
    if kind == "filter":
        if entry["mode"] not in MODES:
            raise FormatError("unknown filter mode %s (expected i, a or i+a)" % json_shown(entry["mode"]), file, where)
        return Filter(_check_string(entry["expression"], "expression", file, where), entry["mode"])
    name = _check_string(entry["name"], "name", file, where)
    if version == 1:
        return Transform(name, _options_from_words(name, entry["args"], file, where))
    options = entry["options"]
    if not isinstance(options, dict):
        raise FormatError("\"options\" must be an object of option names and values", file, where)
    return Transform(name, options)


def _options_from_words(name, args, file, where):
    """A version 1 transform's command-line words as keyword options."""
    if not isinstance(args, list) or not all(isinstance(word, str) for word in args):
        raise FormatError("\"args\" must be a list of strings", file, where)
    try:
        return _as_json(transforms.parse_options(name, args))
    except UsageError as error:
        raise FormatError(error.message, file, where) from None


def _as_json(options):
    """``options`` as the project file will give them back: tuples become lists."""
    try:
        return json.loads(json.dumps(options, allow_nan=False))
    except (TypeError, ValueError) as error:
        raise UsageError("transform options are stored as JSON values (strings, numbers, booleans, None, "
                         "lists and dicts of them): %s" % error) from None


def _operation_entry(operation):
    if isinstance(operation, Filter):
        return {"type": "filter", "expression": operation.expression, "mode": operation.mode}
    return {"type": "transform", "name": operation.name, "options": dict(operation.options)}


# -- building -----------------------------------------------------------------

def _apply(dataset, operation):
    if isinstance(operation, Filter):
        filter_annotations, remove_empty = parse_mode(operation.mode)
        return dataset.filter(operation.expression, filter_annotations=filter_annotations,
                              remove_empty=remove_empty)
    return dataset.transform(operation.name, **operation.options)


def _inside(path, folder):
    try:
        return os.path.commonpath([path, folder]) == folder
    except ValueError:  # different drives on Windows
        return False


class Project:
    """A project folder and the content of its project file.

    Make one with :meth:`create` or :meth:`load`; the ``add_*`` and
    ``remove_*`` methods change it in memory, :meth:`save` writes it.
    """

    def __init__(self, folder: Any, sources: Iterable[Source] = (), operations: Iterable[Operation] = ()) -> None:
        self.dir = os.path.abspath(os.fspath(folder))
        self.sources = list(sources)
        self.operations = list(operations)

    # -- user visible -------------------------------------------------------

    @classmethod
    def create(cls, folder: Any, overwrite: bool = False) -> "Project":
        """A new, empty project in ``folder`` (made if missing), saved."""
        project = cls(folder)
        if os.path.lexists(project.file) and not overwrite:
            raise UsageError("a project already exists here (use --overwrite to start a new one)", project.file)
        os.makedirs(project.dir, exist_ok=True)
        project.save()
        return project

    @classmethod
    def load(cls, folder: Any) -> "Project":
        """The project saved in ``folder``."""
        project = cls(folder)
        document = _read_document(project.file, project.dir)
        project.sources, project.operations = _parse_document(document, project.file)
        return project

    @property
    def file(self) -> str:
        return os.path.join(self.dir, PROJECT_FILE)

    def to_dict(self) -> Dict[str, Any]:
        """The project file's content."""
        return {"version": PROJECT_VERSION,
                "sources": [dict(source._asdict()) for source in self.sources],
                "operations": [_operation_entry(operation) for operation in self.operations]}

    def save(self) -> None:
        """Write the project file, atomically."""
        text = json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"
        write_file_atomically(self.file, text.encode("utf-8"))

    def source(self, name: str) -> Source:
        """The source called ``name``."""
        for source in self.sources:
            if source.name == name:
                return source
        raise UsageError("no source %r in the project (its sources: %s)"
                         % (name, ", ".join(repr(source.name) for source in self.sources) or "none"))

    def source_path(self, source: Union[Source, str]) -> str:
        """The path of a source (a :class:`Source` or its name), ready to open."""
        if not isinstance(source, Source):
            source = self.source(source)
        if os.path.isabs(source.path):
            return source.path
        return os.path.normpath(os.path.join(self.dir, *source.path.split("/")))

    def add_source(self, path: Any, format: Optional[str] = None, name: Optional[str] = None,
                   check: bool = True) -> Source:
        """Add the dataset at ``path``; return its :class:`Source`.

        ``format=None`` detects it; ``name=None`` picks ``source-1``,
        ``source-2``, ... With ``check`` (the default) the dataset is opened
        and its first item read, so that a source that does not read is
        refused now rather than at export.
        """
        name = self._new_name(name)
        absolute = os.path.abspath(os.fspath(path))
        if check or format is None:
            if not os.path.exists(absolute):
                raise UsageError("no such file or folder", path)
        format = self._format_of(absolute, format)
        if check:
            dataset = Dataset.import_from(absolute, format)
            next(iter(dataset), None)
        source = Source(name, self._stored_path(absolute), format)
        self.sources.append(source)
        return source

    def remove_source(self, name: str) -> Source:
        """Forget the source called ``name`` (its data stays where it is); return it."""
        source = self.source(name)
        self.sources.remove(source)
        return source

    def add_filter(self, expression: str, mode: str = "i") -> Filter:
        """Append a filter: keep the items (``i``), annotations (``a``) or both
        (``i+a``) an XPath expression selects. Return the :class:`Filter`."""
        if callable(expression) or not isinstance(expression, str) or not expression.strip():
            raise UsageError("a project filter is an XPath expression (a non-empty string), not %r"
                             % (expression,))
        operation = Filter(expression, mode)
        _apply(Dataset.from_iterable([]), operation)  # a bad mode or expression fails now, not at export
        self.operations.append(operation)
        return operation

    def add_transform(self, name: str, *, check: bool = True, **options: Any) -> Transform:
        """Append the transform ``name`` with its keyword ``options`` (Python
        values, as :meth:`Dataset.transform` takes). Return the :class:`Transform`.

        The names are checked now, so that a typo fails here rather than at
        export, and the values must be JSON values (they are stored so); with
        ``check`` (the default) the transform is also set up on the project's
        current result (reading no item), which catches e.g. a label name the
        sources do not have.
        """
        spec = transforms.get(name)
        operation = Transform(name, _as_json(spec.check(options)))
        if check and self.sources:
            _apply(self.build(), operation)
        self.operations.append(operation)
        return operation

    def build(self) -> Dataset:
        """The project's dataset: its sources merged in order, then each operation, lazily."""
        if not self.sources:
            raise UsageError("the project has no sources; add one with mnistio import", self.dir)
        datasets = [self._open(source) for source in self.sources]
        dataset = datasets[0] if len(datasets) == 1 else datasets[0].merge(*datasets[1:])
        for operation in self.operations:
            dataset = _apply(dataset, operation)
        return dataset

    def export(self, save_dir: Any, format: str, *, filter: Optional[str] = None, filter_mode: str = "i",
               **options: Any) -> ExportReport:
        """Build the project and export it (see :meth:`Dataset.export`); return the report.

        ``filter`` is one more XPath filter, for this export only. Refuses an
        output folder that is, holds or is inside a source, or holds the
        project file, so that ``overwrite=True`` cannot destroy them.
        """
        formats.get(format)
        self._check_output(os.fspath(save_dir))
        dataset = self.build()
        if filter is not None:
            dataset = _apply(dataset, Filter(filter, filter_mode))
        return dataset.export(save_dir, format, **options)

    def info(self) -> Dict[str, Any]:
        """A dict describing the project: its sources (with the formats their
        paths look like and item counts), operations, and the built dataset's
        label names and item counts. A source that cannot be read gets an
        ``error`` instead of counts, and the built dataset is then not described."""
        sources = [self._source_info(source) for source in self.sources]
        summary = {"dir": self.dir, "file": self.file, "sources": sources,
                   "operations": [_operation_entry(operation) for operation in self.operations],
                   "label_names": None, "items": None, "subsets": None, "error": None}
        if sources and not any(source["error"] for source in sources):
            try:
                dataset = self.build()
                summary["subsets"] = dataset.subset_counts()
                summary["label_names"] = dataset.label_names
                summary["items"] = sum(summary["subsets"].values())
            except MnistioError as error:
                summary["error"] = str(error)
        return summary

    # -- internal -----------------------------------------------------------

    def _new_name(self, name):
        taken = {source.name for source in self.sources}
        if name is None:
            number = 1
            while "source-%d" % number in taken:
                number += 1
            return "source-%d" % number
        if not isinstance(name, str) or not name.strip():
            raise UsageError("a source name is a non-empty string, not %r" % (name,))
        if name in taken:
            raise UsageError("the project already has a source named %r; choose another name" % name)
        return name

    @staticmethod
    def _format_of(path, format):
        if format is not None:
            formats.get(format)
            return format
        found = formats.detect(path)
        if not found:
            raise UsageError("cannot tell the format (known formats: %s); give it with -f/format="
                             % ", ".join(formats.names()), path)
        return found[0]

    def _stored_path(self, absolute):
        if _inside(absolute, self.dir):
            return os.path.relpath(absolute, self.dir).replace(os.sep, "/")
        return absolute

    def _open(self, source):
        path = self.source_path(source)
        if not os.path.exists(path):
            raise UsageError("source %r: no such file or folder" % source.name, path)
        return Dataset.import_from(path, source.format)

    def _source_info(self, source):
        path = self.source_path(source)
        entry = {"name": source.name, "path": source.path, "format": source.format,
                 "detected": None, "items": None, "subsets": None, "error": None}
        try:
            entry["detected"] = formats.detect(path) if os.path.exists(path) else []
            entry["subsets"] = self._open(source).subset_counts()
            entry["items"] = sum(entry["subsets"].values())
        except MnistioError as error:
            entry["error"] = str(error)
        return entry

    def _check_output(self, save_dir):
        real = os.path.realpath(save_dir)
        if _inside(os.path.realpath(self.dir), real):
            raise UsageError("the output folder holds the project file; choose another", save_dir)
        for source in self.sources:  # before reading any: the export checks again, naming no source
            path = self.source_path(source)
            try:
                formats.check_not_an_input(save_dir, [path])
            except UsageError:
                raise UsageError("the output folder would replace or write into source %r (%s); choose another"
                                 % (source.name, path), save_dir) from None

    def __repr__(self) -> str:
        return "Project(%r, sources=%d, operations=%d)" % (self.dir, len(self.sources), len(self.operations))
