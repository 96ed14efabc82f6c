"""``cakupan.intake.columns``: table-driven cases with exact values and codes for every validator."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import pytest

from cakupan.common.nik import NikCode
from cakupan.intake.columns import (
    ISSUE_SCHEMA,
    Validated,
    age_check,
    combine_issues,
    date_column,
    desa_by_code_or_name,
    desa_code_column,
    duplicates_in_file,
    kk_column,
    kpj_column,
    nik_columns,
    phone_column,
    sex_column,
    split_place_date,
    wage_column,
)
from cakupan.intake.columns.dates import MONTH_NAMES
from cakupan.intake.columns.sex import SEX_SPELLINGS
from cakupan.intake.schema import WARNING_CODES, RowIssue

TODAY = dt.date(2025, 6, 1)

#: A slice of the region data: Luwu Timur, Papua (after the 2022 split) and Merauke.
PROVINCES = {"73", "91", "93"}
REGENCIES = {"73.24", "91.03", "93.01"}
DISTRICTS = {"73.24.01", "91.03.01", "93.01.01"}
DESA = {"73.24.01.2001", "73.24.01.2002", "91.03.01.1001"}

E = NikCode
R = RowIssue


def one(result: Validated) -> tuple[tuple[Any, ...], list[str]]:
    """The values and the issue codes of a one-row result."""
    assert result.values.height == 1
    assert result.issues.schema == ISSUE_SCHEMA
    return result.values.row(0), result.issues.get_column("code").to_list()


def codes(result: Validated) -> list[list[str]]:
    """Issue codes row by row."""
    found: list[list[str]] = [[] for _ in range(result.values.height)]
    for row, code in result.issues.select("row_index", "code").iter_rows():
        found[row].append(code)
    return found


def nik(raw: str | None, **kwargs: Any) -> Validated:
    return nik_columns(
        pl.Series([raw], dtype=pl.String),
        today=TODAY,
        province_codes=PROVINCES,
        regency_codes=REGENCIES,
        district_codes=DISTRICTS,
        **kwargs,
    )


# --- NIK --------------------------------------------------------------------------------------

VALID = ("7324011708800001", "L", dt.date(1980, 8, 17))
NOTHING = (None, None, None)

NIK_CASES: list[Any] = [
    pytest.param("7324011708800001", VALID, [], id="valid-man"),
    pytest.param(
        "7324015708800001", ("7324015708800001", "P", dt.date(1980, 8, 17)), [], id="woman"
    ),
    pytest.param(
        "7324011708800010", ("7324011708800010", "L", dt.date(1980, 8, 17)), [], id="text-end-0"
    ),
    pytest.param(" 7324 0117 0880 0001 ", VALID, [], id="spaces"),
    pytest.param("7324\u00a00117\u00a008800001\u00a0", VALID, [], id="nbsp"),
    pytest.param("7324\u200b011708800001", VALID, [], id="zero-width-space"),
    pytest.param("73.24.01-170880-0001", VALID, [], id="dots-and-dashes"),
    pytest.param("7324\u2013011708800001", VALID, [], id="en-dash"),
    pytest.param("'7324011708800001", VALID, [], id="apostrophe"),
    pytest.param(" \u00a0'7324011708800001", VALID, [], id="apostrophe-after-nbsp"),
    pytest.param("''7324011708800001", NOTHING, [E.NOT_DIGITS], id="two-apostrophes"),
    pytest.param("\uff17\uff13\uff12\uff14011708800001", VALID, [], id="full-width-digits"),
    pytest.param("7324011708800001.0", NOTHING, [E.EXCEL_DAMAGED], id="float-repr"),
    pytest.param("7324011708800000,00", NOTHING, [E.EXCEL_DAMAGED], id="comma-zero-fraction"),
    pytest.param("7.32401E+15", NOTHING, [E.EXCEL_DAMAGED], id="scientific"),
    pytest.param("7,32401E+15", NOTHING, [E.EXCEL_DAMAGED], id="scientific-comma"),
    pytest.param("7.324011708800001e+15", NOTHING, [E.EXCEL_DAMAGED], id="scientific-full"),
    pytest.param("7.324.011.708.800.000", NOTHING, [E.EXCEL_DAMAGED], id="thousands-dot-0"),
    pytest.param("7,324,011,708,800,000", NOTHING, [E.EXCEL_DAMAGED], id="thousands-comma-0"),
    pytest.param("7.324.011.708.800.001", VALID, [], id="thousands-dot-not-0"),
    pytest.param("7324O11708800001", NOTHING, [E.NOT_DIGITS], id="letter-O"),
    pytest.param("7324/0117/0880/0001", NOTHING, [E.NOT_DIGITS], id="slashes"),
    pytest.param("\u0667324011708800001", NOTHING, [E.NOT_DIGITS], id="arabic-indic-digit"),
    pytest.param("-", NOTHING, [E.NOT_DIGITS], id="only-a-dash"),
    pytest.param("732401170880001", NOTHING, [E.LENGTH], id="15-digits"),
    pytest.param("73240117088000011", NOTHING, [E.LENGTH], id="17-digits"),
    pytest.param("", NOTHING, [E.EMPTY], id="empty"),
    pytest.param(" \u00a0 ", NOTHING, [E.EMPTY], id="blank"),
    pytest.param("'", NOTHING, [E.EMPTY], id="apostrophe-only"),
    pytest.param(None, NOTHING, [E.EMPTY], id="null"),
    pytest.param(
        "7324013102800001", ("7324013102800001", "L", None), [E.BIRTH_DATE_INVALID], id="31-02"
    ),
    pytest.param(
        "7324017213800001", ("7324017213800001", None, None), [E.BIRTH_DATE_INVALID], id="72-13"
    ),
    pytest.param(
        "7324011708800000",
        ("7324011708800000", "L", dt.date(1980, 8, 17)),
        [E.SEQUENCE_ZERO],
        id="sequence-0000",
    ),
    pytest.param(
        "9924011708800001",
        ("9924011708800001", "L", dt.date(1980, 8, 17)),
        [E.PROVINCE_UNKNOWN],
        id="province-99",
    ),
    pytest.param(
        "7300001708800001",
        ("7300001708800001", "L", dt.date(1980, 8, 17)),
        [E.REGION_ZERO, E.REGION_ZERO],
        id="region-00",
    ),
    pytest.param(
        "9101011708800001",
        ("9101011708800001", "L", dt.date(1980, 8, 17)),
        [E.REGENCY_UNKNOWN],
        id="pre-split-merauke",
    ),
    pytest.param(
        "7324991708800001",
        ("7324991708800001", "L", dt.date(1980, 8, 17)),
        [E.DISTRICT_UNKNOWN],
        id="unknown-kecamatan",
    ),
    pytest.param(
        "9924013102800000",
        ("9924013102800000", "L", None),
        [E.PROVINCE_UNKNOWN, E.BIRTH_DATE_INVALID, E.SEQUENCE_ZERO],
        id="independent-errors-in-order",
    ),
    pytest.param(
        "7324011708250001",
        ("7324011708250001", "L", dt.date(1925, 8, 17)),
        [],
        id="century-20YY-after-today-19YY",
    ),
    pytest.param(
        "7324010106250001",
        ("7324010106250001", "L", dt.date(2025, 6, 1)),
        [],
        id="century-equal-today",
    ),
]


@pytest.mark.parametrize(("raw", "values", "expected"), NIK_CASES)
def test_nik(raw: str | None, values: tuple[Any, ...], expected: list[str]) -> None:
    assert one(nik(raw)) == (values, expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("7324011708800001", [], id="int-not-ending-0-is-exact"),
        pytest.param("7324011708800000", [E.EXCEL_DAMAGED], id="int-ending-0"),
        pytest.param("7324011708800001.0", [E.EXCEL_DAMAGED], id="float"),
        pytest.param("7.324011708800001e+16", [E.EXCEL_DAMAGED], id="float-scientific"),
        pytest.param("-7324011708800001", [E.NOT_DIGITS], id="negative-int"),
        pytest.param("nan", [E.EMPTY], id="nan"),
        pytest.param("inf", [E.NOT_DIGITS], id="inf"),
        pytest.param("732401170880001", [E.LENGTH], id="int-15-digits"),
    ],
)
def test_nik_from_numeric_cells(text: str, expected: list[str]) -> None:
    _values, found = one(nik(text, numeric=pl.Series([True])))
    assert found == expected


@pytest.mark.parametrize(
    ("raw", "kwargs", "expected"),
    [
        pytest.param("7324011708800001", {"sex": "L"}, [], id="sex-matches"),
        pytest.param("7324015708800001", {"sex": "L"}, [E.SEX_MISMATCH], id="sex-mismatch"),
        pytest.param("7324015708800001", {"sex": None}, [], id="sex-unknown"),
        pytest.param(
            "7324011708800001", {"birth_date": dt.date(1980, 8, 17)}, [], id="date-matches"
        ),
        pytest.param(
            "7324011708800001",
            {"birth_date": dt.date(1980, 8, 18)},
            [E.BIRTH_DATE_MISMATCH],
            id="date-mismatch",
        ),
        pytest.param(
            "7324015708800001",
            {"sex": "L", "birth_date": dt.date(1981, 8, 17)},
            [E.SEX_MISMATCH, E.BIRTH_DATE_MISMATCH],
            id="both-mismatch",
        ),
        pytest.param(
            "7324013102800001",
            {"sex": "P", "birth_date": dt.date(1980, 2, 28)},
            [E.BIRTH_DATE_INVALID, E.SEX_MISMATCH],
            id="invalid-date-no-date-mismatch",
        ),
        pytest.param(
            "7324010101300001",
            {"birth_date": dt.date(2030, 1, 1)},
            [E.BIRTH_DATE_FUTURE],
            id="future-via-given-century",
        ),
    ],
)
def test_nik_cross_checks(raw: str, kwargs: dict[str, Any], expected: list[str]) -> None:
    series = {
        "sex": pl.Series([kwargs.get("sex")], dtype=pl.String),
        "birth_date": pl.Series([kwargs.get("birth_date")], dtype=pl.Date),
    }
    _values, found = one(nik(raw, **series))
    assert found == expected


def test_nik_given_birth_date_gives_its_century() -> None:
    values, found = one(nik("7324010105250001", birth_date=pl.Series([dt.date(1925, 5, 1)])))
    assert values[2] == dt.date(1925, 5, 1)
    assert found == []


def test_nik_messages_are_parse_niks() -> None:
    result = nik_columns(
        ["7324-0117-0880-001", "7324O1170880000l", "7.32401E+15", "7324013102800001", "abcdefgh"],
        today=TODAY,
    )
    assert result.issues.get_column("message").to_list() == [
        "NIK harus 16 digit, ditemukan 15 digit.",
        "NIK hanya boleh berisi angka; ditemukan karakter 'O', 'l'.",
        "NIK rusak karena diolah sebagai angka oleh Excel (terbaca: 7.32401E+15); angka di "
        "belakangnya hilang atau berubah menjadi 0. Format kolom NIK sebagai Teks, lalu ketik "
        "ulang NIK dari KTP/KK.",
        "Tanggal lahir di NIK tidak valid: tanggal 31-02-80 tidak ada di kalender.",
        "NIK hanya boleh berisi angka; ditemukan karakter 'a', 'b', 'c', 'd', 'e', ….",
    ]


def test_nik_without_regions_checks_only_the_38_provinces() -> None:
    result = nik_columns(["9101011708800001", "7399991708800001", "9924011708800001"], today=TODAY)
    assert codes(result) == [[], [], [E.PROVINCE_UNKNOWN]]


def test_nik_region_codes_dotted_or_not() -> None:
    result = nik_columns(
        ["7324011708800001", "7324021708800001"],
        today=TODAY,
        province_codes={"73"},
        regency_codes={"7324"},
        district_codes={"732401"},
    )
    assert codes(result) == [[], [E.DISTRICT_UNKNOWN]]
    assert result.issues.get_column("severity").to_list() == ["warning"]


def test_nik_rejects_misaligned_cross_check_columns() -> None:
    with pytest.raises(ValueError, match="given_sex"):
        nik_columns(["7324011708800001"], today=TODAY, sex=pl.Series(["L", "P"]))


# --- sex --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "sex", "expected"),
    [
        pytest.param("L", "L", [], id="L"),
        pytest.param("P", "P", [], id="P"),
        pytest.param(" L\u00a0", "L", [], id="L-whitespace"),
        pytest.param("l", "L", [R.SEX_NORMALIZED], id="l"),
        pytest.param("p", "P", [R.SEX_NORMALIZED], id="p"),
        pytest.param("Laki-laki", "L", [R.SEX_NORMALIZED], id="Laki-laki"),
        pytest.param("Laki Laki", "L", [R.SEX_NORMALIZED], id="Laki-Laki-space"),
        pytest.param("LAKI-LAKI", "L", [R.SEX_NORMALIZED], id="LAKI-LAKI"),
        pytest.param("Laki2", "L", [R.SEX_NORMALIZED], id="Laki2"),
        pytest.param("LK", "L", [R.SEX_NORMALIZED], id="LK"),
        pytest.param("Lk.", "L", [R.SEX_NORMALIZED], id="Lk-dot"),
        pytest.param("Pria", "L", [R.SEX_NORMALIZED], id="Pria"),
        pytest.param("Perempuan", "P", [R.SEX_NORMALIZED], id="Perempuan"),
        pytest.param("Wanita", "P", [R.SEX_NORMALIZED], id="Wanita"),
        pytest.param("PR", "P", [R.SEX_NORMALIZED], id="PR"),
        pytest.param("W", "P", [R.SEX_NORMALIZED], id="W"),
        pytest.param("M", "L", [R.SEX_NORMALIZED], id="M-male"),
        pytest.param("Female", "P", [R.SEX_NORMALIZED], id="Female"),
        pytest.param("X", None, [R.SEX_INVALID], id="X"),
        pytest.param("L/P", None, [R.SEX_INVALID], id="L/P"),
        pytest.param("Laki", "L", [R.SEX_NORMALIZED], id="Laki"),
        pytest.param("", None, [], id="empty-not-required"),
        pytest.param(None, None, [], id="null-not-required"),
    ],
)
def test_sex(raw: str | None, sex: str | None, expected: list[str]) -> None:
    assert one(sex_column(pl.Series([raw], dtype=pl.String))) == ((sex,), expected)


def test_sex_required_and_message() -> None:
    result = sex_column(["", None, " ", "Laki-laki"], required=True)
    assert codes(result) == [[R.REQUIRED], [R.REQUIRED], [R.REQUIRED], [R.SEX_NORMALIZED]]
    assert result.issues.get_column("message").to_list()[-1] == (
        "Jenis kelamin 'Laki-laki' dibaca sebagai L."
    )
    assert set(SEX_SPELLINGS.values()) == {"L", "P"}


# --- dates ------------------------------------------------------------------------------------

AUG17 = dt.date(1980, 8, 17)
N = R.DATE_NORMALIZED

DATE_CASES: list[Any] = [
    pytest.param("1980-08-17", AUG17, [], id="iso"),
    pytest.param("1980-08-17T00:00:00", AUG17, [], id="iso-time"),
    pytest.param("1980-08-17 00:00:00", AUG17, [], id="iso-space-time"),
    pytest.param("17-08-1980", AUG17, [], id="dd-mm-yyyy"),
    pytest.param("17/08/1980", AUG17, [], id="dd/mm/yyyy"),
    pytest.param("17.08.1980", AUG17, [], id="dd.mm.yyyy"),
    pytest.param("7-8-1980", dt.date(1980, 8, 7), [], id="d-m-yyyy"),
    pytest.param("05/08/1980", dt.date(1980, 8, 5), [], id="day-first-never-month-first"),
    pytest.param(" 17-08-1980\u00a0", AUG17, [], id="nbsp"),
    pytest.param("'17-08-1980", AUG17, [], id="apostrophe"),
    pytest.param("1980/8/17", AUG17, [N], id="yyyy/m/d"),
    pytest.param("17 Agustus 1980", AUG17, [N], id="agustus"),
    pytest.param("17 AGUSTUS 1980", AUG17, [N], id="agustus-upper"),
    pytest.param("17 Agt 1980", AUG17, [N], id="agt"),
    pytest.param("17 Ags 1980", AUG17, [N], id="ags"),
    pytest.param("17-Agu-1980", AUG17, [N], id="agu-dashes"),
    pytest.param("17 Ags. 1980", AUG17, [N], id="ags-dot"),
    pytest.param("17-Aug-1980", AUG17, [N], id="english-aug"),
    pytest.param("17 August 1980", AUG17, [N], id="english-august"),
    pytest.param("August 17, 1980", AUG17, [N], id="english-month-first"),
    pytest.param("1 Januari 1990", dt.date(1990, 1, 1), [N], id="januari"),
    pytest.param("2 Peb 1990", dt.date(1990, 2, 2), [N], id="peb"),
    pytest.param("3 Mrt 1990", dt.date(1990, 3, 3), [N], id="mrt"),
    pytest.param("4 Mei 1990", dt.date(1990, 5, 4), [N], id="mei"),
    pytest.param("5 Okt 1990", dt.date(1990, 10, 5), [N], id="okt"),
    pytest.param("6 Nopember 1990", dt.date(1990, 11, 6), [N], id="nopember"),
    pytest.param("7 Des 1990", dt.date(1990, 12, 7), [N], id="des"),
    pytest.param("29450", AUG17, [N], id="serial"),
    pytest.param("29450.0", AUG17, [N], id="serial-float"),
    pytest.param("1", dt.date(1900, 1, 1), [N], id="serial-1"),
    pytest.param("59", dt.date(1900, 2, 28), [N], id="serial-59"),
    pytest.param("60", None, [R.DATE_INVALID], id="serial-60-lotus-bug"),
    pytest.param("61", dt.date(1900, 3, 1), [N], id="serial-61"),
    pytest.param("45809", dt.date(2025, 6, 1), [N], id="serial-today"),
    pytest.param("0", None, [R.DATE_INVALID], id="serial-0"),
    pytest.param("60001", None, [R.DATE_INVALID], id="serial-out-of-range"),
    pytest.param("17-08-80", AUG17, [N], id="two-digit-year"),
    pytest.param("17 Agt 80", AUG17, [N], id="two-digit-year-name"),
    pytest.param("01-06-25", dt.date(2025, 6, 1), [N], id="two-digit-year-today"),
    pytest.param("02-06-25", dt.date(1925, 6, 2), [N], id="two-digit-year-not-future"),
    pytest.param("29-02-00", dt.date(2000, 2, 29), [N], id="two-digit-29-02-00"),
    pytest.param("31-02-2020", None, [R.DATE_INVALID], id="31-02"),
    pytest.param("29-02-2019", None, [R.DATE_INVALID], id="29-02-not-leap"),
    pytest.param("1980-02-30", None, [R.DATE_INVALID], id="iso-no-such-day"),
    pytest.param("08/17/1980", None, [R.DATE_INVALID], id="month-first-invalid"),
    pytest.param("17-08-0198", None, [R.DATE_INVALID], id="year-typo"),
    pytest.param("17 Foo 1980", None, [R.DATE_INVALID], id="unknown-month"),
    pytest.param("Agustus 1980", None, [R.DATE_INVALID], id="no-day"),
    pytest.param("abc", None, [R.DATE_INVALID], id="text"),
    pytest.param("2030-01-01", dt.date(2030, 1, 1), [R.DATE_FUTURE], id="future"),
    pytest.param("", None, [], id="empty"),
    pytest.param(None, None, [], id="null"),
]


@pytest.mark.parametrize(("raw", "value", "expected"), DATE_CASES)
def test_date(raw: str | None, value: dt.date | None, expected: list[str]) -> None:
    result = date_column(pl.Series([raw], dtype=pl.String), today=TODAY)
    assert one(result) == ((value,), expected)


def test_date_options_and_messages() -> None:
    result = date_column(
        ["2030-01-01", "", "17 Agt 1980", "31-02-2020"],
        today=TODAY,
        field="start_date",
        required=True,
        allow_future=True,
    )
    assert result.values.columns == ["start_date"]
    assert codes(result) == [[], [R.REQUIRED], [N], [R.DATE_INVALID]]
    assert result.issues.get_column("message").to_list() == [
        "Tanggal mulai wajib diisi.",
        "Tanggal mulai '17 Agt 1980' dibaca sebagai 17-08-1980; periksa kembali.",
        "Tanggal mulai '31-02-2020' bukan tanggal yang valid; tulis tanggal-bulan-tahun, "
        "mis. 17-08-1980.",
    ]
    assert set(result.issues.get_column("field")) == {"start_date"}


def test_date_serial_range() -> None:
    result = date_column(["29450", "100"], today=TODAY, serial_range=(10000, 60000))
    assert codes(result) == [[N], [R.DATE_INVALID]]


def test_every_month_name_maps_to_a_month() -> None:
    assert set(MONTH_NAMES.values()) == set(range(1, 13))


@pytest.mark.parametrize(
    ("raw", "place", "date_text", "expected"),
    [
        pytest.param("Malili, 17-08-1980", "Malili", "17-08-1980", [R.BIRTH_PLACE_SPLIT], id="c"),
        pytest.param(
            "Makassar,17 Agustus 1980",
            "Makassar",
            "17 Agustus 1980",
            [R.BIRTH_PLACE_SPLIT],
            id="no-space",
        ),
        pytest.param(
            "Kota Makassar, Sulsel, 1980-08-17",
            "Kota Makassar, Sulsel",
            "1980-08-17",
            [R.BIRTH_PLACE_SPLIT],
            id="last-comma",
        ),
        pytest.param("Malili,", "Malili", None, [R.BIRTH_PLACE_SPLIT], id="no-date"),
        pytest.param("17-08-1980", None, "17-08-1980", [], id="no-comma"),
        pytest.param(None, None, None, [], id="null"),
    ],
)
def test_split_place_date(
    raw: str | None, place: str | None, date_text: str | None, expected: list[str]
) -> None:
    assert one(split_place_date(pl.Series([raw], dtype=pl.String))) == (
        (place, date_text),
        expected,
    )


def test_split_then_parse() -> None:
    split = split_place_date(["Malili, 17 Agt 1980"])
    parsed = date_column(split.values.get_column("birth_date_text"), today=TODAY)
    assert parsed.values.item() == AUG17
    assert combine_issues(split.issues, parsed.issues).get_column("code").to_list() == [
        R.BIRTH_PLACE_SPLIT,
        R.DATE_NORMALIZED,
    ]


@pytest.mark.parametrize(
    ("born", "on", "age", "expected"),
    [
        pytest.param(dt.date(1980, 8, 17), TODAY, 44, [], id="44"),
        pytest.param(dt.date(2010, 6, 1), TODAY, 15, [], id="birthday-today"),
        pytest.param(dt.date(2010, 6, 2), TODAY, 14, [R.AGE_OUT_OF_RANGE], id="day-before"),
        pytest.param(dt.date(1960, 6, 1), TODAY, 65, [R.AGE_OUT_OF_RANGE], id="too-old"),
        pytest.param(dt.date(2008, 2, 29), dt.date(2025, 2, 28), 16, [], id="feb-29-not-yet"),
        pytest.param(dt.date(2008, 2, 29), dt.date(2025, 3, 1), 17, [], id="feb-29-on-1-march"),
        pytest.param(None, TODAY, None, [], id="null"),
    ],
)
def test_age(born: dt.date | None, on: dt.date, age: int | None, expected: list[str]) -> None:
    result = age_check(pl.Series([born], dtype=pl.Date), on, min_age=15, max_age=64)
    assert one(result) == ((age,), expected)


def test_age_on_a_column_and_message() -> None:
    result = age_check(pl.Series([dt.date(2010, 6, 2)]), pl.Series([TODAY]), min_age=15, max_age=64)
    assert result.issues.get_column("message").item() == (
        "Umur 14 tahun pada 01-06-2025 di luar batas 15–64 tahun."
    )


# --- wage -------------------------------------------------------------------------------------

W = R.WAGE_NORMALIZED

WAGE_CASES: list[Any] = [
    pytest.param("2500000", 2500000, [], id="plain"),
    pytest.param(" 2500000 ", 2500000, [], id="whitespace"),
    pytest.param("2.500.000", 2500000, [], id="dots"),
    pytest.param("2,500,000", 2500000, [W], id="commas"),
    pytest.param("Rp 2.500.000,00", 2500000, [], id="rp-decimal-comma"),
    pytest.param("Rp2.500.000", 2500000, [], id="rp-no-space"),
    pytest.param("Rp. 2.500.000,-", 2500000, [], id="rp-dot-dash"),
    pytest.param("rp\u00a02.500.000", 2500000, [], id="rp-nbsp"),
    pytest.param("IDR 2,500,000.00", 2500000, [W], id="idr"),
    pytest.param("2500000.0", 2500000, [], id="float-repr"),
    pytest.param("2500000,00", 2500000, [], id="decimal-comma-zero"),
    pytest.param("2 500 000", 2500000, [W], id="spaces"),
    pytest.param("1.500.000", 1500000, [], id="dots-1.5M"),
    pytest.param("2.5 jt", None, [R.WAGE_INVALID], id="jt"),
    pytest.param("2,5 juta", None, [R.WAGE_INVALID], id="juta"),
    pytest.param("dua juta", None, [R.WAGE_INVALID], id="words"),
    pytest.param("-2500000", None, [R.WAGE_INVALID], id="negative"),
    pytest.param("Rp -2.500.000", None, [R.WAGE_INVALID], id="negative-rp"),
    pytest.param("(2.500.000)", None, [R.WAGE_INVALID], id="accounting-negative"),
    pytest.param("2500000.5", None, [R.WAGE_INVALID], id="fraction"),
    pytest.param("2,5", None, [R.WAGE_INVALID], id="decimal-comma-fraction"),
    pytest.param("2.500.000.00", None, [R.WAGE_INVALID], id="same-separator-twice"),
    pytest.param("+2500000", None, [R.WAGE_INVALID], id="plus-sign"),
    pytest.param("99999999999999999999", None, [R.WAGE_INVALID], id="overflow"),
    pytest.param("100000", 100000, [R.WAGE_OUT_OF_BOUNDS], id="below-min"),
    pytest.param("25000000", 25000000, [R.WAGE_OUT_OF_BOUNDS], id="above-max"),
    pytest.param("1.000", 1000, [R.WAGE_OUT_OF_BOUNDS], id="out-of-bounds-grouped"),
    pytest.param("", None, [], id="empty"),
    pytest.param(None, None, [], id="null"),
]


@pytest.mark.parametrize(("raw", "value", "expected"), WAGE_CASES)
def test_wage(raw: str | None, value: int | None, expected: list[str]) -> None:
    result = wage_column(pl.Series([raw], dtype=pl.String), min_value=500_000, max_value=20_000_000)
    assert one(result) == ((value,), expected)


def test_wage_messages() -> None:
    result = wage_column(
        ["100000", "2,500,000", "-5", "2,5", None],
        min_value=500_000,
        max_value=20_000_000,
        required=True,
    )
    assert result.issues.get_column("message").to_list() == [
        "Upah Rp 100.000 di luar batas Rp 500.000 sampai Rp 20.000.000.",
        "Upah '2,500,000' dibaca sebagai Rp 2.500.000.",
        "Upah tidak boleh negatif ('-5').",
        "Upah '2,5' bukan jumlah rupiah yang valid; tulis angka bulat tanpa desimal, mis. 2500000.",
        "Upah/penghasilan sebulan (Rp) wajib diisi.",
    ]
    assert result.values.schema == pl.Schema({"wage": pl.Int64})


def test_wage_one_bound() -> None:
    result = wage_column(["1", "999999999"], min_value=None, max_value=1000)
    assert codes(result) == [[], [R.WAGE_OUT_OF_BOUNDS]]
    assert "batas - sampai Rp 1.000" in result.issues.get_column("message").item()


# --- other identifiers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value", "expected"),
    [
        pytest.param("081234567890", "081234567890", [], id="mobile"),
        pytest.param("0812-3456-7890", "081234567890", [], id="dashes"),
        pytest.param("+62 812 3456 7890", "081234567890", [], id="plus-62"),
        pytest.param("6281234567890", "081234567890", [], id="62"),
        pytest.param("81234567890", "081234567890", [], id="lost-zero"),
        pytest.param("81234567890.0", "081234567890", [], id="float-repr"),
        pytest.param("(0411) 123456", "0411123456", [], id="landline"),
        pytest.param("'081234567890", "081234567890", [], id="apostrophe"),
        pytest.param("12345", None, [R.PHONE_INVALID], id="short"),
        pytest.param("0812 / 0813", None, [R.PHONE_INVALID], id="two-numbers"),
        pytest.param("", None, [], id="empty"),
        pytest.param(None, None, [], id="null"),
    ],
)
def test_phone(raw: str | None, value: str | None, expected: list[str]) -> None:
    assert one(phone_column(pl.Series([raw], dtype=pl.String))) == ((value,), expected)


@pytest.mark.parametrize(
    ("raw", "value", "expected"),
    [
        pytest.param("7324010101800001", "7324010101800001", [], id="plain"),
        pytest.param("'7324 0101 0180 0001", "7324010101800001", [], id="apostrophe-spaces"),
        pytest.param("7324-0101-0180-0001", "7324010101800001", [], id="dashes"),
        pytest.param("7324.0101.0180.0001\u00a0", "7324010101800001", [], id="dots-nbsp"),
        pytest.param("7.32401E+15", None, [R.KK_INVALID], id="scientific"),
        pytest.param("7324010101800000.0", None, [R.KK_INVALID], id="float-repr"),
        pytest.param("732401010180000", None, [R.KK_INVALID], id="15-digits"),
        pytest.param("KK 7324010101800001", None, [R.KK_INVALID], id="text"),
        pytest.param("", None, [], id="empty"),
        pytest.param(None, None, [], id="null"),
    ],
)
def test_kk(raw: str | None, value: str | None, expected: list[str]) -> None:
    assert one(kk_column(pl.Series([raw], dtype=pl.String))) == ((value,), expected)


def test_kk_excel_message() -> None:
    (message,) = kk_column(["7.32401E+15"]).issues.get_column("message").to_list()
    assert "diolah sebagai angka oleh Excel" in message
    assert "'7.32401E+15'" in message


@pytest.mark.parametrize(
    ("raw", "value", "expected"),
    [
        pytest.param("12345678", "12345678", [], id="8-digits"),
        pytest.param("12345678901", "12345678901", [], id="11-digits"),
        pytest.param("12345678901234567890", "12345678901234567890", [], id="20-digits"),
        pytest.param("12345678901.0", "12345678901", [], id="float-repr-exact"),
        pytest.param("1234567", None, [R.KPJ_INVALID], id="7-digits"),
        pytest.param("123456789012345678901", None, [R.KPJ_INVALID], id="21-digits"),
        pytest.param("1.23457E+15", None, [R.KPJ_INVALID], id="scientific"),
        pytest.param("", None, [], id="empty"),
    ],
)
def test_kpj(raw: str | None, value: str | None, expected: list[str]) -> None:
    assert one(kpj_column(pl.Series([raw], dtype=pl.String))) == ((value,), expected)


@pytest.mark.parametrize(
    ("raw", "value", "expected"),
    [
        pytest.param("73.24.01.2001", "73.24.01.2001", [], id="dotted"),
        pytest.param("7324012001", "73.24.01.2001", [], id="plain"),
        pytest.param(" 73.24.01.2002\u00a0", "73.24.01.2002", [], id="nbsp"),
        pytest.param("73.24.01.9999", None, [R.DESA_UNKNOWN], id="unknown"),
        pytest.param("Malili", None, [R.DESA_UNKNOWN], id="name-is-not-a-code"),
        pytest.param("", None, [], id="empty"),
        pytest.param(None, None, [], id="null"),
    ],
)
def test_desa_code(raw: str | None, value: str | None, expected: list[str]) -> None:
    result = desa_code_column(pl.Series([raw], dtype=pl.String), desa_codes=DESA)
    assert one(result) == ((value,), expected)


def test_desa_codes_may_be_given_undotted() -> None:
    result = desa_code_column(["73.24.01.2001"], desa_codes={"7324012001"})
    assert one(result) == (("73.24.01.2001",), [])


#: Two desa of one area (two named alike, apart from case and punctuation) and one outside it.
AREA = {"73.24.01.2001": "Wonorejo", "73.24.01.2002": "WONOREJO.", "73.24.01.2003": "Balantang"}
KNOWN = {*AREA, "91.03.01.1001"}
DESA_CELLS = ["balantang", "7324012003", "Wonorejo", "Ujung", "91.03.01.1001", ""]


def test_desa_by_code_or_name_as_intake_reads_it() -> None:
    """A unit's file: names inside the unit's area, an empty cell is the unit's own desa."""
    result = desa_by_code_or_name(
        pl.Series(DESA_CELLS, dtype=pl.String), known_desa=KNOWN, area_desa=AREA,
        area="wilayah unit ini", outside="wilayah unit ini", required=False,
        default="73.24.01.2001",
    )  # fmt: skip
    assert result.values.get_column("desa").to_list() == [
        "73.24.01.2003", "73.24.01.2003", None, None, None, "73.24.01.2001",
    ]  # fmt: skip
    assert result.issues.select("row_index", "code", "message").rows() == [
        (2, R.DESA_AMBIGUOUS, 'Ada lebih dari satu desa/kelurahan bernama "Wonorejo" di wilayah '
         "unit ini; tulis kodenya."),
        (3, R.DESA_UNKNOWN, 'Desa/kelurahan "Ujung" tidak ditemukan di wilayah unit ini.'),
        (4, R.DESA_OUTSIDE_UNIT, "Desa/kelurahan 91.03.01.1001 berada di luar wilayah unit ini."),
    ]  # fmt: skip


def test_desa_by_code_or_name_as_targeting_reads_it() -> None:
    """A DTSEN list of a region: the desa is required, the messages name the region."""
    result = desa_by_code_or_name(
        pl.Series(DESA_CELLS, dtype=pl.String), known_desa=KNOWN, area_desa=AREA,
        area="Kecamatan Burau", outside="wilayah Kecamatan Burau (73.24.01)", required=True,
    )  # fmt: skip
    assert result.values.get_column("desa").to_list() == [
        "73.24.01.2003", "73.24.01.2003", None, None, None, None,
    ]  # fmt: skip
    assert result.issues.select("row_index", "code", "message").rows() == [
        (2, R.DESA_AMBIGUOUS, 'Ada lebih dari satu desa/kelurahan bernama "Wonorejo" di '
         "Kecamatan Burau; tulis kodenya."),
        (3, R.DESA_UNKNOWN, 'Desa/kelurahan "Ujung" tidak ditemukan di Kecamatan Burau.'),
        (4, R.DESA_OUTSIDE_UNIT, "Desa/kelurahan 91.03.01.1001 berada di luar wilayah Kecamatan "
         "Burau (73.24.01)."),
        (5, R.REQUIRED, "Desa/kelurahan wajib diisi."),
    ]  # fmt: skip


# --- across rows and the issues frame ---------------------------------------------------------


def test_duplicates_name_the_first_row() -> None:
    first, second = "7324011708800001", "7324011708800002"
    niks = pl.Series([first, second, first, None, None, first, second])
    result = duplicates_in_file(niks, row_numbers=pl.Series(range(2, 9)))
    assert result.values.get_column("nik_duplicate").to_list() == [
        False, False, True, False, False, True, True,
    ]  # fmt: skip
    assert result.issues.select("row_index", "code", "message").rows() == [
        (2, R.NIK_DUPLICATE_IN_FILE, "NIK ini sudah ada di baris 2 berkas ini."),
        (5, R.NIK_DUPLICATE_IN_FILE, "NIK ini sudah ada di baris 2 berkas ini."),
        (6, R.NIK_DUPLICATE_IN_FILE, "NIK ini sudah ada di baris 3 berkas ini."),
    ]


def test_duplicates_of_other_text_and_none() -> None:
    result = duplicates_in_file(pl.Series(["+1", "1", "+1"]), row_numbers=pl.Series([10, 11, 12]))
    assert codes(result) == [[], [], [R.NIK_DUPLICATE_IN_FILE]]
    clean = duplicates_in_file(pl.Series(["1", "2"]), row_numbers=pl.Series([1, 2]))
    assert clean.issues.is_empty()
    assert clean.issues.schema == ISSUE_SCHEMA


def test_issues_frame_layout_order_and_severity() -> None:
    niks = nik_columns(
        ["9924013102800000", "7324011708800001", "9101011708800001"],
        today=TODAY,
        province_codes=PROVINCES,
        regency_codes=REGENCIES,
        district_codes=DISTRICTS,
    )
    sexes = sex_column(["Laki-laki", "X", "P"])
    issues = combine_issues(niks.issues, sexes.issues)
    assert issues.schema == ISSUE_SCHEMA
    assert issues.select("row_index", "field", "code", "severity").rows() == [
        (0, "nik", E.PROVINCE_UNKNOWN, "error"),
        (0, "nik", E.BIRTH_DATE_INVALID, "error"),
        (0, "nik", E.SEQUENCE_ZERO, "error"),
        (0, "sex", R.SEX_NORMALIZED, "warning"),
        (1, "sex", R.SEX_INVALID, "error"),
        (2, "nik", E.REGENCY_UNKNOWN, "warning"),
    ]
    for code, severity in issues.select("code", "severity").iter_rows():
        assert (severity == "warning") is (code in WARNING_CODES)
    assert combine_issues().is_empty()


def test_whole_row_pipeline() -> None:
    """The columns of one file, validated together: values line up with the input rows."""
    frame = pl.DataFrame(
        {
            "nik": ["7324015708800001", "7324011708800001", "7324011708800001"],
            "sex": ["L", "Laki-laki", "L"],
            "birth_date": ["17-08-1980", "17 Agt 1980", "1980-08-17"],
            "wage": ["2500000", "2,500,000", "2500000.0"],
        }
    )
    sex = sex_column(frame["sex"])
    born = date_column(frame["birth_date"], today=TODAY)
    niks = nik_columns(
        frame["nik"],
        today=TODAY,
        sex=sex.values["sex"],
        birth_date=born.values["birth_date"],
    )
    wage = wage_column(frame["wage"], min_value=1_000_000, max_value=20_000_000)
    dups = duplicates_in_file(niks.values["nik"], row_numbers=pl.Series([2, 3, 4]))
    issues = combine_issues(niks.issues, sex.issues, born.issues, wage.issues, dups.issues)
    assert codes(Validated(frame, issues)) == [
        [E.SEX_MISMATCH],
        [R.SEX_NORMALIZED, R.DATE_NORMALIZED, R.WAGE_NORMALIZED],
        [R.NIK_DUPLICATE_IN_FILE],
    ]
    assert wage.values.get_column("wage").to_list() == [2500000] * 3


def test_empty_columns() -> None:
    empty = pl.Series([], dtype=pl.String)
    results = [
        nik_columns(empty, today=TODAY),
        sex_column(empty),
        date_column(empty, today=TODAY),
        wage_column(empty),
        phone_column(empty),
        kk_column(empty),
        kpj_column(empty),
        desa_code_column(empty, desa_codes=DESA),
        split_place_date(empty),
        duplicates_in_file(empty, row_numbers=pl.Series([], dtype=pl.Int64)),
    ]
    for result in results:
        assert result.values.height == 0
        assert result.issues.is_empty()
        assert result.issues.schema == ISSUE_SCHEMA
