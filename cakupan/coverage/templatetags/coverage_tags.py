"""``{% load coverage_tags %}``: ``{{ mapping|get_item:key }}`` for the tables of children."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: Mapping[str, Any] | None, key: str) -> Any:
    """``mapping[key]``, or None when either is missing (never an exception in a template)."""
    if not mapping:
        return None
    return mapping.get(key)
