"""``mnistio convert``: a dataset from one format to another, as ``datum convert``.

::

    mnistio convert [-if FORMAT] (PATH | -i PATH) -f FORMAT [-o DIR] [--overwrite] [-e XPATH [--filter-mode MODE]] [-q]
                    [-- EXPORT OPTIONS]
"""

from .._shared import (
    add_filter_flags,
    add_input_path,
    apply_filter,
    default_output_dir,
    export_options,
    import_dataset,
    input_path,
    print_written,
)
from ..progress import Progress

__all__ = ["register"]


def register(subparsers):
    parser = subparsers.add_parser(
        "convert", help="convert a dataset from one format to another",
        description="Convert a dataset from one format to another. Export options go after '--' (or among the flags).",
        epilog="export options (after '--', or among the flags): --save-media, --image-ext EXT, "
               "--save-dataset-meta, and the "
               "output format's own ('mnistio formats -v' lists them)\n\n"
               "examples:\n"
               "  mnistio convert -if mnist -i data/ -f mnist_csv -o out/ -- --save-media\n"
               "  mnistio convert data/ -f imagenet -o out/ -- --save-media --image-ext .png")
    add_input_path(parser)
    parser.add_argument("-if", "--input-format", help="its format (default: detect it)")
    parser.add_argument("-f", "--output-format", required=True,
                        help="the format to write ('mnistio formats' lists them)")
    parser.add_argument("-o", "--output-dir", help="the folder to write; must be empty or missing "
                                                   "(default: <input name>-<format> here, as Datumaro)")
    add_filter_flags(parser, ["--filter-mode"], "keep what this XPath expression selects, e.g. "
                                                "'/item[annotation/label=\"3\"]'")
    parser.add_argument("--overwrite", action="store_true", help="replace the output folder if it is not empty")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar (there is none when "
                                                                   "stderr is not a terminal)")
    parser.set_defaults(run=run, takes_export_options=True, takes_import_options=True)


def run(args):
    path = input_path(args)
    options = export_options(args.output_format, args.export_options)
    dataset = import_dataset(args, path, args.input_format)
    if args.output_dir is None:
        args.output_dir = default_output_dir(path, args.output_format)
    with Progress(total=dataset.known_length(), enabled=not args.quiet, label="convert") as bar:
        dataset = dataset.transform_items(lambda item: bar.update() or item)  # counts what is read
        if args.filter:
            dataset = apply_filter(dataset, args.filter, args.filter_mode)
        report = dataset.export(args.output_dir, args.output_format, overwrite=args.overwrite, **options)
    print_written(report, "wrote", args.output_format, args.output_dir, filtered=bool(args.filter))
    return 0
