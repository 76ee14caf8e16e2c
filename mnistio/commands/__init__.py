"""Command-line commands beyond the core ones in :mod:`mnistio.cli`, one module each.

Each module listed in :data:`COMMANDS` defines ``register(commands)``, which
adds its subparser to argparse's subparsers object and sets ``run`` (a
function of the parsed arguments returning the exit status) with
``set_defaults``. Errors are raised as :class:`mnistio.errors.MnistioError`;
the CLI prints them as one line. Adding a command is one new module and one
line here.
"""

import importlib

__all__ = ["COMMANDS", "register_all"]

COMMANDS = [
    "filter",
    "merge",
    "stats",
    "transform",
    "project",
]


def register_all(commands):
    for name in COMMANDS:
        importlib.import_module("mnistio.commands." + name).register(commands)
