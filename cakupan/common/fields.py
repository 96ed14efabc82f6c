"""Model fields shared by the apps: whole rupiah (``common.money``) and encrypted text (``common.crypto``)."""

from __future__ import annotations

from typing import Any

from django.db import models

from cakupan.common import crypto
from cakupan.common.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS


def MoneyField(verbose_name: Any = None, **kwargs: Any) -> models.DecimalField:
    """A whole-rupiah amount column."""
    return models.DecimalField(
        verbose_name,
        max_digits=MONEY_MAX_DIGITS,
        decimal_places=MONEY_DECIMAL_PLACES,
        **kwargs,
    )


class EncryptedTextField(models.TextField):
    """Text encrypted at rest with AES-256-GCM (``common.crypto``); plain text in Python.

    Empty stays empty (so ``blank`` keeps its meaning without a key). The column holds only
    ciphertext: no database lookup, ordering or constraint can use its content, so validate in the
    service before saving. The associated data is ``<app>.<model>.<field>``.
    """

    def contribute_to_class(self, cls: Any, name: str, *args: Any, **kwargs: Any) -> None:
        super().contribute_to_class(cls, name, *args, **kwargs)
        self.crypto_context = f"{cls._meta.label_lower}.{name}"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if not value or not crypto.is_encrypted(value):
            return value
        return crypto.decrypt(value, context=self.crypto_context)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if not value or crypto.is_encrypted(value):
            return value
        return crypto.encrypt(value, context=self.crypto_context)
