"""``mnistio format``: Datumaro's ``datum format``, the format names, one a line.

::

    mnistio format [-li | -le] [-d DELIMITER]

Every mnistio format is read and written, so both lists are the same;
``mnistio formats -v`` describes each with its options.
"""

from ... import formats

__all__ = ["register"]


def register(subparsers):
    parser = subparsers.add_parser(
        "format", help="list the format names, as 'datum format'",
        description="List the format names mnistio reads and writes ('mnistio formats -v' describes them).")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("-li", "--list-import", action="store_true", help="only the formats read (all of them)")
    which.add_argument("-le", "--list-export", action="store_true", help="only the formats written (all of them)")
    parser.add_argument("-d", "--delimiter", default="\n", help="between names (default: a new line)")
    parser.set_defaults(run=run)


def run(args):
    names = formats.names()
    if args.list_import or args.list_export:
        print(args.delimiter.join(names))
        return 0
    print("Supported import formats:")
    print(args.delimiter.join(names))
    print()
    print("Supported export formats:")
    print(args.delimiter.join(names))
    return 0
