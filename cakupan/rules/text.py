"""Indonesian formatting for explanation lines: rates with a decimal comma, rupiah, dates; notes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from cakupan.common.money import format_rupiah

__all__ = ["Note", "NoteFlag", "format_date", "format_percent", "format_rupiah", "roman"]

NoteFlag = Literal["", "unverified", "overridden"]


class Note(str):
    """A note of a calculation (``Contribution.notes``, ``Benefit.notes``): its Indonesian text,
    and ``flag``: ``"overridden"`` when it reports a value an admin changed, ``"unverified"`` when
    it reports a value not verified against the regulation text (DOMAIN.md confidence below H),
    else ``""``. A ``str``, so the CLI, JSON and documents use it as text; the web reads the flag
    to badge the note (no matching of words).
    """

    flag: NoteFlag

    def __new__(cls, text: str, flag: NoteFlag = "") -> Note:
        note = super().__new__(cls, text)
        note.flag = flag
        return note


_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV", 5: "V"}


def format_percent(rate: Decimal) -> str:
    """``Decimal("0.0024")`` -> ``"0,24%"``; ``Decimal("0.037")`` -> ``"3,7%"``."""
    percent = (rate * 100).normalize()
    return f"{percent:f}".replace(".", ",") + "%"


def format_date(day: dt.date) -> str:
    return day.strftime("%d-%m-%Y")


def roman(number: int) -> str:
    return _ROMAN.get(number, str(number))
