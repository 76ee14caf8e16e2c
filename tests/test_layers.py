"""The package's imports go only downward through its layers, and form no cycle.

Layers, bottom to top (``docs/architecture.rst``): errors -> codecs -> model ->
formats -> ops -> project -> cli. A module may import its own layer and the
layers below. The only upward imports are the facade's: ``Dataset.import_from``,
``export``, ``filter``, ``transform`` and ``merge`` look the registry and the
operations up when called, inside the method, and ``mnistio.HLOps`` loads
``mnistio.ops.hlops`` when first asked for (the package's ``__getattr__``). Every import is read from the
source with ``ast``, at module level and inside functions alike.
"""

import ast
import os

import pytest

ROOT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "mnistio")

LAYERS = ["errors", "codecs", "model", "formats", "ops", "project", "cli"]
#: modules at the bottom, beside the errors
BASE = {"mnistio.errors", "mnistio.limits", "mnistio._plugins", "mnistio._words"}
#: modules kept for existing users: each only re-exports its new home
COMPATIBILITY = {"mnistio.idx": "codecs", "mnistio.png": "codecs", "mnistio.xpath": "ops",
                 "mnistio.dataset": "model", "mnistio.image": "model"}
#: (importing module, imported module): the facade's call-time lookups
FACADE = {("mnistio.model.dataset", "mnistio.formats"), ("mnistio.model.dataset", "mnistio.ops.filter"),
          ("mnistio.model.dataset", "mnistio.ops.transforms"), ("mnistio.model.dataset", "mnistio.ops.merge"),
          ("mnistio", "mnistio.ops.hlops")}


def module_names():
    for folder, _, files in os.walk(ROOT):
        for name in files:
            if name.endswith(".py"):
                relative = os.path.relpath(os.path.join(folder, name), os.path.dirname(ROOT))[:-3]
                parts = relative.split(os.sep)
                yield ".".join(parts[:-1] if parts[-1] == "__init__" else parts), os.path.join(folder, name)


MODULES = dict(module_names())


def parsed(module):
    with open(MODULES[module], encoding="utf-8") as file:
        return ast.parse(file.read())


def resolve(module, node):
    """The mnistio modules an import statement in ``module`` names (a package's names count as the package)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names if alias.name.split(".")[0] == "mnistio"]
    is_package = MODULES[module].endswith("__init__.py")
    base = module.split(".")
    if node.level:
        base = base[:len(base) - node.level + (1 if is_package else 0)]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    if target.split(".")[0] != "mnistio":
        return []
    found = []
    for alias in node.names:
        candidate = target + "." + alias.name
        found.append(candidate if candidate in MODULES else target)
    return found


def imports(module):
    """``(imported module, whether at module level)`` of every mnistio import in ``module``."""
    tree = parsed(module)
    top_level = {id(node) for node in tree.body}
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for target in resolve(module, node):
                yield target, id(node) in top_level


def layer(module):
    if module in COMPATIBILITY:
        return COMPATIBILITY[module]
    if module == "mnistio.__main__":
        return "cli"
    if module in BASE:
        return "errors"
    parts = module.split(".")
    if len(parts) == 1:
        return "package"
    return parts[1] if parts[1] in LAYERS else None


def test_every_module_has_a_layer():
    assert [module for module in MODULES if layer(module) is None] == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_go_down(module):
    here = layer(module)
    for target, _ in imports(module):
        there = layer(target)
        if here == "package":  # the top-level facade re-exports the model and the errors
            assert there in ("errors", "model") or (module, target) in FACADE, (module, target)
        elif (module, target) in FACADE:
            continue
        elif module in COMPATIBILITY:
            assert there == here, (module, target)
        elif there == "package":  # the version number, for --version
            assert here == "cli", (module, target)
        else:
            assert LAYERS.index(there) <= LAYERS.index(here), \
                "%s (layer %s) imports %s (layer %s)" % (module, here, target, there)


def test_facade_lookups_happen_at_call_time():
    for module, target in FACADE:
        at_module_level = [t for t, top in imports(module) if t == target and top]
        assert at_module_level == [], "%s imports %s at module level" % (module, target)


def test_no_import_cycle():
    """Module-level imports, inside the package, form no cycle (a package's __init__ aside from its children)."""
    graph = {}
    for module in MODULES:
        graph[module] = {target for target, top in imports(module) if top and target in MODULES
                         and not module.startswith(target + ".")}  # a child importing its package is fine
    state = {}

    def visit(node, path):
        state[node] = "open"
        for target in graph[node]:
            if state.get(target) == "open":
                raise AssertionError("import cycle: " + " -> ".join(path[path.index(target):] + [target]))
            if target not in state:
                visit(target, path + [target])
        state[node] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])


def test_no_argparse_below_the_command_line():
    for module in MODULES:
        if layer(module) != "cli":
            assert "argparse" not in {alias.name for node in ast.walk(parsed(module))
                                      if isinstance(node, ast.Import) for alias in node.names}, module
