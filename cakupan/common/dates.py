"""Calendar arithmetic shared by rules, billing and claims. Plain Python: no Django.

Two kinds of month steps exist and they must not be confused:

* a **contribution month** is named by its first day (``2024-03-01`` is March 2024):
  :func:`month_start`, :func:`next_month_start` / :func:`shift_month`, :func:`month_end`;
* a **calendar date plus N months** keeps the day of the month, clamped to the target month's length
  (31 January + 1 month = 28 or 29 February): :func:`add_months`, :func:`full_months`. This is how
  periods of contribution ("masa iur") are counted from a membership start to an event date.
"""

from __future__ import annotations

import datetime as dt
import re

__all__ = [
    "MONTH_NAMES",
    "add_months",
    "full_months",
    "long_date",
    "month_end",
    "month_start",
    "parse_month",
    "shift_month",
]

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")

# Documents with legal force (berita acara, KSO report) are written in Indonesian whatever the
# reader's interface language, so these names are not translated.
MONTH_NAMES = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)


def long_date(day: dt.date) -> str:
    """A date as Indonesian documents write it: ``9 November 2022``."""
    return f"{day.day} {MONTH_NAMES[day.month - 1]} {day.year}"


def month_start(day: dt.date) -> dt.date:
    """The first day of the month of ``day`` (the month's name as a contribution month)."""
    return day.replace(day=1)


def shift_month(month: dt.date, n: int) -> dt.date:
    """The first day of the month ``n`` months after the month of ``month`` (negative: before)."""
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def month_end(day: dt.date) -> dt.date:
    """The last day of the month of ``day``."""
    return shift_month(day, 1) - dt.timedelta(days=1)


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months; the day is clamped to the target month's length."""
    first = shift_month(day, months)
    return first.replace(day=min(day.day, month_end(first).day))


def full_months(start: dt.date, end: dt.date) -> int:
    """Whole months from ``start`` to ``end``: the largest n with ``add_months(start, n) <= end``.

    Zero when ``end`` is before ``start``.
    """
    months = (end.year - start.year) * 12 + end.month - start.month
    while months > 0 and add_months(start, months) > end:
        months -= 1
    return max(months, 0)


def parse_month(text: str) -> dt.date:
    """``"2024-03"`` -> ``date(2024, 3, 1)``; ``ValueError`` otherwise."""
    found = _MONTH.match(text.strip())
    if not found:
        raise ValueError(text)
    year, month = int(found.group(1)), int(found.group(2))
    if not 1 <= month <= 12 or year < 1900:
        raise ValueError(text)
    return dt.date(year, month, 1)
