"""Throttling sign-ins (django-axes): a limit per account and another per address.

Axes records every failed sign-in (``user_login_failed``: a wrong password through any
``authenticate()`` call, or a wrong second factor, which the sign-in view reports the same way) in
``axes_accessattempt``, and its backend, first in ``AUTHENTICATION_BACKENDS``, refuses to evaluate a
locked account or address. Axes has one limit for all its parameters; :class:`ThrottleHandler` lets
the address have its own (``ACCOUNTS_LOCKOUT_ADDRESS_FAILURES``, higher than an account's, so one
office behind one address is not locked out by a few typing mistakes). :func:`lockout_for` says
which lock holds and until when, for the sign-in page and the administrators' user list.

Failures count while each follows the previous one within the lock time (Axes's rule); a lock lasts
``ACCOUNTS_LOCKOUT_MINUTES`` from the last failure counted. Attempts during a lock are refused and
not counted, so nobody can keep an account locked for longer than one lock time past their last
counted failure without making new ones after it ends; the owner can sign in then, or an
administrator can unlock at once (``services.lockout_clear``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.utils import timezone


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: ``REMOTE_ADDR``, or the entry ``ACCOUNTS_TRUSTED_PROXIES`` proxies back.

    Only the entries our own proxies appended to ``X-Forwarded-For`` are trusted; whatever a client
    puts at the start of the header is ignored.
    """
    proxies = settings.ACCOUNTS_TRUSTED_PROXIES
    if proxies > 0:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [a for a in forwarded if a]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None


def _cooloff() -> dt.timedelta:
    return dt.timedelta(minutes=settings.ACCOUNTS_LOCKOUT_MINUTES)


def _counted(**lookup: Any) -> int:
    """Failures still counted for ``lookup`` (username or ip_address)."""
    got = AccessAttempt.objects.filter(
        attempt_time__gte=timezone.now() - _cooloff(), **lookup
    ).aggregate(n=Sum("failures_since_start"))
    return int(got["n"] or 0)


@dataclass(frozen=True, slots=True)
class Lockout:
    """Why sign-in is refused (``account`` or ``address``), until when, after how many failures."""

    reason: str
    until: dt.datetime
    failures: int


def _lock_until(lookup: dict[str, Any], limit: int) -> Lockout | None:
    """The lock on ``lookup`` if its counted failures reach ``limit``, and when it ends.

    Axes keeps one record per (username, address, browser), each with the time of its last failure
    and its count; a record stops counting ``ACCOUNTS_LOCKOUT_MINUTES`` after that time. The lock
    ends when enough of the oldest records have stopped counting to leave fewer than ``limit``.
    """
    records = list(
        AccessAttempt.objects.filter(attempt_time__gte=timezone.now() - _cooloff(), **lookup)
        .order_by("attempt_time")
        .values_list("attempt_time", "failures_since_start")
    )
    total = sum(n for _, n in records)
    if total < limit:
        return None
    left = total
    for at, n in records:
        left -= n
        if left < limit:
            return Lockout(reason="", until=at + _cooloff(), failures=total)
    raise AssertionError("unreachable: the last record leaves nothing")


def lockout_for(*, username: str | None, ip: str | None) -> Lockout | None:
    """The lock that refuses a sign-in as ``username`` from ``ip`` now, if any (the account's first)."""
    if username:
        lock = _lock_until({"username": username}, settings.ACCOUNTS_LOCKOUT_ACCOUNT_FAILURES)
        if lock is not None:
            return Lockout(reason="account", until=lock.until, failures=lock.failures)
    if ip:
        lock = _lock_until({"ip_address": ip}, settings.ACCOUNTS_LOCKOUT_ADDRESS_FAILURES)
        if lock is not None:
            return Lockout(reason="address", until=lock.until, failures=lock.failures)
    return None


class ThrottleHandler(AxesDatabaseHandler):
    """Axes's database handler, with the address's own limit.

    Axes compares one number with ``AXES_FAILURE_LIMIT`` (the account's limit); this returns the
    account's failures, or the address's scaled to that limit, whichever is nearer to it.
    """

    def get_failures(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        account_limit = settings.ACCOUNTS_LOCKOUT_ACCOUNT_FAILURES
        address_limit = settings.ACCOUNTS_LOCKOUT_ADDRESS_FAILURES
        username = get_client_username(request, credentials)
        account = _counted(username=username) if username else 0
        ip = getattr(request, "axes_ip_address", None)
        address = _counted(ip_address=ip) if ip else 0
        return max(account, address * account_limit // address_limit)


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """What Axes answers when a failure locks: the sign-in page has already said so itself."""
    if original_response is not None:
        return original_response
    return HttpResponse(status=429)


def account_lockouts(usernames: list[str]) -> dict[str, Lockout]:
    """:func:`lockout_for` of many accounts (no address), by username: the locked ones only."""
    limit = settings.ACCOUNTS_LOCKOUT_ACCOUNT_FAILURES
    counted = (
        AccessAttempt.objects.filter(
            username__in=usernames, attempt_time__gte=timezone.now() - _cooloff()
        )
        .values("username")
        .annotate(n=Sum("failures_since_start"))
        .filter(n__gte=limit)
        .values_list("username", flat=True)
    )
    out = {}
    for username in counted:
        lock = lockout_for(username=username, ip=None)
        if lock is not None:
            out[username] = lock
    return out
