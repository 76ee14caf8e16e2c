"""``python -m mnistio``: the command line."""

from .cli import main

raise SystemExit(main())
