"""Model fields shared by the apps (the Django side of ``cakupan.common.money``)."""

from __future__ import annotations

from typing import Any

from django.db import models

from cakupan.common.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS


def MoneyField(verbose_name: Any = None, **kwargs: Any) -> models.DecimalField:
    """A whole-rupiah amount column."""
    return models.DecimalField(
        verbose_name,
        max_digits=MONEY_MAX_DIGITS,
        decimal_places=MONEY_DECIMAL_PLACES,
        **kwargs,
    )
