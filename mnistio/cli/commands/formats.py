"""``mnistio formats``: the known formats."""

from ... import formats

__all__ = ["register"]


def register(subparsers):
    parser = subparsers.add_parser("formats", help="list the known formats", description="List the known formats.")
    parser.set_defaults(run=run)


def run(args):
    print("\n".join(formats.names()))
    return 0
