"""``mnistio filter``: keep the items or annotations an XPath expression selects.

::

    mnistio filter -e EXPR [-m i|a|i+a] [-if FORMAT] (PATH | -i PATH) [-o DIR] [-f FORMAT] [--overwrite]
                   [-- EXPORT OPTIONS]

As ``datum filter``: the output format defaults to the input's, the output
folder to ``<input name>-filter``.
"""

from ..._words import count
from ...errors import UsageError
from ...model.dataset import Dataset
from .._shared import apply_filter, counts_text, default_output_dir, export_options
from .._shared import output_format as resolve_output_format

__all__ = ["register"]


def register(subparsers):
    parser = subparsers.add_parser(
        "filter", help="keep the items or annotations an XPath expression selects",
        description="Keep the items (or annotations) that an XPath 1.0 expression selects in the item's "
                    "XML view, and write them. Export options go after '--'.",
        epilog="example: mnistio filter -e '/item[annotation/label=\"3\"]' data/ -o threes/ -- --save-media")
    parser.add_argument("path", nargs="?", help="the dataset folder (or one of its files)")
    parser.add_argument("-i", "--input-path", help="the same, given as in convert")
    parser.add_argument("-e", "--filter", required=True, help="the XPath 1.0 expression")
    parser.add_argument("-m", "--mode", default="i", choices=("i", "a", "i+a"),
                        help="keep items (i), annotations (a), or annotations then the items left with some "
                             "(i+a); default i")
    parser.add_argument("-if", "--input-format", help="the input's format (default: detect it)")
    parser.add_argument("-f", "--output-format", help="the format to write (default: the input's)")
    parser.add_argument("-o", "--output-dir", help="the folder to write (default: <input name>-filter)")
    parser.add_argument("--overwrite", action="store_true", help="replace the output folder if it is not empty")
    parser.set_defaults(run=run)


def run(args):
    if (args.path is None) == (args.input_path is None):
        raise UsageError("give the input once, as PATH or -i PATH")
    args.path = args.path or args.input_path
    dataset = Dataset.import_from(args.path, args.input_format)
    output_format = resolve_output_format(args.output_format, dataset)
    options = export_options(output_format, args.export_options)
    output_dir = args.output_dir or default_output_dir(args.path, "filter")
    kept = apply_filter(dataset, args.filter, args.mode)
    report = kept.export(output_dir, output_format, overwrite=args.overwrite, **options)
    print("kept %s (%s) as %s in %s" % (count(report.items, "item"), counts_text(report.subsets, "none"),
                                        output_format, output_dir))
    for note in report.notes:
        print("note: " + note)
    if not report.items:
        print("note: the filter kept no item (check the expression: 'mnistio info' shows the labels and subsets)")
    return 0
