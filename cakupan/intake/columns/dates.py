"""Date columns, always read day first: ISO and day-first numbers, month names (Indonesian or
English), two-digit years and Excel serial numbers; the "Tempat, Tanggal Lahir" cell split into
place and date; and the age on a date checked against limits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Final

import polars as pl

from cakupan.intake.columns.datemath import (
    _century_year,
    _days_of,
    _dmy,
    _epoch_days,
    _is_real_date,
    _to_date,
)
from cakupan.intake.columns.frames import _aligned, _frame, _patched, _per_distinct, _series
from cakupan.intake.columns.issues import Check, Validated, issues_from_checks
from cakupan.intake.columns.text import _fmt, _label, _quoted, _trimmed
from cakupan.intake.schema import Field, RowIssue

#: Month names and abbreviations, Indonesian and English, lower case.
MONTH_NAMES: Final = {
    **dict.fromkeys(["januari", "jan", "january"], 1),
    **dict.fromkeys(["februari", "pebruari", "feb", "peb", "february"], 2),
    **dict.fromkeys(["maret", "mar", "mrt", "march"], 3),
    **dict.fromkeys(["april", "apr"], 4),
    **dict.fromkeys(["mei", "may"], 5),
    **dict.fromkeys(["juni", "jun", "june"], 6),
    **dict.fromkeys(["juli", "jul", "july"], 7),
    **dict.fromkeys(["agustus", "agu", "agt", "ags", "agus", "agst", "aug", "august"], 8),
    **dict.fromkeys(["september", "sep", "sept"], 9),
    **dict.fromkeys(["oktober", "okt", "oct", "october"], 10),
    **dict.fromkeys(["november", "nopember", "nov", "nop"], 11),
    **dict.fromkeys(["desember", "des", "dec", "december"], 12),
}

#: What the readers write for date cells, and day-first numbers with a four-digit year.
_DATE_PLAIN = (
    r"^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}(?:T[0-9]{2}:[0-9]{2}:[0-9]{2})?"
    r"|[0-9]{2}[-/.][0-9]{2}[-/.][0-9]{4})$"
)
_TIME = r"(?:[t ][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?"
_SEP = r"(?: ?[-/.] ?| )"
_DATE_ISO = rf"^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}{_TIME}$"
_DATE_YMD = rf"^(?<y>[0-9]{{4}}){_SEP}(?<m>[0-9]{{1,2}}){_SEP}(?<d>[0-9]{{1,2}}){_TIME}$"
_DATE_DMY = rf"^(?<d>[0-9]{{1,2}}){_SEP}(?<m>[0-9]{{1,2}}){_SEP}(?<y>[0-9]{{4}}|[0-9]{{2}})$"
_DATE_NAME = (
    r"^(?<d>[0-9]{1,2})(?: ?[-/.,] ?| )?(?<name>[a-z]+)\.?(?: ?[-/.,] ?| )?"
    r"(?<y>[0-9]{4}|[0-9]{2})$"
)
_DATE_NAME_FIRST = r"^(?<name>[a-z]+)\.? ?(?<d>[0-9]{1,2}),? ?(?<y>[0-9]{4})$"
_DATE_SERIAL = r"^(?<serial>[0-9]{1,6})(?:\.0+)?$"
#: Excel's 1900 date system: serial 1 is 1900-01-01; 60 is Lotus's 29 February 1900, which
#: does not exist; from 61 (1900-03-01) on, serial n is 1899-12-30 + n days.
_SERIAL_BEFORE_LOTUS_BUG: Final = _days_of(dt.date(1899, 12, 31))
_SERIAL_AFTER_LOTUS_BUG: Final = _days_of(dt.date(1899, 12, 30))


def _real_days(year: str, month: str, day: str) -> pl.Expr:
    """Days since 1970 of the date in three integer columns; null if there is no such date (or
    the year has fewer than four digits)."""
    y, m, d = pl.col(year), pl.col(month), pl.col(day)
    real = (y >= 1000) & _is_real_date(y, m, d)
    return pl.when(real.fill_null(value=False)).then(_epoch_days(y, m, d))


def date_column(
    dates: pl.Series | Sequence[str | None],
    *,
    today: dt.date,
    field: str = Field.BIRTH_DATE,
    required: bool = False,
    allow_future: bool = False,
    serial_range: tuple[int, int] = (1, 60000),
) -> Validated:
    """Dates, always day first (value column named ``field``, ``pl.Date``).

    Accepted: ISO ``1980-08-17`` (also with a time, ``T`` or space) and ``1980/8/17``;
    ``17-08-1980``, ``17/08/1980``, ``17.08.1980``, ``17 08 1980``, ``7-8-1980``; month names
    and abbreviations, Indonesian or English, any case (``17 Agustus 1980``, ``17 Agt 1980``,
    ``17-Ags-80``, ``17 Ags. 1980``, ``17-Aug-1980``, ``August 17, 1980``); two-digit years; and
    Excel serial numbers in ``serial_range`` (``29450``, ``29450.0``), Excel's 1900 system.

    Numbers are never read month first: ``05/08/1980`` is 5 August, and ``08/17/1980`` is
    invalid. Two-digit years take the century that keeps the date from being after ``today``.

    Warnings ``date_normalized`` for everything but ISO ``YYYY-MM-DD`` and the numeric day-first
    forms with a four-digit year: serial numbers, month names, two-digit years, ``1980/8/17``;
    the message says which date was read. Errors: ``date_invalid`` (unreadable, or no such day,
    e.g. 31-02-2020, or serial 60), ``date_future`` (after ``today``, unless ``allow_future``),
    ``value_required`` for an empty cell when ``required``.
    """
    col = pl.col
    frame = _frame(raw=_series(dates, "raw"))
    # Fast path: ISO (what the readers write for date cells) and dd-mm-yyyy, by position.
    iso = col("raw").str.slice(4, 1) == "-"

    def part(iso_offset: int, dmy_offset: int, length: int) -> pl.Expr:
        offset = pl.when(iso).then(iso_offset).otherwise(dmy_offset)
        digits = col("raw").str.slice(offset, length)
        return pl.when("plain").then(digits.cast(pl.Int64, strict=False))

    frame = (
        frame.lazy()
        .with_columns(plain=col("raw").str.contains(_DATE_PLAIN).fill_null(value=False))
        .with_columns(y=part(0, 6, 4), m=part(5, 3, 2), d=part(8, 0, 2))
        .with_columns(
            value=_to_date(_real_days("y", "m", "d")),
            empty=col("raw").is_null(),
            normalized=pl.lit(value=False),
        )
        .collect()
    )
    rest = _per_distinct(
        frame.filter(~col("plain") & col("raw").is_not_null()),
        lambda distinct: _date_slow(distinct, today, serial_range),
    )
    frame = _patched(frame, rest, ["value", "empty", "normalized"])
    label = _label(field)
    value = col("value")
    text = _quoted(col("raw").str.strip_chars())
    checks = [
        Check(
            RowIssue.REQUIRED,
            pl.lit(value=required) & col("empty"),
            pl.lit(f"{label} wajib diisi."),
        ),
        Check(
            RowIssue.DATE_INVALID,
            ~col("empty") & value.is_null(),
            _fmt(
                "{label} {text} bukan tanggal yang valid; tulis tanggal-bulan-tahun, "
                "mis. 17-08-1980.",
                label=label,
                text=text,
            ),
        ),
        Check(
            RowIssue.DATE_FUTURE,
            pl.lit(value=not allow_future) & (value > pl.lit(today)),
            _fmt("{label} {date} lebih lambat dari hari ini.", label=label, date=_dmy(value)),
        ),
        Check(
            RowIssue.DATE_NORMALIZED,
            value.is_not_null() & col("normalized"),
            _fmt(
                "{label} {text} dibaca sebagai {date}; periksa kembali.",
                label=label,
                text=text,
                date=_dmy(value),
            ),
        ),
    ]
    return Validated(
        frame.select(value.alias(str(field))), issues_from_checks(frame, field, checks)
    )


def _date_slow(cells: pl.LazyFrame, today: dt.date, serial_range: tuple[int, int]) -> pl.LazyFrame:
    """Every accepted form, for the cells the fast path did not take: ``value``, ``empty`` and
    ``normalized``."""
    col = pl.col
    serial_low, serial_high = serial_range
    parts = ("ymd", "dmy", "name", "name_first")
    month_name = pl.coalesce(
        col("name").struct.field("name"), col("name_first").struct.field("name")
    ).replace_strict(MONTH_NAMES, default=None, return_dtype=pl.Int64)
    serial = col("serial")
    serial_days = serial + pl.when(serial < 60).then(_SERIAL_BEFORE_LOTUS_BUG).otherwise(
        _SERIAL_AFTER_LOTUS_BUG
    )
    return (
        cells.with_columns(text=_trimmed(col("raw")).str.to_lowercase())
        .with_columns(
            iso=col("text").str.contains(_DATE_ISO),
            ymd=col("text").str.extract_groups(_DATE_YMD),
            dmy=col("text").str.extract_groups(_DATE_DMY),
            name=col("text").str.extract_groups(_DATE_NAME),
            name_first=col("text").str.extract_groups(_DATE_NAME_FIRST),
            serial=col("text").str.extract(_DATE_SERIAL, 1).cast(pl.Int64),
        )
        .with_columns(
            d=pl.coalesce(col(part).struct.field("d") for part in parts).cast(pl.Int64),
            m=pl.coalesce(
                col("ymd").struct.field("m").cast(pl.Int64),
                col("dmy").struct.field("m").cast(pl.Int64),
                month_name,
            ),
            y_text=pl.coalesce(col(part).struct.field("y") for part in parts),
            named=col("name").struct.field("d").is_not_null()
            | col("name_first").struct.field("d").is_not_null(),
        )
        .with_columns(
            two_digit=(col("y_text").str.len_chars() == 2).fill_null(value=False),
            y=col("y_text").cast(pl.Int64),
        )
        .with_columns(
            y=pl.when(col("two_digit"))
            .then(_century_year(col("y"), col("m"), col("d"), today))
            .otherwise(col("y"))
        )
        .with_columns(
            days=pl.when(serial.is_between(serial_low, serial_high) & (serial != 60))
            .then(serial_days)
            .otherwise(_real_days("y", "m", "d"))
        )
        .select(
            "raw",
            value=_to_date(col("days")),
            empty=col("text").fill_null("") == "",
            normalized=serial.is_not_null()
            | col("named")
            | col("two_digit")
            | (col("ymd").struct.field("y").is_not_null() & ~col("iso")),
        )
    )


def split_place_date(
    cells: pl.Series | Sequence[str | None], *, field: str = Field.BIRTH_DATE
) -> Validated:
    """Split "Tempat, Tanggal Lahir" cells on the last comma.

    Values: ``birth_place`` and ``birth_date_text`` (to give to :func:`date_column`). A cell
    without a comma is all date text, as it is (no place, no issue); a split cell gives the
    warning ``birth_place_split``: ``"Malili, 17-08-1980"`` -> ``"Malili"``, ``"17-08-1980"``.
    """
    col = pl.col
    frame = _frame(raw=_series(cells, "raw"))
    frame = frame.with_columns(
        plain=~col("raw").str.contains(",", literal=True).fill_null(value=False)
    ).with_columns(birth_place=pl.lit(None, pl.String), birth_date_text=col("raw"))
    parts = _trimmed(col("raw")).str.extract_groups(r"^(?<place>.*),(?<date>[^,]*)$")
    rest = (
        frame.lazy()
        .filter(~col("plain"))
        .with_columns(
            birth_place=parts.struct.field("place").str.strip_chars(),
            birth_date_text=parts.struct.field("date").str.strip_chars(),
        )
        .with_columns(
            birth_place=pl.when(col("birth_place") != "").then(col("birth_place")),
            birth_date_text=pl.when(col("birth_date_text") != "").then(col("birth_date_text")),
        )
        .collect()
    )
    checks = [
        Check(
            RowIssue.BIRTH_PLACE_SPLIT,
            pl.lit(value=True),
            _fmt(
                "{text} dipisah menjadi tempat lahir {place} dan tanggal lahir {date}.",
                text=_quoted(col("raw").str.strip_chars()),
                place=_quoted(col("birth_place").fill_null("")),
                date=_quoted(col("birth_date_text").fill_null("")),
            ),
        ),
    ]
    frame = _patched(frame, rest, ["birth_place", "birth_date_text"])
    return Validated(
        frame.select("birth_place", "birth_date_text"), issues_from_checks(rest, field, checks)
    )


def age_check(
    birth_date: pl.Series,
    on_date: dt.date | pl.Series,
    *,
    min_age: int,
    max_age: int,
    field: str = Field.BIRTH_DATE,
) -> Validated:
    """Age in whole years on ``on_date`` (a date, or a ``pl.Date`` column such as the start
    date); ``age_out_of_range`` outside ``[min_age, max_age]``. Value column ``age`` (Int32).

    A birthday on 29 February is reached on 1 March in other years.
    """
    born = _aligned(birth_date, len(birth_date), pl.Date(), "born")
    on = (
        _aligned(on_date, len(born), pl.Date(), "on")
        if isinstance(on_date, pl.Series)
        else pl.repeat(on_date, len(born), dtype=pl.Date, eager=True).rename("on")
    )
    col = pl.col
    frame = (
        _frame(born=born, on=on)
        .lazy()
        .with_columns(
            on_key=col("on").dt.month().cast(pl.Int32) * 100 + col("on").dt.day(),
            born_key=col("born").dt.month().cast(pl.Int32) * 100 + col("born").dt.day(),
        )
        .with_columns(
            age=col("on").dt.year().cast(pl.Int32)
            - col("born").dt.year().cast(pl.Int32)
            - (col("on_key") < col("born_key")).cast(pl.Int32)
        )
        .collect()
    )
    checks = [
        Check(
            RowIssue.AGE_OUT_OF_RANGE,
            ~col("age").is_between(min_age, max_age),
            _fmt(
                "Umur {age} tahun pada {on} di luar batas {low}–{high} tahun.",
                age=col("age"),
                on=_dmy(col("on")),
                low=min_age,
                high=max_age,
            ),
        ),
    ]
    return Validated(frame.select("age"), issues_from_checks(frame, field, checks))
