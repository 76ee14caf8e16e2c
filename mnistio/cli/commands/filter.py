"""``mnistio filter``: keep the items or annotations an XPath expression selects.

::

    mnistio filter -e EXPR [-m i|a|i+a] [-if FORMAT] (PATH | -i PATH) [-o DIR] [-f FORMAT] [--overwrite]
                   [-- EXPORT OPTIONS]

As ``datum filter``: the output format defaults to the input's, the output
folder to ``<input name>-filter``.
"""

from .._shared import (
    add_input_path,
    apply_filter,
    default_output_dir,
    export_options,
    import_dataset,
    input_path,
    print_written,
)
from .._shared import output_format as resolve_output_format

__all__ = ["register"]


def register(subparsers):
    parser = subparsers.add_parser(
        "filter", help="keep the items or annotations an XPath expression selects",
        description="Keep the items (or annotations) that an XPath 1.0 expression selects in the item's "
                    "XML view, and write them. Export options go after '--' (or among the flags).",
        epilog="example:\n  mnistio filter -e '/item[annotation/label=\"3\"]' data/ -o threes/ -- --save-media")
    add_input_path(parser)
    parser.add_argument("-e", "--filter", required=True, help="the XPath 1.0 expression")
    parser.add_argument("-m", "--mode", default="i", choices=("i", "a", "i+a"),
                        help="keep items (i), annotations (a), or annotations then the items left with some "
                             "(i+a); default i")
    parser.add_argument("-if", "--input-format", help="the input's format (default: detect it)")
    parser.add_argument("-f", "--output-format", help="the format to write (default: the input's)")
    parser.add_argument("-o", "--output-dir", help="the folder to write (default: <input name>-filter)")
    parser.add_argument("--overwrite", action="store_true", help="replace the output folder if it is not empty")
    parser.set_defaults(run=run, takes_export_options=True, takes_import_options=True)


def run(args):
    path = input_path(args)
    dataset = import_dataset(args, path, args.input_format)
    output_format = resolve_output_format(args.output_format, dataset)
    options = export_options(output_format, args.export_options)
    output_dir = args.output_dir or default_output_dir(path, "filter")
    kept = apply_filter(dataset, args.filter, args.mode)
    report = kept.export(output_dir, output_format, overwrite=args.overwrite, **options)
    print_written(report, "kept", output_format, output_dir, filtered=True)
    return 0
