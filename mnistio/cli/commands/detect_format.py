"""``mnistio detect-format``: the formats a path looks like, best first."""

from ... import formats
from ...errors import UsageError
from .._shared import add_input_path, input_path

__all__ = ["register"]


def register(subparsers):
    parser = subparsers.add_parser("detect-format", help="print the formats a path looks like",
                                   description="Print the formats PATH looks like, best first.")
    add_input_path(parser)
    parser.set_defaults(run=run)


def run(args):
    found = formats.detect(input_path(args))
    if not found:
        raise UsageError("no known format (known formats: %s)" % ", ".join(formats.names()), input_path(args))
    print("\n".join(found))
    return 0
