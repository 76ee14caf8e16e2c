"""The spec every transform registers: its name, its function and its typed options."""

from __future__ import annotations

import inspect

from ...errors import UsageError
from ...model.dataset import Dataset
from ...model.options import Option, Options

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing is only for the checker: importing it would double mnistio's import time
    from typing import Any, Callable, Dict, Iterable

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
        self.description = description or (inspect.getdoc(function) or "").split("\n")[0]
        parameters = list(inspect.signature(function).parameters)[1:]
        if sorted(parameters) != sorted(self.options.names):
            raise UsageError("transform %s: its options %s are not its function's parameters %s"
                             % (name, self.options.names, parameters))

    def check(self, options: Dict[str, Any]) -> Dict[str, Any]:
        """The options, once their names are the transform's and none it needs is missing."""
        options = self.options.check(options, check_types=False)
        try:
            inspect.signature(self.function).bind(None, **options)
        except TypeError as error:
            raise UsageError("transform %s: %s (its options: %s)"
                             % (self.name, error, ", ".join(self.options.names))) from None
        return options

    def __call__(self, dataset: Dataset, **options: Any) -> Dataset:
        return self.function(dataset, **self.check(options))

    def __repr__(self) -> str:
        return "TransformSpec(%r)" % self.name
