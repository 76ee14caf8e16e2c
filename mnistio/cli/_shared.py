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
    from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

    from ..model.options import Option

__all__ = ["CommandLineError", "export_options", "export_help", "default_output_dir", "apply_filter",
           "print_written", "add_filter_flags", "output_format", "counts_text", "HelpFormatter",
           "move_export_words", "pick_options", "add_input_path", "input_path", "parse_pathspec"]


class CommandLineError(UsageError):
    """Words on the command line that do not parse: exit status 2, as argparse's errors."""


def parse_words(options: Options, words: Sequence[str]) -> Dict[str, Any]:
    """``options.parse_words``, its errors made command-line errors."""
    try:
        return options.parse_words(list(words))
    except UsageError as error:
        raise CommandLineError(error.message) from None


class HelpFormatter(argparse.HelpFormatter):
    """argparse's formatter, except that an indented line (an example command) is printed as written:
    filling it would break it in the middle of an option."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        blocks: List[str] = []
        prose: List[str] = []
        for line in text.splitlines() + [""]:
            if line.strip() and not line.startswith("  "):
                prose.append(line)
                continue
            if prose:
                blocks.append(super()._fill_text(" ".join(prose), width, indent))
                prose = []
            blocks.append(indent + line if line.strip() else "")
        return "\n".join(blocks).rstrip("\n")


def pick_options(words: Sequence[str], option_of: Callable[[str], Optional[Option]]) -> Tuple[List[str], List[str]]:
    """``(other words, picked words)``: the words whose flag ``option_of`` knows (``--flag`` or
    ``--flag=value``), each with its value when it takes one, picked out of ``words`` in order."""
    kept: List[str] = []
    picked: List[str] = []
    position = 0
    while position < len(words):
        word = words[position]
        option = option_of(word.partition("=")[0]) if word.startswith("-") else None
        if option is None:
            kept.append(word)
        else:
            picked.append(word)
            if option.takes_value and "=" not in word and position + 1 < len(words):
                position += 1
                picked.append(words[position])
        position += 1
    return kept, picked


def move_export_words(words: Sequence[str]) -> Tuple[List[str], List[str]]:
    """``(words, export words)``: export options typed before ``--`` (``convert ... --save-media``, as
    Datumaro's users will) picked out, with their values, to be read as if given after it."""
    by_flag: Dict[str, Option] = {}
    for spec in formats.specs():
        for declared in spec.all_export_options:
            by_flag.update((flag, declared) for flag in declared.flags)
    return pick_options(words, by_flag.get)


def add_input_path(parser: argparse.ArgumentParser) -> None:
    """The input as ``PATH`` or ``-i PATH`` (Datumaro's flag): ``input_path(args)`` reads it."""
    parser.add_argument("path", nargs="?", help="the dataset folder (or one of its files)")
    parser.add_argument("-i", "--input-path", help="the same, given as in Datumaro")


def input_path(args: argparse.Namespace) -> str:
    if (args.path is None) == (args.input_path is None):
        raise CommandLineError("give the input once, as PATH or as -i PATH")
    return str(args.path or args.input_path)


def parse_pathspec(text: str) -> Tuple[str, Optional[str]]:
    """``(path, format or None)`` from Datumaro's ``PATH[:FORMAT]``."""
    if os.path.exists(text) or ":" not in text:
        return text, None
    path, _, name = text.rpartition(":")
    if name in formats.names():
        return path, name
    if path and os.path.exists(path):
        formats.get(name)  # raises: unknown format, with the list of known ones
    return text, None


def export_options(format: str, words: Sequence[str]) -> Dict[str, Any]:
    """The export options given after ``--``, for ``Dataset.export`` in ``format``."""
    return parse_words(formats.get(format).all_export_options, words)


def export_help() -> str:
    """The export options of every format, for ``--help``."""
    lines = ["export options (after '--', or among the command's flags):"] + formats.COMMON_EXPORT_OPTIONS.help_lines()
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
