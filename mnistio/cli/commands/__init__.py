"""The commands, one module each (a module may add a family, as ``project`` does).

Each module defines ``register(subparsers)``, which adds its subparsers to
argparse's subparsers object and sets ``run`` with ``set_defaults``. Errors
are raised as :class:`mnistio.errors.MnistioError`; the CLI prints them as
one line. Modules whose name starts with ``_`` are helpers.

The command line imports only the module of the command it runs: the
module named as the command (``-`` read as ``_``), or the one
:data:`ELSEWHERE` names for the commands a module adds beside its own.
"""

#: command -> the module that adds it, for commands not in a module of their own name
ELSEWHERE = {"create": "project", "import": "project", "export": "project", "remove": "project",
             "validate": "stats"}
