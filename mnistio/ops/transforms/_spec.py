"""The spec every transform registers: its name, its function and its typed options."""

from __future__ import annotations

from ...errors import UsageError
from ...model.dataset import Dataset
from ...model.options import Option, Options

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Dict, Iterable, List

__all__ = ["TransformSpec"]


class TransformSpec:
    """A transform: its ``name`` (also its module's), ``function(dataset, **options) -> Dataset``,
    and its ``options``, whose names must be the function's keyword parameters."""

    __slots__ = ("name", "function", "options", "description")

    def __init__(self, name: str, function: Callable[..., Dataset], options: Iterable[Option] = (),
                 description: str = "") -> None:
        self.name = name
        self.function = function
        self.options = Options(options, "transform %s" % name)
        self.description = description or (function.__doc__ or "").strip().split("\n")[0]
        parameters = _parameters(function)
        if sorted(parameters) != sorted(self.options.names):
            raise UsageError("transform %s: its options %s are not its function's parameters %s"
                             % (name, self.options.names, parameters))

    def check(self, options: Dict[str, Any]) -> Dict[str, Any]:
        """The options, once their names are the transform's and none it needs is missing."""
        options = self.options.check(options, check_types=False)
        for name in _required(self.function):
            if name not in options:
                raise UsageError("transform %s: missing a required argument: %r (its options: %s)"
                                 % (self.name, name, ", ".join(self.options.names)))
        return options

    def __call__(self, dataset: Dataset, **options: Any) -> Dataset:
        return self.function(dataset, **self.check(options))

    def __repr__(self) -> str:
        return "TransformSpec(%r)" % self.name


# The parameters are read from the code object: inspect costs more to import than every transform.

def _parameters(function: Callable[..., Any]) -> List[str]:
    """The keyword parameters of ``function(dataset, ...)``, the dataset left out."""
    code = function.__code__
    return list(code.co_varnames[1:code.co_argcount + code.co_kwonlyargcount])


def _required(function: Callable[..., Any]) -> List[str]:
    """The parameters without a default."""
    code = function.__code__
    positional = list(code.co_varnames[1:code.co_argcount])
    defaults = len(function.__defaults__ or ())
    keyword_only = list(code.co_varnames[code.co_argcount:code.co_argcount + code.co_kwonlyargcount])
    return positional[:len(positional) - defaults] + [name for name in keyword_only
                                                      if name not in (function.__kwdefaults__ or {})]
