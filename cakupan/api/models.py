"""API tokens, the idempotency keys of writes, and the per-token request counters.

A token is shown once, when it is made; only its SHA-256 is stored (``secret_hash``), with a short
public prefix (``prefix``) to find the row and to name the token in lists and the audit log. The
secret has 256 bits of entropy, so an unsalted fast hash is enough: nothing to guess, no dictionary
to try (a password hash would cost every API call a key derivation for no gain).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    """A bearer token of one user: it acts with that user's role and scope, never more."""

    # What the audit log records of a token (never the secret nor its hash).
    AUDITED_FIELDS = ("user", "name", "prefix", "read_only", "expires_at", "revoked_at")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("pengguna"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("nama token"), max_length=100)
    prefix = models.CharField(_("awalan"), max_length=16, unique=True, db_collation="C")
    secret_hash = models.CharField(_("hash rahasia"), max_length=64, db_collation="C")
    read_only = models.BooleanField(_("hanya baca"), default=False)
    expires_at = models.DateTimeField(_("berlaku sampai"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("dicabut pada"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dicabut oleh"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    last_used_at = models.DateTimeField(_("terakhir dipakai"), null=True, blank=True)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dibuat oleh"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("token API")
        verbose_name_plural = _("token API")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(secret_hash__regex=r"^[0-9a-f]{64}$"),  # noqa: S106 - a pattern
                name="apitoken_hash_sha256",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_usable(self, now: dt.datetime | None = None) -> bool:
        """Not revoked, not expired, and its user still active."""
        now = now or timezone.now()
        if self.revoked_at is not None:
            return False
        if self.expires_at is not None and self.expires_at <= now:
            return False
        return bool(self.user.is_active)


class IdempotencyKey(models.Model):
    """One ``Idempotency-Key`` of one user: the request it answered (as a fingerprint) and the
    answer, replayed for the same request within ``API_IDEMPOTENCY_HOURS`` (``api.idempotency``).

    The row is inserted in the transaction of the write it guards, so the key and the write commit
    or roll back together; the unique constraint makes a concurrent duplicate wait for the first
    and then replay it.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    key = models.CharField(max_length=200, db_collation="C")
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=300)
    body_hash = models.CharField(max_length=64, db_collation="C")
    status = models.PositiveSmallIntegerField(null=True)
    response = models.JSONField(null=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key"),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} ({self.created_at:%Y-%m-%d %H:%M})"


class RateWindow(models.Model):
    """Requests of one token in one minute: the rate limit's counter, shared by every worker
    process (a database row, incremented in one statement: ``api.services.rate_hit``)."""

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="+", db_index=False)
    minute = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["token", "minute"], name="ratewindow_token_minute"),
        ]

    def __str__(self) -> str:
        return f"{self.minute:%Y-%m-%d %H:%M}: {self.count}"
