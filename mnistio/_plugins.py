"""Finding the plugin modules of a package: the layouts, the transforms, the commands.

Each of those packages takes every module whose name does not start with
``_`` as one plugin. Listing the package's folder is all it takes;
``pkgutil.iter_modules`` would do the same but imports ``inspect`` and
``typing`` (10 ms, more than all of mnistio), so it is the fallback, for a
package imported from a zip file.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterable, List, Set

__all__ = ["plugin_names"]


def plugin_names(package_path: Iterable[str]) -> List[str]:
    """The sorted names of the public modules (and subpackages) in a package's ``__path__``."""
    names: Set[str] = set()
    for folder in package_path:
        try:
            entries = os.listdir(folder)
        except OSError:  # not a folder: a zip file, say
            import pkgutil

            names.update(module.name for module in pkgutil.iter_modules([folder]))
            continue
        for entry in entries:
            stem, extension = os.path.splitext(entry)
            if extension == ".py" and stem.isidentifier():
                names.add(stem)
            elif not extension and os.path.isfile(os.path.join(folder, entry, "__init__.py")):
                names.add(entry)
    return sorted(name for name in names if not name.startswith("_"))
