"""What the commands share: export options from the format specs, output names, reports."""

from __future__ import annotations

import argparse
import os

from .. import formats
from .._words import count, number
from ..errors import UsageError
from ..model.dataset import Dataset
from ..model.options import Options
from ..ops.filter import MODES, parse_mode

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, List, Optional, Sequence

__all__ = ["CommandLineError", "export_options", "export_help", "default_output_dir", "apply_filter",
           "print_written", "add_filter_flags", "output_format", "counts_text"]


class CommandLineError(UsageError):
    """Words on the command line that do not parse: exit status 2, as argparse's errors."""


def parse_words(options: Options, words: Sequence[str]) -> Dict[str, Any]:
    """``options.parse_words``, its errors made command-line errors."""
    try:
        return options.parse_words(list(words))
    except UsageError as error:
        raise CommandLineError(error.message) from None


def export_options(format: str, words: Sequence[str]) -> Dict[str, Any]:
    """The export options given after ``--``, for ``Dataset.export`` in ``format``."""
    return parse_words(formats.get(format).all_export_options, words)


def export_help() -> str:
    """The export options of every format, for ``--help``."""
    lines = ["export options (after '--'):"] + formats.COMMON_EXPORT_OPTIONS.help_lines()
    for spec in formats.specs():
        if len(spec.export_options):
            lines.append("%s also takes:" % spec.name)
            lines.extend(spec.export_options.help_lines())
    return "\n".join(lines)


def output_format(given: Optional[str], dataset: Dataset) -> str:
    """The output format: the one given, else the input's own."""
    found = given or dataset.format
    if found is None:
        raise UsageError("the dataset has no format of its own: give the output format with -f")
    return found


def default_output_dir(input_path: str, output_format: str, folder: str = ".") -> str:
    """``<input name>-<format>``, numbered ``.1``, ``.2``, ... when taken, as Datumaro names it."""
    base = "%s-%s" % (os.path.basename(os.path.normpath(os.path.abspath(input_path))), output_format)
    name, number = base, 0
    while os.path.exists(os.path.join(folder, name)):
        number += 1
        name = "%s.%d" % (base, number)
    return os.path.join(folder, name)


def apply_filter(dataset: Dataset, expression: str, mode: str) -> Dataset:
    filter_annotations, remove_empty = parse_mode(mode)
    return dataset.filter(expression, filter_annotations=filter_annotations, remove_empty=remove_empty)


def add_filter_flags(parser: argparse.ArgumentParser, mode_flags: List[str], expression_help: str) -> None:
    parser.add_argument("-e", "--filter", help=expression_help)
    parser.add_argument(*mode_flags, default="i", choices=tuple(MODES),
                        help="the filter keeps items (i), annotations (a), or annotations then the items "
                             "left with some (i+a); default i")


def counts_text(subsets: Dict[str, int], none: str = "no items") -> str:
    return ", ".join("%s: %s" % (name, number(value)) for name, value in subsets.items()) or none


def print_written(report: Any, verb: str, output_format: str, output_dir: str, filtered: bool = False) -> None:
    """``wrote 600 items (train: 500, test: 100) as mnist_csv to out``, then the report's notes."""
    print("%s %s (%s) as %s to %s" % (verb, count(report.items, "item"), counts_text(report.subsets),
                                      output_format, output_dir))
    for note in report.notes:
        print("note: " + note)
    if filtered and not report.items:
        print("note: the filter kept no item (check the expression: 'mnistio info' shows the labels and subsets)")
