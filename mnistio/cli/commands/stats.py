"""``mnistio stats`` and ``mnistio validate``: a dataset's statistics, and the problems among them.

::

    mnistio stats PATH[:FORMAT] [-if FORMAT] [-s SUBSET] [--json] [-q]
    mnistio validate PATH[:FORMAT] [-t classification] [-s SUBSET] [--fail-on warning|error]
                     [--imbalance-ratio R] [--json] [-q]

Datumaro's words work (``datum stats data:mnist -s train``, ``datum validate
-t classification data``); the report is printed (``--json`` for JSON) where
Datumaro writes ``statistics.json`` / ``validation_report.json`` into the
current folder.

``stats`` prints item counts per subset, the label histogram (a bar chart
when stdout is a terminal), the pixel mean and std over [0, 1], image
sizes, duplicate and blank images; ``--json`` prints the dict of
:func:`mnistio.ops.stats.compute_stats`. ``validate`` prints the problems
of :func:`mnistio.ops.stats.validate`, most severe first.

Exit status of ``validate``: 0, or 1 when ``--fail-on`` is given and a
problem is at or above that severity (the report is printed either way).
As for every command, a dataset that cannot be read also exits 1 (with a
``mnistio: error: ...`` line), a bad command line 2, an internal error 3.
"""

import json
import shutil
import sys

from ..._words import count, number
from ...errors import UsageError
from ...model.dataset import Dataset
from ...ops.stats import IMBALANCE_RATIO, SEVERITIES, compute_stats, severity_rank, validate
from .._shared import add_input_path, input_path, parse_pathspec
from ..progress import Progress

__all__ = ["register", "render_stats", "render_problems", "EXIT_PROBLEMS"]

#: exit status of ``validate`` when a problem reaches ``--fail-on``
EXIT_PROBLEMS = 4
_MAX_COLUMNS = 80
_NAME_WIDTH = 24
_MIN_BAR = 10


def register(subparsers):
    stats = subparsers.add_parser(
        "stats", help="print a dataset's statistics",
        description="Print item counts per subset, the label histogram, the pixel mean and standard "
                    "deviation over [0, 1], image sizes, duplicate and blank images, unlabeled and "
                    "multi-labeled items, and labels without items.")
    _add_common(stats)
    stats.set_defaults(run=_run_stats)

    check = subparsers.add_parser(
        "validate", help="report a dataset's problems",
        description="Report the problems among a dataset's statistics (labels without a name, missing "
                    "images, duplicates with different labels, class imbalance, blank images, ...), most "
                    "severe first.",
        epilog="exit status: 0, or %d when --fail-on is given and a problem reaches it" % EXIT_PROBLEMS)
    _add_common(check)
    check.add_argument("-t", "--task", default="classification",
                       help="what the dataset is for: classification, the one task of these layouts (Datumaro's flag)")
    check.add_argument("--fail-on", choices=SEVERITIES[1:],
                       help="exit %d if a problem is at least this severe (default: always exit 0)" % EXIT_PROBLEMS)
    check.add_argument("--imbalance-ratio", type=float, default=IMBALANCE_RATIO,
                       help="most / fewest items of a label above which labels are imbalanced (default %g)"
                            % IMBALANCE_RATIO)
    check.set_defaults(run=_run_validate)


def _add_common(parser):
    add_input_path(parser)
    parser.add_argument("-if", "--input-format", help="its format (default: detect it, or PATH:FORMAT)")
    parser.add_argument("-s", "--subset", help="this subset only (default: the whole dataset)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def _stats_of(args, label):
    if getattr(args, "task", "classification") != "classification":
        raise UsageError("validate -t %s: these layouts hold classification data; use -t classification"
                         % args.task)
    path, format = parse_pathspec(input_path(args))
    dataset = Dataset.import_from(path, args.input_format or format)
    if args.subset is not None:
        if args.subset not in dataset.subsets():
            raise UsageError("%s: no subset %r (it has %s)" % (path, args.subset, ", ".join(dataset.subsets())))
        dataset = dataset.get_subset(args.subset).as_dataset()
    with Progress(total=dataset.known_length(), enabled=not args.quiet, label=label) as bar:
        if bar.enabled:
            dataset = dataset.transform_items(lambda item: bar.update() or item)
        return compute_stats(dataset)


def _run_stats(args):
    stats = _stats_of(args, "stats")
    if args.json:
        print(json.dumps(stats, indent=2, ensure_ascii=False))
    else:
        print(render_stats(stats, bars=_isatty(sys.stdout)))
    return 0


def _run_validate(args):
    stats = _stats_of(args, "validate")
    problems = validate(stats, imbalance_ratio=args.imbalance_ratio)
    failed = args.fail_on is not None and any(
        severity_rank(problem.severity) >= severity_rank(args.fail_on) for problem in problems)
    if args.json:
        print(json.dumps({"path": stats["path"], "format": stats["format"], "items": stats["items"],
                          "problems": [problem._asdict() for problem in problems], "failed": failed},
                         indent=2, ensure_ascii=False))
    else:
        print(render_problems(problems, stats["items"]))
    return EXIT_PROBLEMS if failed else 0


# -- text ------------------------------------------------------------------------

def render_stats(stats, bars=False, columns=_MAX_COLUMNS):
    """The text ``mnistio stats`` prints; ``bars`` draws the label histogram as a chart."""
    subsets = stats["subsets"]
    lines = ["path: %s" % stats["path"], "format: %s" % stats["format"],
             "items: %s%s" % (_n(stats["items"]), " (%s)" % ", ".join(
                 "%s: %s" % (name, _n(subset["items"])) for name, subset in subsets.items()) if subsets else "")]
    lines.append("image sizes: %s" % (_counts(stats["image_sizes"]) or "none"))
    lines.extend(_pixel_lines(stats))
    lines.append("labels: %d" % len(stats["label_names"]))
    lines.extend(_histogram(stats, bars, columns))
    if stats["undefined_labels"]:
        lines.append("label indices without a name: %s" % _counts(stats["undefined_labels"]))
    lines.append("unlabeled: %s, multi-labeled: %s, without image: %s"
                 % (_n(stats["unlabeled"]), _n(stats["multi_labeled"]), _n(stats["without_image"])))
    lines.append("labels without items: %s" % (", ".join(stats["labels_without_items"]) or "none"))
    lines.append("duplicates: %s" % _duplicates_line(stats["duplicates"]))
    blank = stats["blank"]
    lines.append("blank images: %s" % ("%s (value: count %s)" % (_n(blank["items"]), _counts(blank["values"]))
                                       if blank["items"] else "none"))
    return "\n".join(lines)


def render_problems(problems, items):
    """The text ``mnistio validate`` prints."""
    if not problems:
        return "no problems (%s checked)" % count(items, "item")
    lines = []
    for problem in problems:
        examples = ", ".join("%s/%s" % (item["subset"], item["id"]) for item in problem.items[:3])
        lines.append("%-8s %s: %s%s" % (problem.severity, problem.code, problem.message,
                                        " (items: %s%s)" % (examples, ", ..." if len(problem.items) > 3 else "")
                                        if examples else ""))
    tally = ", ".join(count(found, severity) for severity, found in
                      ((severity, sum(p.severity == severity for p in problems)) for severity in reversed(SEVERITIES))
                      if found)
    lines.append("%s: %s (%s checked)" % (count(len(problems), "problem"), tally, count(items, "item")))
    return "\n".join(lines)


def _pixel_lines(stats):
    pixels = stats["pixels"]
    if pixels is None:
        return ["pixels: no images"]
    lines = ["pixels over [0, 1]: mean %.4f, std %.4f (%s values)" % (pixels["mean"], pixels["std"],
                                                                      _n(pixels["values"]))]
    if "channels" in pixels:
        lines.append("  per channel: mean (%s), std (%s)" % (
            ", ".join("%.4f" % channel["mean"] for channel in pixels["channels"]),
            ", ".join("%.4f" % channel["std"] for channel in pixels["channels"])))
    if len(stats["subsets"]) > 1:
        width = max(map(len, stats["subsets"]))
        for name, subset in stats["subsets"].items():
            if subset["pixels"] is not None:
                lines.append("  %-*s mean %.4f, std %.4f" % (width + 1, name + ":", subset["pixels"]["mean"],
                                                             subset["pixels"]["std"]))
    return lines


def _histogram(stats, bars, columns):
    """A table of label counts per subset and in all; a bar per label when ``bars``."""
    names = stats["label_names"]
    if not names:
        return []
    subsets = list(stats["subsets"].items())
    total = stats["labels"]
    name_width = min(_NAME_WIDTH, max(len("label"), *map(len, names)))
    count_width = max(len("total"), len(_n(max(total.values(), default=0))))
    headers = [name for name, _ in subsets] if len(subsets) > 1 else []
    widths = [max(count_width, len(name)) for name in headers]
    if name_width + sum(width + 2 for width in widths) + count_width + 2 + _MIN_BAR > columns:
        headers, widths = [], []  # too many subsets for one line: totals only
    lines = ["  " + "label".ljust(name_width) + "".join("  " + h.rjust(w) for h, w in zip(headers, widths))
             + "  " + "total".rjust(count_width)]
    used = len(lines[0])
    bar_width = max(_MIN_BAR, min(columns, shutil.get_terminal_size((columns, 24)).columns) - used - 3)
    most = max(total.values(), default=0) or 1
    for name in names:
        row = "  " + _fit(name, name_width).ljust(name_width)
        for (_, subset), width in zip(subsets if headers else [], widths):
            row += "  " + _n(subset["labels"][name]).rjust(width)
        row += "  " + _n(total[name]).rjust(count_width)
        if bars:
            row += "  " + "#" * round(bar_width * total[name] / most)
        lines.append(row)
    return lines


def _duplicates_line(duplicates):
    if not duplicates["groups"]:
        return "none"
    return ("%s more than once (%s in all; %s with different labels, %s across subsets)"
            % (count(duplicates["groups"], "image"), count(duplicates["items"], "item"),
               _n(duplicates["conflicting_groups"]), _n(duplicates["groups_across_subsets"])))


def _fit(name, width):
    return name if len(name) <= width else name[:width - 3] + "..."


def _counts(mapping):
    return ", ".join("%s: %s" % (key, _n(value)) for key, value in mapping.items())


_n = number


def _isatty(stream):
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
