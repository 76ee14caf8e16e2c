"""``mnistio detect-format``: the formats a path looks like, best first."""

from ... import formats
from ...errors import UsageError

__all__ = ["register"]


def register(subparsers):
    parser = subparsers.add_parser("detect-format", help="print the formats a path looks like",
                                   description="Print the formats PATH looks like, best first.")
    parser.add_argument("path", help="a dataset folder (or one of its files)")
    parser.set_defaults(run=run)


def run(args):
    found = formats.detect(args.path)
    if not found:
        raise UsageError("no known format (known formats: %s)" % ", ".join(formats.names()), args.path)
    print("\n".join(found))
    return 0
