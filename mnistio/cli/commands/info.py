"""``mnistio info``: a dataset's format, subsets, item counts, label names and counts, image sizes."""

from __future__ import annotations

import json

from ..._words import count, number
from .._shared import add_input_path, import_dataset, input_path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict

__all__ = ["register", "describe"]


def register(subparsers):
    parser = subparsers.add_parser("info", help="describe a dataset",
                                   description="Print a dataset's format, subsets, item counts, label names "
                                               "and counts, and image sizes.")
    add_input_path(parser)
    parser.add_argument("-if", "--input-format", help="its format (default: detect it)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.set_defaults(run=run, takes_import_options=True)


def describe(dataset):
    """A dict of what ``info`` prints: per subset counts, labels, sizes."""
    names = dataset.label_names
    subsets: Dict[str, Dict[str, Any]] = {}
    for item in dataset:
        subset = subsets.setdefault(item.subset, {"items": 0, "labels": {}, "unlabeled": 0,
                                                  "image_sizes": {}, "without_image": 0})
        subset["items"] += 1
        for label in item.labels:
            subset["labels"][names[label]] = subset["labels"].get(names[label], 0) + 1
        if not item.labels:
            subset["unlabeled"] += 1
        if item.media is None:
            subset["without_image"] += 1
        else:
            size = "%dx%d" % item.media.size + ("x%d" % item.media.channels if item.media.channels > 1 else "")
            subset["image_sizes"][size] = subset["image_sizes"].get(size, 0) + 1
    return {"path": dataset.path, "format": dataset.format, "label_names": names,
            "items": sum(s["items"] for s in subsets.values()), "subsets": subsets}


def run(args):
    summary = describe(import_dataset(args, input_path(args), args.input_format))
    if args.json:
        print(json.dumps(summary, indent=2, ensure_ascii=False))
        return 0
    names = summary["label_names"]
    print("path: %s" % summary["path"])
    print("format: %s" % summary["format"])
    print("labels: %s" % ("%d (%s)" % (len(names), ", ".join(names)) if names else "none"))
    print("items: %s" % number(summary["items"]))
    for name, subset in summary["subsets"].items():
        print("subset %s: %s" % (name, count(subset["items"], "item")))
        counts = ["%s: %s" % (label, number(subset["labels"].get(label, 0))) for label in names]
        if subset["unlabeled"]:
            counts.append("no label: %s" % number(subset["unlabeled"]))
        print("  labels: %s" % ", ".join(counts))
        sizes = ", ".join("%s: %s" % (size, number(value)) for size, value in subset["image_sizes"].items())
        print("  image sizes: %s%s" % (sizes or "none", ", no image: %s" % number(subset["without_image"])
                                       if subset["without_image"] and sizes else ""))
    return 0
