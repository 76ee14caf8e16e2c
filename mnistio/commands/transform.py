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

from ..dataset import Dataset
from ..ops.transforms import TRANSFORMS, options_parser, parse_options
from ..progress import Progress

__all__ = ["register"]

_PROG = "mnistio transform"
_HELP_FLAGS = ("-h", "--help")

_EPILOG = """\
transform options go after '--', with Datumaro's names; see them with
'mnistio transform -t NAME -- -h'. The export options --save-media,
--image-ext EXT, --save-dataset-meta and --refuse-color may be given among
them, or after a second '--'.

examples:
  mnistio transform -t random_split -i data/ -o out/ -- -s train:.8 -s test:.2 --seed 1
  mnistio transform -t split -i data/ -o out/ -- -s train:.7 -s val:.1 -s test:.2
  mnistio transform -t resize -i data/ -o out/ -- -dw 32 -dh 32 --method bilinear --save-media
  mnistio transform -t pad -i data/ -o out/ -f mnist_csv -- -dw 32 -dh 32 -- --save-media
  mnistio transform -t remap_labels -i data/ -o out/ -- -l 0:zero -l 1: --default keep
"""


def register(commands):
    parser = commands.add_parser(
        "transform", help="write a dataset through a transform (split, remap, resize, ...)",
        description="Read a dataset, apply one transform, and write the result.",
        epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-t", "--transform", required=True, choices=list(TRANSFORMS), metavar="NAME",
                        help="the transform (%s)" % ", ".join(TRANSFORMS))
    parser.add_argument("-i", "--input-path", default=".", help="the dataset folder (default: the current one)")
    parser.add_argument("-if", "--input-format", help="its format (default: detect it)")
    parser.add_argument("-o", "--output-dir", help="the folder to write, empty or missing "
                                                  "(default: <input name>-<transform> here)")
    parser.add_argument("-f", "--output-format", help="the format to write (default: the input's)")
    parser.add_argument("--overwrite", action="store_true", help="replace the output folder if it is not empty")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(run=_run)


def _separate(argv, export_parser):
    """``(transform arguments, export options dict)`` from what follows ``--``."""
    if "--" in argv:
        cut = argv.index("--")
        return argv[:cut], vars(export_parser.parse_args(argv[cut + 1:]))
    # The export parser keeps its own flags and hands back the rest in order.
    known, rest = export_parser.parse_known_args([arg for arg in argv if arg not in _HELP_FLAGS])
    helps = [arg for arg in argv if arg in _HELP_FLAGS]
    return rest + helps, vars(known)


def _print_help(name, export_parser):
    prog = "%s -t %s ..." % (_PROG, name)
    print(options_parser(name, prog="%s --" % prog).format_help())
    export_parser.prog = "%s -- ... [--]" % prog
    print(export_parser.format_help())


def _run(args):
    # The convert command's export parser, so that both accept the same options.
    from ..cli import _export_parser, default_output_dir

    export_parser = _export_parser()
    export_parser.prog = "%s ... --" % _PROG
    transform_argv, export_options = _separate(list(getattr(args, "export_options", [])), export_parser)
    if any(arg in _HELP_FLAGS for arg in transform_argv):
        _print_help(args.transform, export_parser)
        return 0
    options = parse_options(args.transform, transform_argv)
    if not export_options["refuse_color"]:
        del export_options["refuse_color"]  # an option of the one-channel layouts only
    dataset = Dataset.import_from(args.input_path, args.input_format)
    output_format = args.output_format or dataset.format
    output_dir = args.output_dir or default_output_dir(args.input_path, args.transform)
    result = dataset.transform(args.transform, **options)
    with Progress(total=result.known_length(), enabled=not args.quiet, label="transform") as bar:
        counted = result.transform_items(lambda item: bar.update() or item)
        report = counted.export(output_dir, output_format, overwrite=args.overwrite, **export_options)
    counts = ", ".join("%s: %d" % pair for pair in report.subsets.items()) or "no items"
    print("wrote %d items (%s) as %s to %s" % (report.items, counts, output_format, output_dir))
    for note in report.notes:
        print("note: " + note)
    return 0
