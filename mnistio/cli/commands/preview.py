"""``mnistio preview``: a contact sheet PNG, a row of samples per label."""

from ...ops.preview import drawn_name, write_contact_sheet
from .._shared import add_input_path, import_dataset, input_path

__all__ = ["register"]


def register(subparsers):
    parser = subparsers.add_parser("preview", help="write a contact sheet PNG of a dataset",
                                   description="Write a PNG with a row of sample images per label, "
                                               "the label names written at the left.")
    add_input_path(parser)
    parser.add_argument("-if", "--input-format", help="its format (default: detect it)")
    parser.add_argument("-o", "--output", required=True, help="the PNG file to write")
    parser.add_argument("--per-label", type=int, default=10, help="samples per label (default 10)")
    parser.add_argument("--scale", type=int, default=2, help="pixel scale factor (default 2)")
    parser.set_defaults(run=run, takes_import_options=True)


def run(args):
    dataset = import_dataset(args, input_path(args), args.input_format)
    width, height = write_contact_sheet(dataset, args.output, per_label=args.per_label, scale=args.scale)
    print("wrote a %dx%d contact sheet of %s to %s" % (width, height, input_path(args), args.output))
    redrawn = ["%s as %s" % (name, drawn_name(name)) for name in dataset.label_names if drawn_name(name) != name]
    if redrawn:
        print("note: label names drawn in ASCII: " + ", ".join(redrawn))
    return 0
