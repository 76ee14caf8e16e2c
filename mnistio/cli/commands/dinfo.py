"""``mnistio dinfo``: Datumaro's ``datum dinfo``, a dataset's length, labels and subsets.

::

    mnistio dinfo [--all] PATH[:FORMAT]

(``mnistio info`` prints more: label counts and image sizes per subset.)
"""

from ...model.dataset import Dataset
from .._shared import parse_pathspec

__all__ = ["register"]

_LABELS_SHOWN = 10


def register(subparsers):
    parser = subparsers.add_parser(
        "dinfo", help="print a dataset's length, labels and subsets, as 'datum dinfo'",
        description="Print a dataset's length, label names and subsets, in the layout of 'datum dinfo'.",
        epilog="example:\n  mnistio dinfo data/mnist:mnist")
    parser.add_argument("target", metavar="PATH[:FORMAT]", help="the dataset, with its format after a colon")
    parser.add_argument("--all", action="store_true", help="print every label name, not the first ten")
    parser.set_defaults(run=run)


def _print(dataset, indent, show_all):
    print("%slength: %d" % (indent, len(dataset)))
    names = dataset.label_names if hasattr(dataset, "label_names") else dataset.parent.label_names
    print("%scategories: label" % indent)
    print("%s  label:" % indent)
    print("%s    count: %d" % (indent, len(names)))
    shown = names if show_all else names[:_LABELS_SHOWN]
    more = " (and %d more)" % (len(names) - len(shown)) if len(shown) < len(names) else ""
    print("%s    labels: %s%s" % (indent, ", ".join(shown), more))


def run(args):
    dataset = Dataset.import_from(*parse_pathspec(args.target))
    _print(dataset, "", args.all)
    subsets = dataset.subsets()
    print("subsets: %s" % ", ".join(subsets))
    for name, subset in subsets.items():
        print("  '%s':" % name)
        _print(subset, "    ", args.all)
    return 0
