"""The ``mnistio`` command line, with Datumaro's flag names.

Each module of :mod:`mnistio.cli.commands` adds its commands through
``register(subparsers)`` and sets ``run`` (a function of the parsed
arguments returning the exit status); adding a command is adding a module.
Options that belong to a format or a transform are not declared here: they
come from their specs (``mnistio.formats``, ``mnistio.ops.transforms``).

Every failure prints one line, ``mnistio: error: ...``, and exits non-zero:
1 for a dataset or file that cannot be read or written, 2 for a bad command
line, 3 for an internal error (a bug); never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from .. import __version__
from .._plugins import plugin_names
from ..errors import MnistioError
from . import commands
from ._shared import CommandLineError, HelpFormatter, move_export_words, move_import_words

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import List, Optional, Sequence

__all__ = ["main", "PROG"]

PROG = "mnistio"


def _parser(command: Optional[str] = None) -> argparse.ArgumentParser:
    """The parser of every command, or only of ``command``'s module when it is known: a
    command's start should not pay for importing every other one."""
    parser = argparse.ArgumentParser(prog=PROG, description="Read, write and convert MNIST-format datasets.")
    parser.add_argument("--version", action="version", version="%(prog)s " + __version__)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    modules = plugin_names(commands.__path__)
    if command is not None:
        module = commands.ELSEWHERE.get(command, command.replace("-", "_"))
        modules = [module] if module in modules else modules
    for name in modules:
        importlib.import_module("%s.%s" % (commands.__name__, name)).register(subparsers)
    _use_formatter(parser)
    return parser


def _use_formatter(parser: argparse.ArgumentParser) -> None:
    """Every parser's help through :class:`HelpFormatter`, so examples print as written."""
    if parser.formatter_class is argparse.HelpFormatter:
        parser.formatter_class = HelpFormatter
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for subparser in set(action.choices.values()):
                _use_formatter(subparser)


def _command_parser(parser: argparse.ArgumentParser, words: Sequence[str]) -> argparse.ArgumentParser:
    """The parser of the command the leading words name (``export``, ``project export``)."""
    for word in words:
        choices = [action.choices for action in parser._actions if isinstance(action, argparse._SubParsersAction)]
        if not choices or word not in choices[0]:
            break
        parser = choices[0][word]
    return parser


def _command_word(words: Sequence[str]) -> Optional[str]:
    """The command of a command line: its first word, unless that is an option (``--help``)."""
    return words[0] if words and not words[0].startswith("-") else None


def _printable_output() -> None:
    """Names read from files can hold what the terminal's encoding cannot (a lone surrogate from
    a JSON escape, a folder named in Latin-1 bytes): print those escaped, never fail on them."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="backslashreplace")
            except (OSError, ValueError):  # a stream that cannot change: leave it
                pass


def _parse(words: List[str]) -> argparse.Namespace:
    """The parsed command line; ``export_options`` holds the words for the export."""
    after_dashes: List[str] = []
    if "--" in words:
        cut = words.index("--")
        words, after_dashes = words[:cut], words[cut + 1:]
    parser = _parser(_command_word(words))
    command = _command_parser(parser, words)
    import_words: List[str] = []
    if command.get_default("takes_import_options"):  # --label-column: before '--' or after it
        words, import_words = move_import_words(words)
        after_dashes, more = move_import_words(after_dashes)
        import_words += more
    if command.get_default("takes_export_options"):
        words, moved = move_export_words(words)
        after_dashes += moved  # after a transform's own words: split_words picks them out there
    args = parser.parse_args(words)
    args.export_options = after_dashes
    args.import_options = import_words
    return args


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line; return the exit status."""
    _printable_output()
    try:
        args = _parse(list(sys.argv[1:] if argv is None else argv))
        return int(args.run(args))
    except CommandLineError as error:
        print("%s: error: %s" % (PROG, error), file=sys.stderr)
        return 2
    except MnistioError as error:
        # One line: a message's further lines (an expression with a caret) are for the API.
        print("%s: error: %s" % (PROG, str(error).splitlines()[0]), file=sys.stderr)
        return 1
    except BrokenPipeError:  # the reader went away (| head): nothing left to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as error:
        print("%s: error: %s" % (PROG, error), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("%s: interrupted" % PROG, file=sys.stderr)
        return 130
    except Exception as error:  # a bug: still one line, with a way to see more
        if os.environ.get("MNISTIO_TRACEBACK"):
            raise
        print("%s: internal error: %s: %s (set MNISTIO_TRACEBACK=1 to see where; please report it)"
              % (PROG, type(error).__name__, error), file=sys.stderr)
        return 3
