"""Template filters for registry pages: rupiah amounts and BPJS programme names.

``{% load rupiah %}`` then ``{{ membership.wage|rupiah }}`` -> ``Rp2.500.000`` and
``{% for p in membership.programmes|programmes %}`` -> ``(short, label)`` pairs (``JKK``,
``Jaminan Kecelakaan Kerja (JKK)``).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django import template

from cakupan.common.money import format_rupiah
from cakupan.registry.models import Programme

register = template.Library()


@register.filter
def rupiah(value: Decimal | int | str | None) -> str:
    """``Rp1.234.567``; empty text for a missing or unreadable amount (never an exception)."""
    if value is None or value == "":
        return ""
    try:
        return format_rupiah(Decimal(value))
    except (InvalidOperation, TypeError, ValueError):
        return ""


@register.filter
def programmes(codes: Iterable[str] | None) -> list[tuple[str, str]]:
    """Programme codes as ``(JKK, Jaminan Kecelakaan Kerja (JKK))``, in the regulation's order."""
    if not codes:
        return []
    chosen = set(codes)
    labels = dict(Programme.choices)
    return [(code.upper(), str(labels[code])) for code in Programme.values if code in chosen]
