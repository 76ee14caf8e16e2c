"""``mnistio merge``: the union of datasets, label names reconciled by name.

::

    mnistio merge PATH[:FORMAT] PATH[:FORMAT] ... [-o DIR] [-f FORMAT] [--exact] [--overwrite] [-q]
                  [-- EXPORT OPTIONS]

Each input is a dataset folder (or file), with ``:FORMAT`` after it to skip
detection, as Datumaro spells a source: ``data/mnist:mnist
data/csv:mnist_csv``. A PATH that exists as written is never split, so
``C:\\data`` and names holding a colon still work. Inputs may be of different
formats. The output format defaults to the first input's, the output
folder to ``<first input name>-merge``.

Ids that clash (the same subset and id in two inputs, or twice in one) are
renamed ``<id>~<k>``, ``k`` the input's position, and counted in the summary;
``--exact`` refuses them instead, naming the first clash, and writes
nothing. See :mod:`mnistio.ops.merge` for the rules.
"""


from ..._words import count, number
from ...model.dataset import Dataset
from ...ops.merge import merge
from .._shared import counts_text, default_output_dir, export_options, parse_pathspec
from .._shared import output_format as resolve_output_format
from ..progress import Progress

__all__ = ["register", "parse_input"]


def register(subparsers):
    parser = subparsers.add_parser(
        "merge", help="merge datasets into one, label names reconciled by name",
        description="Write the union of datasets: label names matched by name (indices remapped), ids that "
                    "clash renamed <id>~<input number> (or refused with --exact). Inputs may be of "
                    "different formats. Export options go after '--' (or among the flags).",
        epilog="example:\n  mnistio merge data/mnist data/extra:mnist_csv -o merged -f mnist -- --save-media")
    parser.add_argument("inputs", nargs="+", metavar="PATH[:FORMAT]",
                        help="a dataset folder (or file), with its format after a colon to skip detection")
    parser.add_argument("-o", "--output-dir", help="the folder to write (default: <first input name>-merge)")
    parser.add_argument("-f", "--output-format",
                        help="the format to write (default: the first input's; 'mnistio formats' lists them)")
    parser.add_argument("--exact", action="store_true",
                        help="refuse clashing ids (same subset and id twice) instead of renaming them")
    parser.add_argument("--overwrite", action="store_true", help="replace the output folder if it is not empty")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(run=run, takes_export_options=True)


parse_input = parse_pathspec  # the name merge's tests and callers know



def run(args):
    datasets = [Dataset.import_from(*parse_input(text)) for text in args.inputs]
    merged = merge(*datasets, exact=args.exact)
    output_format = resolve_output_format(args.output_format, datasets[0])
    options = export_options(output_format, args.export_options)
    output_dir = args.output_dir or default_output_dir(datasets[0].path or "dataset", "merge")
    with Progress(total=merged.known_length(), enabled=not args.quiet, label="merge") as bar:
        counted = merged.transform_items(lambda item: bar.update() or item) if bar.enabled else merged
        written = counted.export(output_dir, output_format, overwrite=args.overwrite, **options)
    _print_summary(merged.merge_report, written, output_format, output_dir)
    return 0


def _print_summary(report, written, output_format, output_dir):
    print("merged %s into %s (%s), written as %s to %s"
          % (count(len(report.paths), "input"), count(written.items, "item"), counts_text(written.subsets, "none"),
             output_format, output_dir))
    for position, path in enumerate(report.paths):
        details = [count(report.items[position], "item")]
        if report.renamed[position]:
            details.append("%s renamed" % number(report.renamed[position]))
        if position and report.new_labels[position]:
            details.append("new labels: %s" % ", ".join(report.new_labels[position]))
        print("  input %d: %s (%s): %s" % (position + 1, path, report.formats[position], ", ".join(details)))
    if report.total_renamed:
        examples = ", ".join("%s/%s -> %s" % (rename.subset, rename.old_id, rename.new_id)
                             for rename in report.examples[:3])
        print("renamed %s whose ids clashed, e.g. %s" % (count(report.total_renamed, "item"), examples))
    else:
        print("no id clashes")
    for note in written.notes:
        print("note: " + note)

