"""Indonesian formatting for explanation lines: rates with a decimal comma, rupiah, dates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from cakupan.common.money import format_rupiah

__all__ = ["format_date", "format_percent", "format_rupiah", "roman"]

_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV", 5: "V"}


def format_percent(rate: Decimal) -> str:
    """``Decimal("0.0024")`` -> ``"0,24%"``; ``Decimal("0.037")`` -> ``"3,7%"``."""
    percent = (rate * 100).normalize()
    return f"{percent:f}".replace(".", ",") + "%"


def format_date(day: dt.date) -> str:
    return day.strftime("%d-%m-%Y")


def roman(number: int) -> str:
    return _ROMAN.get(number, str(number))
