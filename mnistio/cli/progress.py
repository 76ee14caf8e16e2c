"""A progress bar on stderr for long loops, drawn only on a terminal.

::

    with Progress(total=70000, label="convert") as progress:
        for item in items:
            ...
            progress.update()

    for item in track(dataset, label="reading"):
        ...

draws ``convert [######..............] 12,345/70,000 items 3.2 s`` (a
spinner and a count when the total is unknown) on one line, redrawn at most
ten times a second and cleared at the end. Nothing is written unless the
stream is a terminal, so piped or redirected output stays clean.
"""

import os
import sys
import time

__all__ = ["Progress", "track"]

_INTERVAL = 0.1          # seconds between two redraws, at least
_CHECKS_PER_INTERVAL = 10
_MAX_SKIP = 1024         # updates between two looks at the clock, at most
_BAR_WIDTH = 20
_SPINNER = "|/-\\"
_DEFAULT_COLUMNS = 80


def _isatty(stream):
    try:
        return bool(stream.isatty())
    except (AttributeError, OSError, ValueError):  # no isatty, or a closed stream
        return False


def _columns(stream):
    try:
        columns = os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, OSError, ValueError):
        return _DEFAULT_COLUMNS
    return columns if columns > 1 else _DEFAULT_COLUMNS


def _duration(seconds):
    if seconds < 60:
        return "%.1f s" % seconds
    minutes, seconds = divmod(int(seconds), 60)
    return "%d:%02d:%02d" % (minutes // 60, minutes % 60, seconds)


class Progress:
    """Counts updates, and shows the count as a bar on a terminal.

    ``stream`` defaults to ``sys.stderr``; nothing is drawn when it is not a
    terminal or when ``enabled`` is False. ``unit`` is the word after the
    count (``"items"``; ``"bytes"`` for a download). ``count`` and ``total`` may be
    read and ``total`` set at any time.
    """

    __slots__ = ("total", "label", "unit", "count", "stream", "enabled", "_countdown", "_skip",
                 "_start", "_last_check", "_next_draw", "_drawn", "_frame")

    def __init__(self, total=None, stream=None, enabled=None, label="", unit="items"):
        self.total = total
        self.label = label
        self.unit = unit  # the word after the count ("items", "bytes")
        self.count = 0
        self.stream = sys.stderr if stream is None else stream
        self.enabled = enabled is not False and _isatty(self.stream)
        self._start = self._last_check = time.monotonic()
        self._next_draw = self._start + _INTERVAL
        self._skip = 1
        self._countdown = 1 if self.enabled else _MAX_SKIP
        self._drawn = 0      # length of the line on screen
        self._frame = 0

    # -- user visible -------------------------------------------------------

    def update(self, n=1):
        """Count ``n`` more items; redraw if the last drawing is old enough."""
        self.count += n
        # The fast path: the clock is looked at only every _skip calls.
        self._countdown -= 1
        if not self._countdown:
            self._tick()

    def close(self):
        """Clear the line drawn, if any."""
        if self._drawn:
            self._write("\r%s\r" % (" " * self._drawn))
            self._drawn = 0

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    # -- internal -----------------------------------------------------------

    def _tick(self):
        if not self.enabled:
            self._countdown = _MAX_SKIP
            return
        now = time.monotonic()
        elapsed, self._last_check = now - self._last_check, now
        # Adapt the skip to the update rate: a few clock looks per redraw
        # interval, whether an update takes a microsecond or a second.
        if elapsed > 0:
            wanted = self._skip * _INTERVAL / _CHECKS_PER_INTERVAL / elapsed
            self._skip = max(1, min(_MAX_SKIP, int(wanted)))
        else:
            self._skip = min(_MAX_SKIP, 2 * self._skip)
        self._countdown = self._skip
        if now >= self._next_draw:
            self._next_draw = now + _INTERVAL
            self._draw(now - self._start)

    def _draw(self, seconds):
        line = self._line(seconds)[:_columns(self.stream) - 1]  # a wrapped line cannot be redrawn
        self._write("\r" + line + " " * (self._drawn - len(line)))
        self._drawn = len(line)

    def _line(self, seconds):
        parts = [self.label] if self.label else []
        if self.total is not None and self.total > 0:
            done = min(self.count, self.total) * _BAR_WIDTH // self.total
            parts.append("[%s%s]" % ("#" * done, "." * (_BAR_WIDTH - done)))
            parts.append("{:,}/{:,} {}".format(self.count, self.total, self.unit))
        else:
            parts.append(_SPINNER[self._frame % len(_SPINNER)])
            self._frame += 1
            parts.append("{:,} {}".format(self.count, self.unit))
        parts.append(_duration(seconds))
        return " ".join(parts)

    def _write(self, text):
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):
            # A closed or broken terminal must not stop the work being counted.
            self.enabled = False
            self._drawn = 0


def track(iterable, total=None, **options):
    """Yield the items of ``iterable``, counting them on a :class:`Progress`.

    ``options`` are Progress's (``stream``, ``enabled``, ``label``). When
    the bar is drawn and ``total`` is None, ``len(iterable)`` is used if
    the iterable has one: pass ``total`` when that would cost a pass.
    """
    with Progress(total, **options) as progress:
        if total is None and progress.enabled:
            try:
                progress.total = len(iterable)
            except TypeError:
                pass
        update = progress.update
        for item in iterable:
            yield item
            update()
