"""Translatable labels that several screens show: the short month names of chart axes and tables.

Documents with legal force keep their Indonesian names (``common.dates.MONTH_NAMES``); these follow
the reader's language. Not in ``common.dates``, which the rules package imports without Django.
"""

from __future__ import annotations

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
