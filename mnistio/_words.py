"""Counts as people write them: ``1 item``, ``70,000 items``.

Every count mnistio prints or puts in a report goes through here, so the
command line never says "1 items" or prints 70000 beside 70,000.
"""

__all__ = ["number", "count"]


def number(value: int) -> str:
    """``70000`` as ``70,000``."""
    return "{:,}".format(value)


def count(value: int, noun: str, plural: str = "") -> str:
    """``count(1, "item")`` is ``1 item``; ``count(2, "item")`` is ``2 items`` (``plural`` when not ``+s``)."""
    return "%s %s" % (number(value), noun if value == 1 else plural or noun + "s")
