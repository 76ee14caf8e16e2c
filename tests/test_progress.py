"""The progress bar: drawn on terminals only, throttled, cleared, cheap."""

import io
import sys
import timeit

import pytest

from mnistio.cli import progress as progress_module
from mnistio.cli.progress import Progress, track


class FakeTTY(io.StringIO):
    def isatty(self):
        return True


class FakeClock:
    """A monotonic clock that moves ``step`` seconds each time it is read."""

    def __init__(self, step):
        self.now = 1000.0
        self.step = step
        self.reads = 0

    def monotonic(self):
        self.now += self.step
        self.reads += 1
        return self.now


@pytest.fixture
def clock(monkeypatch):
    def install(step):
        fake = FakeClock(step)
        monkeypatch.setattr(progress_module, "time", fake)
        return fake
    return install


def screen(text):
    """What a terminal line shows after ``text``: ``\\r`` returns to column 0."""
    line, column = [], 0
    for char in text:
        if char == "\r":
            column = 0
            continue
        line[column:column + 1] = [char]
        column += 1
    return "".join(line)


def drawings(text):
    return [part for part in text.split("\r") if part.strip()]


def test_draws_bar_count_and_time_on_a_terminal(clock):
    clock(0.2)  # every look at the clock is past the redraw interval
    stream = FakeTTY()
    bar = Progress(total=70000, stream=stream, label="convert")
    bar.update(12345)
    assert screen(stream.getvalue()) == "convert [###.................] 12,345/70,000 items 0.2 s"
    bar.update(70000 - 12345)
    assert screen(stream.getvalue()) == "convert [####################] 70,000/70,000 items 0.4 s"


def test_spinner_and_count_without_total(clock):
    clock(0.2)
    stream = FakeTTY()
    with Progress(stream=stream) as bar:
        for _ in range(5):
            bar.update()
        shown = drawings(stream.getvalue())
    assert [line.split()[:3] for line in shown] == [
        ["|", "1", "items"], ["/", "2", "items"], ["-", "3", "items"], ["\\", "4", "items"], ["|", "5", "items"]]
    assert "[" not in stream.getvalue()


def test_line_is_cleared_on_exit_even_after_an_error(clock):
    clock(0.2)
    stream = FakeTTY()
    with pytest.raises(KeyError):
        with Progress(total=3, stream=stream, label="x") as bar:
            bar.update()
            bar.update()
            raise KeyError("boom")
    assert drawings(stream.getvalue())  # something was drawn ...
    assert screen(stream.getvalue()).strip() == ""  # ... and wiped
    assert stream.getvalue().endswith("\r")


def test_shorter_line_overwrites_a_longer_one(clock):
    clock(0.2)
    stream = FakeTTY()
    bar = Progress(total=100, stream=stream, label="job")
    bar.update(100)
    bar.total = None  # the line shrinks: the spinner form has no bar
    bar.update()
    assert screen(stream.getvalue()).rstrip() == "job | 101 items 0.4 s"


def test_nothing_written_when_piped_or_disabled(clock):
    clock(0.2)
    piped, disabled = io.StringIO(), FakeTTY()
    with Progress(total=10, stream=piped) as a, Progress(total=10, stream=disabled, enabled=False) as b:
        for _ in range(1000):
            a.update()
            b.update()
    assert piped.getvalue() == "" and disabled.getvalue() == ""
    assert a.count == b.count == 1000
    assert not a.enabled and not b.enabled


def test_default_stream_is_stderr(clock, monkeypatch):
    clock(0.2)
    fake = FakeTTY()
    monkeypatch.setattr(sys, "stderr", fake)
    with Progress(total=2) as bar:
        bar.update()
        assert "1/2 items" in fake.getvalue()


def test_redraws_at_most_ten_times_a_second(clock):
    fake = clock(0.0001)  # 10,000 clock reads a second
    stream = FakeTTY()
    with Progress(total=100000, stream=stream) as bar:
        for _ in range(100000):
            bar.update()
    seconds = fake.now - 1000.0
    assert len(drawings(stream.getvalue())) <= seconds / 0.1 + 1


def test_looks_at_the_clock_rarely_when_updates_are_fast(clock):
    fake = clock(1e-7)
    with Progress(total=70000, stream=FakeTTY()) as bar:
        for _ in range(70000):
            bar.update()
    assert fake.reads < 70000 / 256


def test_slow_updates_are_still_redrawn_promptly(clock):
    clock(0.3)  # each update takes longer than the redraw interval
    stream = FakeTTY()
    with Progress(total=4, stream=stream) as bar:
        for _ in range(4):
            bar.update()
        assert [line.split()[1] for line in drawings(stream.getvalue())] == ["1/4", "2/4", "3/4", "4/4"]


def test_line_fits_the_terminal(clock):
    clock(0.2)
    stream = FakeTTY()  # no fileno: 80 columns assumed
    Progress(total=5, stream=stream, label="x" * 200).update()
    assert drawings(stream.getvalue()) and all(len(line) <= 79 for line in drawings(stream.getvalue()))


def test_broken_stream_turns_the_bar_off(clock):
    clock(0.2)

    class Closed(FakeTTY):
        def write(self, text):
            raise OSError("broken pipe")

    bar = Progress(total=5, stream=Closed())
    bar.update()
    bar.update()
    bar.close()
    assert bar.count == 2 and not bar.enabled


def test_track_yields_every_item_and_counts_to_the_length(clock):
    clock(0.2)
    stream = FakeTTY()
    assert list(track("abc", stream=stream, label="t")) == ["a", "b", "c"]
    shown = drawings(stream.getvalue())
    assert [line.split()[2] for line in shown] == ["1/3", "2/3", "3/3"]
    assert screen(stream.getvalue()).strip() == ""


def test_track_without_length_spins_and_stays_silent_when_piped(clock):
    clock(0.2)
    tty, piped = FakeTTY(), io.StringIO()
    assert list(track(iter(range(3)), stream=tty)) == [0, 1, 2]
    assert "3 items" in tty.getvalue() and "[" not in tty.getvalue()
    assert list(track(range(3), stream=piped, label="t")) == [0, 1, 2]
    assert piped.getvalue() == ""


def test_track_clears_its_line_when_the_loop_stops_early(clock):
    clock(0.2)
    stream = FakeTTY()
    items = track(range(10), stream=stream)
    for item in items:
        if item == 3:
            break
    assert "3/10 items" in screen(stream.getvalue())
    items.close()
    assert screen(stream.getvalue()).strip() == ""


def test_track_explicit_total_wins(clock):
    clock(0.2)
    stream = FakeTTY()
    assert list(track([1, 2], total=5, stream=stream)) == [1, 2]
    assert [line.split()[1] for line in drawings(stream.getvalue())] == ["1/5", "2/5"]


def test_quick_jobs_draw_nothing(clock):
    clock(0.0)  # the clock never reaches the first redraw
    stream = FakeTTY()
    with Progress(total=5, stream=stream) as bar:
        for _ in range(5):
            bar.update()
    assert stream.getvalue() == ""


@pytest.mark.parametrize("enabled", [True, False])
def test_update_costs_well_under_a_microsecond(enabled):
    bar = Progress(total=10 ** 9, stream=FakeTTY(), enabled=enabled)
    update, count = bar.update, 200000
    cost = min(timeit.repeat(update, number=count, repeat=5)) / count
    assert cost < 1e-6, "%.0f ns per update" % (cost * 1e9)
