"""Token authentication: ``Authorization: Bearer cak_<prefix>_<secret>``.

A request with a usable token (``api.services.token_authenticate``: known, not revoked, not
expired, its user active) acts as the token's user: ``request.user`` is that user, so every
selector and service scopes it exactly as the web does (``accounts.access``), and
``accounts.middleware.DeniedAccessLogMiddleware`` logs its 403s and 404s as it logs the web's.
Anything else answers 401.

Per call, after the token is known: the rate limit (``API_RATE_PER_MINUTE`` requests per token and
minute, then 429 with ``Retry-After``), then the token's own limit: a read-only token may not
write (403 ``token_read_only``). What writes is decided per operation: by default every method but
GET, HEAD and OPTIONS; an operation that only reads through a POST (a NIK check, a calculator) is
given :data:`token_auth_reads` instead.
"""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from cakupan.accounts.audit import Actor
from cakupan.accounts.models import Source, User
from cakupan.api import services
from cakupan.api.errors import ApiError
from cakupan.api.models import ApiToken

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class TokenAuth(HttpBearer):
    """The API's bearer-token check. ``writes``: None decides by the HTTP method."""

    def __init__(self, *, writes: bool | None = None) -> None:
        super().__init__()
        self.writes = writes

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        api_token = services.token_authenticate(token.strip())
        if api_token is None:
            return None
        count, minute = services.rate_hit(token=api_token)
        if count > settings.API_RATE_PER_MINUTE:
            wait = 60 - (timezone.now() - minute).total_seconds()
            raise ApiError(
                429,
                message=_(
                    "Batas %(limit)d permintaan per menit untuk token ini terlampaui. "
                    "Coba lagi setelah %(seconds)d detik."
                )
                % {"limit": settings.API_RATE_PER_MINUTE, "seconds": max(1, math.ceil(wait))},
                headers={"Retry-After": str(max(1, math.ceil(wait)))},
            )
        writes = self.writes if self.writes is not None else request.method not in SAFE_METHODS
        if writes and api_token.read_only:
            raise ApiError(
                403,
                "token_read_only",
                _(
                    "Token ini hanya untuk membaca; buat token tanpa batas baca untuk mengubah data."
                ),
            )
        request.user = api_token.user
        request.api_token = api_token  # type: ignore[attr-defined]
        return api_token


# The API's default: writes decided by the method.
token_auth = TokenAuth()
# For operations that read through a POST (the body carries what must not be in a URL).
token_auth_reads = TokenAuth(writes=False)


def api_user(request: HttpRequest) -> User:
    """The user a request acts as (set by :class:`TokenAuth`)."""
    user: Any = request.user
    assert isinstance(user, User)
    return user


def api_actor(request: HttpRequest) -> Actor:
    """The token's user acting through the API, as services and the audit log name them: the
    channel is ``api`` and the label names the token (``admin.lutim [token 1a2b3c4d]``)."""
    token: ApiToken = request.auth  # type: ignore[attr-defined]
    user = api_user(request)
    return Actor(
        user=user, source=Source.API, label=f"{user.get_username()} [token {token.prefix}]"
    )
