"""Small things every page shares (issue 17, item 8): the favicon, dates and months day first."""

from __future__ import annotations

import datetime as dt

import pytest
from django import forms
from django.test import Client

from cakupan.common.forms import DayField, MonthField


class _Form(forms.Form):
    day = DayField(required=False)
    month = MonthField(required=False)


def test_favicon_is_served() -> None:
    response = Client().get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"].endswith("img/favicon.ico")
    assert Client().get(response["Location"]).status_code == 200


@pytest.mark.parametrize(
    ("day", "month", "expected"),
    [
        ("31-01-2026", "01-2026", (dt.date(2026, 1, 31), dt.date(2026, 1, 1))),
        ("31/01/2026", "1/2026", (dt.date(2026, 1, 31), dt.date(2026, 1, 1))),
        ("2026-01-31", "2026-01", (dt.date(2026, 1, 31), dt.date(2026, 1, 1))),  # old links
    ],
)
def test_dates_and_months_are_read_day_first_and_iso(
    day: str, month: str, expected: tuple[dt.date, dt.date]
) -> None:
    form = _Form({"day": day, "month": month})
    assert form.is_valid(), form.errors
    assert (form.cleaned_data["day"], form.cleaned_data["month"]) == expected


def test_dates_and_months_are_shown_day_first_as_text_with_a_calendar() -> None:
    html = str(_Form(initial={"day": dt.date(2026, 1, 31), "month": dt.date(2026, 3, 1)}))
    assert 'type="text" name="day" value="31-01-2026"' in html
    assert 'data-datepicker="day"' in html and 'placeholder="hh-bb-tttt"' in html
    assert 'type="text" name="month" value="03-2026"' in html
    assert 'data-datepicker="month"' in html
    assert 'type="date"' not in html and 'type="month"' not in html
    bad = _Form({"day": "31-02-2026", "month": "13-2026"})
    assert not bad.is_valid()
    assert bad.errors["day"] == ["Tulis tanggal yang ada sebagai HH-BB-TTTT, misalnya 31-01-2026."]
    assert bad.errors["month"] == ["Tulis bulan sebagai BB-TTTT, misalnya 01-2026."]
