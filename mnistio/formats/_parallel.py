"""Work spread over forked worker processes, in order, a bounded window at a time.

Used where one core is the limit: encoding image files, parsing CSV text.
Only forked workers are used (Linux): with "spawn" a user's script without
a main guard would be re-run by every worker. Elsewhere, and on one core,
callers do the work in their own process.

Workers leave no trace of their own: they ignore Ctrl-C (SIGINT reaches the
whole process group; the parent handles it and stops them), and they ask
the kernel to end them when their parent dies (``PR_SET_PDEATHSIG``), so a
killed conversion leaves no process behind writing into a removed folder.
"""

from __future__ import annotations

import os
import signal
import sys
from collections import deque
from concurrent.futures import Future

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Deque, Tuple

__all__ = ["BatchPool", "default_workers", "fork_pool", "ordered_map"]

#: Batches an export has out with its workers at once, at most, whatever the number of cores: it
#: bounds the memory they hold (and so the workers worth starting).
IN_FLIGHT_LIMIT = 8


def default_workers():
    if not sys.platform.startswith("linux"):
        return 1
    return os.cpu_count() or 1


def fork_pool(workers):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"),
                               initializer=_worker_start, initargs=(os.getpid(),))


_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _worker_start(parent):
    """Run first in every worker: quiet on Ctrl-C, gone with the parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux, or no libc to ask: the parent's pipe closing ends it
        pass
    if os.getppid() != parent:  # the parent died before the request above was in place
        os._exit(1)


def shutdown(pool):
    if sys.version_info >= (3, 9):
        pool.shutdown(wait=True, cancel_futures=True)
    else:
        pool.shutdown(wait=True)


def ordered_map(function, tasks, workers, window_per_worker=2):
    """Yield ``function(*task)`` for each task, in order, computed by ``workers`` processes.

    At most ``workers * window_per_worker`` results are pending at once, so
    memory stays flat; stopping early cancels what is left.
    """
    pool = fork_pool(workers)
    pending: Deque[Future] = deque()
    try:
        for task in tasks:
            pending.append(pool.submit(function, *task))
            if len(pending) >= workers * window_per_worker:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        shutdown(pool)


class BatchPool:
    """The batches of an export's work, each run by ``function(batch)``, their results handed to
    ``take(result, tag)`` in the order sent.

    Batches run here until the second full one, and with one worker: a
    small export starts no process. Then forked workers run them, at most
    IN_FLIGHT_LIMIT out at once, so memory stays flat whatever the number
    of cores. ``tag`` says whose batch it is (the file it is for, say).
    """

    def __init__(self, function: Callable[[Any], Any], workers: Any, take: Callable[[Any, Any], None]) -> None:
        self.workers = min(default_workers() if workers is None else max(1, workers), IN_FLIGHT_LIMIT)
        self._function = function
        self._take = take
        self._full_batches = 0
        self._pool: Any = None
        self._in_flight: Deque[Tuple[Any, Future]] = deque()  # (tag, its result to come), oldest first

    def send(self, batch: Any, full: bool, tag: Any = None) -> None:
        """Run ``batch`` (``full``: it reached its size, rather than ending a subset or the export)."""
        if self._pool is None:
            self._full_batches += full
            if self.workers == 1 or self._full_batches < 2:
                self._take(self._function(batch), tag)  # nothing is out while there is no pool
                return
            self._pool = fork_pool(self.workers)
        self._in_flight.append((tag, self._pool.submit(self._function, batch)))
        while len(self._in_flight) > IN_FLIGHT_LIMIT:
            self._take_oldest()

    def finish(self, tag: Any = None) -> None:
        """Take the results of every batch out, or (``tag`` given) up to the last one sent with it."""
        while self._in_flight and (tag is None or any(sent is tag for sent, _ in self._in_flight)):
            self._take_oldest()

    def _take_oldest(self) -> None:
        tag, result = self._in_flight.popleft()
        self._take(result.result(), tag)

    def close(self) -> None:
        """Stop: drop what is out (the export is failing then), cancel what has not started, and
        wait for the rest, so that no worker writes after this returns."""
        self._in_flight.clear()
        if self._pool is not None:
            shutdown(self._pool)
            self._pool = None
