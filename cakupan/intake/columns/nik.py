"""The NIK column, parsed as ``cakupan.common.nik.parse_nik`` parses one NIK, every row at once: the
clean-up (Excel damage, look-alike characters, thousands separators), the regions, sex and birth
date it encodes, the cross-checks with the row's own sex and birth date, and ``parse_nik``'s
errors and warnings with the same codes, order and messages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from typing import Final

import polars as pl
from stdnum.util import _char_map as _STDNUM_CHAR_MAP

from cakupan.common.nik import _DETAILS as _NIK_DETAILS
from cakupan.common.nik import MESSAGES as NIK_MESSAGES
from cakupan.common.nik import PROVINCE_CODES, NikCode
from cakupan.intake.columns.datemath import _century_year, _dmy, _epoch_days, _to_date
from cakupan.intake.columns.frames import _aligned, _frame, _patched, _series
from cakupan.intake.columns.issues import Check, Validated, combine_issues, issues_from_checks
from cakupan.intake.columns.text import _D, _compact, _fmt
from cakupan.intake.schema import Field

# ``common.nik`` patterns, full-matched, with Python's ``\d``.
_NIK_EXCEL_TEXT: Final = rf"^(?:[+-]?{_D}+(?:[.,]{_D}*)?[eE][+-]?{_D}+|{_D}{{15,}}[.,]0+)$"
_NIK_THOUSANDS: Final = rf"^(?:{_D}{{1,3}}(?:\.{_D}{{3}})+|{_D}{{1,3}}(?:,{_D}{{3}})+)$"
#: python-stdnum's ``compact`` for the NIK: map Unicode look-alikes to ASCII, drop `` -.``.
_NIK_CHAR_MAP: Final = {
    char: new
    for char, new in {
        **{char: "" if ascii_ in " -." else ascii_ for char, ascii_ in _STDNUM_CHAR_MAP.items()},
        " ": "",
        "-": "",
        ".": "",
    }.items()
    if char != new
}


_NIK_SEX_DETAIL = {sex: _NIK_DETAILS[f"nik_{sex}"] for sex in ("L", "P")}
_DATA_SEX_DETAIL = {sex: _NIK_DETAILS[f"data_{sex}"] for sex in ("L", "P")}


def _region_numbers(codes: Collection[str] | None, digits: int) -> pl.Series | None:
    """Region codes of one level, dotted or not, as the integer of the NIK's first ``digits``."""
    if codes is None:
        return None
    plain = pl.Series(list(codes), dtype=pl.String).str.replace_all(".", "", literal=True)
    numbers = plain.filter(plain.str.contains(f"^[0-9]{{{digits}}}$")).cast(pl.Int64)
    return numbers.unique()


def nik_columns(
    nik: pl.Series | Sequence[str | None],
    *,
    today: dt.date,
    province_codes: Collection[str] = PROVINCE_CODES,
    regency_codes: Collection[str] | None = None,
    district_codes: Collection[str] | None = None,
    sex: pl.Series | None = None,
    birth_date: pl.Series | None = None,
    numeric: pl.Series | None = None,
    field: str = Field.NIK,
) -> Validated:
    """Parse a NIK column as ``parse_nik`` does, every row at once.

    Values: ``nik`` (16 ASCII digits, or null), ``nik_sex`` ("L"/"P", null when the day code is
    out of range) and ``nik_birth_date`` (``pl.Date``, century resolved as ``parse_nik``).

    Regions: ``province_codes`` (default: the 38 of :data:`PROVINCE_CODES`), ``regency_codes``
    and ``district_codes``, dotted (``"73.24"``) or not. A level that is None is not checked, so
    the defaults match ``parse_nik`` without ``region_names``; the three levels of a region table
    match ``parse_nik`` with ``region_names`` over that table.

    Cross-checks: ``sex`` (exactly "L"/"P", as :func:`sex_column` gives; anything else counts
    as unknown, where ``parse_nik`` would accept "l"/"p" and raise otherwise) and ``birth_date``
    (``pl.Date``) are the row's own data, as ``parse_nik``'s keyword arguments.

    ``numeric`` (Boolean, optional) marks cells that were numbers in the spreadsheet: their text
    is ``str(int)`` or ``repr(float)`` and they are judged as ``parse_nik(int(text))`` or
    ``parse_nik(float(text))`` (a float is always damaged; an int of 16 digits ending in 0 too).
    """
    raw = _series(nik, "raw")
    height = len(raw)
    frame = _frame(
        raw=raw,
        numeric=_aligned(numeric, height, pl.Boolean(), "numeric").fill_null(value=False),
    )
    col = pl.col
    # Most cells are 16 ASCII digits typed as text: they need no clean-up. (A string cast to an
    # unsigned integer allows nothing but digits and a leading "+".)
    plain = (
        (col("raw").str.len_bytes() == 16)
        & col("raw").cast(pl.UInt64, strict=False).is_not_null()
        & ~col("raw").str.starts_with("+")
        & ~col("numeric")
    )
    frame = frame.with_columns(plain=plain.fill_null(value=False))
    frame = frame.with_columns(nik=pl.when(col("plain")).then(col("raw")))
    cleaned = _nik_clean(frame.filter(~col("plain")))
    frame = _patched(frame, cleaned, ["nik"])
    frame = _nik_decode(
        frame.with_columns(
            given_sex=_aligned(sex, height, pl.String(), "given_sex"),
            given_date=_aligned(birth_date, height, pl.Date(), "given_date"),
        ),
        today=today,
        with_sex=sex is not None,
        with_date=birth_date is not None,
    )
    provinces = _region_numbers(province_codes, 2)
    regencies = _region_numbers(regency_codes, 4)
    districts = _region_numbers(district_codes, 6)
    has_nik = col("nik").is_not_null()
    false = pl.lit(value=False)
    province_unknown = (
        has_nik & ~col("province").is_in(provinces.implode()) if provinces is not None else false
    )
    region_ok = has_nik & ~province_unknown & ~col("regency_zero") & ~col("district_zero")
    regency_unknown = (
        region_ok & ~col("regency").is_in(regencies.implode()) if regencies is not None else false
    )
    district_unknown = (
        region_ok & ~regency_unknown & ~col("district").is_in(districts.implode())
        if districts is not None
        else false
    )
    frame = frame.with_columns(
        province_unknown=province_unknown,
        regency_unknown=regency_unknown,
        district_unknown=district_unknown,
    )
    issues = combine_issues(
        issues_from_checks(cleaned, field, _NIK_CLEAN_CHECKS),
        issues_from_checks(frame, field, _NIK_DECODED_CHECKS),
    )
    return Validated(values=frame.select("nik", "nik_sex", "nik_birth_date"), issues=issues)


def _nik_clean(rest: pl.DataFrame) -> pl.DataFrame:
    """``common.nik._clean`` for the cells that are not plain: ``nik`` (or null) and, in
    ``stage``, the one clean-up error, with what its message needs."""
    col = pl.col
    is_int = col("raw").str.contains(r"^-?[0-9]+$")
    num_float = col("numeric") & ~is_int
    lowered = col("raw").str.to_lowercase()
    cleaned = (
        rest.lazy()
        .with_columns(compact=_compact(col("raw")))
        .with_columns(
            num_nan=num_float & (lowered == "nan"),
            num_inf=num_float & lowered.is_in(["inf", "-inf", "+inf"]),
            num_negative=col("numeric") & is_int & col("raw").str.starts_with("-"),
            num_float=num_float,
            excel_text=col("compact").str.contains(_NIK_EXCEL_TEXT),
            as_number=(col("numeric") & is_int) | col("compact").str.contains(_NIK_THOUSANDS),
        )
        .with_columns(
            digits=pl.when(col("as_number"))
            .then(col("compact").str.replace_all(",", "", literal=True))
            .otherwise(col("compact"))
            .str.replace_many(_NIK_CHAR_MAP)
        )
        .with_columns(
            is_digits=col("digits").str.contains(r"^[0-9]+$"),
            n_digits=col("digits").str.len_chars(),
        )
        .with_columns(
            stage=pl.when(col("raw").is_null() | col("num_nan") | (col("compact") == ""))
            .then(pl.lit(NikCode.EMPTY.value))
            .when(col("num_inf") | col("num_negative"))
            .then(pl.lit(NikCode.NOT_DIGITS.value))
            .when(col("num_float") | col("excel_text"))
            .then(pl.lit(NikCode.EXCEL_DAMAGED.value))
            .when(~col("is_digits"))
            .then(pl.lit(NikCode.NOT_DIGITS.value))
            .when(col("n_digits") != 16)
            .then(pl.lit(NikCode.LENGTH.value))
            .when(col("as_number") & col("digits").str.ends_with("0"))
            .then(pl.lit(NikCode.EXCEL_DAMAGED.value))
        )
        .with_columns(nik=pl.when(col("stage").is_null()).then(col("digits")))
        .collect()
    )
    return cleaned.with_columns(odd_chars=_odd_chars(cleaned))


def _odd_chars(frame: pl.DataFrame) -> pl.Series:
    """For text rows with ``nik_not_digits``: the distinct non-digits, sorted, as ``parse_nik``
    writes them (``repr`` of each, at most five, then ``…``). Null elsewhere."""
    wanted = (pl.col("stage") == NikCode.NOT_DIGITS) & ~pl.col("num_negative") & ~pl.col("num_inf")
    odd = frame.select(
        pl.when(wanted)
        .then(pl.col("digits").str.extract_all(r"[^0-9]").list.unique().list.sort())
        .alias("odd")
    )
    distinct = odd.get_column("odd").explode().drop_nulls().unique().to_list()
    # A loop over the distinct characters of the column (not over rows): Python's repr.
    reprs = {char: repr(char) for char in distinct}
    shown = pl.col("odd").list.head(5)
    if reprs:
        shown = shown.list.eval(pl.element().replace_strict(reprs, return_dtype=pl.String))
    more = pl.when(pl.col("odd").list.len() > 5).then(pl.lit(", …")).otherwise(pl.lit(""))
    return odd.select(
        pl.when(pl.col("odd").is_not_null())
        .then(pl.concat_str(shown.list.join(", "), more))
        .alias("odd_chars")
    ).to_series()


def _nik_decode(
    frame: pl.DataFrame, *, today: dt.date, with_sex: bool, with_date: bool
) -> pl.DataFrame:
    """Regions, sex, birth date (with the century rule) and sequence of the ``nik`` column, as
    integers; and the birth date, sequence and cross-check flags."""
    col = pl.col
    number = col("nik").cast(pl.Int64)
    has_nik = col("nik").is_not_null()
    lazy = (
        frame.lazy()
        .with_columns(
            province=number // 10**14,
            regency=number // 10**12,
            district=number // 10**10,
            day_code=number // 10**8 % 100,
            month=number // 10**6 % 100,
            yy=number // 10**4 % 100,
            sequence=number % 10**4,
        )
        .with_columns(
            nik_sex=pl.when(col("day_code").is_between(1, 31))
            .then(pl.lit("L"))
            .when(col("day_code").is_between(41, 71))
            .then(pl.lit("P")),
            regency_zero=has_nik & (col("regency") % 100 == 0),
            district_zero=has_nik & (col("district") % 100 == 0),
            month_bad=has_nik & ~col("month").is_between(1, 12),
        )
    )
    lazy = lazy.with_columns(
        day=pl.when(col("nik_sex") == "P").then(col("day_code") - 40).otherwise(col("day_code")),
        day_bad=has_nik & col("nik_sex").is_null(),
    )
    given = col("given_date")
    # The year as a column of its own: expressions are trees, and the date arithmetic below uses
    # the year several times.
    lazy = lazy.with_columns(year=_century_year(col("yy"), col("month"), col("day"), today))
    resolved = _to_date(_epoch_days(col("year"), col("month"), col("day")))
    if with_date:
        given_matches = (
            (given.dt.year() % 100 == col("yy"))
            & (given.dt.month() == col("month"))
            & (given.dt.day() == col("day"))
        )
        resolved = pl.when(given_matches.fill_null(value=False)).then(given).otherwise(resolved)
    lazy = lazy.with_columns(
        nik_birth_date=pl.when(has_nik & ~col("day_bad") & ~col("month_bad")).then(resolved)
    )
    data_sex = col("given_sex")
    return (
        lazy.with_columns(
            no_such_date=has_nik
            & ~col("day_bad")
            & ~col("month_bad")
            & col("nik_birth_date").is_null(),
            birth_future=col("nik_birth_date") > pl.lit(today),
            sequence_zero=col("sequence") == 0,
            sex_mismatch=((data_sex == "L") | (data_sex == "P")) & (data_sex != col("nik_sex"))
            if with_sex
            else pl.lit(value=False),
            date_mismatch=(given != col("nik_birth_date")) if with_date else pl.lit(value=False),
        )
        .with_columns(birth_invalid=col("day_bad") | col("month_bad") | col("no_such_date"))
        .collect()
    )


def _nik_clean_checks() -> list[Check]:
    col = pl.col
    stage = col("stage")
    damaged_value = pl.when(col("numeric")).then(col("raw")).otherwise(col("compact"))
    not_digit_chars = (
        pl.when(col("num_negative"))
        .then(pl.lit("'-'"))
        .when(col("num_inf"))
        .then(pl.concat_str(pl.lit("'"), col("raw"), pl.lit("'")))
        .otherwise(col("odd_chars"))
    )
    return [
        Check(NikCode.EMPTY, stage == NikCode.EMPTY, _fmt(NIK_MESSAGES[NikCode.EMPTY])),
        Check(
            NikCode.EXCEL_DAMAGED,
            stage == NikCode.EXCEL_DAMAGED,
            _fmt(NIK_MESSAGES[NikCode.EXCEL_DAMAGED], value=damaged_value),
        ),
        Check(
            NikCode.NOT_DIGITS,
            stage == NikCode.NOT_DIGITS,
            _fmt(NIK_MESSAGES[NikCode.NOT_DIGITS], chars=not_digit_chars),
        ),
        Check(
            NikCode.LENGTH,
            stage == NikCode.LENGTH,
            _fmt(NIK_MESSAGES[NikCode.LENGTH], count=col("n_digits")),
        ),
    ]


def _nik_decoded_checks() -> list[Check]:
    """``parse_nik``'s errors in its order, then its warnings."""
    col = pl.col
    nik = col("nik")
    regency_code = pl.concat_str(nik.str.slice(0, 2), pl.lit("."), nik.str.slice(2, 2))
    district_code = pl.concat_str(regency_code, pl.lit("."), nik.str.slice(4, 2))
    no_such_date = pl.concat_str(
        col("day").cast(pl.String).str.zfill(2),
        nik.str.slice(8, 2),
        nik.str.slice(10, 2),
        separator="-",
    )
    details = pl.concat_str(
        pl.when(col("day_bad")).then(_fmt(_NIK_DETAILS["day"], value=nik.str.slice(6, 2))),
        pl.when(col("month_bad")).then(_fmt(_NIK_DETAILS["month"], value=nik.str.slice(8, 2))),
        pl.when(col("no_such_date")).then(_fmt(_NIK_DETAILS["no_such_date"], value=no_such_date)),
        separator="; ",
        ignore_nulls=True,
    )
    nik_sex = pl.when(col("nik_sex") == "L").then(pl.lit(_NIK_SEX_DETAIL["L"]))
    data_sex = pl.when(col("given_sex") == "L")
    return [
        Check(
            NikCode.REGION_ZERO,
            col("regency_zero"),
            _fmt(
                NIK_MESSAGES[NikCode.REGION_ZERO],
                level=_NIK_DETAILS["regency"],
                code=regency_code,
            ),
        ),
        Check(
            NikCode.REGION_ZERO,
            col("district_zero"),
            _fmt(
                NIK_MESSAGES[NikCode.REGION_ZERO],
                level=_NIK_DETAILS["district"],
                code=district_code,
            ),
        ),
        Check(
            NikCode.PROVINCE_UNKNOWN,
            col("province_unknown"),
            _fmt(NIK_MESSAGES[NikCode.PROVINCE_UNKNOWN], code=nik.str.slice(0, 2)),
        ),
        Check(
            NikCode.BIRTH_DATE_INVALID,
            col("birth_invalid"),
            _fmt(NIK_MESSAGES[NikCode.BIRTH_DATE_INVALID], detail=details),
        ),
        Check(
            NikCode.BIRTH_DATE_FUTURE,
            col("birth_future"),
            _fmt(NIK_MESSAGES[NikCode.BIRTH_DATE_FUTURE], date=_dmy(col("nik_birth_date"))),
        ),
        Check(
            NikCode.SEQUENCE_ZERO,
            col("sequence_zero"),
            _fmt(NIK_MESSAGES[NikCode.SEQUENCE_ZERO]),
        ),
        Check(
            NikCode.SEX_MISMATCH,
            col("sex_mismatch"),
            _fmt(
                NIK_MESSAGES[NikCode.SEX_MISMATCH],
                nik_sex=nik_sex.otherwise(pl.lit(_NIK_SEX_DETAIL["P"])),
                data_sex=data_sex.then(pl.lit(_DATA_SEX_DETAIL["L"])).otherwise(
                    pl.lit(_DATA_SEX_DETAIL["P"])
                ),
            ),
        ),
        Check(
            NikCode.BIRTH_DATE_MISMATCH,
            col("date_mismatch"),
            _fmt(
                NIK_MESSAGES[NikCode.BIRTH_DATE_MISMATCH],
                nik_date=_dmy(col("nik_birth_date")),
                data_date=_dmy(col("given_date")),
            ),
        ),
        Check(
            NikCode.REGENCY_UNKNOWN,
            col("regency_unknown"),
            _fmt(NIK_MESSAGES[NikCode.REGENCY_UNKNOWN], code=regency_code),
        ),
        Check(
            NikCode.DISTRICT_UNKNOWN,
            col("district_unknown"),
            _fmt(NIK_MESSAGES[NikCode.DISTRICT_UNKNOWN], code=district_code),
        ),
    ]


_NIK_CLEAN_CHECKS: Final = _nik_clean_checks()
_NIK_DECODED_CHECKS: Final = _nik_decoded_checks()
