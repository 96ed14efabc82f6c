"""Form fields for what Indonesian users type: rupiah, contribution months, dates, percentages.

Each field only reads and type-checks the text (``Rp3.000.000`` -> ``Decimal(3000000)``,
``01-2026`` -> ``date(2026, 1, 1)``, ``31-01-2026`` -> ``date(2026, 1, 31)``); what a regulation
allows is decided by the rules engine.

Dates and months are shown and typed day first (``31-01-2026``, ``01-2026``) whatever the
browser's language: plain text inputs, not ``type="date"``/``type="month"`` (whose format follows
the browser's locale), marked ``data-datepicker`` so that ``static/js/cakupan.js`` adds a calendar
in the page's language. ISO text (``2026-01-31``, ``2026-01``) is accepted too, so links and
scripts written before keep working. The bounds here only keep absurd input (a 40-digit wage, the
year 9999) away from the calculators and the database.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cakupan.common.dates import parse_month
from cakupan.common.money import parse_rupiah

__all__ = [
    "CHOICE_ERRORS",
    "DATE_FORMAT",
    "DATE_INPUT_FORMATS",
    "FIRST_YEAR",
    "LAST_YEAR",
    "RUPIAH_MAX",
    "DayField",
    "MonthField",
    "PercentField",
    "RupiahField",
]

# Far above any wage or income (Rp1 triliun a month) and far below what Decimal arithmetic with 28
# digits could not hold after multiplying by 56 or 80 (benefits).
RUPIAH_MAX = Decimal(10) ** 12
RUPIAH_MAX_LENGTH = 30
FIRST_YEAR = 1900
LAST_YEAR = 2100
DATE_INPUT_FORMATS = ["%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y-%m-%d"]
DATE_FORMAT = "%d-%m-%Y"  # how a date field shows its value
MONTH_FORMAT = "%m-%Y"  # how a month field shows its value
_MONTH_DAY_FIRST = re.compile(r"^(\d{1,2})\s*[-/.]\s*(\d{4})$")
# For every ChoiceField: the default message names no way out.
CHOICE_ERRORS = {
    "invalid_choice": _("Pilihan %(value)s tidak tersedia; pilih salah satu dari daftar.")
}


class RupiahField(forms.CharField):
    """Whole rupiah as people write it: ``Rp3.000.000``, ``3.000.000``, ``3000000``, ``3.000.000,00``."""

    default_error_messages = {
        "invalid": _("Tulis jumlah rupiah utuh, misalnya 3.000.000 atau Rp3.000.000."),
        "not_positive": _("Jumlah harus lebih dari nol."),
        "too_large": _("Jumlah terlalu besar."),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false"}
            ),
        )
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("maxlength", str(RUPIAH_MAX_LENGTH))

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        if len(text) > RUPIAH_MAX_LENGTH:
            raise forms.ValidationError(self.error_messages["too_large"], code="too_large")
        try:
            amount = parse_rupiah(text)
        except (ValueError, InvalidOperation):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        if amount <= 0:
            raise forms.ValidationError(self.error_messages["not_positive"], code="not_positive")
        if amount > RUPIAH_MAX:
            raise forms.ValidationError(self.error_messages["too_large"], code="too_large")
        return amount


class MonthField(forms.CharField):
    """A contribution month typed ``MM-YYYY`` (``01-2026``; also ``1/2026`` or ISO ``2026-01``), as
    its first day."""

    default_error_messages = {
        "invalid": _("Tulis bulan sebagai BB-TTTT, misalnya 01-2026."),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={
                    "placeholder": _("bb-tttt"),
                    "inputmode": "numeric",
                    "autocomplete": "off",
                    "data-datepicker": "month",
                }
            ),
        )
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("maxlength", "7")

    def prepare_value(self, value: Any) -> Any:
        return value.strftime(MONTH_FORMAT) if isinstance(value, dt.date) else value

    def to_python(self, value: Any) -> dt.date | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        found = _MONTH_DAY_FIRST.match(text.strip())
        try:
            month = (
                dt.date(int(found.group(2)), int(found.group(1)), 1)
                if found
                else parse_month(text[:10])
            )
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        if not FIRST_YEAR <= month.year <= LAST_YEAR:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return month


class DayField(forms.DateField):
    """A calendar date typed ``DD-MM-YYYY`` (also ``DD/MM/YYYY`` or ISO) between 1900 and 2100."""

    input_formats = DATE_INPUT_FORMATS
    default_error_messages = {
        "invalid": _("Tulis tanggal yang ada sebagai HH-BB-TTTT, misalnya 31-01-2026."),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget",
            forms.DateInput(
                format=DATE_FORMAT,
                attrs={
                    "placeholder": _("hh-bb-tttt"),
                    "inputmode": "numeric",
                    "autocomplete": "off",
                    "maxlength": "10",
                    "data-datepicker": "day",
                },
            ),
        )
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> dt.date | None:
        day = super().to_python(value)
        if day is not None and not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return day


class PercentField(forms.CharField):
    """A percentage written with a comma or a point (``25``, ``12,5``, ``12.5%``)."""

    default_error_messages = {
        "invalid": _("Tulis persentase sebagai angka, misalnya 25 atau 12,5.")
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal"}))
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("maxlength", "10")

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        try:
            number = Decimal(text.strip().removesuffix("%").strip().replace(",", "."))
        except InvalidOperation:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        if not number.is_finite() or abs(number) > 1000:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return number
