"""``mnistio transform``: a dataset through one transform, written out, as Datumaro's ``transform``.

::

    mnistio transform -t NAME [-i PATH] [-if FORMAT] [-o DIR] [-f FORMAT] [--overwrite] [-q]
                      -- [TRANSFORM OPTIONS] [EXPORT OPTIONS]

Everything after ``--`` belongs to the transform (Datumaro's option names,
see ``mnistio transform -t NAME -- -h``), except the export options of
``convert`` (``--save-media``, ``--image-ext EXT``, ``--save-dataset-meta``,
``--refuse-color``), which are recognised among them; a second ``--`` may
separate the two explicitly. The output format defaults to the input's,
the output folder to ``<input name>-<transform>``, as ``datum transform``.
"""

import argparse

from ... import formats
from ...model.dataset import Dataset
from ...ops import transforms
from .._shared import (
    add_import_flags,
    default_output_dir,
    export_help,
    export_options,
    import_options,
    pick_options,
    print_written,
)
from .._shared import output_format as resolve_output_format
from ..progress import Progress

__all__ = ["register", "transform_help", "split_words"]

_PROG = "mnistio transform"
_HELP_FLAGS = ("-h", "--help")

_EPILOG = """\
transform options go after '--', with Datumaro's names; see them with
'mnistio transform -t NAME -- -h'. The export options (--save-media,
--image-ext EXT, --save-dataset-meta, and the output format's own) may be
given among them, or after a second '--'.

examples:
  mnistio transform -t random_split -i data/ -o out/ -- -s train:.8 -s test:.2 --seed 1
  mnistio transform -t split -i data/ -o out/ -- -s train:.7 -s val:.1 -s test:.2
  mnistio transform -t resize -i data/ -o out/ -- -dw 32 -dh 32 --method bilinear --save-media
  mnistio transform -t pad -i data/ -o out/ -f mnist_csv -- -dw 32 -dh 32 -- --save-media
  mnistio transform -t remap_labels -i data/ -o out/ -- -l 0:zero -l 1: --default keep
"""


def register(subparsers):
    parser = subparsers.add_parser(
        "transform", help="write a dataset through a transform (split, remap, resize, ...)",
        description="Read a dataset, apply one transform, and write the result.",
        epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-t", "--transform", required=True, choices=transforms.names(), metavar="NAME",
                        help="the transform (%s)" % ", ".join(transforms.names()))
    parser.add_argument("-i", "--input-path", default=".", help="the dataset folder (default: the current one)")
    parser.add_argument("-if", "--input-format", help="its format (default: detect it)")
    parser.add_argument("-o", "--output-dir", help="the folder to write, empty or missing "
                                                   "(default: <input name>-<transform> here)")
    parser.add_argument("-f", "--output-format", help="the format to write (default: the input's)")
    parser.add_argument("--overwrite", action="store_true", help="replace the output folder if it is not empty")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    add_import_flags(parser)
    parser.set_defaults(run=_run, takes_export_options=True)


def split_words(words, export_options_spec):
    """``(transform words, export words)`` from what follows ``--``: a second ``--`` separates them,
    else the export options' flags (with their values) are picked out from among the rest."""
    if "--" in words:
        cut = words.index("--")
        return words[:cut], words[cut + 1:]
    return pick_options(words, export_options_spec.get_by_flag)


def transform_help(name, prog):
    """The help of a transform's options, from its spec."""
    spec = transforms.get(name)
    lines = ["usage: %s -- [OPTIONS]" % prog, "", spec.description.replace("``", ""), "", "options:"]
    lines.extend(spec.options.help_lines() or ["  (none)"])
    return "\n".join(lines)


def _run(args):
    if any(word in _HELP_FLAGS for word in args.export_options):
        print(transform_help(args.transform, "%s -t %s ..." % (_PROG, args.transform)))
        print()
        print(export_help())
        return 0
    dataset = Dataset.import_from(args.input_path, args.input_format, **import_options(args))
    output_format = resolve_output_format(args.output_format, dataset)
    transform_words, export_words = split_words(list(args.export_options),
                                                formats.get(output_format).all_export_options)
    # A transform's options are the transform's to check (exit 1), as when given from Python.
    options = transforms.parse_options(args.transform, transform_words)
    export = export_options(output_format, export_words)
    output_dir = args.output_dir or default_output_dir(args.input_path, args.transform)
    result = dataset.transform(args.transform, **options)
    with Progress(total=result.known_length(), enabled=not args.quiet, label="transform") as bar:
        counted = result.transform_items(lambda item: bar.update() or item)
        report = counted.export(output_dir, output_format, overwrite=args.overwrite, **export)
    print_written(report, "wrote", output_format, output_dir)
    return 0
