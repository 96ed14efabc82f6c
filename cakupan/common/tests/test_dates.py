"""Month arithmetic: contribution months (first days) and calendar dates plus months (clamped)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cakupan.common.dates import (
    add_months,
    full_months,
    month_end,
    month_start,
    parse_month,
    shift_month,
)

D = dt.date


@pytest.mark.parametrize(
    ("month", "n", "expected"),
    [
        (D(2024, 1, 1), 1, D(2024, 2, 1)),
        (D(2024, 12, 1), 1, D(2025, 1, 1)),
        (
            D(2024, 1, 31),
            1,
            D(2024, 2, 1),
        ),  # the day is dropped: months are named by their first day
        (D(2024, 3, 1), -3, D(2023, 12, 1)),
        (D(2024, 3, 1), 0, D(2024, 3, 1)),
        (D(2024, 3, 15), -27, D(2021, 12, 1)),
    ],
)
def test_shift_month(month: dt.date, n: int, expected: dt.date) -> None:
    assert shift_month(month, n) == expected


@pytest.mark.parametrize(
    ("day", "n", "expected"),
    [
        (D(2024, 1, 31), 1, D(2024, 2, 29)),  # clamped to the leap February
        (D(2023, 1, 31), 1, D(2023, 2, 28)),
        (D(2024, 3, 31), -1, D(2024, 2, 29)),
        (D(2019, 12, 2), 36, D(2022, 12, 2)),
        (D(2024, 5, 15), -12, D(2023, 5, 15)),
    ],
)
def test_add_months_keeps_the_day_clamped(day: dt.date, n: int, expected: dt.date) -> None:
    assert add_months(day, n) == expected


@pytest.mark.parametrize(
    ("day", "first", "last"),
    [
        (D(2024, 2, 10), D(2024, 2, 1), D(2024, 2, 29)),
        (D(2023, 2, 28), D(2023, 2, 1), D(2023, 2, 28)),
        (D(2024, 12, 31), D(2024, 12, 1), D(2024, 12, 31)),
    ],
)
def test_month_start_and_end(day: dt.date, first: dt.date, last: dt.date) -> None:
    assert month_start(day) == first
    assert month_end(day) == last


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        (D(2021, 5, 1), D(2024, 5, 1), 36),  # exactly three years
        (D(2021, 5, 2), D(2024, 5, 1), 35),  # a day short
        (D(2024, 1, 31), D(2024, 2, 29), 1),  # the clamped day counts as the whole month
        (D(2024, 5, 1), D(2024, 4, 30), 0),  # end before start
        (D(2020, 3, 15), D(2023, 3, 14), 35),
        (D(2020, 1, 1), D(2022, 12, 31), 35),
        (D(2020, 1, 31), D(2020, 2, 28), 0),
        (D(2024, 5, 1), D(2024, 5, 1), 0),
    ],
)
def test_full_months(start: dt.date, end: dt.date, months: int) -> None:
    assert full_months(start, end) == months


@given(st.dates(min_value=D(1900, 1, 1), max_value=D(2200, 12, 31)), st.integers(-600, 600))
def test_full_months_inverts_add_months(day: dt.date, n: int) -> None:
    shifted = add_months(day, abs(n))
    assert full_months(day, shifted) == abs(n)
    assert month_start(shifted) == shift_month(day, abs(n))


@pytest.mark.parametrize("text", ["2024-13", "24-01", "2024-1", "1899-12", "abc", ""])
def test_parse_month_refuses(text: str) -> None:
    with pytest.raises(ValueError, match=r".*"):
        parse_month(text)  # message: the text refused


def test_parse_month() -> None:
    assert parse_month(" 2024-03 ") == D(2024, 3, 1)
