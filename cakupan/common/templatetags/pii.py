"""Masked forms of personal data for templates: ``{% load pii %}{{ phone|masked_phone }}``."""

from __future__ import annotations

from django import template

from cakupan.common.pii import mask_phone

register = template.Library()


@register.filter
def masked_phone(value: object) -> str:
    """A phone or KK number with its middle digits hidden (``0812****5678``)."""
    return mask_phone(str(value or ""))
