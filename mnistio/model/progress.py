"""Progress reporters, as Datumaro's: ``Dataset.import_from(..., progress_reporter=...)``.

A reporter is told about one long loop in one of three ways, never more
than one: ``start(total, desc=...)``, then ``report_status(done)`` now and
then, then ``finish()``; or ``iter(items, total=..., desc=...)``, which
does those three itself around the loop; or ``split(n)``, which hands out
``n`` reporters, one for each part of the work. An import splits its
reporter into one per subset, and walks each subset through its part's
``iter`` (Datumaro's readers that report progress do the same).

:class:`ProgressReporter.iter` calls ``report_status`` every ``period``
of the total (0.1: every 10%), and also whenever ``interval`` seconds have
passed since the last call; with no total it calls it for every item.

Datumaro's ``TQDMProgressReporter`` draws with the ``tqdm`` package, which
mnistio does not use (it depends on nothing beyond the standard library):
the name is here so that code naming it gets a clear error when it makes
one, rather than an ``AttributeError``.
"""

from __future__ import annotations

import math
import time

from ..errors import UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Iterable, Iterator, Optional, Tuple, TypeVar

    T = TypeVar("T")

__all__ = ["ProgressReporter", "NullProgressReporter", "SimpleProgressReporter", "TQDMProgressReporter"]


class ProgressReporter:
    """What every reporter answers to; subclasses give ``period``, ``interval``, ``start``,
    ``report_status`` and ``split`` (and ``finish`` when they have something to close)."""

    @property
    def period(self) -> float:
        """The share of the total between two reports (0.1: every 10%); 0 for none by count."""
        raise NotImplementedError

    @property
    def interval(self) -> float:
        """The seconds after which a report is due whatever the count (``inf``: never by time)."""
        raise NotImplementedError

    def start(self, total: Optional[int], *, desc: Optional[str] = None) -> None:
        """A loop of ``total`` steps (None: unknown) begins; ``desc`` says what it does."""
        raise NotImplementedError

    def report_status(self, progress: int) -> None:
        """``progress`` steps of the loop are done."""
        raise NotImplementedError

    def finish(self) -> None:
        """The loop is over."""

    def iter(self, iterable: Iterable[T], *, total: Optional[int] = None,
             desc: Optional[str] = None) -> Iterator[T]:
        """Yield the elements of ``iterable``, reporting as they go: ``start`` first, ``report_status``
        with the count of elements before the current one (as Datumaro counts), ``finish`` at the end.
        ``total`` defaults to ``len(iterable)`` when it has one."""
        if total is None and hasattr(iterable, "__len__"):
            total = len(iterable)  # type: ignore[arg-type]
        self.start(total, desc=desc)
        step = math.ceil(total * self.period) if total else 0
        interval = self.interval
        last = time.time()
        for index, element in enumerate(iterable):
            if not total or (step and index % step == 0) or time.time() - last > interval:
                last = time.time()
                self.report_status(index)
            yield element
        self.finish()

    def split(self, count: int) -> Tuple["ProgressReporter", ...]:
        """``count`` reporters, one for each part of the work (none for 0)."""
        raise NotImplementedError


class NullProgressReporter(ProgressReporter):
    """Reports nothing: what an import uses when given no reporter."""

    @property
    def period(self) -> float:
        return 0

    @property
    def interval(self) -> float:
        return float("inf")

    def start(self, total: Optional[int], *, desc: Optional[str] = None) -> None:
        pass

    def report_status(self, progress: int) -> None:
        pass

    def iter(self, iterable: Iterable[T], *, total: Optional[int] = None,
             desc: Optional[str] = None) -> Iterator[T]:
        return iter(iterable)

    def split(self, count: int) -> Tuple[ProgressReporter, ...]:
        return (self,) * count


class SimpleProgressReporter(ProgressReporter):
    """Prints ``<desc> <done>/<total> (<percent>%)`` lines to standard output, as Datumaro's."""

    def __init__(self, period: float = 0.1, interval: float = float("inf")) -> None:
        self._period = period
        self._interval = interval
        self._total: Optional[int] = None
        self._desc: Optional[str] = None

    @property
    def period(self) -> float:
        return self._period

    @property
    def interval(self) -> float:
        return self._interval

    def start(self, total: Optional[int], *, desc: Optional[str] = None) -> None:
        self._total = total
        self._desc = desc

    def report_status(self, progress: int) -> None:
        line = str(self._desc) if self._desc else ""
        if self._total:
            line += " %0*d/%d (%6.2f%%)" % (len(str(self._total)), progress, self._total,
                                            progress / self._total * 100)
        else:  # Datumaro divides by the total here, and fails when it is unknown or 0
            line += " %d" % progress
        print(line)

    def finish(self) -> None:
        self.report_status(self._total or 0)

    def split(self, count: int) -> Tuple[ProgressReporter, ...]:
        return (SimpleProgressReporter(self._period, self._interval),) * count


class TQDMProgressReporter(ProgressReporter):
    """Datumaro's progress bar drawn by ``tqdm``: not available, since mnistio uses the standard
    library only; making one raises a :class:`~mnistio.errors.UsageError` that says so."""

    def __init__(self, period: float = 0.1, interval: float = 0.1, **options: Any) -> None:
        raise UsageError("TQDMProgressReporter draws with the tqdm package, which mnistio does not use "
                         "(standard library only): use SimpleProgressReporter, or a ProgressReporter "
                         "subclass that calls tqdm itself")
