"""Translatable labels that several screens show: month names of chart axes and tables, dates.

Documents with legal force keep their Indonesian names (``common.dates.MONTH_NAMES``); these follow
the reader's language. Not in ``common.dates``, which the rules package imports without Django.
"""

from __future__ import annotations

import datetime as dt

from django.utils.formats import date_format
from django.utils.translation import pgettext_lazy

SHORT_MONTH_NAMES = (
    pgettext_lazy("bulan singkat", "Jan"),
    pgettext_lazy("bulan singkat", "Feb"),
    pgettext_lazy("bulan singkat", "Mar"),
    pgettext_lazy("bulan singkat", "Apr"),
    pgettext_lazy("bulan singkat", "Mei"),
    pgettext_lazy("bulan singkat", "Jun"),
    pgettext_lazy("bulan singkat", "Jul"),
    pgettext_lazy("bulan singkat", "Agu"),
    pgettext_lazy("bulan singkat", "Sep"),
    pgettext_lazy("bulan singkat", "Okt"),
    pgettext_lazy("bulan singkat", "Nov"),
    pgettext_lazy("bulan singkat", "Des"),
)


def local_long_date(day: dt.date) -> str:
    """``day`` in the reader's language: ``9 Mei 2022``, in English ``9 May 2022`` (Django's month
    names). Documents with legal force use ``common.dates.long_date``, always Indonesian."""
    return date_format(day, "j F Y")
