"""``python -m mnistio`` and the ``mnistio`` script: the command line."""

import sys


def entry() -> int:
    """Import the command line and run it; Ctrl-C while importing is as quiet as later."""
    try:
        from .cli import main
    except KeyboardInterrupt:
        sys.stderr.write("mnistio: interrupted\n")
        return 130
    return main()


if __name__ == "__main__":
    raise SystemExit(entry())
