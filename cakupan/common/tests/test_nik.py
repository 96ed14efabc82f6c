"""``cakupan.common.nik``: table-driven cases with exact codes, and Hypothesis properties."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cakupan.common.nik import (
    MESSAGES,
    PROVINCE_CODES,
    NikCode,
    format_nik,
    make_nik,
    mask_nik,
    parse_nik,
)
from cakupan.wilayah.dataset import iter_regions

TODAY = dt.date(2025, 6, 1)

#: A slice of the region data: Luwu Timur, Papua (after the 2022 split) and Merauke.
REGIONS = {
    "73": "Sulawesi Selatan",
    "73.24": "Kabupaten Luwu Timur",
    "73.24.01": "Mangkutana",
    "91": "Papua",
    "91.03": "Kabupaten Jayapura",
    "91.03.01": "Sentani",
    "93": "Papua Selatan",
    "93.01": "Kabupaten Merauke",
    "93.01.01": "Merauke",
}


class FakeRegionNames:
    """``region_names`` over a dict, recording its calls."""

    def __init__(self, names: Mapping[str, str]) -> None:
        self.names = names
        self.calls: list[list[str]] = []

    def __call__(self, codes: list[str]) -> dict[str, str]:
        self.calls.append(list(codes))
        return {code: self.names[code] for code in codes if code in self.names}


@functools.cache
def dataset_names() -> dict[str, str]:
    """Province, kabupaten/kota and kecamatan names of the whole shipped dataset."""
    return {row.code: row.name for row in iter_regions() if row.level <= 3}


@functools.cache
def kecamatan_codes() -> list[str]:
    return sorted(code for code in dataset_names() if code.count(".") == 2)


def codes(issues: Any) -> list[str]:
    return [issue.code for issue in issues]


E = NikCode
# (raw, keyword arguments, expected error codes, expected warning codes)
CASES: list[Any] = [
    pytest.param("7324011708800001", {}, [], [], id="valid-man"),
    pytest.param("7324015708800001", {}, [], [], id="valid-woman-plus-40"),
    pytest.param("7324017108800001", {}, [], [], id="valid-woman-day-71"),
    pytest.param("7324011708800010", {}, [], [], id="text-ending-in-0-is-legal"),
    pytest.param("7324012902000001", {}, [], [], id="29-02-2000-exists"),
    pytest.param("7324013102800001", {}, [E.BIRTH_DATE_INVALID], [], id="date-31-02"),
    pytest.param("7324012902010001", {}, [E.BIRTH_DATE_INVALID], [], id="date-29-02-01"),
    pytest.param("7324010008800001", {}, [E.BIRTH_DATE_INVALID], [], id="day-00"),
    pytest.param("7324013208800001", {}, [E.BIRTH_DATE_INVALID], [], id="day-32"),
    pytest.param("7324014008800001", {}, [E.BIRTH_DATE_INVALID], [], id="day-40"),
    pytest.param("7324017208800001", {}, [E.BIRTH_DATE_INVALID], [], id="day-72"),
    pytest.param("7324011713800001", {}, [E.BIRTH_DATE_INVALID], [], id="month-13"),
    pytest.param("7324011700800001", {}, [E.BIRTH_DATE_INVALID], [], id="month-00"),
    pytest.param("7324011708800000", {}, [E.SEQUENCE_ZERO], [], id="sequence-0000"),
    pytest.param("9924011708800001", {}, [E.PROVINCE_UNKNOWN], [], id="province-99"),
    pytest.param("2024011708800001", {}, [E.PROVINCE_UNKNOWN], [], id="province-20"),
    pytest.param("7300001708800001", {}, [E.REGION_ZERO, E.REGION_ZERO], [], id="region-00"),
    pytest.param("9101011708800001", {}, [], [E.REGENCY_UNKNOWN], id="pre-split-merauke"),
    pytest.param("7399011708800001", {}, [], [E.REGENCY_UNKNOWN], id="unknown-regency"),
    pytest.param("7324991708800001", {}, [], [E.DISTRICT_UNKNOWN], id="unknown-kecamatan"),
    pytest.param(
        "9924013102800000",
        {},
        [E.PROVINCE_UNKNOWN, E.BIRTH_DATE_INVALID, E.SEQUENCE_ZERO],
        [],
        id="independent-errors-all-reported",
    ),
    # Excel damage
    pytest.param("7.32401E+15", {}, [E.EXCEL_DAMAGED], [], id="excel-scientific"),
    pytest.param("7,32401E+15", {}, [E.EXCEL_DAMAGED], [], id="excel-scientific-comma"),
    pytest.param("7.324011708800001e+15", {}, [E.EXCEL_DAMAGED], [], id="excel-scientific-full"),
    pytest.param(" 7.32401E15 ", {}, [E.EXCEL_DAMAGED], [], id="excel-scientific-no-plus"),
    pytest.param("7324011708800001.0", {}, [E.EXCEL_DAMAGED], [], id="excel-dot-zero-text"),
    pytest.param("7324011708800000,00", {}, [E.EXCEL_DAMAGED], [], id="excel-comma-zero-text"),
    pytest.param(7324011708800001.0, {}, [E.EXCEL_DAMAGED], [], id="excel-float"),
    pytest.param(7.32401e15, {}, [E.EXCEL_DAMAGED], [], id="excel-float-truncated"),
    pytest.param(7324011708800000, {}, [E.EXCEL_DAMAGED], [], id="excel-int-ending-0"),
    pytest.param(Decimal("7324011708800000"), {}, [E.EXCEL_DAMAGED], [], id="excel-decimal-0"),
    pytest.param(Decimal("7324011708800001.0"), {}, [E.EXCEL_DAMAGED], [], id="excel-decimal-.0"),
    pytest.param("7.324.011.708.800.000", {}, [E.EXCEL_DAMAGED], [], id="excel-thousands-dot"),
    pytest.param("7,324,011,708,800,000", {}, [E.EXCEL_DAMAGED], [], id="excel-thousands-comma"),
    pytest.param(7324011708800001, {}, [], [], id="int-not-ending-0-is-exact"),
    pytest.param(Decimal("7324011708800001"), {}, [], [], id="decimal-exact"),
    # clean-up and format errors
    pytest.param(" 7324 0117 0880 0001 ", {}, [], [], id="spaces"),
    pytest.param("7324.0117.0880.0001", {}, [], [], id="dots"),
    pytest.param("73.24.01-170880-0001", {}, [], [], id="dots-and-dashes"),
    pytest.param("7324\u00a00117\u00a008800001\u00a0", {}, [], [], id="nbsp"),
    pytest.param("7324\u200b011708800001", {}, [], [], id="zero-width-space"),
    pytest.param("7324\u2013011708800001", {}, [], [], id="en-dash"),
    pytest.param("'7324011708800001", {}, [], [], id="excel-text-apostrophe"),
    pytest.param("\uff17\uff13\uff12\uff14011708800001", {}, [], [], id="full-width-digits"),
    pytest.param("7324O11708800001", {}, [E.NOT_DIGITS], [], id="letter-O"),
    pytest.param("NIK 7324011708800001", {}, [E.NOT_DIGITS], [], id="prefix-text"),
    pytest.param("7324/0117/0880/0001", {}, [E.NOT_DIGITS], [], id="slashes"),
    pytest.param(True, {}, [E.NOT_DIGITS], [], id="bool"),
    pytest.param(-7324011708800001, {}, [E.NOT_DIGITS], [], id="negative-int"),
    pytest.param("732401170880001", {}, [E.LENGTH], [], id="15-digits"),
    pytest.param("73240117088000011", {}, [E.LENGTH], [], id="17-digits"),
    pytest.param("73240199990000", {}, [E.LENGTH], [], id="short-no-date-errors"),
    pytest.param("", {}, [E.EMPTY], [], id="empty"),
    pytest.param(" \u00a0 ", {}, [E.EMPTY], [], id="blank"),
    pytest.param(None, {}, [E.EMPTY], [], id="none"),
    pytest.param(float("nan"), {}, [E.EMPTY], [], id="nan-empty-cell"),
    # cross-checks
    pytest.param("7324011708800001", {"sex": "L"}, [], [], id="sex-matches"),
    pytest.param("7324015708800001", {"sex": "p"}, [], [], id="sex-matches-lowercase"),
    pytest.param("7324015708800001", {"sex": "L"}, [E.SEX_MISMATCH], [], id="sex-mismatch-woman"),
    pytest.param("7324011708800001", {"sex": "P"}, [E.SEX_MISMATCH], [], id="sex-mismatch-man"),
    pytest.param(
        "7324011708800001", {"birth_date": dt.date(1980, 8, 17)}, [], [], id="birth-date-matches"
    ),
    pytest.param(
        "7324011708800001",
        {"birth_date": dt.date(1980, 8, 18)},
        [E.BIRTH_DATE_MISMATCH],
        [],
        id="birth-date-mismatch",
    ),
    pytest.param(
        "7324015708800001",
        {"sex": "L", "birth_date": dt.date(1981, 8, 17)},
        [E.SEX_MISMATCH, E.BIRTH_DATE_MISMATCH],
        [],
        id="both-mismatch",
    ),
    pytest.param(
        "7324013102800001",
        {"sex": "P", "birth_date": dt.date(1980, 2, 28)},
        [E.BIRTH_DATE_INVALID, E.SEX_MISMATCH],
        [],
        id="invalid-date-no-date-mismatch",
    ),
    pytest.param(
        "7324010101300001",
        {"birth_date": dt.date(2030, 1, 1)},
        [E.BIRTH_DATE_FUTURE],
        [],
        id="future-via-given-century",
    ),
]


@pytest.mark.parametrize(("raw", "kwargs", "errors", "warnings"), CASES)
def test_parse_nik_codes(
    raw: object, kwargs: dict[str, Any], errors: list[str], warnings: list[str]
) -> None:
    result = parse_nik(raw, region_names=FakeRegionNames(REGIONS), today=TODAY, **kwargs)
    assert codes(result.errors) == errors
    assert codes(result.warnings) == warnings
    assert result.valid is (not errors)
    for issue in (*result.errors, *result.warnings):
        assert issue.message


def test_valid_man_fields() -> None:
    result = parse_nik("7324 0117 0880 0001", region_names=FakeRegionNames(REGIONS), today=TODAY)
    assert result.input == "7324 0117 0880 0001"
    assert result.nik == "7324011708800001"
    assert result.valid
    assert result.sex == "L"
    assert result.birth_date == dt.date(1980, 8, 17)
    assert (result.province_code, result.regency_code, result.district_code) == (
        "73",
        "73.24",
        "73.24.01",
    )
    assert result.sequence == "0001"


def test_valid_woman_fields() -> None:
    result = parse_nik("7324015708800001", today=TODAY)
    assert (result.sex, result.birth_date) == ("P", dt.date(1980, 8, 17))


def test_region_names_called_once_with_the_three_codes() -> None:
    lookup = FakeRegionNames(REGIONS)
    parse_nik("9101011708800001", region_names=lookup, today=TODAY)
    assert lookup.calls == [["91", "91.01", "91.01.01"]]


def test_without_region_names_only_the_province_is_checked() -> None:
    assert parse_nik("9101011708800001", today=TODAY).warnings == ()
    assert parse_nik("7399991708800001", today=TODAY).valid
    assert codes(parse_nik("9924011708800001", today=TODAY).errors) == [E.PROVINCE_UNKNOWN]


def test_builtin_provinces_equal_the_dataset() -> None:
    assert {code for code in dataset_names() if "." not in code} == PROVINCE_CODES
    assert len(PROVINCE_CODES) == 38


def test_dataset_has_no_9101_but_has_merauke_under_93() -> None:
    """Why ``9101…`` is a warning: Papua (91) exists, Merauke moved to 93.01 in 2022."""
    names = dataset_names()
    assert names["91"] == "Papua"
    assert "91.01" not in names
    assert names["93.01"] == "Kabupaten Merauke"
    result = parse_nik("9101011708800001", region_names=FakeRegionNames(names), today=TODAY)
    assert result.valid
    assert codes(result.warnings) == [E.REGENCY_UNKNOWN]


def test_excel_message_tells_to_format_as_text() -> None:
    for raw in ("7.32401E+15", 7324011708800000, 7324011708800001.0):
        (issue,) = parse_nik(raw, today=TODAY).errors
        assert issue.code == "nik_excel_damaged"
        assert "format kolom nik sebagai teks" in issue.message.lower()
        assert "ketik ulang" in issue.message


def test_excel_damaged_decodes_nothing() -> None:
    result = parse_nik(7324011708800000, today=TODAY)
    assert result.input == "7324011708800000"
    assert result.nik is None
    assert (result.sex, result.birth_date, result.province_code, result.sequence) == (None,) * 4


def test_length_message_counts_digits() -> None:
    (issue,) = parse_nik("7324-0117-0880-001", today=TODAY).errors
    assert issue.message == "NIK harus 16 digit, ditemukan 15 digit."
    assert parse_nik("7324-0117-0880-001", today=TODAY).nik is None


def test_not_digits_message_names_the_characters() -> None:
    (issue,) = parse_nik("7324O1170880000l", today=TODAY).errors
    assert issue.message == "NIK hanya boleh berisi angka; ditemukan karakter 'O', 'l'."


def test_sex_mismatch_message() -> None:
    (issue,) = parse_nik("7324015708800001", sex="L", today=TODAY).errors
    assert (
        issue.message == "NIK menunjukkan perempuan (tanggal lahir + 40), data menyebut laki-laki."
    )
    (issue,) = parse_nik("7324011708800001", sex="P", today=TODAY).errors
    assert issue.message.startswith("NIK menunjukkan laki-laki")
    assert issue.message.endswith("data menyebut perempuan.")


def test_birth_date_mismatch_message_has_both_dates() -> None:
    (issue,) = parse_nik("7324011708800001", birth_date=dt.date(1980, 8, 18), today=TODAY).errors
    assert issue.message == "Tanggal lahir di NIK 17-08-1980, data menyebut 18-08-1980."


def test_invalid_date_messages_say_what_is_wrong() -> None:
    (issue,) = parse_nik("7324017213800001", today=TODAY).errors
    assert "kode tanggal 72" in issue.message
    assert "bulan 13" in issue.message
    (issue,) = parse_nik("7324013102800001", today=TODAY).errors
    assert "31-02-80 tidak ada di kalender" in issue.message


@pytest.mark.parametrize(
    ("raw", "kwargs", "expected"),
    [
        pytest.param("7324011708250001", {}, dt.date(1925, 8, 17), id="20YY-after-today-19YY"),
        pytest.param("7324010105250001", {}, dt.date(2025, 5, 1), id="20YY-before-today"),
        pytest.param("7324010106250001", {}, dt.date(2025, 6, 1), id="20YY-equal-today"),
        pytest.param("7324010206250001", {}, dt.date(1925, 6, 2), id="20YY-one-day-after-today"),
        pytest.param("7324010101000001", {}, dt.date(2000, 1, 1), id="year-00"),
        pytest.param("7324010101990001", {}, dt.date(1999, 1, 1), id="year-99"),
        pytest.param(
            "7324010105250001",
            {"birth_date": dt.date(1925, 5, 1)},
            dt.date(1925, 5, 1),
            id="given-birth-date-century",
        ),
        pytest.param(
            "7324010105250001",
            {"birth_date": dt.date(1825, 5, 1)},
            dt.date(1825, 5, 1),
            id="given-birth-date-any-century",
        ),
    ],
)
def test_century(raw: str, kwargs: dict[str, Any], expected: dt.date) -> None:
    result = parse_nik(raw, today=TODAY, **kwargs)
    assert result.birth_date == expected
    assert result.valid


def test_future_birth_date_when_both_centuries_are_after_today() -> None:
    result = parse_nik("7324010101990001", today=dt.date(1995, 1, 1))
    assert codes(result.errors) == [E.BIRTH_DATE_FUTURE]
    assert result.birth_date == dt.date(1999, 1, 1)
    assert "01-01-1999" in result.errors[0].message


def test_default_today_is_used() -> None:
    assert parse_nik("7324011708800001").valid


def test_bad_sex_argument_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="sex"):
        parse_nik("7324011708800001", sex="X")


def test_every_code_has_a_message_and_a_stable_value() -> None:
    assert set(MESSAGES) == set(NikCode)
    assert {code.value for code in NikCode} == {
        "nik_empty", "nik_excel_damaged", "nik_not_digits", "nik_length", "nik_province_unknown",
        "nik_region_zero", "nik_regency_unknown", "nik_district_unknown", "nik_birth_date_invalid",
        "nik_birth_date_future", "nik_sequence_zero", "nik_sex_mismatch", "nik_birth_date_mismatch",
    }  # fmt: skip


def test_format_and_mask() -> None:
    assert format_nik("7324 0117.0880-0001") == "7324011708800001"
    assert format_nik("7324011708800001", grouped=True) == "732401 170880 0001"
    assert mask_nik("7324011708800001") == "7324********0001"
    assert mask_nik("732401 170880 0001") == "7324********0001"
    for bad in ("732401170880001", "7324O11708800001", ""):
        with pytest.raises(ValueError, match="16-digit"):
            format_nik(bad)
        with pytest.raises(ValueError, match="16-digit"):
            mask_nik(bad)


def test_make_nik() -> None:
    assert make_nik(
        district_code="73.24.01", birth_date=dt.date(1980, 8, 17), sex="L", sequence=1
    ) == ("7324011708800001")
    assert make_nik(
        district_code="732401", birth_date=dt.date(2001, 2, 3), sex="P", sequence=9999
    ) == ("7324014302019999")


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({"district_code": "73.24"}, id="regency-not-kecamatan"),
        pytest.param({"district_code": "73.24.0a"}, id="letters"),
        pytest.param({"sex": "X"}, id="sex"),
        pytest.param({"sequence": 0}, id="sequence-0"),
        pytest.param({"sequence": 10000}, id="sequence-10000"),
    ],
)
def test_make_nik_rejects(kwargs: dict[str, Any]) -> None:
    arguments: dict[str, Any] = {
        "district_code": "73.24.01", "birth_date": dt.date(1980, 8, 17), "sex": "L", "sequence": 1,
        **kwargs,
    }  # fmt: skip
    with pytest.raises(ValueError):  # noqa: PT011 - each case has its own message
        make_nik(**arguments)


# --- properties -------------------------------------------------------------------------------

_REAL_TODAY = dt.date.today()
#: Today 15 years ago (the 28th at the latest, so that 29 February needs no special case).
_LATEST_BIRTH = dt.date(_REAL_TODAY.year - 15, _REAL_TODAY.month, min(_REAL_TODAY.day, 28))


@st.composite
def nik_parts(draw: st.DrawFn) -> tuple[str, dt.date, str, int]:
    district = draw(st.sampled_from(kecamatan_codes()))
    born = draw(st.dates(min_value=dt.date(1940, 1, 1), max_value=_LATEST_BIRTH))
    sex = draw(st.sampled_from(["L", "P"]))
    sequence = draw(st.integers(min_value=1, max_value=9999))
    return district, born, sex, sequence


@given(nik_parts())
def test_make_nik_round_trips(parts: tuple[str, dt.date, str, int]) -> None:
    district, born, sex, sequence = parts
    nik = make_nik(district_code=district, birth_date=born, sex=sex, sequence=sequence)
    names = dataset_names()
    result = parse_nik(nik, sex=sex, birth_date=born, region_names=FakeRegionNames(names))
    assert result.valid, result.errors
    assert result.warnings == ()
    assert result.nik == nik
    assert (result.sex, result.birth_date) == (sex, born)
    assert result.district_code == district
    assert result.regency_code == district[:5]
    assert result.province_code == district[:2]
    assert result.sequence == f"{sequence:04d}"
    # Without the cross-check data the century rule alone finds the same date.
    assert parse_nik(nik).birth_date == born

    grouped = format_nik(nik, grouped=True)
    assert grouped.replace(" ", "") == nik
    assert [len(part) for part in grouped.split(" ")] == [6, 6, 4]
    assert parse_nik(grouped).nik == nik
    assert format_nik(nik) == nik
    masked = mask_nik(nik)
    assert masked[:4] == nik[:4]
    assert masked[-4:] == nik[-4:]
    assert masked[4:12] == "*" * 8


@given(st.integers(min_value=10**15, max_value=10**16 - 1))
def test_floats_never_pass(value: int) -> None:
    assert codes(parse_nik(float(value)).errors) == [E.EXCEL_DAMAGED]


@given(st.integers(min_value=10**14, max_value=10**15 - 1))
def test_numbers_ending_in_zero_never_pass(prefix: int) -> None:
    value = prefix * 10
    assert codes(parse_nik(value).errors) == [E.EXCEL_DAMAGED]
    assert codes(parse_nik(f"{value:,}").errors) == [E.EXCEL_DAMAGED]
    assert E.EXCEL_DAMAGED not in codes(parse_nik(str(value)).errors)


@given(st.one_of(st.text(), st.integers(), st.floats(), st.none()))
def test_never_raises_and_valid_means_sixteen_digits(raw: object) -> None:
    result = parse_nik(raw)
    assert result.valid is (not result.errors)
    if result.valid:
        assert result.nik is not None
        assert len(result.nik) == 16
        assert result.nik.isascii()
        assert result.nik.isdigit()
