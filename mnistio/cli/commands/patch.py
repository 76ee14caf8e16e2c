"""``mnistio patch``: Datumaro's ``datum patch``, one dataset's items updated from another's.

::

    mnistio patch [-o DIR] [-f FORMAT] [--overwrite] TARGET[:FORMAT] PATCH[:FORMAT] [-- EXPORT OPTIONS]

Items of PATCH replace those of TARGET with the same id and subset, and the
others are added; PATCH's labels are matched to TARGET's by name, and
annotations whose label TARGET does not name are dropped (Datumaro's
``Dataset.update``). The result is written to ``-o DIR``, or back into
TARGET's folder (``--overwrite`` is then needed, as in Datumaro, and only
the changed subsets are written again where the layout allows it).
"""

from ...errors import UsageError
from ...model.dataset import Dataset
from .._shared import export_options, output_format, parse_pathspec, print_written

__all__ = ["register"]


def register(subparsers):
    parser = subparsers.add_parser(
        "patch", help="update a dataset's items from another dataset, as 'datum patch'",
        description="Update the items of TARGET with those of PATCH (same id and subset: replaced; others: added; "
                    "labels matched by name) and write the result to -o DIR, or back into TARGET with --overwrite.",
        epilog="examples:\n"
               "  mnistio patch --overwrite data/mnist fixes/:mnist_csv -- --save-media\n"
               "  mnistio patch -o patched/ -f mnist_csv data/mnist fixes/")
    parser.add_argument("target", metavar="TARGET[:FORMAT]", help="the dataset to update")
    parser.add_argument("patch", metavar="PATCH[:FORMAT]", help="the dataset whose items are put into TARGET")
    parser.add_argument("-o", "--output-dir", dest="dst_dir", help="where to write (default: TARGET, in place)")
    parser.add_argument("-f", "--format", help="the format to write (default: TARGET's)")
    parser.add_argument("--overwrite", action="store_true", help="replace the output folder if it is not empty "
                                                                 "(needed to update TARGET in place)")
    parser.set_defaults(run=run, takes_export_options=True)


def run(args):
    target = Dataset.import_from(*parse_pathspec(args.target))
    patch = Dataset.import_from(*parse_pathspec(args.patch))
    format = output_format(args.format, target)
    options = export_options(format, args.export_options)
    output_dir = str(args.dst_dir or target.path)
    if args.dst_dir is None and not args.overwrite:
        raise UsageError("updating %s in place needs --overwrite (or write elsewhere with -o DIR)" % output_dir)
    target.update(patch)
    report = target.export(output_dir, format, overwrite=args.overwrite, **options)
    print_written(report, "patched", format, output_dir)
    return 0
