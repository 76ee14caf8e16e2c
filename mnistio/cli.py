"""The ``mnistio`` command line, with Datumaro's flag names.

::

    mnistio convert [-if FORMAT] -i PATH -f FORMAT -o DIR [--overwrite] [-- EXPORT OPTIONS]
    mnistio info PATH [-if FORMAT] [--json]
    mnistio detect-format PATH
    mnistio preview PATH -o GRID.png [-if FORMAT] [--per-label N] [--scale N]
    mnistio formats

Export options (after ``--``): ``--save-media``, ``--image-ext EXT``,
``--save-dataset-meta``. Every failure prints one line,
``mnistio: error: ...``, and exits non-zero; never a traceback.
"""

import argparse
import json
import os
import sys

from . import __version__, formats
from .dataset import Dataset
from .errors import MnistioError, UsageError
from .progress import Progress

__all__ = ["main"]

PROG = "mnistio"


def _parser():
    parser = argparse.ArgumentParser(prog=PROG, description="Read, write and convert MNIST-format datasets.")
    parser.add_argument("--version", action="version", version="%(prog)s " + __version__)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    convert = commands.add_parser(
        "convert", help="convert a dataset from one format to another",
        description="Convert a dataset from one format to another. Export options go after '--': "
                    "--save-media (write the pixels), --image-ext EXT, --save-dataset-meta.",
        epilog="example: mnistio convert -if mnist -i data/ -f mnist_csv -o out/ -- --save-media")
    convert.add_argument("-i", "--input-path", required=True, help="the dataset folder (or one of its files)")
    convert.add_argument("-if", "--input-format", help="its format (default: detect it)")
    convert.add_argument("-f", "--output-format", required=True, help="the format to write (%s)" % ", ".join(formats.names()))
    convert.add_argument("-o", "--output-dir", help="the folder to write; must be empty or missing "
                                                  "(default: <input name>-<format> here, as Datumaro)")
    convert.add_argument("-e", "--filter", help="keep what this XPath expression selects, e.g. "
                                                "'/item[annotation/label=\"3\"]'")
    convert.add_argument("--filter-mode", default="i", choices=("i", "a", "i+a"),
                         help="the filter keeps items (i), annotations (a), or annotations then the items "
                              "left with some (i+a); default i")
    convert.add_argument("--overwrite", action="store_true", help="replace the output folder if it is not empty")
    convert.add_argument("-q", "--quiet", action="store_true", help="no progress bar (there is none when "
                                                                      "stderr is not a terminal)")
    convert.set_defaults(run=_convert)

    info = commands.add_parser("info", help="describe a dataset",
                               description="Print a dataset's format, subsets, item counts, label names "
                                           "and counts, and image sizes.")
    info.add_argument("path", help="the dataset folder (or one of its files)")
    info.add_argument("-if", "--input-format", help="its format (default: detect it)")
    info.add_argument("--json", action="store_true", help="print JSON instead of text")
    info.set_defaults(run=_info)

    detect = commands.add_parser("detect-format", help="print the formats a path looks like",
                                 description="Print the formats PATH looks like, best first.")
    detect.add_argument("path", help="a dataset folder (or one of its files)")
    detect.set_defaults(run=_detect)

    preview = commands.add_parser("preview", help="write a contact sheet PNG of a dataset",
                                  description="Write a PNG with a row of sample images per label, "
                                              "the label names written at the left.")
    preview.add_argument("path", help="the dataset folder (or one of its files)")
    preview.add_argument("-if", "--input-format", help="its format (default: detect it)")
    preview.add_argument("-o", "--output", required=True, help="the PNG file to write")
    preview.add_argument("--per-label", type=int, default=10, help="samples per label (default 10)")
    preview.add_argument("--scale", type=int, default=2, help="pixel scale factor (default 2)")
    preview.set_defaults(run=_preview)

    from .commands import register_all

    register_all(commands)

    listing = commands.add_parser("formats", help="list the known formats", description="List the known formats.")
    listing.set_defaults(run=lambda args: print("\n".join(formats.names())) or 0)
    return parser


def _export_parser():
    parser = argparse.ArgumentParser(prog="%s convert ... --" % PROG, description="Export options.")
    parser.add_argument("--save-media", action="store_true", default=None,
                        help="write the images, not only the labels (layouts of image files always do)")
    parser.add_argument("--image-ext", help="file type of written images, e.g. .png (formats with image files)")
    parser.add_argument("--save-dataset-meta", action="store_true", help="also write dataset_meta.json")
    parser.add_argument("--refuse-color", action="store_true",
                        help="mnist, mnist_csv: refuse colour images instead of converting them to gray")
    return parser


def export_options(args):
    """The export options given after ``--``, as keyword arguments of ``Dataset.export``."""
    options = vars(_export_parser().parse_args(args.export_options))
    if not options["refuse_color"]:
        del options["refuse_color"]  # an option of the one-channel layouts only
    return options


def _convert(args):
    options = export_options(args)
    dataset = Dataset.import_from(args.input_path, args.input_format)
    if args.output_dir is None:
        args.output_dir = default_output_dir(args.input_path, args.output_format)
    with Progress(total=dataset.known_length(), enabled=not args.quiet, label="convert") as bar:
        dataset = dataset.transform_items(lambda item: bar.update() or item)  # counts what is read
        if args.filter:
            dataset = apply_filter(dataset, args.filter, args.filter_mode)
        report = dataset.export(args.output_dir, args.output_format, overwrite=args.overwrite, **options)
    counts = ", ".join("%s: %d" % pair for pair in report.subsets.items()) or "no items"
    print("wrote %d items (%s) as %s to %s" % (report.items, counts, args.output_format, args.output_dir))
    for note in report.notes:
        print("note: " + note)
    return 0


def apply_filter(dataset, expression, mode):
    from .ops.filter import parse_mode

    filter_annotations, remove_empty = parse_mode(mode)
    return dataset.filter(expression, filter_annotations=filter_annotations, remove_empty=remove_empty)


def default_output_dir(input_path, output_format, folder="."):
    """``<input name>-<format>``, numbered ``.1``, ``.2``, ... when taken, as Datumaro names it."""
    base = "%s-%s" % (os.path.basename(os.path.normpath(os.path.abspath(input_path))), output_format)
    name, number = base, 0
    while os.path.exists(os.path.join(folder, name)):
        number += 1
        name = "%s.%d" % (base, number)
    return os.path.join(folder, name)


def _detect(args):
    found = formats.detect(args.path)
    if not found:
        raise UsageError("no known format (known formats: %s)" % ", ".join(formats.names()), args.path)
    print("\n".join(found))
    return 0


def _preview(args):
    from .preview import write_contact_sheet

    dataset = Dataset.import_from(args.path, args.input_format)
    width, height = write_contact_sheet(dataset, args.output, per_label=args.per_label, scale=args.scale)
    print("wrote a %dx%d contact sheet of %s to %s" % (width, height, args.path, args.output))
    return 0


def describe(dataset):
    """A dict of what ``info`` prints: per subset counts, labels, sizes."""
    names = dataset.label_names
    subsets = {}
    for item in dataset:
        subset = subsets.setdefault(item.subset, {"items": 0, "labels": {}, "unlabeled": 0,
                                                  "image_sizes": {}, "without_image": 0})
        subset["items"] += 1
        for label in item.labels:
            subset["labels"][names[label]] = subset["labels"].get(names[label], 0) + 1
        if not item.labels:
            subset["unlabeled"] += 1
        if item.media is None:
            subset["without_image"] += 1
        else:
            size = "%dx%d" % item.media.size + ("x%d" % item.media.channels if item.media.channels > 1 else "")
            subset["image_sizes"][size] = subset["image_sizes"].get(size, 0) + 1
    return {"path": dataset.path, "format": dataset.format, "label_names": names,
            "items": sum(s["items"] for s in subsets.values()), "subsets": subsets}


def _info(args):
    summary = describe(Dataset.import_from(args.path, args.input_format))
    if args.json:
        print(json.dumps(summary, indent=2, ensure_ascii=False))
        return 0
    names = summary["label_names"]
    print("path: %s" % summary["path"])
    print("format: %s" % summary["format"])
    print("labels: %d (%s)" % (len(names), ", ".join(names)))
    print("items: %d" % summary["items"])
    for name, subset in summary["subsets"].items():
        print("subset %s: %d items" % (name, subset["items"]))
        counts = ", ".join("%s: %d" % (label, subset["labels"].get(label, 0)) for label in names)
        print("  labels: %s%s" % (counts, ", no label: %d" % subset["unlabeled"] if subset["unlabeled"] else ""))
        sizes = ", ".join("%s: %d" % pair for pair in subset["image_sizes"].items())
        print("  image sizes: %s%s" % (sizes or "none", ", no image: %d" % subset["without_image"]
                                       if subset["without_image"] and sizes else ""))
    return 0


def main(argv=None):
    """Run the command line; return the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    after_dashes = []
    if "--" in argv:
        cut = argv.index("--")
        argv, after_dashes = argv[:cut], argv[cut + 1:]
    args = _parser().parse_args(argv)
    args.export_options = after_dashes

    try:
        return args.run(args)
    except MnistioError as error:
        # One line: a message's further lines (an expression with a caret) are for the API.
        print("%s: error: %s" % (PROG, str(error).splitlines()[0]), file=sys.stderr)
        return 1
    except BrokenPipeError:  # the reader went away (| head): nothing left to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as error:
        print("%s: error: %s" % (PROG, error), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("%s: interrupted" % PROG, file=sys.stderr)
        return 130
    except Exception as error:  # a bug: still one line, with a way to see more
        if os.environ.get("MNISTIO_TRACEBACK"):
            raise
        print("%s: internal error: %s: %s (set MNISTIO_TRACEBACK=1 to see where; please report it)"
              % (PROG, type(error).__name__, error), file=sys.stderr)
        return 3
