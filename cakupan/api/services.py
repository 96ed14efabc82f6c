"""Writing API tokens (made, revoked: audited) and the counters the API keeps per token.

A token reads ``cak_<prefix>_<secret>``: the prefix (8 hex digits) finds the row and names the
token in lists and the audit log; the secret (43 URL-safe characters, 256 bits) is shown once and
stored only as the SHA-256 of the whole token.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone

from cakupan.accounts.audit import Actor, diff, record_change, snapshot
from cakupan.accounts.models import Action, User
from cakupan.api.models import ApiToken, RateWindow
from cakupan.common.errors import DomainError

TOKEN_PREFIX = "cak_"  # noqa: S105 - the public start of every token, not a secret
# How often ``last_used_at`` is written: at most once a minute per token, not once per call.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)
# Counters older than this are deleted when a token opens a new window.
RATE_WINDOW_KEEP = dt.timedelta(hours=1)


class TokenInvalid(DomainError):
    code = "token_invalid"


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A token just made: the row, and the token itself, which is never shown again."""

    token: ApiToken
    secret: str


@transaction.atomic
def token_create(
    *,
    actor: Actor,
    user: User,
    name: str,
    expires_days: int | None = None,
    read_only: bool = False,
) -> IssuedToken:
    """Make a token for ``user``. On the web a user makes their own only; the CLI any user's.

    ``expires_days``: days of validity, default ``API_TOKEN_DEFAULT_DAYS``, at most
    ``API_TOKEN_MAX_DAYS``. Refused (``token_invalid``) for an inactive account, an empty or long
    name, or a validity out of range.
    """
    if actor.user is not None and actor.user.pk != user.pk:
        raise PermissionDenied
    if not user.is_active:
        raise TokenInvalid(f"Akun {user.username} tidak aktif: token tidak dapat dibuat.")
    label = " ".join(name.split())
    if not label or len(label) > 100:
        raise TokenInvalid("Nama token wajib diisi, paling banyak 100 karakter.")
    days = settings.API_TOKEN_DEFAULT_DAYS if expires_days is None else expires_days
    if not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
        raise TokenInvalid(
            f"Masa berlaku token harus 1 sampai {settings.API_TOKEN_MAX_DAYS} hari, bukan {days}."
        )
    prefix = secrets.token_hex(4)
    while ApiToken.objects.filter(prefix=prefix).exists():  # 1 in 4 billion; cheap to be sure
        prefix = secrets.token_hex(4)
    raw = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        user=user,
        name=label,
        prefix=prefix,
        secret_hash=_hash(raw),
        read_only=read_only,
        expires_at=timezone.now() + dt.timedelta(days=days),
        created_by=actor.user,
    )
    record_change(
        actor=actor,
        action=Action.CREATE,
        instance=token,
        before=None,
        after=snapshot(token, ApiToken.AUDITED_FIELDS),
    )
    return IssuedToken(token=token, secret=raw)


@transaction.atomic
def token_revoke(*, actor: Actor, token: ApiToken) -> ApiToken:
    """Revoke ``token`` now: its next request answers 401. The owner, an administrator who manages
    the owner (``accounts.selectors.users_managed_by``) or the CLI may; anyone else gets 403.
    Revoking a revoked token changes nothing and writes nothing."""
    from cakupan.accounts.selectors import users_managed_by

    manager = actor.user
    if (
        manager is not None
        and manager.pk != token.user_id
        and not users_managed_by(manager).filter(pk=token.user_id).exists()
    ):
        raise PermissionDenied
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        return token
    before = snapshot(token, ApiToken.AUDITED_FIELDS)
    token.revoked_at = timezone.now()
    token.revoked_by = actor.user
    token.save(update_fields=["revoked_at", "revoked_by"])
    old, new = diff(before, snapshot(token, ApiToken.AUDITED_FIELDS))
    record_change(actor=actor, action=Action.UPDATE, instance=token, before=old, after=new)
    return token


def token_authenticate(raw: str) -> ApiToken | None:
    """The usable token ``raw`` names (not revoked, not expired, its user active), else None.

    Marks it used (``last_used_at``, at most once a minute). Not audited: the calls it makes are.
    """
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 100:
        return None
    prefix, _, secret = raw.removeprefix(TOKEN_PREFIX).partition("_")
    if not prefix or not secret:
        return None
    token = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
    if token is None or not hmac.compare_digest(token.secret_hash, _hash(raw)):
        return None
    now = timezone.now()
    if not token.is_usable(now):
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def rate_hit(*, token: ApiToken, now: dt.datetime | None = None) -> tuple[int, dt.datetime]:
    """Count one request of ``token`` in the current minute; returns the count so far in that
    minute and the minute's start. One statement (insert or increment), so concurrent requests in
    every worker process count exactly."""
    now = now or timezone.now()
    window = now.replace(second=0, microsecond=0)
    table = RateWindow._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (token_id, minute, count) VALUES (%s, %s, 1) "  # noqa: S608 - our table
            f"ON CONFLICT (token_id, minute) DO UPDATE SET count = {table}.count + 1 "
            "RETURNING count",
            [token.pk, window],
        )
        count = int(cursor.fetchone()[0])
    if count == 1:
        RateWindow.objects.filter(token=token, minute__lt=now - RATE_WINDOW_KEEP).delete()
    return count, window


def rate_windows_purge(*, now: dt.datetime | None = None) -> int:
    """Delete every token's counters older than ``RATE_WINDOW_KEEP``; returns how many."""
    horizon = (now or timezone.now()) - RATE_WINDOW_KEEP
    deleted, _per_model = RateWindow.objects.filter(minute__lt=horizon).delete()
    return deleted
