"""The commands, one module each (a module may add a family, as ``project`` does).

Each module defines ``register(subparsers)``, which adds its subparsers to
argparse's subparsers object and sets ``run`` with ``set_defaults``. Errors
are raised as :class:`mnistio.errors.MnistioError`; the CLI prints them as
one line. Modules whose name starts with ``_`` are helpers.
"""
