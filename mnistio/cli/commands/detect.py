"""``mnistio detect``: Datumaro's ``datum detect``, a human-readable report of the format of a folder.

::

    mnistio detect [--show-rejections] [--json-report FILE] [--depth N] PATH

(``mnistio detect-format`` prints the matching formats alone, best first.)
"""

import json

from ... import formats
from ...codecs.streams import write_file_atomically

__all__ = ["register"]


def register(subparsers):
    parser = subparsers.add_parser(
        "detect", help="report the format of a dataset, as 'datum detect'",
        description="Report the format PATH looks like (several when it looks like more than one, best first).",
        epilog="example:\n  mnistio detect --show-rejections data/")
    parser.add_argument("url", metavar="PATH", help="the dataset folder (or one of its files)")
    parser.add_argument("--show-rejections", action="store_true", help="also list the formats it does not look like")
    parser.add_argument("--json-report", metavar="FILE", help="also write the report as JSON to FILE")
    parser.add_argument("--depth", type=int, default=2, help="accepted for Datumaro's command lines; detection "
                                                              "looks at the folder and its label folders")
    parser.set_defaults(run=run)


def run(args):
    found = formats.detect(args.url)
    rejected = [name for name in formats.names() if name not in found]
    if len(found) == 1:
        print("Detected format: %s" % found[0])
    elif not found:
        print("Unable to detect the format")
    else:
        print("Ambiguous dataset; detected the following formats (best first):")
        print()
        for name in found:
            print("- %s" % name)
    if args.show_rejections:
        print()
        if rejected:
            print("The following formats were rejected:")
            print()
            for name in rejected:
                print("%s:" % name)
                print("  the files do not match its layout (see 'mnistio formats -v')")
        else:
            print("No formats were rejected.")
    if args.json_report:
        report = {"detected_formats": found,
                  "rejected_formats": {name: {"reason": "unmet_requirements",
                                              "message": "the files do not match its layout"} for name in rejected}}
        write_file_atomically(args.json_report, (json.dumps(report, indent=4) + "\n").encode("utf-8"))
    return 0
