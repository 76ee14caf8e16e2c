"""The project commands, with Datumaro's flag names (see :mod:`mnistio.project`).

::

    mnistio create [-o DIR] [--overwrite]
    mnistio import [-p DIR] [-f FORMAT] [-n NAME] [--no-check] PATH
    mnistio export [-p DIR] -f FORMAT -o OUT [-e FILTER] [--filter-mode MODE] [--overwrite]
                   [-- EXPORT OPTIONS]
    mnistio remove [-p DIR] NAME [NAME ...]
    mnistio project info [-p DIR] [--json]
    mnistio project filter [-p DIR] -e EXPR [-m i|a|i+a]
    mnistio project transform [-p DIR] -t NAME [--no-check] [-- TRANSFORM OPTIONS]

``mnistio project create|import|export|remove`` are the same as the
top-level commands, as ``datum project import`` is ``datum import``. ``-p``
defaults to the current folder. Export options are those of ``convert``.
"""

import json
import shlex

from ..._words import count, number
from ...ops import transforms
from ...project import Filter, Project
from .._shared import counts_text, export_options, print_written
from .transform import transform_help

__all__ = ["register"]

_PROJECT_HELP = "the project folder (default: the current one)"


def _add_project_flag(parser):
    parser.add_argument("-p", "--project", dest="project_dir", default=".", metavar="DIR", help=_PROJECT_HELP)


def _add_create(commands):
    parser = commands.add_parser(
        "create", help="create an empty project",
        description="Create an empty project: a folder holding only mnistio-project.json, which lists "
                    "the sources and the operations applied to them.",
        epilog="example:\n  mnistio create -o proj")
    parser.add_argument("-o", "--output-dir", dest="dst_dir", default=".", metavar="DIR",
                        help="the project folder, made if missing (default: the current one)")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing project file")
    parser.set_defaults(run=_create)


def _add_import(commands):
    parser = commands.add_parser(
        "import", help="add a dataset to a project as a source",
        description="Add a dataset to a project as a source. The data is not copied: the project "
                    "stores its path (relative when it is inside the project folder).",
        epilog="example:\n  mnistio import -p proj -f mnist -n train-set data/mnist")
    parser.add_argument("path", metavar="PATH", help="the dataset folder (or one of its files)")
    _add_project_flag(parser)
    parser.add_argument("-f", "--format", help="its format (default: detect it; stored in the project)")
    parser.add_argument("-n", "--name", help="the source's name (default: source-1, source-2, ...)")
    parser.add_argument("--no-check", action="store_true", help="do not read the dataset now")
    parser.set_defaults(run=_import)


def _add_export(commands):
    parser = commands.add_parser(
        "export", help="build a project and write it in a format",
        description="Read the project's sources, merge them, apply its operations and an optional "
                    "filter, and write the result, streaming. Export options go after '--': "
                    "--save-media, --image-ext EXT, --save-dataset-meta (as for convert).",
        epilog="example:\n  mnistio export -p proj -f mnist_csv -o out -- --save-media")
    _add_project_flag(parser)
    parser.add_argument("-f", "--format", required=True, help="the format to write ('mnistio formats' lists them)")
    parser.add_argument("-o", "--output-dir", dest="dst_dir", required=True, metavar="OUT",
                        help="the folder to write; must be empty or missing")
    parser.add_argument("-e", "--filter", help="also keep only what this XPath expression selects")
    parser.add_argument("--filter-mode", default="i", choices=("i", "a", "i+a"),
                        help="the filter keeps items (i), annotations (a), or both (i+a); default i")
    parser.add_argument("--overwrite", action="store_true", help="replace the output folder if it is not empty")
    parser.set_defaults(run=_export, takes_export_options=True)


def _add_remove(commands):
    parser = commands.add_parser(
        "remove", help="remove sources from a project (their data stays)",
        description="Remove sources from a project. Their data is never deleted.",
        epilog="example:\n  mnistio remove -p proj source-2")
    parser.add_argument("names", nargs="+", metavar="NAME", help="a source's name")
    _add_project_flag(parser)
    parser.set_defaults(run=_remove)


def _add_info(commands):
    parser = commands.add_parser(
        "info", help="describe a project",
        description="Print a project's sources (format, the formats their path looks like, item "
                    "counts), its operations, and the label names and item counts of the result.")
    _add_project_flag(parser)
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.set_defaults(run=_info)


def _add_filter(commands):
    parser = commands.add_parser(
        "filter", help="add a filter to a project's operations",
        description="Append an XPath filter to the project's operations; export applies it.",
        epilog="example:\n  mnistio project filter -p proj -e '/item[annotation/label=\"3\"]'")
    _add_project_flag(parser)
    parser.add_argument("-e", "--filter", required=True, metavar="EXPR", help="the XPath 1.0 expression")
    parser.add_argument("-m", "--mode", default="i", choices=("i", "a", "i+a"),
                        help="keep items (i), annotations (a), or both (i+a); default i")
    parser.set_defaults(run=_filter)


def _add_transform(commands):
    parser = commands.add_parser(
        "transform", help="add a transform to a project's operations",
        description="Append a transform to the project's operations; export applies it. Its options "
                    "go after '--' and are stored as given.",
        epilog="example:\n  mnistio project transform -p proj -t remap_labels -- -l 3:three")
    _add_project_flag(parser)
    parser.add_argument("-t", "--transform", required=True, metavar="NAME", help="the transform's name")
    parser.add_argument("--no-check", action="store_true",
                        help="do not open the sources to check the transform applies (e.g. its label names)")
    parser.set_defaults(run=_transform)


def register(subparsers):
    for add in (_add_create, _add_import, _add_export, _add_remove):
        add(subparsers)
    project = subparsers.add_parser("project", help="work on a project (info, filter, transform, ...)",
                                  description="Work on a project: a list of sources and operations.")
    subcommands = project.add_subparsers(dest="project_command", metavar="COMMAND")
    subcommands.required = True
    for add in (_add_create, _add_import, _add_export, _add_remove, _add_info, _add_filter, _add_transform):
        add(subcommands)


# -- running ------------------------------------------------------------------

def _create(args):
    project = Project.create(args.dst_dir, overwrite=args.overwrite)
    print("created an empty project in %s" % project.dir)
    return 0


def _import(args):
    project = Project.load(args.project_dir)
    source = project.add_source(args.path, args.format, args.name, check=not args.no_check)
    project.save()
    print("added source %r (%s, %s) to the project in %s" % (source.name, source.format, source.path, project.dir))
    return 0


def _export(args):
    options = export_options(args.format, args.export_options)
    project = Project.load(args.project_dir)
    report = project.export(args.dst_dir, args.format, filter=args.filter, filter_mode=args.filter_mode,
                            overwrite=args.overwrite, **options)
    print_written(report, "wrote", args.format, args.dst_dir, filtered=args.filter is not None)
    return 0


def _remove(args):
    project = Project.load(args.project_dir)
    for name in dict.fromkeys(args.names):
        project.source(name)  # all names are checked before anything changes
    for name in dict.fromkeys(args.names):
        project.remove_source(name)
    project.save()
    print("removed %s from the project (the data is untouched)" % ", ".join(map(repr, dict.fromkeys(args.names))))
    return 0


def _filter(args):
    project = Project.load(args.project_dir)
    project.add_filter(args.filter, args.mode)
    project.save()
    print("added operation %d: %s" % (len(project.operations), _describe_operation(project.operations[-1])))
    return 0


def _transform(args):
    if any(word in ("-h", "--help") for word in args.export_options):
        print(transform_help(args.transform, "mnistio project transform -t %s" % args.transform))
        return 0
    options = transforms.parse_options(args.transform, args.export_options)
    project = Project.load(args.project_dir)
    project.add_transform(args.transform, check=not args.no_check, **options)
    project.save()
    print("added operation %d: %s" % (len(project.operations), _describe_operation(project.operations[-1])))
    return 0


def _describe_operation(operation):
    """An operation as the command that adds it."""
    if isinstance(operation, Filter):
        return "filter -m %s -e %s" % (operation.mode, shlex.quote(operation.expression))
    words = " ".join(shlex.quote(word) for word in transforms.get(operation.name).options.to_words(operation.options))
    return "transform -t %s%s" % (shlex.quote(operation.name), " -- " + words if words else "")


def _info(args):
    project = Project.load(args.project_dir)
    summary = project.info()
    if args.json:
        print(json.dumps(summary, indent=2, ensure_ascii=False))
        return 0
    print("project: %s" % summary["dir"])
    print("sources: %d" % len(summary["sources"]))
    for source in summary["sources"]:
        detected = ", ".join(source["detected"] or ()) or "none"
        state = ("error: " + source["error"] if source["error"] else
                 "%s (%s)" % (count(source["items"], "item"), counts_text(source["subsets"])))
        print("  %s: %s at %s (detected: %s), %s" % (source["name"], source["format"], source["path"], detected,
                                                     state))
    print("operations: %d" % len(project.operations))
    for position, operation in enumerate(project.operations, 1):
        print("  %d. %s" % (position, _describe_operation(operation)))
    if summary["error"]:
        print("result: error: %s" % summary["error"])
    elif summary["label_names"] is not None:
        names = summary["label_names"]
        print("labels: %d (%s)" % (len(names), ", ".join(names)))
        print("items: %s (%s)" % (number(summary["items"]), counts_text(summary["subsets"])))
    return 0
