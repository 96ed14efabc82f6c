"""Calendar arithmetic as polars expressions: leap years, whether a (year, month, day) exists, days
since 1970 of a proleptic Gregorian date, the century of a two-digit year (as ``common.nik``
resolves it), and dates written ``dd-mm-yyyy`` for messages.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

_EPOCH = dt.date(1970, 1, 1)


def _is_leap(year: pl.Expr) -> pl.Expr:
    return ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)


def _is_real_date(year: pl.Expr, month: pl.Expr, day: pl.Expr) -> pl.Expr:
    days_in_month = (
        pl.when(month == 2)
        .then(28 + _is_leap(year).cast(pl.Int64))
        .when(month.is_in([4, 6, 9, 11]))
        .then(30)
        .otherwise(31)
    )
    return month.is_between(1, 12) & day.is_between(1, days_in_month)


def _epoch_days(year: pl.Expr, month: pl.Expr, day: pl.Expr) -> pl.Expr:
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's ``days_from_civil``);
    meaningless unless :func:`_is_real_date`."""
    y = year.cast(pl.Int64) - (month <= 2).cast(pl.Int64)
    era = y // 400
    year_of_era = y - era * 400
    day_of_year = (153 * ((month.cast(pl.Int64) + 9) % 12) + 2) // 5 + day.cast(pl.Int64) - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146097 + day_of_era - 719468


def _to_date(days: pl.Expr) -> pl.Expr:
    return days.cast(pl.Int32).cast(pl.Date)


def _days_of(value: dt.date) -> int:
    return (value - _EPOCH).days


def _century_year(yy: pl.Expr, month: pl.Expr, day: pl.Expr, today: dt.date) -> pl.Expr:
    """``20YY`` unless that date is after today (or does not exist), else ``19YY``; as
    ``common.nik._resolve_birth_date`` without a given date. Null when neither date exists.

    Only 29 February tells the centuries apart (2000 is a leap year, 1900 is not; YY <= 99)."""
    max_day = pl.when(month == 2).then(29).when(month.is_in([4, 6, 9, 11])).then(30).otherwise(31)
    exists = month.is_between(1, 12) & day.is_between(1, max_day)
    not_feb_29 = (month != 2) | (day != 29)
    real20 = exists & (not_feb_29 | (yy % 4 == 0))
    real19 = exists & (not_feb_29 | ((yy % 4 == 0) & (yy != 0)))
    key20 = (2000 + yy) * 10000 + month * 100 + day
    today_key = today.year * 10000 + today.month * 100 + today.day
    return (
        pl.when(real20 & (key20 <= today_key))
        .then(2000 + yy)
        .when(real19)
        .then(1900 + yy)
        .when(real20)
        .then(2000 + yy)
    )


def _dmy(date: pl.Expr) -> pl.Expr:
    return date.dt.strftime("%d-%m-%Y")
