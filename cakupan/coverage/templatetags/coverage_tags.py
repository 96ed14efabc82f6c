"""``{% load coverage_tags %}``: ``{{ mapping|get_item:key }}`` for the tables of children, and
``{% figure f counts=True kind="posts" %}`` for one indicator figure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.formats import localize
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

register = template.Library()


@register.filter
def get_item(mapping: Mapping[str, Any] | None, key: str) -> Any:
    """``mapping[key]``, or None when either is missing (never an exception in a template)."""
    if not mapping:
        return None
    return mapping.get(key)


def _shown(value: Any, name: str) -> Any:
    # What ``{{ figure.name }}`` resolves to: "" (``string_if_invalid``) when there is no figure.
    return getattr(value, name, "") if value is not None else ""


@register.simple_tag
def figure(value: Any, counts: bool = False, kind: str = "") -> SafeString:
    """One indicator figure: "48,3%" (with its counts when ``counts``), or why there is no
    percentage (``kind`` "posts": no posts recorded).

    A tag rather than an included snippet: the home page shows some eighty of them (cards, 24
    months, the table of children), and each ``{% include %}`` cost about 70 us. The HTML is the
    snippet's, newline before and after included.
    """
    percent = _shown(value, "percent")
    if percent is not None:
        html = format_html('<span class="figure-pct">{}%</span>', localize(percent))
        if counts:
            html += format_html(
                ' <span class="figure-counts">{} / {}</span>',
                intcomma(_shown(value, "numerator")),
                intcomma(_shown(value, "denominator")),
            )
    elif _shown(value, "status") == "zero_denominator":
        reason = (
            gettext("formasi belum dicatat")
            if kind == "posts"
            else gettext("pembanding bernilai nol")
        )
        html = format_html('<span class="figure-none">{}</span>', reason)
    else:
        html = format_html(
            '<span class="figure-none">{}</span>', gettext("belum ada data pembanding")
        )
    return mark_safe(f"\n{html}\n")  # noqa: S308 - built by format_html above
