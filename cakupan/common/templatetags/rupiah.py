"""``{% load rupiah %}`` then ``{{ amount|rupiah }}`` -> ``Rp2.500.000`` (``common.money`` format)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template

from cakupan.common.money import format_rupiah

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
