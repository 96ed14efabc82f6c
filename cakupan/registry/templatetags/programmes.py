"""``{% load programmes %}`` then ``{% for short, label in membership.programmes|programmes %}``.

Programme codes become ``(JKK, Jaminan Kecelakaan Kerja (JKK))`` pairs in the regulation's order.
"""

from __future__ import annotations

from collections.abc import Iterable

from django import template

from cakupan.registry.models import Programme

register = template.Library()


@register.filter
def programmes(codes: Iterable[str] | None) -> list[tuple[str, str]]:
    """Programme codes as ``(JKK, Jaminan Kecelakaan Kerja (JKK))``, in the regulation's order."""
    if not codes:
        return []
    chosen = set(codes)
    labels = dict(Programme.choices)
    return [(code.upper(), str(labels[code])) for code in Programme.values if code in chosen]
