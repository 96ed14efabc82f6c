"""``nik_columns`` gives what ``parse_nik`` gives, row by row: codes, order, messages and values.

Each Hypothesis example is a whole column (up to 40 cells) validated in one DataFrame.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import sys
from typing import Any

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from lokal import wilayah

from cakupan.common.nik import make_nik, parse_nik
from cakupan.intake.columns import nik_columns
from cakupan.intake.columns.text import _D, _INVISIBLE


@functools.cache
def region_table() -> dict[str, str]:
    """Provinces (``73``), kabupaten/kota (``73.24``) and kecamatan (``73.24.01``)."""
    return dict(wilayah._base())


def region_names(codes: list[str]) -> dict[str, str]:
    table = region_table()
    return {code: table[code] for code in codes if code in table}


def level(length: int) -> set[str]:
    return {code for code in region_table() if len(code) == length}


@functools.cache
def kecamatan() -> list[str]:
    return sorted(level(8))


# --- strategies -------------------------------------------------------------------------------

#: Region prefixes that exercise every region rule: real, pre-split (91.01), unknown, zero.
ODD_REGIONS = ["910101", "739901", "732499", "730000", "732400", "990101", "200101", "000000"]


@st.composite
def real_niks(draw: st.DrawFn) -> str:
    return make_nik(
        district_code=draw(st.sampled_from(kecamatan())),
        birth_date=draw(st.dates(min_value=dt.date(1901, 1, 1), max_value=dt.date(2099, 12, 31))),
        sex=draw(st.sampled_from(["L", "P"])),
        sequence=draw(st.integers(min_value=1, max_value=9999)),
    )


@st.composite
def shaped_niks(draw: st.DrawFn) -> str:
    """16 digits with every part drawn over its edges (day codes 00..79, months 00..13, ...)."""
    region = draw(
        st.one_of(
            st.sampled_from(ODD_REGIONS),
            st.sampled_from(kecamatan()).map(lambda code: code.replace(".", "")),
        )
    )
    day = draw(st.integers(min_value=0, max_value=79))
    month = draw(st.integers(min_value=0, max_value=13))
    year = draw(st.integers(min_value=0, max_value=99))
    sequence = draw(st.sampled_from([0, 1, 10, 9999]) | st.integers(min_value=0, max_value=9999))
    return f"{region}{day:02d}{month:02d}{year:02d}{sequence:04d}"


SEPARATORS = [" ", ".", "-", "\u00a0", "\u200b", "\t", "\u2013", "\u2009", "\ufeff", "\x1c", ","]
LOOKALIKES = {"0": ["O", "o", "\uff10", "\U0001d7ce", "\u0660"], "1": ["l", "I", "\uff11"]}


@st.composite
def mutated(draw: st.DrawFn, base: str) -> str:
    kind = draw(
        st.sampled_from(
            [
                "digit",
                "insert",
                "apostrophe",
                "truncate",
                "extend",
                "lookalike",
                "fraction",
                "thousands",
                "scientific",
                "float_repr",
                "grouped",
            ]
        )
    )
    if not base:
        return draw(st.sampled_from(["", "0", "'", " "]))
    if kind == "digit":
        at = draw(st.integers(0, len(base) - 1))
        return base[:at] + draw(st.sampled_from("0123456789")) + base[at + 1 :]
    if kind == "insert":
        text = base
        for _ in range(draw(st.integers(1, 4))):
            at = draw(st.integers(0, len(text)))
            text = text[:at] + draw(st.sampled_from(SEPARATORS)) + text[at:]
        return text
    if kind == "apostrophe":
        return (
            draw(st.sampled_from(["", " ", "\u00a0"]))
            + draw(st.sampled_from(["'", "''", "\u2019", "' "]))
            + base
        )
    if kind == "truncate":
        return base[: draw(st.integers(0, len(base) - 1))]
    if kind == "extend":
        return base + draw(st.text(alphabet="0123456789", min_size=1, max_size=3))
    if kind == "lookalike":
        at = draw(st.integers(0, len(base) - 1))
        options = [*LOOKALIKES.get(base[at], []), "\uff10", "\uff19", "\u0967"]
        return base[:at] + draw(st.sampled_from(options)) + base[at + 1 :]
    if kind == "fraction":
        return base + draw(st.sampled_from([".0", ",0", ".00", ",000", ".", ",", ".5", ".01"]))
    if kind == "thousands":
        grouped = f"{int(base):,}" if base.isdigit() and base.isascii() else base
        return grouped.replace(",", draw(st.sampled_from([",", "."])))
    if kind == "scientific":
        value = int(base) if base.isdigit() and base.isascii() else 7324011708800001
        text = f"{value:.{draw(st.integers(0, 15))}E}"
        return text.replace(".", draw(st.sampled_from([".", ","])))
    if kind == "float_repr":
        value = int(base) if base.isdigit() and base.isascii() else 7324011708800001
        return repr(float(value))
    # "grouped": as format_nik(grouped=True) or the KTP's print
    return f"{base[0:6]} {base[6:12]} {base[12:]}"


def nik_like() -> st.SearchStrategy[str]:
    base = st.one_of(real_niks(), shaped_niks())
    return st.one_of(base, base.flatmap(mutated), base.flatmap(mutated).flatmap(mutated))


TEXTS = st.one_of(
    nik_like(),
    st.text(max_size=20),
    st.text(alphabet="0123456789 .,-'eE+", max_size=24),
    st.text(
        alphabet=st.sampled_from([*"0123456789", *SEPARATORS, "\uff11", "\u0661"]), max_size=20
    ),
    st.sampled_from(["", " ", "'", "''", "\u00a0", "-", ".", "nan", "inf", "7.32401E+15"]),
)

#: Numbers as a spreadsheet cell gives them: the value for parse_nik, its text for the column.
NUMBERS = st.one_of(
    st.integers(min_value=10**15, max_value=10**16 - 1),
    st.integers(min_value=10**14, max_value=10**15 - 1).map(lambda prefix: prefix * 10),
    st.integers(),
    st.floats(),
    st.integers(min_value=10**15, max_value=10**16 - 1).map(float),
)


@st.composite
def cells(draw: st.DrawFn) -> tuple[object, str | None, bool]:
    """(value for parse_nik, text for the column, cell was numeric)."""
    choice = draw(st.integers(0, 9))
    if choice == 0:
        return None, None, False
    if choice == 1:
        number = draw(NUMBERS)
        return number, repr(number) if isinstance(number, float) else str(number), True
    text = draw(TEXTS)
    return text, text, False


def nik_date(text: str) -> tuple[int, int, int] | None:
    """(yy, month, day) written in a 16-digit text, if they make a date in some century."""
    digits = re.sub(r"\D", "", text)
    if len(digits) != 16 or not digits.isascii():
        return None
    day, month, yy = int(digits[6:8]), int(digits[8:10]), int(digits[10:12])
    return (yy, month, day - 40 if day > 40 else day) if 1 <= month <= 12 else None


@st.composite
def rows(draw: st.DrawFn) -> tuple[object, str | None, bool, str | None, dt.date | None]:
    value, text, numeric = draw(cells())
    sex = draw(st.sampled_from([None, None, "L", "P"]))
    birth: dt.date | None = None
    option = draw(st.integers(0, 3))
    parts = nik_date(text) if text is not None else None
    if option == 1:
        birth = draw(st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)))
    elif option >= 2 and parts is not None:
        yy, month, day = parts
        century = draw(st.sampled_from([1, 18, 19, 20, 21, 99]))
        try:
            birth = dt.date(century * 100 + yy, month, day)
        except ValueError:
            birth = None
        if option == 3 and birth is not None and birth.year < 9999:
            birth = birth.replace(day=1) if birth.day != 1 else birth.replace(day=2)
    return value, text, numeric, sex, birth


def issue_lists(issues: pl.DataFrame, height: int) -> list[dict[str, list[tuple[str, str]]]]:
    found: list[dict[str, list[tuple[str, str]]]] = [
        {"error": [], "warning": []} for _ in range(height)
    ]
    for row in issues.iter_rows(named=True):
        found[row["row_index"]][row["severity"]].append((row["code"], row["message"]))
    return found


@settings(max_examples=500, deadline=None)
@given(
    data=st.lists(rows(), min_size=1, max_size=40),
    today=st.one_of(
        st.just(dt.date(2025, 6, 1)),
        st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2060, 12, 31)),
    ),
    with_regions=st.booleans(),
)
def test_nik_columns_equal_parse_nik(
    data: list[tuple[Any, str | None, bool, str | None, dt.date | None]],
    today: dt.date,
    with_regions: bool,
) -> None:
    values, texts, numeric, sexes, births = (list(column) for column in zip(*data, strict=True))
    regions: dict[str, Any] = (
        {"regency_codes": level(5), "district_codes": level(8), "province_codes": level(2)}
        if with_regions
        else {}
    )
    result = nik_columns(
        pl.Series(texts, dtype=pl.String),
        today=today,
        sex=pl.Series(sexes, dtype=pl.String),
        birth_date=pl.Series(births, dtype=pl.Date),
        numeric=pl.Series(numeric, dtype=pl.Boolean),
        **regions,
    )
    found = issue_lists(result.issues, len(values))
    for index, (value, sex, birth) in enumerate(zip(values, sexes, births, strict=True)):
        expected = parse_nik(
            value,
            sex=sex,
            birth_date=birth,
            region_names=region_names if with_regions else None,
            today=today,
        )
        context = (value, sex, birth, today)
        assert found[index]["error"] == [(e.code, e.message) for e in expected.errors], context
        assert found[index]["warning"] == [(w.code, w.message) for w in expected.warnings], context
        assert result.values.row(index) == (expected.nik, expected.sex, expected.birth_date), (
            context
        )


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(), max_size=30))
def test_any_text_equal_parse_nik_without_regions(texts: list[str]) -> None:
    result = nik_columns(pl.Series(texts, dtype=pl.String), today=dt.date(2025, 6, 1))
    found = issue_lists(result.issues, len(texts))
    for index, text in enumerate(texts):
        expected = parse_nik(text, today=dt.date(2025, 6, 1))
        assert found[index]["error"] == [(e.code, e.message) for e in expected.errors], text
        assert result.values.row(index) == (expected.nik, expected.sex, expected.birth_date)


def test_character_classes_are_pythons() -> None:
    """The spelled-out classes equal Python's ``\\s`` (plus zero-width) and ``\\d``, so the regex
    crate's own (newer) Unicode tables decide nothing."""
    everything = [chr(code) for code in range(sys.maxunicode + 1) if not 0xD800 <= code <= 0xDFFF]
    invisible = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]")
    frame = pl.DataFrame({"c": everything}).select(
        pl.col("c"),
        pl.col("c").str.contains(f"^{_INVISIBLE}$").alias("invisible"),
        pl.col("c").str.contains(f"^{_D}$").alias("digit"),
    )
    assert frame.filter("invisible")["c"].to_list() == [c for c in everything if invisible.match(c)]
    assert frame.filter("digit")["c"].to_list() == [c for c in everything if re.match(r"\d", c)]
