"""Working days: Monday to Friday, except the national days off (hari libur nasional and cuti
bersama) of the yearly SKB of the Minister of Religious Affairs, the Minister of Manpower and the
Minister for Administrative Reform.

Contract
- The days off are the data of ``calendar.holidays`` (one entry per year, ``holidays_YYYY.toml``;
  an admin may override a year). A day is a working day when it is a weekday and not listed.
- A year without data counts weekends only; :meth:`Calendar.span` reports the years whose
  weekdays it counted without data (``missing_years``), so the caller can say that the count may
  miss days off.
- ``add(day, n)``: the working day ``n`` working days after ``day`` (``day`` itself never counts,
  whatever it is). ``between(start, end)``: working days after ``start`` up to and including
  ``end`` (0 when ``end <= start``). So ``between(d, add(d, n)) == n``.
- The days off a count skipped (weekdays only: a holiday on a Sunday changes nothing) and whether
  any of them, or its year, is unverified, come back with :meth:`Calendar.span`, for explanations.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cakupan.rules.params import HOLIDAYS_KEY, Entry, Holiday, Parameters

__all__ = ["Calendar", "Span"]

_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Span:
    """What a count of working days from ``start`` to ``end`` went through."""

    start: dt.date
    end: dt.date
    working_days: int
    #: Weekday days off inside ``(start, end]`` that were skipped.
    holidays: tuple[Holiday, ...]
    #: Years inside ``(start, end]`` with no list of days off (weekends only were skipped).
    missing_years: tuple[int, ...]
    #: The entries (years) used, for citations and the unverified flag.
    entries: tuple[Entry, ...]

    @property
    def unverified(self) -> bool:
        """A year used is unverified (or an admin changed it), or a day skipped is unverified."""
        return any(not e.verified for e in self.entries) or any(
            not h.verified for h in self.holidays
        )

    @property
    def sources(self) -> str:
        """``"SKB ... (2024); SKB ... (2025)"``: the instrument of each year used."""
        return "; ".join(
            f"{e.regulation}{' ' + e.article if e.article else ''} ({e.valid_from.year})"
            for e in self.entries
        )


class Calendar:
    """Working days on the days-off data of ``params`` (see the module docstring)."""

    def __init__(self, params: Parameters) -> None:
        self._params = params
        self._days: dict[dt.date, dict[dt.date, Holiday]] = {}

    def _entry(self, day: dt.date) -> Entry | None:
        return self._params.find(HOLIDAYS_KEY, day)

    def holiday(self, day: dt.date) -> Holiday | None:
        """The day off on ``day``, if any (whatever the weekday)."""
        entry = self._entry(day)
        if entry is None:
            return None
        days = self._days.get(entry.valid_from)
        if days is None:
            days = self._days[entry.valid_from] = {h.date: h for h in entry.value}
        return days.get(day)

    def is_working_day(self, day: dt.date) -> bool:
        return day.weekday() < 5 and self.holiday(day) is None

    def add(self, day: dt.date, days: int) -> dt.date:
        """The working day ``days`` working days after ``day``."""
        current, left = day, days
        while left > 0:
            current += _DAY
            if self.is_working_day(current):
                left -= 1
        return current

    def between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 when ``end <= start``)."""
        return self.span(start, end).working_days

    def span(self, start: dt.date, end: dt.date) -> Span:
        """The count from ``start`` (excluded) to ``end`` (included) with what it went through."""
        count = 0
        skipped: list[Holiday] = []
        entries: dict[dt.date, Entry] = {}
        missing: dict[int, None] = {}
        current = start
        while current < end:
            current += _DAY
            if current.weekday() >= 5:
                continue
            entry = self._entry(current)
            if entry is None:
                missing[current.year] = None
            else:
                entries.setdefault(entry.valid_from, entry)
            found = self.holiday(current)
            if found is None:
                count += 1
            else:
                skipped.append(found)
        return Span(
            start=start,
            end=end,
            working_days=count,
            holidays=tuple(skipped),
            missing_years=tuple(missing),
            entries=tuple(entries.values()),
        )
